"""The control routes every sandbox answers alike (DESIGN.md, "Every sandbox"); not part of any
network.

- `GET /sandbox/faults` / `POST /sandbox/faults`: the endpoint faults (devstack/sandbox/faults.py;
  each network's `FaultBook` says which statuses it allows).
- `GET /sandbox/requests`: every call to the network's endpoints in arrival order.
- `GET` / `POST /sandbox/clock`: the sandbox's now. `{"now": "<ISO instant>"}` freezes it there,
  with `"running": true` it runs from there; `{"offset_seconds": -3600}` runs it shifted from real
  time; `{}` goes back to real time. Answers `{"now", "frozen", "offset_seconds"}`, `now` in the
  network's own timestamp format (`render_time`).
- `stage_chat`: `POST /sandbox/chats` for a sandbox that only stages (Bluesky, Mastodon; X also
  seeds what it staged, in sandbox/control.py).

A POST takes a JSON body; one that is not JSON, or breaks the route's schema, answers 400
`{"error": "<what is wrong>"}`. Each sandbox's control.py adds its own routes to these.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from jsonschema import Draft202012Validator
from werkzeug.wrappers import Request, Response

from devstack.sandbox.faults import FaultBook, FaultError
from devstack.sandbox.staging import ChatStage, StagingError
from devstack.sandbox.store import SandboxClock, utc_now
from devstack.sandbox.traffic import RequestLog
from devstack.sandbox.wire import checked_body, control_body, json_response

Routes = dict[tuple[str, str], Callable[[Request], Response]]

CLOCK_VALIDATOR = Draft202012Validator(
    {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "now": {"type": ["string", "null"], "format": "date-time"},
            "running": {"type": "boolean"},
            "offset_seconds": {"type": "number"},
        },
        "not": {"required": ["now", "offset_seconds"]},
    },
    format_checker=Draft202012Validator.FORMAT_CHECKER,
)


def naming_validator(field: str) -> Draft202012Validator:
    """Checks a body that names one account and nothing else: `{field: "<name>"}`."""
    return Draft202012Validator(
        {
            "type": "object",
            "additionalProperties": False,
            "required": [field],
            "properties": {field: {"type": "string", "minLength": 1}},
        }
    )


def refused(problem: str) -> Response:
    """A control route's 400: what is wrong with the call."""
    return json_response({"error": problem}, 400)


@dataclass
class SharedControls:
    """The faults, requests and clock routes over one sandbox's parts."""

    faults: FaultBook[Any]
    requests: RequestLog
    clock: SandboxClock
    render_time: Callable[[datetime], str]

    def routes(self) -> Routes:
        return {
            ("GET", "/sandbox/faults"): self.list_faults,
            ("POST", "/sandbox/faults"): self.set_fault,
            ("GET", "/sandbox/requests"): self.list_requests,
            ("GET", "/sandbox/clock"): self.show_clock,
            ("POST", "/sandbox/clock"): self.set_clock,
        }

    def list_faults(self, request: Request) -> Response:
        return json_response(self.faults.describe())

    def set_fault(self, request: Request) -> Response:
        spec, problem = control_body(request)
        if problem is None:
            try:
                self.faults.configure(spec)
            except FaultError as error:
                problem = str(error)
        if problem is not None:
            return refused(problem)
        return json_response(self.faults.describe())

    def list_requests(self, request: Request) -> Response:
        return json_response(self.requests.entries())

    def show_clock(self, request: Request) -> Response:
        return json_response(self._clock_state())

    def set_clock(self, request: Request) -> Response:
        spec, problem = checked_body(request, CLOCK_VALIDATOR)
        if problem is not None:
            return refused(problem)
        if spec.get("now"):
            instant = datetime.fromisoformat(spec["now"]).astimezone(UTC)
            if spec.get("running"):
                self.clock.shift(instant - utc_now())
            else:
                self.clock.freeze(instant)
        else:
            self.clock.shift(timedelta(seconds=spec.get("offset_seconds", 0)))
        return json_response(self._clock_state())

    def _clock_state(self) -> dict[str, Any]:
        state = self.clock.describe()
        return {**state, "now": self.render_time(state["now"])}


def stage_chat(request: Request, stage: ChatStage) -> Response:
    """`POST /sandbox/chats`: stage a transcript; 201 `{"ids": [...]}` in the body's order."""
    body, problem = control_body(request)
    if problem is not None:
        return refused(problem)
    try:
        ids = stage.stage(body)
    except StagingError as error:
        return refused(str(error))
    return json_response({"ids": ids}, 201)
