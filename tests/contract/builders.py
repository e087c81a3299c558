"""Values the contract cases store: a chat, a subscription, an archived session and its posts."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from chatdeck.domain.archive import ArchivedPost, ArchiveSession
from chatdeck.domain.chats import Chat, Recurrence, Subscription

TEACHER = "rivera@school.example"
SESSION_START = datetime(2026, 11, 3, 1, 0, tzinfo=UTC)  # Mon 2 Nov 2026, 20:00 New York


def a_chat(chat_id: str = "edtechchat", **fields: Any) -> Chat:
    values: dict[str, Any] = {
        "id": chat_id,
        "name": "EdTech Chat",
        "hashtag": "#edtechchat",
        "extra_tags": ["#edchat"],
        "network": "x",
        "recurrence": Recurrence(
            weekday=0,
            start=time(20, 0),
            zone="America/New_York",
            duration_minutes=60,
            every_weeks=2,
            first_date=date(2026, 10, 5),
        ),
        "moderators": ["tomwhitby"],
        "description": "Technology in the classroom, café included ☕",
        "link": "https://edtechchat.example/",
        **fields,
    }
    return Chat.model_validate(values)


def a_subscription(
    email: str = TEACHER, chat_id: str = "edtechchat", **fields: Any
) -> Subscription:
    values: dict[str, Any] = {"reminders": True, "digests": True, **fields}
    return Subscription(chat_id=chat_id, email=email, **values)


def a_session(
    occurrence_id: str = "edtechchat#2026-11-03T01:00:00Z",
    *,
    start: datetime = SESSION_START,
    **fields: Any,
) -> ArchiveSession:
    end = start + timedelta(hours=1)
    values: dict[str, Any] = {
        "occurrence_id": occurrence_id,
        "chat_id": occurrence_id.partition("#")[0],
        "networks": ("x",),
        "hashtags": ("#edtechchat", "#edchat"),
        "start_utc": start,
        "end_utc": end,
        "window_start": start - timedelta(minutes=15),
        "window_end": end + timedelta(minutes=30),
        "status": "polling",
        "budget_reads": 2000,
        "expires_at": end + timedelta(days=180),
        **fields,
    }
    return ArchiveSession(**values)


def an_archived_post(post_id: str = "1851000000000000001", **fields: Any) -> ArchivedPost:
    values: dict[str, Any] = {
        "id": post_id,
        "author_id": "42",
        "author_handle": "@rivera_teaches",
        "author_name": "Ms Rivera",
        "text": "A1 Feedback works when it is timely #edtechchat",
        "created_at": SESSION_START + timedelta(minutes=5),
        "links": ("https://example.org/feedback",),
        "url": f"https://x.com/rivera_teaches/status/{post_id}",
        **fields,
    }
    return ArchivedPost.model_validate(values)
