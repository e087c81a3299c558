"""What the sandbox counts and records of the calls to its X endpoints (the OAuth 2.0 token and
revoke endpoints included).

- `RateWindows`: X's 15-minute windows per caller and endpoint, reported in `x-rate-limit-*`
  headers. Counted, never enforced: the sandbox answers 429 only when a fault says so.
- `RequestLog`: every call in arrival order (`GET /sandbox/requests`), so a test can tell a request
  sent twice from one sent once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Request

from devstack.sandbox.models import x_time
from devstack.sandbox.store import Clock

RATE_WINDOW_SECONDS = 15 * 60


@dataclass(frozen=True)
class Quota:
    limit: int
    remaining: int
    reset: int

    def headers(self) -> dict[str, str]:
        return {
            "x-rate-limit-limit": str(self.limit),
            "x-rate-limit-remaining": str(self.remaining),
            "x-rate-limit-reset": str(self.reset),
        }


@dataclass
class RateWindows:
    """X's 15-minute windows per caller and endpoint. Counted and reported, never enforced: the
    sandbox answers 429 only when a fault says so."""

    clock: Clock
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _windows: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)

    def hit(self, caller: str, endpoint: str, limit: int) -> Quota:
        """Count a call of `caller` to `endpoint` (X allowing `limit` a window)."""
        now = int(self.clock().timestamp())
        with self._lock:
            start, used = self._windows.get((caller, endpoint), (now, 0))
            if now >= start + RATE_WINDOW_SECONDS:
                start, used = now, 0
            self._windows[(caller, endpoint)] = (start, used + 1)
        return Quota(limit, max(limit - used - 1, 0), start + RATE_WINDOW_SECONDS)

    def clear(self) -> None:
        with self._lock:
            self._windows.clear()


@dataclass
class RequestLog:
    """What reached the X endpoints, so a test can tell a request sent twice from one sent once."""

    clock: Clock
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _entries: list[dict[str, Any]] = field(default_factory=list)

    def record(self, endpoint: str, request: Request) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "endpoint": endpoint,
            "path": request.full_path.rstrip("?"),
            "at": x_time(self.clock()),
        }
        entry["status"] = None
        with self._lock:
            self._entries.append(entry)
        return entry

    def answered(self, entry: dict[str, Any], status: int) -> None:
        with self._lock:
            entry["status"] = status

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(entry) for entry in self._entries]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
