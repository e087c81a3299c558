"""First-time participants on moto server: what a digest's `record_participants` costs, and its
races with another digest of the same chat.

moto serialises each DynamoDB request but not the store's read-then-write, so a race is scripted:
the table here runs another digest's whole call just after this one's batch read (before its
writes), and counts the calls it makes. What is checked is what a reader of the digests (or
whoever pays for the table) would: which session each author's first is, and how many writes a
digest of returning authors spends.
"""

import threading
from collections.abc import Callable
from typing import Any

import pytest

from chatdeck.adapters.chats import DynamoChatStore
from chatdeck.adapters.dynamodb import Table
from tests.contract.backends import DynamoBackend, MotoAws

pytestmark = pytest.mark.integration

FIRST = "edtechchat#2026-10-06T00:00:00Z"
SECOND = "edtechchat#2026-10-20T00:00:00Z"
THIRD = "edtechchat#2026-11-03T01:00:00Z"
TEACHERS = {f"teacher{n:03d}" for n in range(300)}


class Scripted(Table):
    """The real table, running `after_read` (another digest's call) just after its next batch
    read, and counting its batch-read requests and conditional writes."""

    def __init__(self, client: Any, name: str) -> None:
        super().__init__(client, name)
        self.after_read: list[Callable[[], object]] = []
        self.batch_reads = 0
        self.writes = 0
        self._lock = threading.Lock()

    def batch_get(
        self, keys: list[dict[str, Any]], consistent: bool = True
    ) -> list[dict[str, Any]]:
        self.batch_reads += -(-len(keys) // 100)
        items = super().batch_get(keys, consistent)
        while self.after_read:
            self.after_read.pop(0)()
        return items

    def write_if(self, operation: str, **params: Any) -> dict[str, Any] | None:
        with self._lock:  # the puts run on several threads
            self.writes += 1
        return super().write_if(operation, **params)


@pytest.fixture
def plain(moto_aws: MotoAws) -> Table:
    return DynamoBackend(moto_aws).table("StateTable")


@pytest.fixture
def table(moto_aws: MotoAws, plain: Table) -> Scripted:
    return Scripted(moto_aws.dynamodb, plain.name)


def test_returning_authors_are_read_and_not_written_again(table: Scripted) -> None:
    chats = DynamoChatStore(table)
    chats.record_participants("edtechchat", FIRST, TEACHERS)
    assert table.writes == 300  # each new author once

    table.writes = table.batch_reads = 0
    newcomers = {"newcomer1", "newcomer2"}
    chats.record_participants("edtechchat", SECOND, TEACHERS | newcomers)

    assert table.batch_reads == 4  # 302 keys, 100 a request
    assert table.writes == 2  # the two newcomers only
    assert chats.participants_before("edtechchat", SECOND) == TEACHERS
    assert chats.participants_before("edtechchat", THIRD) == TEACHERS | newcomers


def test_an_earlier_session_recorded_meanwhile_is_not_overwritten(
    table: Scripted, plain: Table
) -> None:
    mine, theirs = DynamoChatStore(table), DynamoChatStore(plain)
    # this digest (the second session) reads nobody; the first session's is recorded at once
    table.after_read = [lambda: theirs.record_participants("edtechchat", FIRST, {"1", "2"})]

    mine.record_participants("edtechchat", SECOND, {"1", "3"})

    assert mine.participants_before("edtechchat", SECOND) == {"1", "2"}  # 1's first: FIRST
    assert mine.participants_before("edtechchat", THIRD) == {"1", "2", "3"}


def test_a_later_session_recorded_meanwhile_gives_way_to_an_earlier_one(
    table: Scripted, plain: Table
) -> None:
    mine, theirs = DynamoChatStore(table), DynamoChatStore(plain)
    table.after_read = [lambda: theirs.record_participants("edtechchat", SECOND, {"1", "2"})]

    mine.record_participants("edtechchat", FIRST, {"1"})

    assert mine.participants_before("edtechchat", FIRST) == set()
    assert mine.participants_before("edtechchat", SECOND) == {"1"}  # 1 is no first-timer there
    assert mine.participants_before("edtechchat", THIRD) == {"1", "2"}


def test_two_sessions_recorded_at_once_keep_the_earlier(plain: Table) -> None:
    chats = DynamoChatStore(plain)
    recorded = [
        threading.Thread(
            target=chats.record_participants, args=("edtechchat", occurrence, TEACHERS)
        )
        for occurrence in (SECOND, FIRST)
    ]
    for thread in recorded:
        thread.start()
    for thread in recorded:
        thread.join()

    assert chats.participants_before("edtechchat", FIRST) == set()
    assert chats.participants_before("edtechchat", SECOND) == TEACHERS
