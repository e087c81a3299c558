"""AccountStore: whether a network account may post, or is paused until a time."""

from datetime import UTC, datetime, timedelta

import pytest

from chatdeck.domain.accounts import AccountState
from chatdeck.ports import AccountStore
from tests.contract.backends import Backend

NOW = datetime(2026, 11, 2, 20, 0, tzinfo=UTC)
PERSONAL = "member:rivera@school.example"


@pytest.fixture
def store(backend: Backend) -> AccountStore:
    return backend.account_states()


def test_an_account_never_paused_may_post(store: AccountStore) -> None:
    state = store.state("x", "cohort")
    assert state == AccountState("x", "cohort")
    assert state.paused_until(NOW) is None


def test_a_paused_account_waits_until_its_retry_time(store: AccountStore) -> None:
    retry_at = NOW + timedelta(minutes=15)

    paused = store.pause("x", "cohort", "X refused the credentials.", NOW, retry_at)

    assert paused == AccountState("x", "cohort", NOW, retry_at, "X refused the credentials.")
    assert store.state("x", "cohort") == paused
    assert paused.paused_until(NOW) == retry_at
    assert paused.paused_until(retry_at) is None


def test_pausing_again_keeps_when_the_pause_began(store: AccountStore) -> None:
    store.pause("x", "cohort", "Credits used up.", NOW, NOW + timedelta(minutes=15))
    later = NOW + timedelta(minutes=20)

    again = store.pause("x", "cohort", "Still no credits.", later, later + timedelta(hours=1))

    assert again == AccountState(
        "x", "cohort", NOW, later + timedelta(hours=1), "Still no credits."
    )
    assert store.state("x", "cohort") == again


def test_a_resumed_account_may_post_and_a_new_pause_starts_afresh(store: AccountStore) -> None:
    store.pause("x", "cohort", "Credits used up.", NOW, NOW + timedelta(minutes=15))

    store.resume("x", "cohort")

    assert store.state("x", "cohort") == AccountState("x", "cohort")
    later = NOW + timedelta(days=1)
    paused = store.pause("x", "cohort", "Refused.", later, later + timedelta(minutes=5))
    assert paused.paused_since == later


def test_resuming_an_account_never_paused_is_harmless(store: AccountStore) -> None:
    store.resume("x", PERSONAL)
    assert store.state("x", PERSONAL) == AccountState("x", PERSONAL)


def test_each_network_and_account_is_paused_on_its_own(store: AccountStore) -> None:
    store.pause("x", "cohort", "Refused.", NOW, NOW + timedelta(minutes=15))
    assert store.state("x", PERSONAL) == AccountState("x", PERSONAL)
    assert store.state("bluesky", "cohort") == AccountState("bluesky", "cohort")


def test_pause_times_are_kept_to_the_second(store: AccountStore) -> None:
    now = NOW + timedelta(microseconds=999_999)
    paused = store.pause("x", "cohort", "Refused.", now, now + timedelta(minutes=15))
    assert (paused.paused_since, paused.retry_at) == (NOW, NOW + timedelta(minutes=15))
    assert store.state("x", "cohort") == paused
