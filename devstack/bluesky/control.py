"""The Bluesky sandbox's control routes: for tests and people, not part of Bluesky.

The same surface as every sandbox (DESIGN.md, "Every sandbox"). Answers are JSON; a POST takes a
JSON body, and one that is not JSON or breaks the route's schema answers 400 `{"error": ...}`.

- `GET /sandbox/posts`: every post created through createRecord, oldest first, as `{"uri", "cid",
  "author" (handle), "created_at", "record"}`, the record exactly as created.
- `DELETE /sandbox/posts`: forget every record, blob, staged chat, fault, logged request,
  rate-limit count and token revocation or expiry; the clock goes back to real time. Seeded
  accounts stay, and tokens issued before still verify (the local stack's stored sessions live on).
- `GET` / `POST /sandbox/faults`: see devstack/bluesky/faults.py (these, the request log and the
  clock routes are devstack/sandbox/control_surface.py's, as on every sandbox).
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

from werkzeug.wrappers import Request, Response

from devstack.bluesky import pages
from devstack.bluesky.faults import Faults
from devstack.bluesky.views import POST, iso_ms
from devstack.bluesky.xrpc import State
from devstack.sandbox.control_surface import (
    Routes,
    SharedControls,
    naming_validator,
    refused,
    stage_chat,
)
from devstack.sandbox.store import SandboxClock
from devstack.sandbox.traffic import RequestLog
from devstack.sandbox.wire import checked_body, json_response

_EXPIRE = naming_validator("handle")


class ControlRoutes:
    def __init__(
        self, state: State, faults: Faults, requests: RequestLog, clock: SandboxClock
    ) -> None:
        self.state, self.faults, self.requests, self.clock = state, faults, requests, clock
        self.routes: Routes = {
            ("GET", "/sandbox/posts"): self.list_posts,
            ("DELETE", "/sandbox/posts"): self.clear,
            **SharedControls(faults, requests, clock, iso_ms).routes(),
            ("POST", "/sandbox/chats"): lambda request: stage_chat(request, self.state.stage),
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

    def expire_sessions(self, request: Request) -> Response:
        spec, problem = checked_body(request, _EXPIRE)
        if problem is not None:
            return refused(problem)
        account = self.state.directory.find(spec["handle"])
        if account is None:
            return refused(f"no account {spec['handle']!r}")
        return json_response({"expired": self.state.sessions.expire(account.did)})

    def blob(self, cid: str) -> Response:
        blob = self.state.repos.blob(cid)
        if blob is None:
            return json_response({"error": f"no blob {cid}"}, 404)
        return Response(blob.data, content_type=blob.mime_type)
