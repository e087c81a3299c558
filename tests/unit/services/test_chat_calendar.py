"""The chat calendar (services/chats.py) on the fakes: adding chats, changes racing a removal,
subscriptions, and unsubscribe links that work without signing in."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from chatdeck.domain.accounts import Tokens, XUser
from chatdeck.domain.chats import Chat, Subscription, UnknownChat
from chatdeck.domain.errors import NotAllowed, NotFound, Refused
from chatdeck.domain.members import Member
from chatdeck.domain.posts import FieldErrors
from chatdeck.services.chats import ChatCalendar
from tests.fakes import FakeConnectionStore
from tests.unit.services.kit import NOW, TEACHER, Kit

CHAT_FORM = {
    "name": "EdTech Chat",
    "hashtag": "#EdTechChat",
    "network": "x",
    "weekday": "0",
    "start_time": "20:00",
    "zone": "America/New_York",
    "duration_minutes": "60",
    "every_weeks": "1",
    "first_date": "2026-12-07",
    "moderators": "@edtechmod, @coach_k",
    "description": "Technology in the classroom.",
    "link": "https://example.org/edtechchat",
}
MONDAY = "2026-12-14"


@pytest.fixture
def teacher(kit: Kit) -> Member:
    return kit.add_member(TEACHER, "Ana Rivera", zone="Europe/London")


@pytest.fixture
def chat(kit: Kit) -> Chat:
    return kit.calendar.add(kit.admin(), CHAT_FORM)


# ----- adding chats -----------------------------------------------------------------------------


def test_an_admin_adds_a_chat_and_a_member_sees_it_in_their_own_zone(
    kit: Kit, chat: Chat, teacher: Member
) -> None:
    [row] = kit.calendar.calendar(teacher, datetime(2026, 12, 1, tzinfo=UTC))

    assert chat.id == "edtechchat"
    assert row.chat == kit.chats.get("edtechchat")
    assert row.next is not None
    assert row.next.start.strftime("%a %d %b, %H:%M") == "Tue 08 Dec, 01:00"  # London
    assert row.subscription is None


def test_the_same_hashtag_added_twice_makes_one_chat(kit: Kit, chat: Chat) -> None:
    with pytest.raises(FieldErrors) as second:
        kit.calendar.add(kit.admin(), {**CHAT_FORM, "hashtag": "edtechchat", "name": "Another"})

    assert set(second.value.errors) == {"hashtag"}
    assert "already follows #edtechchat" in second.value.errors["hashtag"]
    assert [c.name for c in kit.chats.all()] == ["EdTech Chat"]


def test_only_admins_add_chats_and_bad_input_names_each_field(kit: Kit, teacher: Member) -> None:
    with pytest.raises(NotAllowed):
        kit.calendar.add(teacher, CHAT_FORM)
    with pytest.raises(FieldErrors) as bad:
        kit.calendar.add(kit.admin(), {**CHAT_FORM, "zone": "Mars/Olympus", "start_time": "25:00"})

    assert set(bad.value.errors) == {"zone", "start_time"}
    assert kit.chats.all() == []


# ----- sessions ---------------------------------------------------------------------------------


def test_skipping_and_planning_questions_for_a_session(kit: Kit, chat: Chat) -> None:
    kit.calendar.plan_questions(kit.admin(), chat.id, "2026-12-07", "What works?\n\nWhat not?\n")
    kit.calendar.skip(kit.admin(), chat.id, MONDAY)

    with pytest.raises(Refused):
        kit.calendar.skip(kit.admin(), chat.id, "2026-12-15")  # a Tuesday

    stored = kit.calendar.chat(chat.id)
    assert stored.questions == {date(2026, 12, 7): ["What works?", "What not?"]}
    assert stored.skipped == [date(2026, 12, 14)]


def removed_right_after_it_is_read(kit: Kit, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another admin removes the chat right after this request has read it."""
    read = kit.chats.get

    def read_then_removed(chat_id: str) -> Chat | None:
        chat = read(chat_id)
        kit.chats.remove(chat_id)
        return chat

    monkeypatch.setattr(kit.chats, "get", read_then_removed)


@pytest.mark.parametrize(
    "change",
    [
        lambda kit: kit.calendar.skip(kit.admin(), "edtechchat", MONDAY),
        lambda kit: kit.calendar.plan_questions(kit.admin(), "edtechchat", MONDAY, "Q?"),
        lambda kit: kit.calendar.change(kit.admin(), "edtechchat", {**CHAT_FORM, "name": "Back?"}),
    ],
    ids=["skip", "questions", "change"],
)
def test_a_chat_removed_between_reading_it_and_changing_it_is_unknown(
    kit: Kit, chat: Chat, monkeypatch: pytest.MonkeyPatch, change: Callable[[Kit], Chat]
) -> None:
    removed_right_after_it_is_read(kit, monkeypatch)

    with pytest.raises(UnknownChat) as unknown:
        change(kit)

    assert isinstance(unknown.value, NotFound)
    assert unknown.value.message == "No such chat."
    monkeypatch.undo()
    assert kit.chats.get(chat.id) is None  # and the write did not bring it back


def test_changing_a_chat_keeps_its_skips_and_questions(kit: Kit, chat: Chat) -> None:
    kit.calendar.skip(kit.admin(), chat.id, MONDAY)

    kit.calendar.change(kit.admin(), chat.id, {**CHAT_FORM, "start_time": "19:00"})

    stored = kit.calendar.chat(chat.id)
    assert f"{stored.recurrence.start:%H:%M}" == "19:00"
    assert stored.skipped == [date(2026, 12, 14)]


# ----- subscriptions and unsubscribe links ------------------------------------------------------


