"""An in-memory SpendingStore with DynamoDB's semantics (adapters/spending.py): per-month
counters changed only under a lock (ADD), a post counted once per charge id and only while it
keeps the month within the limit, reads counted once per post per UTC day (and kind: a post
read, a post of the account's own read), however many a day.

`throttle(n)` makes the next n writes raise, as a throttled table does after boto's retries."""

import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Literal

from chatdeck.domain.spending import PRICE_MILLS, PostKind, ReadKind, XSpending


class Throttled(RuntimeError):
    """ProvisionedThroughputExceededException, after the SDK's retries."""


class FakeSpendingStore:
    def __init__(self) -> None:
        self._months: dict[str, XSpending] = {}
        self._cap: Decimal | None = None
        self._charges: dict[str, tuple[str, PostKind]] = {}
        self._read: dict[tuple[date, ReadKind], set[str]] = {}
        self._lock = threading.Lock()
        self._throttled = 0
        self.writes = 0

    def throttle(self, writes: int = 1) -> None:
        self._throttled = writes

    def month(self, month: str) -> XSpending:
        with self._lock:
            return self._months.get(month, XSpending(month))

    def cap(self) -> Decimal | None:
        return self._cap

    def set_cap(self, cap: Decimal | None) -> None:
        self._write()
        self._cap = cap

    def charge_post(
        self, month: str, charge_id: str, kind: PostKind, limit_mills: int | None
    ) -> Literal["charged", "already", "over"]:
        with self._lock:
            self._write()
            if charge_id in self._charges:
                return "already"
            spent = self._months.get(month, XSpending(month))
            if limit_mills is not None and spent.mills + PRICE_MILLS[kind] > limit_mills:
                return "over"
            self._charges[charge_id] = (month, kind)
            self._add(month, f"{kind}s", 1)
            return "charged"

    def refund_post(self, charge_id: str) -> bool:
        with self._lock:
            self._write()
            charge = self._charges.pop(charge_id, None)
            if charge is None:
                return False
            self._add(charge[0], f"{charge[1]}s", -1)
            return True

    def count_reads(self, day: date, ids: Sequence[str], kind: ReadKind = "read") -> int:
        with self._lock:
            self._write()
            seen = self._read.setdefault((day, kind), set())
            new = set(ids) - seen
            seen |= new
            self._add(day.strftime("%Y-%m"), f"{kind}s", len(new))
            return len(new)

    def unread(self, day: date, ids: Sequence[str], kind: ReadKind = "read") -> set[str]:
        with self._lock:
            return set(ids) - self._read.get((day, kind), set())

    def _add(self, month: str, field: str, n: int) -> None:
        spent = self._months.get(month, XSpending(month))
        self._months[month] = replace(spent, **{field: getattr(spent, field) + n})

    def _write(self) -> None:
        self.writes += 1
        if self._throttled:
            self._throttled -= 1
            raise Throttled("Throughput exceeds the current capacity of your table.")
