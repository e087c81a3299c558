"""Faults for the Bluesky sandbox's XRPC endpoints, with the X sandbox's semantics.

`POST /sandbox/faults` with `{"endpoint": "POST /xrpc/com.atproto.repo.createRecord",
"latency_ms": 0, "status": null, "count": 0, "after_create": false}`; `{}` removes every fault.
It reuses the X sandbox's `Fault` and `Plan` (devstack/sandbox/faults.py: latency, `count`
failures, `"timeout"`, `after_create`) with Bluesky's statuses: 400 (an expired access token,
`ExpiredToken`), 401, 429 (with `RateLimit-*`; `"reset"` sets its epoch seconds, default now + 300),
a 5xx, or `"timeout"`. The schema differs from X's (no 402 or 403, a 400), hence this layer.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, replace
from typing import Any

from jsonschema import Draft202012Validator

from devstack.sandbox.faults import TIMEOUT, Fault, FaultError, Plan

_STATUS_AFTER_CREATE = {
    "anyOf": [{"const": TIMEOUT}, {"type": "integer", "minimum": 500, "maximum": 599}]
}
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
                {"enum": [400, 401, 429, TIMEOUT]},
                {"type": "integer", "minimum": 500, "maximum": 599},
            ]
        },
        "count": {"type": "integer", "minimum": 0},
        "after_create": {"type": "boolean"},
        "reset": {"type": "integer", "minimum": 0},
    },
    "if": {"properties": {"after_create": {"const": True}}, "required": ["after_create"]},
    "then": {"required": ["status"], "properties": {"status": _STATUS_AFTER_CREATE}},
}
_VALIDATOR = Draft202012Validator(FAULT_SCHEMA)

__all__ = ["TIMEOUT", "Fault", "FaultError", "Faults", "Plan"]


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
            if fault.status is None or fault.count == 0:
                return Plan(fault.latency_ms / 1000)
            self._faults[endpoint] = replace(fault, count=fault.count - 1)
            latency = 0.0 if fault.status == TIMEOUT else fault.latency_ms / 1000
            return Plan(latency, fault)
