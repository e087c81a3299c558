"""Chats, subscriptions and the feed secret in the template's StateTable, on moto server."""

from datetime import date, time
from typing import Any

import boto3
import pytest

from chatdeck.adapters.chats import DynamoChatStore, DynamoSubscriptionStore
from chatdeck.adapters.dynamodb import Table
from chatdeck.domain.chats import Chat, Recurrence, Subscription, UnknownChat
from tests.integration.deployment import Deployment

pytestmark = pytest.mark.integration

TEACHER = "rivera@school.example"


class SmallPages(Table):
    """The real table, answering queries two items at a time, as a big one does past 1 MB."""

    def query(self, **params: Any) -> dict[str, Any]:
        return super().query(Limit=2, **params)


class StaleFirstRead(Table):
    """The real table, whose first read of an item misses it: another request is writing."""

    missed = False

    def get_item(self, **params: Any) -> dict[str, Any]:
        if not self.missed:
            self.missed = True
            return {}
        return super().get_item(**params)


@pytest.fixture
def state_table(deployment: Deployment) -> Table:
    return Table(boto3.client("dynamodb"), deployment.services.settings.state_table)


@pytest.fixture
def store(state_table: Table) -> DynamoChatStore:
    return DynamoChatStore(state_table)


@pytest.fixture
def subscriptions(state_table: Table) -> DynamoSubscriptionStore:
    return DynamoSubscriptionStore(state_table)


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


def subscription(email: str = TEACHER, chat_id: str = "edtechchat", **fields: Any) -> Subscription:
    values: dict[str, Any] = {"reminders": True, "digests": True, **fields}
    return Subscription(chat_id=chat_id, email=email, **values)


# ----- chats ------------------------------------------------------------------------------------


def test_a_saved_chat_reads_back_the_same(store: DynamoChatStore) -> None:
    chat = a_chat(
        skipped=[date(2026, 11, 16)],
        questions={date(2026, 11, 2): ["Q1 What works?", "Q2 Why?"]},
        chat_account="edtechchat",
    )
    store.save(chat)
    assert store.get("edtechchat") == chat
    assert store.all() == [chat]


def test_a_chat_without_optional_fields_reads_back_the_same(store: DynamoChatStore) -> None:
    chat = a_chat(extra_tags=[], moderators=[], description="", link=None, chat_account=None)
    store.save(chat)
    assert store.get(chat.id) == chat


def test_an_unknown_chat_is_none(store: DynamoChatStore) -> None:
    assert store.get("nothing") is None
    assert store.all() == []


def test_all_chats_are_read_across_pages_and_nothing_else(state_table: Table) -> None:
    store = DynamoChatStore(SmallPages(state_table.client, state_table.name))
    chats = [a_chat(f"chat-{n}") for n in range(5)]
    for chat in chats:
        store.save(chat)
    DynamoSubscriptionStore(state_table).subscribe(subscription(chat_id="chat-1"))
    store.feed_token()

    assert store.all() == chats


def test_saving_again_replaces_the_chat(store: DynamoChatStore) -> None:
    store.save(a_chat(skipped=[date(2026, 11, 16)]))
    edited = a_chat(name="EdTech Chat (new time)", skipped=[])
    store.save(edited)
    assert store.get("edtechchat") == edited


def test_skipping_a_date_adds_it_once(store: DynamoChatStore) -> None:
    store.save(a_chat())

    first = store.skip("edtechchat", date(2026, 11, 30))
    store.skip("edtechchat", date(2026, 11, 16))
    again = store.skip("edtechchat", date(2026, 11, 30))

    assert first.skipped == [date(2026, 11, 30)]
    assert again.skipped == [date(2026, 11, 16), date(2026, 11, 30)]
    assert store.get("edtechchat") == again


def test_questions_are_set_replaced_and_removed_per_session(store: DynamoChatStore) -> None:
    store.save(a_chat())
    monday, later = date(2026, 11, 2), date(2026, 11, 16)

    store.set_questions("edtechchat", monday, ["Q1 What works?", "Q2 Why?"])
    store.set_questions("edtechchat", later, ["Q1 Who?"])
    replaced = store.set_questions("edtechchat", monday, ["  Q1 What works best? ", ""])
    assert replaced.questions == {monday: ["Q1 What works best?"], later: ["Q1 Who?"]}

    removed = store.set_questions("edtechchat", later, [])
    assert removed.questions == {monday: ["Q1 What works best?"]}
    assert store.get("edtechchat") == removed


