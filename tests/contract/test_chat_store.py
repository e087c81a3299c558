"""ChatStore: chats, their skipped dates and planned questions, and first-time participants.
(These cases were tests/integration/test_chat_store.py; members' feed addresses are in
test_feed_addresses.py.)"""

from datetime import date

import pytest

from chatdeck.domain.chats import UnknownChat
from chatdeck.domain.feed_addresses import new_seed
from chatdeck.ports import ChatStore
from tests.contract.backends import Backend
from tests.contract.builders import a_chat, a_subscription


@pytest.fixture
def store(backend: Backend) -> ChatStore:
    return backend.chats()


# ----- chats ------------------------------------------------------------------------------------


def test_a_saved_chat_reads_back_the_same(store: ChatStore) -> None:
    chat = a_chat(
        skipped=[date(2026, 11, 16)],
        questions={date(2026, 11, 2): ["Q1 What works?", "Q2 Why?"]},
        chat_account="edtechchat",
    )
    store.save(chat)
    assert store.get("edtechchat") == chat
    assert store.all() == [chat]


def test_a_chat_without_optional_fields_reads_back_the_same(store: ChatStore) -> None:
    chat = a_chat(extra_tags=[], moderators=[], description="", link=None, chat_account=None)
    store.save(chat)
    assert store.get(chat.id) == chat


def test_an_unknown_chat_is_none(store: ChatStore) -> None:
    assert store.get("nothing") is None
    assert store.all() == []


def test_all_chats_are_in_order_of_id(store: ChatStore) -> None:
    for chat_id in ("ukedchat", "edtechchat", "Edchat", "sunchat"):
        store.save(a_chat(chat_id))
    assert [chat.id for chat in store.all()] == ["Edchat", "edtechchat", "sunchat", "ukedchat"]


def test_all_chats_are_read_across_pages_and_nothing_else(backend: Backend) -> None:
    store = backend.chats(small_pages=True)
    chats = [a_chat(f"chat-{n}") for n in range(5)]
    for chat in chats:
        store.save(chat)
    backend.subscriptions().subscribe(a_subscription(chat_id="chat-1"))
    store.record_participants("chat-1", "chat-1#2026-11-03T01:00:00Z", {"42"})
    store.set_feed_seed(new_seed(b"contract-signing-key", "rivera@school.example"), None)

    assert store.all() == chats


def test_saving_again_replaces_the_chat(store: ChatStore) -> None:
    store.save(a_chat(skipped=[date(2026, 11, 16)]))
    edited = a_chat(name="EdTech Chat (new time)", skipped=[])
    store.save(edited)
    assert store.get("edtechchat") == edited


def test_adding_a_chat_whose_id_is_taken_keeps_the_first(store: ChatStore) -> None:
    first = a_chat()
    assert store.add(first)
    assert not store.add(a_chat(name="Another admin's EdTech Chat"))
    assert store.get("edtechchat") == first
    assert store.all() == [first]


def test_a_removed_chat_is_gone(store: ChatStore) -> None:
    store.save(a_chat())
    store.save(a_chat("ukedchat"))
    assert store.remove("edtechchat")
    assert store.get("edtechchat") is None
    assert [chat.id for chat in store.all()] == ["ukedchat"]
    assert not store.remove("edtechchat")
    assert not store.remove("nothing")


def test_skipping_a_date_adds_it_once(store: ChatStore) -> None:
    store.save(a_chat())

    first = store.skip("edtechchat", date(2026, 11, 30))
    store.skip("edtechchat", date(2026, 11, 16))
    again = store.skip("edtechchat", date(2026, 11, 30))

    assert first.skipped == [date(2026, 11, 30)]
    assert again.skipped == [date(2026, 11, 16), date(2026, 11, 30)]
    assert store.get("edtechchat") == again


def test_questions_are_set_replaced_and_removed_per_session(store: ChatStore) -> None:
    store.save(a_chat())
    monday, later = date(2026, 11, 2), date(2026, 11, 16)

    store.set_questions("edtechchat", monday, ["Q1 What works?", "Q2 Why?"])
    store.set_questions("edtechchat", later, ["Q1 Who?"])
    replaced = store.set_questions("edtechchat", monday, ["  Q1 What works best? ", ""])
    assert replaced.questions == {monday: ["Q1 What works best?"], later: ["Q1 Who?"]}

    removed = store.set_questions("edtechchat", later, [])
    assert removed.questions == {monday: ["Q1 What works best?"]}
    assert store.get("edtechchat") == removed
    assert store.set_questions("edtechchat", date(2026, 12, 14), []) == removed


def test_skipped_dates_and_questions_keep_the_rest_of_the_chat(store: ChatStore) -> None:
    chat = a_chat(skipped=[date(2026, 11, 16)], questions={date(2026, 11, 2): ["Q1 What?"]})
    store.save(chat)
    store.skip("edtechchat", date(2026, 11, 30))
    store.set_questions("edtechchat", date(2026, 12, 14), ["Q1 Next?"])
    assert store.get("edtechchat") == a_chat(
        skipped=[date(2026, 11, 16), date(2026, 11, 30)],
        questions={date(2026, 11, 2): ["Q1 What?"], date(2026, 12, 14): ["Q1 Next?"]},
    )


