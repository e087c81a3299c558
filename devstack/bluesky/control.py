"""The Bluesky sandbox's control routes: for tests and people, not part of Bluesky.

The same surface as every sandbox (DESIGN.md, "Every sandbox"). Answers are JSON; a POST takes a
JSON body, and one that is not JSON or breaks the route's schema answers 400 `{"error": ...}`.

- `GET /sandbox/posts`: every post created through createRecord, oldest first, as `{"uri", "cid",
  "author" (handle), "created_at", "record"}`, the record exactly as created.
- `DELETE /sandbox/posts`: forget every record, blob, staged chat, fault, logged request,
  rate-limit count and token revocation or expiry; the clock goes back to real time. Seeded
  accounts stay, and tokens issued before still verify (the local stack's stored sessions live on).
- `GET` / `POST /sandbox/faults`: see devstack/bluesky/faults.py.
- `GET /sandbox/requests`: every XRPC call in arrival order, `{"endpoint": "POST
  /xrpc/com.atproto.repo.createRecord", "path", "at", "status"}` (`status` null while handled and
  for a call a `"timeout"` fault dropped).
- `GET` / `POST /sandbox/clock`: as the X sandbox's (`{"now": ..., "running": true}`,
  `{"offset_seconds": ...}`, `{}` for real time); answers `{"now", "frozen", "offset_seconds"}`.
- `POST /sandbox/chats`: stage a transcript (devstack/sandbox/staging.py); answers 201
  `{"ids": [<AT URI>, ...]}`, the posts' URIs in the body's order.
- `POST /sandbox/sessions/expire` with `{"handle": ...}`: that account's access tokens expire now;
  its refresh tokens stay good. Answers `{"expired": <how many>}`.
- `GET /sandbox/blobs/<cid>`: an uploaded blob (link-card thumbs in post views point here).
- `GET /sandbox/pages/...`: link-card pages, see devstack/bluesky/pages.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from jsonschema import Draft202012Validator
from werkzeug.wrappers import Request, Response

from devstack.bluesky import pages
from devstack.bluesky.faults import FaultError, Faults
from devstack.bluesky.views import POST, iso_ms
from devstack.bluesky.xrpc import State
from devstack.sandbox.staging import StagingError
from devstack.sandbox.store import SandboxClock, utc_now
from devstack.sandbox.traffic import RequestLog
from devstack.sandbox.wire import control_body, json_response, schema_problem

_CLOCK = Draft202012Validator(
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
_EXPIRE = Draft202012Validator(
    {
        "type": "object",
        "additionalProperties": False,
        "required": ["handle"],
        "properties": {"handle": {"type": "string", "minLength": 1}},
    }
)


class ControlRoutes:
    def __init__(
        self, state: State, faults: Faults, requests: RequestLog, clock: SandboxClock
    ) -> None:
        self.state, self.faults, self.requests, self.clock = state, faults, requests, clock
        self.routes: dict[tuple[str, str], Callable[[Request], Response]] = {
            ("GET", "/sandbox/posts"): self.list_posts,
            ("DELETE", "/sandbox/posts"): self.clear,
            ("GET", "/sandbox/faults"): lambda _: json_response(self.faults.describe()),
            ("POST", "/sandbox/faults"): self.set_fault,
            ("GET", "/sandbox/requests"): lambda _: json_response(self.requests.entries()),
            ("GET", "/sandbox/clock"): lambda _: json_response(self._clock_state()),
            ("POST", "/sandbox/clock"): self.set_clock,
            ("POST", "/sandbox/chats"): self.stage_chat,
            ("POST", "/sandbox/sessions/expire"): self.expire_sessions,
        }

    def dispatch(self, request: Request) -> Response:
        handler = self.routes.get((request.method, request.path.rstrip("/") or "/"))
        if handler is not None:
            return handler(request)
        if request.method == "GET" and request.path.startswith("/sandbox/blobs/"):
            return self.blob(request.path.removeprefix("/sandbox/blobs/"))
        if request.method == "GET" and request.path.startswith(pages.PREFIX):
            return pages.serve(request)
        return json_response({"error": f"no sandbox route {request.method} {request.path}"}, 404)

    def list_posts(self, request: Request) -> Response:
        listed = []
        for record in self.state.repos.all():
            if record.collection != POST:
                continue
            author = self.state.directory.find(record.did)
            listed.append(
                {
                    "uri": record.uri,
                    "cid": record.cid,
                    "author": author.handle if author else record.did,
                    "created_at": iso_ms(record.created_at),
                    "record": record.value,
                }
            )
        return json_response(listed)

    def clear(self, request: Request) -> Response:
        self.state.clear()
        self.faults.clear()
        self.requests.clear()
        self.clock.reset()
        return Response(status=204)

    def set_fault(self, request: Request) -> Response:
        spec, problem = control_body(request)
        if problem is None:
            try:
                self.faults.configure(spec)
            except FaultError as error:
                problem = str(error)
        if problem is not None:
            return json_response({"error": problem}, 400)
        return json_response(self.faults.describe())

    def set_clock(self, request: Request) -> Response:
        spec, problem = _checked(request, _CLOCK)
        if problem is not None:
            return json_response({"error": problem}, 400)
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
        return {**state, "now": iso_ms(state["now"])}

    def stage_chat(self, request: Request) -> Response:
        body, problem = control_body(request)
        if problem is not None:
            return json_response({"error": problem}, 400)
        try:
            ids = self.state.stage.stage(body)
        except StagingError as error:
            return json_response({"error": str(error)}, 400)
        return json_response({"ids": ids}, 201)

    def expire_sessions(self, request: Request) -> Response:
        spec, problem = _checked(request, _EXPIRE)
        if problem is not None:
            return json_response({"error": problem}, 400)
        account = self.state.directory.find(spec["handle"])
        if account is None:
            return json_response({"error": f"no account {spec['handle']!r}"}, 400)
        return json_response({"expired": self.state.sessions.expire(account.did)})

    def blob(self, cid: str) -> Response:
        blob = self.state.repos.blob(cid)
        if blob is None:
            return json_response({"error": f"no blob {cid}"}, 404)
        return Response(blob.data, content_type=blob.mime_type)


def _checked(request: Request, validator: Draft202012Validator) -> tuple[Any, str | None]:
    spec, problem = control_body(request)
    if problem is None:
        problem = schema_problem(validator, spec)
    return spec, problem
