"""Rate limits and faults of the Mastodon sandbox.

Rate limits (docs/api-rate-limits.md; README-notes §2), enforced as Mastodon enforces them:
- every API call: 300 per 5 minutes per account (per token's account; per app for an app token;
  per address without a token);
- creating a status: 300 per 3 hours per account (the `statuses` family), counted only when a
  status is made (a repeated `Idempotency-Key` makes none).
Windows are fixed periods counted from the epoch, as the recorded resets show (13:55:00 for a call
at 13:51:02, 15:00:00 for a post at 13:53:56). Every answer carries `X-RateLimit-Limit`,
`-Remaining` and `-Reset` (ISO 8601 UTC with microseconds) of its family; a refused call answers
429 `{"error": "Too many requests"}`.

Faults (`POST /sandbox/faults`), as the X sandbox's (devstack/sandbox/faults.py, whose `FaultBook`
keeps them) with Mastodon's own statuses: `{"endpoint": "POST /api/v1/statuses",
"latency_ms", "status": 401 | 403 | 404 | 422 | 429 | 5xx | "timeout", "count", "after_create",
"reset": "<ISO instant of a 429's X-RateLimit-Reset>", "error": "<the 401/403/422 body's error>"}`;
`{}` removes every fault.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from devstack.sandbox.faults import Fault, FaultBook, fault_schema

GENERAL = ("api", 300, 5 * 60)
STATUSES = ("statuses", 300, 3 * 60 * 60)


def iso_reset(moment: datetime) -> str:
    """Mastodon's X-RateLimit-Reset: ISO 8601 UTC with microseconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Quota:
    limit: int
    remaining: int
    reset: datetime
    exceeded: bool = False

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": iso_reset(self.reset),
        }


class RateLimits:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._used: dict[tuple[str, str, int], int] = {}

    def hit(self, family: tuple[str, int, int], who: str, now: datetime) -> Quota:
        """Count one call of `who` in the family's current period; `exceeded` when over."""
        name, limit, period = family
        epoch = int(now.timestamp())
        start = epoch - epoch % period
        with self._lock:
            used = self._used.get((name, who, start), 0) + 1
            self._used[(name, who, start)] = used
        reset = datetime.fromtimestamp(start + period, UTC)
        return Quota(limit, max(limit - used, 0), reset, used > limit)

    def peek(self, family: tuple[str, int, int], who: str, now: datetime) -> Quota:
        """The family's quota without counting a call."""
        name, limit, period = family
        epoch = int(now.timestamp())
        start = epoch - epoch % period
        with self._lock:
            used = self._used.get((name, who, start), 0)
        reset = datetime.fromtimestamp(start + period, UTC)
        return Quota(limit, max(limit - used, 0), reset, used >= limit)

    def clear(self) -> None:
        with self._lock:
            self._used.clear()


FAULT_SCHEMA = fault_schema(
    (401, 403, 404, 422, 429),
    reset={"type": "string", "format": "date-time"},
    extra={"error": {"type": "string", "minLength": 1}},
)


@dataclass(frozen=True)
class MastodonFault(Fault):
    error: str | None = None  # the body's error of a 401, 403 or 422
    reset_at: datetime | None = None  # a 429's X-RateLimit-Reset (X's `reset` stays None)


class Faults(FaultBook[MastodonFault]):
    def __init__(self, endpoints: frozenset[str]) -> None:
        super().__init__(endpoints, FAULT_SCHEMA)

    def build(self, spec: dict[str, Any]) -> MastodonFault:
        fields = {k: v for k, v in spec.items() if k not in ("reset", "error")}
        reset = datetime.fromisoformat(spec["reset"]).astimezone(UTC) if "reset" in spec else None
        return MastodonFault(**fields, error=spec.get("error"), reset_at=reset)

    def render(self, fault: MastodonFault) -> dict[str, Any]:
        entry = {k: v for k, v in asdict(fault).items() if k not in _OWN_FIELDS}
        if fault.error:
            entry["error"] = fault.error
        if fault.reset_at:
            entry["reset"] = iso_reset(fault.reset_at)
        return entry


_OWN_FIELDS = ("reset", "error", "reset_at")
