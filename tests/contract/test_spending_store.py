"""SpendingStore's reads, on the fake and on DynamoDB (moto server): each post counted once per
UTC day and kind, however many posts a day. The charges and the cap are
tests/integration/test_x_spending_cap.py's."""

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from chatdeck.adapters.spending import DynamoSpendingStore
from chatdeck.domain.spending import XSpending
from chatdeck.ports import SpendingStore
from tests.contract.backends import Backend, DynamoBackend
from tests.fakes.spending import FakeSpendingStore

DAY = date(2026, 11, 2)
MONTH = "2026-11"
ITEM_LIMIT = 400 * 1024  # DynamoDB's largest item, in bytes


def x_ids(first: int, count: int) -> list[str]:
    """X-like post ids: 19 digits."""
    return [str(1_990_000_000_000_000_000 + n) for n in range(first, first + count)]


@pytest.fixture
def store(backend: Backend) -> Iterator[SpendingStore]:
    if isinstance(backend, DynamoBackend):
        yield DynamoSpendingStore(backend.table("StateTable"))
    else:
        yield FakeSpendingStore()


def item_bytes(item: dict[str, Any]) -> int:
    """An item's size as DynamoDB counts it (names and values in UTF-8), at the least."""
    size = 0
    for name, value in item.items():
        values = value if isinstance(value, set) else [value]
        size += len(name.encode()) + sum(len(str(v).encode()) for v in values)
    return size


def test_a_day_of_25000_reads_past_one_items_400_kb_is_counted_once_each(
    backend: Backend, store: SpendingStore
) -> None:
    for first in range(0, 25_000, 1_000):
        assert store.count_reads(DAY, x_ids(first, 1_000)) == 1_000

    assert store.count_reads(DAY, x_ids(24_900, 200)) == 100  # 100 read already
    assert store.month(MONTH) == XSpending(MONTH, reads=25_100)
    assert store.unread(DAY, x_ids(25_090, 20)) == set(x_ids(25_100, 10))
    if isinstance(backend, DynamoBackend):  # no item near DynamoDB's limit
        table = backend.table("StateTable")
        items = table.query_all(
            KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": "XSPEND"}
        )
        assert sum(len(item.get("ids", ())) for item in items) == 25_100
        assert max(item_bytes(item) for item in items) < ITEM_LIMIT / 2


def test_the_accounts_own_posts_are_counted_apart_at_their_own_price(
    store: SpendingStore,
) -> None:
    ids = x_ids(0, 3)
    assert store.count_reads(DAY, ids, "own_read") == 3
    assert store.count_reads(DAY, ids, "own_read") == 0
    assert store.count_reads(DAY, ids) == 3  # a chat's read of them is billed apart
    assert store.count_reads(DAY + timedelta(days=1), ids[:1], "own_read") == 1

    spent = store.month(MONTH)
    assert spent == XSpending(MONTH, reads=3, own_reads=4)
    assert spent.mills == 3 * 5 + 4 * 1
    assert store.unread(DAY, x_ids(0, 5), "own_read") == set(x_ids(3, 2))


def test_nothing_read_counts_nothing(store: SpendingStore) -> None:
    assert store.count_reads(DAY, []) == 0
    assert store.unread(DAY, []) == set()
    assert store.month(MONTH) == XSpending(MONTH)
