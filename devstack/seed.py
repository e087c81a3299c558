"""Seed the local stack's chats: two weekly ed chats, and a demo chat that goes live a few
minutes after start, for which the sandbox serves a realistic hour of posts."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import requests

from chatdeck.bootstrap import Services
from chatdeck.domain.chats import Chat, Recurrence, Subscription
from chatdeck.settings import Settings

LIVE_CHAT = "chatdecklive"
LIVE_MODERATORS = ["edtechmod"]
LIVE_IN = timedelta(minutes=6)
LIVE_QUESTIONS = [
    "What does feedback that moves learning look like in your room?",
    "How do you make time for students to act on feedback?",
    "Which tools help you give feedback at scale?",
    "How do students give each other feedback?",
    "What feedback do you ask students to give you?",
    "What one thing will you try this week?",
]


def weekly(weekday: int, start: time, zone: str, first: date, minutes: int = 60) -> Recurrence:
    return Recurrence(
        weekday=weekday, start=start, zone=zone, duration_minutes=minutes, first_date=first
    )


def seed_chats(
    state_table: str, sandbox_url: str, admin: str, now: datetime, live_in: timedelta = LIVE_IN
) -> Chat:
    """Store the chats (once), subscribe the admin, and have the sandbox stage the live one.
    The stores are the composition root's, on the local stack's StateTable."""
    services = Services(Settings(state_table=state_table))
    store = services.chats
    start = (now + live_in).replace(second=0, microsecond=0)
    live = Chat(
        id=LIVE_CHAT,
        name="Feedback that moves learning (demo)",
        hashtag=f"#{LIVE_CHAT}",
        network="x",
        recurrence=weekly(start.weekday(), start.time(), "UTC", start.date()),
        moderators=LIVE_MODERATORS,
        description="A demo chat, live a few minutes after `make dev` starts.",
        questions={start.date(): LIVE_QUESTIONS},
    )
    chats = [
        live,
        Chat(
            id="edtechchat",
            name="EdTech Chat",
            hashtag="#edtechchat",
            network="x",
            recurrence=weekly(0, time(20, 0), "America/New_York", date(2026, 9, 7)),
            moderators=["edtechchat"],
            description="Technology in the classroom, every Monday.",
        ),
        Chat(
            id="ukedchat",
            name="UKEdChat",
            hashtag="#ukedchat",
            network="x",
            recurrence=weekly(3, time(20, 0), "Europe/London", date(2026, 9, 3), 60),
            moderators=["ukedchat"],
            description="The UK's weekly education chat, Thursdays.",
        ),
    ]
    for chat in chats:
        if chat.id == LIVE_CHAT or store.get(chat.id) is None:
            store.save(chat)
    services.subscriptions.subscribe(
        Subscription(chat_id=LIVE_CHAT, email=admin, reminders=True, digests=True, lead_minutes=5)
    )
    staged: dict[str, Any] = {
        "hashtag": LIVE_CHAT,
        "moderators": LIVE_MODERATORS,
        "start": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seed": 1,
    }
    requests.post(f"{sandbox_url}/sandbox/chat", json=staged, timeout=30).raise_for_status()
    return live