def test_too_many_questions_are_refused_before_anything_is_written(store: ChatStore) -> None:
    store.save(a_chat())
    with pytest.raises(ValueError, match="at most 20"):
        store.set_questions("edtechchat", date(2026, 11, 2), [f"Q{n}" for n in range(21)])
    with pytest.raises(ValueError, match="over 500"):
        store.set_questions("edtechchat", date(2026, 11, 2), ["Q1 " + "x" * 500])
    assert store.get("edtechchat") == a_chat()


def test_changing_an_unknown_chat_creates_nothing(store: ChatStore) -> None:
    with pytest.raises(UnknownChat):
        store.skip("nothing", date(2026, 11, 30))
    with pytest.raises(UnknownChat):
        store.set_questions("nothing", date(2026, 11, 30), ["Q1 Anyone?"])
    with pytest.raises(UnknownChat):
        store.set_questions("nothing", date(2026, 11, 30), [])
    assert store.get("nothing") is None
    assert store.all() == []


# ----- first-time participants ------------------------------------------------------------------

FIRST = "edtechchat#2026-10-06T00:00:00Z"
SECOND = "edtechchat#2026-10-20T00:00:00Z"
THIRD = "edtechchat#2026-11-03T01:00:00Z"


def test_changing_a_chat_keeps_its_skips_and_questions_as_stored(store: ChatStore) -> None:
    store.add(a_chat(chat_account="edtechchat"))
    store.skip("edtechchat", date(2026, 10, 19))  # set by another admin after the form was read
    store.set_questions("edtechchat", date(2026, 11, 2), ["Q one?"])
    edited = a_chat(name="EdTech Chat (new time)", chat_account=None, link=None, moderators=[])

    changed = store.change(edited)

    expected = edited.model_copy(
        update={"skipped": [date(2026, 10, 19)], "questions": {date(2026, 11, 2): ["Q one?"]}}
    )
    assert changed == expected
    assert store.get("edtechchat") == expected


def test_changing_a_chat_removed_meanwhile_does_not_bring_it_back(store: ChatStore) -> None:
    store.add(a_chat())
    store.remove("edtechchat")

    with pytest.raises(UnknownChat):
        store.change(a_chat(name="Brought back?"))

    assert store.get("edtechchat") is None
    assert store.all() == []


def test_participants_before_a_session_are_those_first_seen_earlier(store: ChatStore) -> None:
    store.record_participants("edtechchat", FIRST, {"1", "2"})
    store.record_participants("edtechchat", SECOND, {"2", "3"})

    assert store.participants_before("edtechchat", FIRST) == set()
    assert store.participants_before("edtechchat", SECOND) == {"1", "2"}
    assert store.participants_before("edtechchat", THIRD) == {"1", "2", "3"}


def test_an_author_keeps_their_first_session_whatever_is_recorded_after(store: ChatStore) -> None:
    store.record_participants("edtechchat", FIRST, {"1"})
    store.record_participants("edtechchat", THIRD, {"1"})
    store.record_participants("edtechchat", SECOND, {"1"})
    assert store.participants_before("edtechchat", FIRST) == set()
    assert store.participants_before("edtechchat", SECOND) == {"1"}


def test_an_earlier_session_recorded_late_becomes_the_authors_first(store: ChatStore) -> None:
    """Sessions digested out of order: the author's first is still the earliest they were in,
    so the later session's page does not call them a first-timer."""
    store.record_participants("edtechchat", SECOND, {"1", "2"})
    store.record_participants("edtechchat", FIRST, {"1"})  # an earlier session, recorded late
    store.record_participants("edtechchat", THIRD, {"1", "2"})
    assert store.participants_before("edtechchat", FIRST) == set()
    assert store.participants_before("edtechchat", SECOND) == {"1"}
    assert store.participants_before("edtechchat", THIRD) == {"1", "2"}


def test_a_sessions_many_authors_are_all_remembered(store: ChatStore) -> None:
    """A 1,500-post chat hour has some 300 authors: more than one batch read (100 keys)."""
    returning = {f"t{n:03d}" for n in range(0, 300, 3)}
    store.record_participants("edtechchat", FIRST, returning)
    store.record_participants("edtechchat", SECOND, {f"t{n:03d}" for n in range(250)})
    assert store.participants_before("edtechchat", SECOND) == returning
    assert (
        store.participants_before("edtechchat", THIRD)
        == {f"t{n:03d}" for n in range(250)} | returning
    )


def test_participants_are_kept_per_chat(store: ChatStore) -> None:
    store.record_participants("edtechchat", FIRST, {"1"})
    store.record_participants("ukedchat", "ukedchat#2026-10-01T19:00:00Z", {"2"})
    store.record_participants("edtechchat", SECOND, set())
    assert store.participants_before("edtechchat", THIRD) == {"1"}
    assert store.participants_before("ukedchat", "ukedchat#2026-12-01T20:00:00Z") == {"2"}
    assert store.participants_before("nothing", THIRD) == set()


def test_participants_are_read_across_pages(backend: Backend) -> None:
    store = backend.chats(small_pages=True)
    store.record_participants("edtechchat", FIRST, {str(n) for n in range(5)})
    backend.subscriptions().subscribe(a_subscription())
    assert store.participants_before("edtechchat", SECOND) == {str(n) for n in range(5)}
