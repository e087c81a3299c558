"""SubscriptionStore: who wants a chat's reminders, digests or both. (These cases were
tests/integration/test_chat_store.py.)"""

import pytest

from chatdeck.ports import SubscriptionStore
from tests.contract.backends import Backend
from tests.contract.builders import TEACHER, a_chat, a_subscription


@pytest.fixture
def subscriptions(backend: Backend) -> SubscriptionStore:
    return backend.subscriptions()


def test_a_subscription_reads_back_by_chat_and_email(subscriptions: SubscriptionStore) -> None:
    subscriptions.subscribe(a_subscription(reminders=True, digests=False, lead_minutes=60))

    found = subscriptions.subscription("edtechchat", "Rivera@School.example")

    assert found == a_subscription(reminders=True, digests=False, lead_minutes=60)
    assert subscriptions.subscription("edtechchat", " rivera@school.example ") == found
    assert subscriptions.subscription("edtechchat", "someone@else.example") is None
    assert subscriptions.subscription("ukedchat", TEACHER) is None


def test_subscribing_again_replaces_the_choice(subscriptions: SubscriptionStore) -> None:
    subscriptions.subscribe(a_subscription())
    subscriptions.subscribe(a_subscription(digests=False, lead_minutes=15))
    assert subscriptions.subscribers("edtechchat") == [
        a_subscription(digests=False, lead_minutes=15)
    ]


def test_subscribers_are_in_order_of_email(subscriptions: SubscriptionStore) -> None:
    for email in ("zhou@school.example", "adams@school.example", "Mbeki@school.example"):
        subscriptions.subscribe(a_subscription(email))
    assert [s.email for s in subscriptions.subscribers("edtechchat")] == [
        "adams@school.example",
        "mbeki@school.example",
        "zhou@school.example",
    ]


def test_subscribers_of_a_chat_are_read_across_pages(backend: Backend) -> None:
    subscriptions = backend.subscriptions(small_pages=True)
    emails = [f"teacher{n}@school.example" for n in range(5)]
    for email in emails:
        subscriptions.subscribe(a_subscription(email))
    subscriptions.subscribe(a_subscription("other@school.example", chat_id="ukedchat"))
    chats = backend.chats()
    chats.save(a_chat())
    chats.record_participants("edtechchat", "edtechchat#2026-11-03T01:00:00Z", {"42"})

    assert [s.email for s in subscriptions.subscribers("edtechchat")] == emails
    assert subscriptions.subscribers("nothing") == []


def test_unsubscribing_from_one_kind_keeps_the_other(subscriptions: SubscriptionStore) -> None:
    subscriptions.subscribe(a_subscription())

    assert subscriptions.unsubscribe("edtechchat", TEACHER, "reminders")
    assert subscriptions.subscription("edtechchat", TEACHER) == a_subscription(reminders=False)

    assert subscriptions.unsubscribe("edtechchat", TEACHER, "digests")
    assert subscriptions.subscription("edtechchat", TEACHER) == a_subscription(
        reminders=False, digests=False
    )


def test_someone_who_wants_nothing_any_more_is_no_subscriber(
    subscriptions: SubscriptionStore,
) -> None:
    subscriptions.subscribe(a_subscription())
    subscriptions.subscribe(a_subscription("quiet@school.example", reminders=False, digests=False))
    subscriptions.unsubscribe("edtechchat", TEACHER, "reminders")
    subscriptions.unsubscribe("edtechchat", TEACHER, "digests")
    assert subscriptions.subscribers("edtechchat") == []


def test_unsubscribing_from_all_removes_the_subscription(subscriptions: SubscriptionStore) -> None:
    subscriptions.subscribe(a_subscription())
    assert subscriptions.unsubscribe("edtechchat", "RIVERA@school.example", "all")
    assert subscriptions.subscription("edtechchat", TEACHER) is None
    assert subscriptions.subscribers("edtechchat") == []


def test_unsubscribing_without_a_subscription_changes_nothing(
    subscriptions: SubscriptionStore,
) -> None:
    assert not subscriptions.unsubscribe("edtechchat", TEACHER, "reminders")
    assert not subscriptions.unsubscribe("edtechchat", TEACHER, "digests")
    assert not subscriptions.unsubscribe("edtechchat", TEACHER, "all")
    assert subscriptions.subscription("edtechchat", TEACHER) is None


def test_unsubscribing_from_something_else_is_refused(subscriptions: SubscriptionStore) -> None:
    subscriptions.subscribe(a_subscription())
    with pytest.raises(ValueError, match="reminders, digests or all"):
        subscriptions.unsubscribe("edtechchat", TEACHER, "newsletters")  # type: ignore[arg-type]
    assert subscriptions.subscription("edtechchat", TEACHER) == a_subscription()


def test_subscriptions_are_kept_per_chat(subscriptions: SubscriptionStore) -> None:
    subscriptions.subscribe(a_subscription())
    subscriptions.subscribe(a_subscription(chat_id="ukedchat", digests=False))
    subscriptions.unsubscribe("ukedchat", TEACHER, "all")
    assert subscriptions.subscribers("edtechchat") == [a_subscription()]
    assert subscriptions.subscribers("ukedchat") == []