def test_too_many_questions_are_refused_before_anything_is_written(
    store: DynamoChatStore,
) -> None:
    store.save(a_chat())
    with pytest.raises(ValueError, match="at most 20"):
        store.set_questions("edtechchat", date(2026, 11, 2), [f"Q{n}" for n in range(21)])
    assert store.get("edtechchat") == a_chat()


def test_changing_an_unknown_chat_creates_nothing(store: DynamoChatStore) -> None:
    with pytest.raises(UnknownChat):
        store.skip("nothing", date(2026, 11, 30))
    with pytest.raises(UnknownChat):
        store.set_questions("nothing", date(2026, 11, 30), ["Q1 Anyone?"])
    assert store.get("nothing") is None


# ----- subscriptions ----------------------------------------------------------------------------


def test_a_subscription_reads_back_by_chat_and_email(
    subscriptions: DynamoSubscriptionStore,
) -> None:
    subscriptions.subscribe(subscription(reminders=True, digests=False, lead_minutes=60))

    found = subscriptions.subscription("edtechchat", "Rivera@School.example")

    assert found == subscription(reminders=True, digests=False, lead_minutes=60)
    assert subscriptions.subscription("edtechchat", "someone@else.example") is None
    assert subscriptions.subscription("ukedchat", TEACHER) is None


def test_subscribing_again_replaces_the_choice(subscriptions: DynamoSubscriptionStore) -> None:
    subscriptions.subscribe(subscription())
    subscriptions.subscribe(subscription(digests=False, lead_minutes=15))
    assert subscriptions.subscribers("edtechchat") == [subscription(digests=False, lead_minutes=15)]


def test_subscribers_of_a_chat_are_read_across_pages(state_table: Table) -> None:
    subscriptions = DynamoSubscriptionStore(SmallPages(state_table.client, state_table.name))
    emails = [f"teacher{n}@school.example" for n in range(5)]
    for email in emails:
        subscriptions.subscribe(subscription(email))
    subscriptions.subscribe(subscription("other@school.example", chat_id="ukedchat"))

    assert [s.email for s in subscriptions.subscribers("edtechchat")] == emails
    assert subscriptions.subscribers("nothing") == []


def test_unsubscribing_from_one_kind_keeps_the_other(
    subscriptions: DynamoSubscriptionStore,
) -> None:
    subscriptions.subscribe(subscription())

    assert subscriptions.unsubscribe("edtechchat", TEACHER, "reminders")
    assert subscriptions.subscription("edtechchat", TEACHER) == subscription(reminders=False)

    assert subscriptions.unsubscribe("edtechchat", TEACHER, "digests")
    assert subscriptions.subscription("edtechchat", TEACHER) == subscription(
        reminders=False, digests=False
    )


def test_someone_who_wants_nothing_any_more_is_no_subscriber(
    subscriptions: DynamoSubscriptionStore,
) -> None:
    subscriptions.subscribe(subscription())
    subscriptions.subscribe(subscription("quiet@school.example", reminders=False, digests=False))
    subscriptions.unsubscribe("edtechchat", TEACHER, "reminders")
    subscriptions.unsubscribe("edtechchat", TEACHER, "digests")
    assert subscriptions.subscribers("edtechchat") == []


def test_unsubscribing_from_all_removes_the_subscription(
    subscriptions: DynamoSubscriptionStore,
) -> None:
    subscriptions.subscribe(subscription())
    assert subscriptions.unsubscribe("edtechchat", "RIVERA@school.example", "all")
    assert subscriptions.subscription("edtechchat", TEACHER) is None
    assert subscriptions.subscribers("edtechchat") == []


def test_unsubscribing_without_a_subscription_changes_nothing(
    subscriptions: DynamoSubscriptionStore,
) -> None:
    assert not subscriptions.unsubscribe("edtechchat", TEACHER, "reminders")
    assert not subscriptions.unsubscribe("edtechchat", TEACHER, "all")
    assert subscriptions.subscription("edtechchat", TEACHER) is None


# ----- the feed secret --------------------------------------------------------------------------


def test_the_feed_token_is_made_once_and_kept(store: DynamoChatStore) -> None:
    token = store.feed_token()
    assert len(token) == 32  # 24 random bytes, URL-safe base64
    assert store.feed_token() == token


def test_a_request_that_loses_the_race_to_make_the_token_uses_the_winners(
    state_table: Table,
) -> None:
    winner = DynamoChatStore(state_table).feed_token()
    racing = DynamoChatStore(StaleFirstRead(state_table.client, state_table.name))
    assert racing.feed_token() == winner
