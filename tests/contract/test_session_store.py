"""SessionStore: signed-in sessions, each known by the hash of its secret, while they last."""

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
    assert sessions.get("hash-1", NOW) == (TEACHER, NOW)
    assert sessions.get("hash-1", NOW + DAYS_30 - 1) == (TEACHER, NOW)


def test_a_session_is_over_when_it_expires(sessions: SessionStore) -> None:
    sessions.add("hash-1", TEACHER, NOW, NOW + DAYS_30)
    assert sessions.get("hash-1", NOW + DAYS_30) is None
    assert sessions.get("hash-1", NOW + DAYS_30 + 1) is None


def test_an_ended_session_is_over(sessions: SessionStore) -> None:
    sessions.add("hash-1", TEACHER, NOW, NOW + DAYS_30)
    sessions.add("hash-2", TEACHER, NOW, NOW + DAYS_30)
    sessions.end("hash-1")
    assert sessions.get("hash-1", NOW) is None
    assert sessions.get("hash-2", NOW) == (TEACHER, NOW)
    sessions.end("hash-1")  # ending it again is harmless


def test_an_unknown_session_is_none(sessions: SessionStore) -> None:
    assert sessions.get("hash-unknown", NOW) is None
    sessions.end("hash-unknown")
