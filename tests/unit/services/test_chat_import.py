"""The chat import service (services/chat_import.py) on the fake chat store: a preview saves
nothing, duplicates are skipped with a note (already followed, or twice in one paste), the same
hashtag at another time is named, and confirm re-validates what it is handed."""

from datetime import UTC, date, datetime, time

import pytest

from chatdeck.domain.chat_import import CalendarUnavailable, ImportRefused
from chatdeck.domain.chats import Chat, Recurrence
from chatdeck.domain.errors import NotAllowed
from chatdeck.domain.members import Member, Role
from chatdeck.services.chat_import import ChatImports
from tests.fakes.chats import FakeChatStore

NOW = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
ADMIN = Member(email="admin@cohort.example", name="Admin", zone="Europe/London", role=Role.ADMIN)
TEACHER = Member(email="rivera@school.example", name="Ms. Rivera")
HEADER = "name,hashtag,network,weekday,time,zone\n"


def followed(hashtag: str, weekday: int, start: time, zone: str) -> Chat:
    first = date(2026, 9, 7 + weekday)
    return Chat(
        id=hashtag.lstrip("#").lower(),
        name=hashtag.lstrip("#"),
        hashtag=hashtag,
        networks=["x"],
        recurrence=Recurrence(
            weekday=weekday, start=start, zone=zone, duration_minutes=60, first_date=first
        ),
    )


def imports(
    store: FakeChatStore, fetched: bytes | Exception = b""
) -> tuple[ChatImports, list[str]]:
    asked: list[str] = []

    def fetch(url: str) -> bytes:
        asked.append(url)
        if isinstance(fetched, Exception):
            raise fetched
        return fetched

    return ChatImports(store, fetch), asked


def test_a_preview_saves_nothing_and_shows_the_next_session_in_the_admins_zone() -> None:
    store = FakeChatStore()
    service, _ = imports(store)
    preview = service.preview(
        ADMIN, {"csv": HEADER + "EdTech,#edtechchat,x,Mon,20:00,America/New_York"}, NOW
    )
    (row,) = preview.rows
    assert row.chat is not None and row.problem is None and row.duplicate is None
    assert row.next_start is not None and str(row.next_start.tzinfo) == "Europe/London"
    assert row.next_start == datetime(2026, 12, 8, 1, 0, tzinfo=UTC)  # Mon 20:00 in New York
    assert store.all() == []


def test_duplicates_are_skipped_with_a_note_and_another_time_is_a_problem() -> None:
    store = FakeChatStore()
    store.add(followed("#EdTechChat", 0, time(20, 0), "America/New_York"))
    store.add(followed("#SciChat", 3, time(19, 0), "Europe/London"))
    service, _ = imports(store)
    preview = service.preview(
        ADMIN,
        {
            "csv": HEADER
            + "EdTech,#edtechchat,x,Monday,8pm,America/New_York\n"
            + "Sci,#scichat,x,Thursday,20:00,Europe/London\n"
            + "Math,#mathchat,x,Tue,20:00,UTC\n"
            + "Math again,#MathChat,bluesky,Tuesday,20:00,UTC\n"
        },
        NOW,
    )
    notes = [(r.label, r.duplicate, r.problem) for r in preview.rows]
    assert notes == [
        ("row 2", "the cohort already follows #EdTechChat at this time; skipped.", None),
        (
            "row 3",
            None,
            "the cohort already follows #SciChat at another time; change that chat instead.",
        ),
        ("row 4", None, None),
        ("row 5", "the same chat as row 4, so it is added once.", None),
    ]
    assert [label for label, _ in preview.importable] == ["row 4"]
    result = service.confirm(ADMIN, {"rows": preview.carried}, NOW)
    assert [c.hashtag for c in result.added] == ["#mathchat"]
    assert sorted(c.id for c in store.all()) == ["edtechchat", "mathchat", "scichat"]


def test_confirm_takes_nothing_on_trust_and_a_second_confirm_adds_nothing() -> None:
    store = FakeChatStore()
    service, _ = imports(store)
    carried = (
        "name,hashtag,network,weekday,time,zone,duration,every_weeks,first_date\n"
        "Good,#goodchat,x,monday,20:00,UTC,60,1,2026-12-07\n"
        "Long,#longchat,x,monday,20:00,UTC,600,1,2026-12-07\n"
    )
    result = service.confirm(ADMIN, {"rows": carried}, NOW)
    assert [c.id for c in result.added] == ["goodchat"]
    assert result.problems == ["row 3: A chat lasts from 15 to 240 minutes."]
    again = service.confirm(ADMIN, {"rows": carried}, NOW)
    assert again.added == [] and again.skipped == [
        "row 2: the cohort already follows #goodchat at this time; skipped."
    ]


def test_a_calendar_address_is_fetched_once_as_https_and_its_failure_said() -> None:
    service, asked = imports(FakeChatStore(), CalendarUnavailable("It timed out."))
    with pytest.raises(CalendarUnavailable, match="timed out"):
        service.preview(ADMIN, {"url": "webcal://calendar.example/chats.ics"}, NOW)
    assert asked == ["https://calendar.example/chats.ics"]


@pytest.mark.parametrize(
    ("values", "said"),
    [
        ({}, "Give a calendar's iCal address"),
        ({"csv": "a", "url": "https://x.example/a.ics"}, "not both"),
        ({"url": "https://x.example/a b.ics"}, "one line"),
        ({"csv": "a", "default_network": "myspace"}, "X, Bluesky or Mastodon"),
    ],
)
def test_what_cannot_be_read_at_all_is_refused_with_a_sentence(
    values: dict[str, str], said: str
) -> None:
    service, asked = imports(FakeChatStore())
    with pytest.raises(ImportRefused, match=said):
        service.preview(ADMIN, values, NOW)
    assert asked == []


def test_only_admins_import() -> None:
    store = FakeChatStore()
    service, _ = imports(store)
    with pytest.raises(NotAllowed):
        service.preview(TEACHER, {"csv": HEADER + "A,#a,x,Mon,20:00,UTC"}, NOW)
    with pytest.raises(NotAllowed):
        service.confirm(TEACHER, {"rows": HEADER + "A,#a,x,Mon,20:00,UTC"}, NOW)
    assert store.all() == []
