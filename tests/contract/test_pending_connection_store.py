"""PendingConnectionStore: a connect in progress is used up once, by its member, in time."""

from datetime import UTC, datetime, timedelta

import pytest

from chatdeck.domain.accounts import PendingConnect
from chatdeck.ports import PendingConnectionStore
from tests.contract.backends import Backend

NOW = datetime(2026, 11, 2, 20, 0, tzinfo=UTC)
TEACHER = "rivera@school.example"


def a_connect(state: str = "state-1", **fields: object) -> PendingConnect:
    values: dict[str, object] = {
        "state": state,
        "email": TEACHER,
        "account": f"member:{TEACHER}",
        "code_verifier": "verifier-" + "v" * 40,
        "redirect_uri": "https://chatdeck.example/accounts/x/callback",
        "expires_at": NOW + timedelta(minutes=10),
        **fields,
    }
    return PendingConnect(**values)  # type: ignore[arg-type]


@pytest.fixture
def pending(backend: Backend) -> PendingConnectionStore:
    return backend.pending_connections()


def test_a_connect_is_taken_once(pending: PendingConnectionStore) -> None:
    pending.begin(a_connect())
    assert pending.take("state-1", TEACHER, NOW) == a_connect()
    assert pending.take("state-1", TEACHER, NOW) is None


def test_another_members_callback_takes_nothing_and_leaves_it(
    pending: PendingConnectionStore,
) -> None:
    pending.begin(a_connect())
    assert pending.take("state-1", "okafor@school.example", NOW) is None
    assert pending.take("state-1", TEACHER, NOW) == a_connect()


def test_an_expired_connect_is_taken_by_nobody(pending: PendingConnectionStore) -> None:
    pending.begin(a_connect())
    expires = NOW + timedelta(minutes=10)
    assert pending.take("state-1", TEACHER, expires) is None
    assert pending.take("state-1", TEACHER, expires + timedelta(seconds=1)) is None
    assert pending.take("state-1", TEACHER, expires - timedelta(seconds=1)) == a_connect()


def test_expiry_is_counted_in_whole_seconds(pending: PendingConnectionStore) -> None:
    pending.begin(a_connect(expires_at=NOW + timedelta(seconds=10, microseconds=900_000)))
    assert pending.take("state-1", TEACHER, NOW + timedelta(seconds=10, microseconds=100)) is None
    pending.begin(a_connect("state-2", expires_at=NOW + timedelta(seconds=10, microseconds=1)))
    taken = pending.take("state-2", TEACHER, NOW + timedelta(seconds=9, microseconds=999_999))
    assert taken == a_connect("state-2", expires_at=NOW + timedelta(seconds=10))


def test_an_unknown_connect_is_none(pending: PendingConnectionStore) -> None:
    assert pending.take("state-unknown", TEACHER, NOW) is None


def test_each_connect_is_its_own(pending: PendingConnectionStore) -> None:
    pending.begin(a_connect("state-1"))
    pending.begin(a_connect("state-2", account="cohort"))
    assert pending.take("state-2", TEACHER, NOW) == a_connect("state-2", account="cohort")
    assert pending.take("state-1", TEACHER, NOW) == a_connect("state-1")
