"""SessionStore: signed-in sessions, each known by the hash of its secret, while they last; when
each was last used; and a member's "sign out everywhere", which ends them without finding them."""

import pytest

from chatdeck.ports import SessionStore
from tests.contract.backends import Backend

NOW = 1_793_649_600  # 2026-11-02T20:00:00Z
DAYS_30 = 30 * 24 * 3600
TEACHER = "rivera@school.example"


@pytest.fixture
def sessions(backend: Backend) -> SessionStore:
    return backend.sessions()


def test_a_session_says_whose_it_is_and_when_it_began(sessions: SessionStore) -> None:
    sessions.add("hash-1", TEACHER, NOW, NOW + DAYS_30)
    assert sessions.get("hash-1", NOW) == (TEACHER, NOW, NOW)
    assert sessions.get("hash-1", NOW + DAYS_30 - 1) == (TEACHER, NOW, NOW)


def test_a_session_is_over_when_it_expires(sessions: SessionStore) -> None:
    sessions.add("hash-1", TEACHER, NOW, NOW + DAYS_30)
    assert sessions.get("hash-1", NOW + DAYS_30) is None
    assert sessions.get("hash-1", NOW + DAYS_30 + 1) is None


def test_an_ended_session_is_over(sessions: SessionStore) -> None:
    sessions.add("hash-1", TEACHER, NOW, NOW + DAYS_30)
    sessions.add("hash-2", TEACHER, NOW, NOW + DAYS_30)
    sessions.end("hash-1")
    assert sessions.get("hash-1", NOW) is None
    assert sessions.get("hash-2", NOW) == (TEACHER, NOW, NOW)
    sessions.end("hash-1")  # ending it again is harmless


def test_an_unknown_session_is_none(sessions: SessionStore) -> None:
    assert sessions.get("hash-unknown", NOW) is None
    sessions.end("hash-unknown")


OTHER = "okafor@school.example"
HOUR = 3600


def test_a_touch_keeps_when_the_session_was_last_used(sessions: SessionStore) -> None:
    sessions.add("hash-1", TEACHER, NOW, NOW + DAYS_30)
    sessions.touch("hash-1", NOW + HOUR)
    assert sessions.get("hash-1", NOW + 2 * HOUR) == (TEACHER, NOW, NOW + HOUR)


def test_touching_an_ended_or_unknown_session_does_not_bring_it_back(
    sessions: SessionStore,
) -> None:
    sessions.add("hash-1", TEACHER, NOW, NOW + DAYS_30)
    sessions.end("hash-1")
    sessions.touch("hash-1", NOW + HOUR)
    sessions.touch("hash-unknown", NOW + HOUR)
    assert sessions.get("hash-1", NOW + HOUR) is None
    assert sessions.get("hash-unknown", NOW + HOUR) is None


def test_signing_out_everywhere_ends_the_members_sessions_begun_until_then(
    sessions: SessionStore,
) -> None:
    sessions.add("phone", TEACHER, NOW, NOW + DAYS_30)
    sessions.add("laptop", TEACHER, NOW + HOUR, NOW + HOUR + DAYS_30)
    sessions.add("theirs", OTHER, NOW, NOW + DAYS_30)

    sessions.end_all(TEACHER, NOW + HOUR, NOW + HOUR + DAYS_30)
    sessions.add("later", TEACHER, NOW + HOUR + 1, NOW + HOUR + 1 + DAYS_30)

    at = NOW + 2 * HOUR
    assert sessions.get("phone", at) is None
    assert sessions.get("laptop", at) is None  # begun the second it was asked: over too
    assert sessions.get("theirs", at) == (OTHER, NOW, NOW)
    assert sessions.get("later", at) == (TEACHER, NOW + HOUR + 1, NOW + HOUR + 1)
