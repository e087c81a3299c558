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

Faults (`POST /sandbox/faults`), as the X sandbox's (devstack/sandbox/faults.py, whose `Fault` and
`Plan` are reused) with Mastodon's own statuses: `{"endpoint": "POST /api/v1/statuses",
"latency_ms", "status": 401 | 403 | 404 | 422 | 429 | 5xx | "timeout", "count", "after_create",
"reset": "<ISO instant of a 429's X-RateLimit-Reset>", "error": "<the 401/403/422 body's error>"}`;
`{}` removes every fault.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any

from jsonschema import Draft202012Validator

from devstack.sandbox.faults import TIMEOUT, Fault, Plan

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


FAULT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["endpoint"],
    "properties": {
        "endpoint": {"type": "string"},
        "latency_ms": {"type": "integer", "minimum": 0},
        "status": {
            "anyOf": [
                {"type": "null"},
                {"enum": [401, 403, 404, 422, 429, TIMEOUT]},
                {"type": "integer", "minimum": 500, "maximum": 599},
            ]
        },
        "count": {"type": "integer", "minimum": 0},
        "after_create": {"type": "boolean"},
        "reset": {"type": "string", "format": "date-time"},
        "error": {"type": "string", "minLength": 1},
    },
    "if": {"properties": {"after_create": {"const": True}}, "required": ["after_create"]},
    "then": {
        "required": ["status"],
        "properties": {
            "status": {
                "anyOf": [
                    {"const": TIMEOUT},
                    {"type": "integer", "minimum": 500, "maximum": 599},
                ]
            }
        },
    },
}
_VALIDATOR = Draft202012Validator(FAULT_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)


class FaultError(ValueError):
    """A fault specification the sandbox does not accept."""


@dataclass(frozen=True)
class MastodonFault:
    fault: Fault
    error: str | None = None  # the body's error of a 401, 403 or 422
    reset: datetime | None = None  # a 429's X-RateLimit-Reset


class Faults:
    def __init__(self, endpoints: frozenset[str]) -> None:
        self._endpoints = endpoints
        self._lock = threading.Lock()
        self._faults: dict[str, MastodonFault] = {}

    def configure(self, spec: Any) -> None:
        if spec == {}:
            self.clear()
            return
        errors = sorted(_VALIDATOR.iter_errors(spec), key=lambda e: list(map(str, e.path)))
        if errors:
            raise FaultError("; ".join(e.message for e in errors))
        if spec["endpoint"] not in self._endpoints:
            raise FaultError(f"endpoint must be one of {sorted(self._endpoints)}")
        fields = {k: v for k, v in spec.items() if k not in ("reset", "error")}
        fault = Fault(**fields)
        if fault.status is not None and "count" not in spec:
            fault = replace(fault, count=1)
        reset = datetime.fromisoformat(spec["reset"]).astimezone(UTC) if "reset" in spec else None
        with self._lock:
            self._faults[fault.endpoint] = MastodonFault(fault, spec.get("error"), reset)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            described = []
            for item in self._faults.values():
                entry = {k: v for k, v in asdict(item.fault).items() if k != "reset"}
                if item.error:
                    entry["error"] = item.error
                if item.reset:
                    entry["reset"] = iso_reset(item.reset)
                described.append(entry)
            return described

    def take(self, endpoint: str) -> tuple[Plan, MastodonFault | None]:
        """The plan for one call to `endpoint`, using up one failure if one is due."""
        with self._lock:
            item = self._faults.get(endpoint)
            if item is None:
                return Plan(), None
            fault = item.fault
            latency = fault.latency_ms / 1000
            if fault.status is None or fault.count == 0:
                return Plan(latency), None
            self._faults[endpoint] = replace(item, fault=replace(fault, count=fault.count - 1))
            if fault.status == TIMEOUT:
                latency = 0.0  # the hold is the latency
            return Plan(latency, fault), item
