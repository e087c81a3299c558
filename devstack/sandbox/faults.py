"""Faults an endpoint can be told to show: latency, failures, and outages after the fact.

`POST /sandbox/faults` with `{"endpoint": "POST /2/tweets", "latency_ms": 0, "status": null,
"count": 0}` replaces that endpoint's fault; `{}` removes every fault.

- `latency_ms`: every call to the endpoint waits that long before it is handled.
- `status` and `count`: the next `count` calls (1 when `count` is left out) answer `status`
  instead of being handled: 401, 402, 403 (duplicate content), 429 or a 5xx, with X's headers
  and bodies; `"reset"` (epoch seconds) sets a 429's `x-rate-limit-reset` (default now + 900).
- `"timeout"` as the status: the call is held for `latency_ms` (30000 when 0) and the connection
  is then closed without an answer.
- `after_create: true` (with a 5xx or `"timeout"`): the call is handled first (the post is
  created), then its answer is replaced by the failure, the way a real outage can.

A call that takes a failure uses up one of `count` whether or not its own handling succeeded.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, replace
from typing import Any

from jsonschema import Draft202012Validator

TIMEOUT = "timeout"
DEFAULT_HOLD_MS = 30_000

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
                {"enum": [401, 402, 403, 429, TIMEOUT]},
                {"type": "integer", "minimum": 500, "maximum": 599},
            ]
        },
        "count": {"type": "integer", "minimum": 0},
        "after_create": {"type": "boolean"},
        "reset": {"type": "integer", "minimum": 0},
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
_VALIDATOR = Draft202012Validator(FAULT_SCHEMA)


class FaultError(ValueError):
    """A fault specification the sandbox does not accept."""


@dataclass(frozen=True)
class Fault:
    endpoint: str
    latency_ms: int = 0
    status: int | str | None = None
    count: int = 0
    after_create: bool = False
    reset: int | None = None

    @property
    def hold_seconds(self) -> float:
        """How long a `"timeout"` holds the call before dropping it."""
        return (self.latency_ms or DEFAULT_HOLD_MS) / 1000


@dataclass(frozen=True)
class Plan:
    """What happens to one call: wait `latency`, then answer normally or fail with `status`."""

    latency_seconds: float = 0.0
    failure: Fault | None = None

    @property
    def fails_before(self) -> bool:
        return self.failure is not None and not self.failure.after_create

    @property
    def fails_after(self) -> bool:
        return self.failure is not None and self.failure.after_create


class Faults:
    def __init__(self, endpoints: frozenset[str]) -> None:
        self._endpoints = endpoints
        self._lock = threading.Lock()
        self._faults: dict[str, Fault] = {}

    def configure(self, spec: Any) -> None:
        if spec == {}:
            self.clear()
            return
        errors = sorted(_VALIDATOR.iter_errors(spec), key=lambda e: list(map(str, e.path)))
        if errors:
            raise FaultError("; ".join(e.message for e in errors))
        if spec["endpoint"] not in self._endpoints:
            raise FaultError(f"endpoint must be one of {sorted(self._endpoints)}")
        fault = Fault(**spec)
        if fault.status is not None and "count" not in spec:
            fault = replace(fault, count=1)
        with self._lock:
            self._faults[fault.endpoint] = fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(fault) for fault in self._faults.values()]

    def take(self, endpoint: str) -> Plan:
        """The plan for one call to `endpoint`, using up one failure if one is due."""
        with self._lock:
            fault = self._faults.get(endpoint)
            if fault is None:
                return Plan()
            latency = fault.latency_ms / 1000
            if fault.status is None or fault.count == 0:
                return Plan(latency)
            self._faults[endpoint] = replace(fault, count=fault.count - 1)
            if fault.status == TIMEOUT:
                latency = 0.0  # the hold is the latency
            return Plan(latency, fault)
