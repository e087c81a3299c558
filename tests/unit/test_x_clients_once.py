"""The publisher posts to X on many threads: an account's handle is asked of X once per function
instance, and counted once against the cap, however many posts need it at the same moment."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, Literal

from chatdeck.adapters.x.client import Credentials, XClients


class SlowX:
    """X's GET /2/users/me, answering after a moment, as over the network."""

    def __init__(self) -> None:
        self.calls = 0
        self._lock = threading.Lock()

    def get_me(self, user_auth: bool) -> Any:
        with self._lock:
            self.calls += 1
        time.sleep(0.05)
        return SimpleNamespace(data=SimpleNamespace(id=42, username="cohort"))


class Meter:
    def __init__(self) -> None:
        self.counted: list[list[str]] = []

    def lookup_unread(self, ids: list[str], now: datetime) -> tuple[set[str], str | None]:
        return set(ids), None

    def own_reads_left(self, now: datetime) -> int | None:
        return None

    def own_reads_stopped(self, now: datetime) -> str:
        return ""

    def count_reads(
        self, ids: list[str], now: datetime, kind: Literal["read", "own_read"] = "read"
    ) -> int:
        self.counted.append(ids)
        return len(ids)


def test_sixteen_posts_at_once_ask_x_for_the_accounts_handle_once() -> None:
    x, meter = SlowX(), Meter()
    made: list[str] = []

    class Clients(XClients):
        def _client(self, account: str) -> Any:
            made.append(account)
            return x

    def unused(account: str) -> Credentials:
        raise AssertionError("the test's client needs no credentials")

    clients = Clients(unused, "http://x.invalid", (1.0, 1.0), spending=meter,
                      now=lambda: datetime(2026, 12, 6, tzinfo=UTC))  # fmt: skip
    with ThreadPoolExecutor(16) as pool:
        users = list(pool.map(lambda _: clients.me("cohort"), range(16)))

    assert users == [("42", "cohort")] * 16
    assert x.calls == 1
    assert meter.counted == [["user:42"]]
