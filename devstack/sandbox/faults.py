"""Faults an endpoint can be told to show: latency, failures, and outages after the fact.

Every sandbox keeps its faults here; the networks differ only in the failure statuses they allow,
the body each failure answers (each server's own `fail`), and Mastodon's extra fields.

`POST /sandbox/faults` with `{"endpoint": "POST /2/tweets", "latency_ms": 0, "status": null,
"count": 0}` replaces that endpoint's fault; `{}` removes every fault.

- `latency_ms`: every call to the endpoint waits that long before it is handled.
- `status` and `count`: the next `count` calls (1 when `count` is left out) answer `status`
  instead of being handled: on X 401, 402, 403 (duplicate content), 429 or a 5xx, with X's headers
  and bodies; `"reset"` (epoch seconds) sets a 429's `x-rate-limit-reset` (default now + 900).
- `"timeout"` as the status: the call is held for `latency_ms` (30000 when 0) and the connection
  is then closed without an answer.
- `after_create: true` (with a 5xx or `"timeout"`): the call is handled first (the post is
  created), then its answer is replaced by the failure, the way a real outage can.

A call that takes a failure uses up one of `count` whether or not its own handling succeeded.
`faulted` applies an endpoint's fault to one call and logs it, the same way on every sandbox.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from typing import Any, Protocol

from jsonschema import Draft202012Validator
from werkzeug.wrappers import Request

from devstack.sandbox.traffic import RequestLog

TIMEOUT = "timeout"
DEFAULT_HOLD_MS = 30_000
X_STATUSES = (401, 402, 403, 429)
EPOCH_RESET: dict[str, Any] = {"type": "integer", "minimum": 0}
_SERVER_ERROR = {"type": "integer", "minimum": 500, "maximum": 599}


def fault_schema(
    statuses: Iterable[int],
    reset: dict[str, Any] = EPOCH_RESET,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The schema of a fault whose failure is one of `statuses`, a 5xx or `"timeout"`."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["endpoint"],
        "properties": {
            "endpoint": {"type": "string"},
            "latency_ms": {"type": "integer", "minimum": 0},
            "status": {"anyOf": [{"type": "null"}, {"enum": [*statuses, TIMEOUT]}, _SERVER_ERROR]},
            "count": {"type": "integer", "minimum": 0},
            "after_create": {"type": "boolean"},
            "reset": reset,
            **(extra or {}),
        },
        "if": {"properties": {"after_create": {"const": True}}, "required": ["after_create"]},
        "then": {
            "required": ["status"],
            "properties": {"status": {"anyOf": [{"const": TIMEOUT}, _SERVER_ERROR]}},
        },
    }


FAULT_SCHEMA = fault_schema(X_STATUSES)


class FaultError(ValueError):
    """A fault specification the sandbox does not accept."""


class DropConnection(ConnectionAbortedError):
    """Raised by an app to close the connection without answering (a `"timeout"` fault)."""


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
class Plan[F: Fault]:
    """What happens to one call: wait `latency`, then answer normally or fail with `status`."""

    latency_seconds: float = 0.0
    failure: F | None = None

    @property
    def fails_before(self) -> bool:
        return self.failure is not None and not self.failure.after_create

    @property
    def fails_after(self) -> bool:
        return self.failure is not None and self.failure.after_create


class FaultBook[F: Fault]:
    """The faults set on a sandbox's endpoints, each kept as the network's kind of `Fault`."""

    def __init__(self, endpoints: frozenset[str], schema: dict[str, Any]) -> None:
        self._endpoints = endpoints
        self._validator = Draft202012Validator(
            schema, format_checker=Draft202012Validator.FORMAT_CHECKER
        )
        self._lock = threading.Lock()
        self._faults: dict[str, F] = {}

    def build(self, spec: dict[str, Any]) -> F:
        """The fault a valid specification sets."""
        raise NotImplementedError

    def render(self, fault: F) -> dict[str, Any]:
        """The fault as `GET /sandbox/faults` lists it."""
        return asdict(fault)

    def configure(self, spec: Any) -> None:
        if spec == {}:
            self.clear()
            return
        errors = sorted(self._validator.iter_errors(spec), key=lambda e: list(map(str, e.path)))
        if errors:
            raise FaultError("; ".join(e.message for e in errors))
        if spec["endpoint"] not in self._endpoints:
            raise FaultError(f"endpoint must be one of {sorted(self._endpoints)}")
        fault = self.build(spec)
        if fault.status is not None and "count" not in spec:
            fault = replace(fault, count=1)
        with self._lock:
            self._faults[fault.endpoint] = fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [self.render(fault) for fault in self._faults.values()]

    def take(self, endpoint: str) -> Plan[F]:
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


class Faults(FaultBook[Fault]):
    """Faults whose failures are `statuses` (X's by default), a 5xx or `"timeout"`."""

    def __init__(self, endpoints: frozenset[str], statuses: Iterable[int] = X_STATUSES) -> None:
        super().__init__(endpoints, fault_schema(statuses))

    def build(self, spec: dict[str, Any]) -> Fault:
        return Fault(**spec)


class Answered(Protocol):
    @property
    def status(self) -> int: ...


def pause(seconds: float) -> None:
    if seconds > 0:
        time.sleep(seconds)


def faulted[F: Fault, A: Answered](
    faults: FaultBook[F],
    requests: RequestLog,
    endpoint: str,
    request: Request,
    handle: Callable[[], A],
    fail: Callable[[F], A],
) -> A:
    """Log the call, apply the endpoint's fault, and handle it unless the fault comes first.

    `fail` answers a failure as the network does; a `"timeout"` never reaches it: the call is held,
    then its connection dropped (`DropConnection`), and the log keeps its status null.
    """
    logged = requests.record(endpoint, request)
    plan = faults.take(endpoint)
    pause(plan.latency_seconds)

    def failed(fault: F) -> A:
        if fault.status == TIMEOUT:
            pause(fault.hold_seconds)
            raise DropConnection(f"timeout fault on {fault.endpoint}")
        return fail(fault)

    if plan.failure is not None and plan.fails_before:
        answer = failed(plan.failure)
    else:
        answer = handle()
        if plan.failure is not None and plan.fails_after and answer.status < 300:
            answer = failed(plan.failure)
    requests.answered(logged, answer.status)
    return answer