def test_a_member_subscribes_with_a_lead_time(kit: Kit, chat: Chat, teacher: Member) -> None:
    kit.calendar.subscribe(
        teacher, chat.id, {"reminders": "on", "digests": "on", "lead_minutes": "45"}
    )
    with pytest.raises(Refused):
        kit.calendar.subscribe(teacher, chat.id, {"reminders": "on", "lead_minutes": "2"})

    assert kit.subscriptions.subscription(chat.id, TEACHER) == Subscription(
        chat_id=chat.id, email=TEACHER, reminders=True, digests=True, lead_minutes=45
    )


@pytest.fixture
def subscribed(kit: Kit, chat: Chat, teacher: Member) -> Subscription:
    return kit.subscribe(TEACHER, chat.id)


def test_an_unsubscribe_link_stops_what_it_names_and_nothing_else(
    kit: Kit, subscribed: Subscription
) -> None:
    url = kit.email_actions.unsubscribe_url(TEACHER, "edtechchat", "digests", NOW)
    token = url.rsplit("/", 1)[1]

    shown = kit.calendar.unsubscribe_link(token, NOW)  # a mail scanner opening the link
    unchanged = kit.subscriptions.subscription("edtechchat", TEACHER)
    done = kit.calendar.unsubscribe(token, NOW + timedelta(minutes=1))

    assert url.startswith("https://chatdeck.example/unsubscribe/")
    assert unchanged == subscribed
    assert shown == done
    assert (done.chat_id, done.email, done.what) == ("edtechchat", TEACHER, "digests")
    after = kit.subscriptions.subscription("edtechchat", TEACHER)
    assert after is not None and not after.digests and after.reminders


def test_an_unsubscribe_link_from_every_email_removes_the_subscription(
    kit: Kit, subscribed: Subscription
) -> None:
    token = kit.email_actions.unsubscribe_url(TEACHER, "edtechchat", "all", NOW).rsplit("/", 1)[1]

    assert kit.calendar.unsubscribe(token, NOW).emails == "emails"
    assert kit.subscriptions.subscription("edtechchat", TEACHER) is None


def signed(kit: Kit, purpose: str, expires: datetime, **subject: str) -> str:
    values = {"email": TEACHER, "chat": "edtechchat", "what": "reminders", **subject}
    return kit.email_actions.sign(purpose, values, expires)


@pytest.mark.parametrize(
    "token",
    [
        lambda kit: "not-a-token",
        lambda kit: signed(kit, "unsubscribe", NOW + timedelta(days=1))[:-3] + "abc",
        lambda kit: signed(kit, "unsubscribe", NOW - timedelta(seconds=1)),
        lambda kit: signed(kit, "signin", NOW + timedelta(days=1)),
        lambda kit: signed(kit, "unsubscribe", NOW + timedelta(days=1), what="everything"),
        lambda kit: signed(kit, "unsubscribe", NOW + timedelta(days=1), what=""),
    ],
    ids=["garbage", "forged", "expired", "another-purpose", "unknown-what", "no-what"],
)
def test_a_bad_unsubscribe_link_is_refused_and_changes_nothing(
    kit: Kit, subscribed: Subscription, token: Callable[[Kit], str]
) -> None:
    with pytest.raises(Refused) as refused:
        kit.calendar.unsubscribe(token(kit), NOW)

    assert "not valid any more" in refused.value.message
    assert kit.subscriptions.subscription("edtechchat", TEACHER) == subscribed


def test_an_unsubscribe_link_expires_after_90_days(kit: Kit, subscribed: Subscription) -> None:
    sent_at = datetime(2026, 8, 1, tzinfo=UTC)
    token = kit.email_actions.unsubscribe_url(TEACHER, "edtechchat", "all", sent_at)
    token = token.rsplit("/", 1)[1]

    with pytest.raises(Refused):
        kit.calendar.unsubscribe(token, sent_at + timedelta(days=90))
    assert kit.calendar.unsubscribe_link(token, sent_at + timedelta(days=89)).emails == "emails"
    assert kit.subscriptions.subscription("edtechchat", TEACHER) == subscribed


# ----- where a chat cannot be followed ----------------------------------------------------------


def test_admins_are_told_when_a_network_of_the_chat_cannot_be_followed(kit: Kit) -> None:
    mastodon, bluesky = FakeConnectionStore("mastodon"), FakeConnectionStore("bluesky")
    instance = "https://closed.example"
    mastodon.connect(
        "cohort", XUser("1", "cohort@closed.example", instance), Tokens("a", "r", NOW),
        "admin", NOW,
    )  # fmt: skip
    calendar = ChatCalendar(
        kit.chats, kit.subscriptions, kit.digests, kit.email_actions, kit.membership,
        connections={"bluesky": bluesky, "mastodon": mastodon},
        hashtag_feeds_open=lambda server: server != instance,
    )  # fmt: skip
    chat = calendar.add(kit.admin(), {**CHAT_FORM, "networks": "x,bluesky,mastodon",
                                      "moderators": ""})  # fmt: skip

    notes = calendar.chat_page(kit.admin(), chat.id, NOW).notes
    members_notes = calendar.chat_page(kit.add_member(TEACHER, "Ana"), chat.id, NOW).notes

    assert len(notes) == 2
    assert notes[0].startswith("The cohort has no Bluesky account connected")
    assert "(https://closed.example) has turned its hashtag feeds off" in notes[1]
    assert members_notes == ()
    on_x = calendar.add(kit.admin(), {**CHAT_FORM, "hashtag": "#xonly"})
    assert calendar.chat_page(kit.admin(), on_x.id, NOW).notes == ()
