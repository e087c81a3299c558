"""The Bluesky sandbox: a local HTTP server speaking the XRPC methods Chatdeck uses.

Every XRPC call goes through the same steps: log it (`GET /sandbox/requests`), apply the
endpoint's fault (devstack/bluesky/faults.py), authenticate (a bearer access JWT, or the refresh
JWT for refreshSession; createSession is counted against its per-account limit first), read and
check its parameters or JSON input against the method's lexicon (400 `InvalidRequest` in the
reference server's words), then hand it to its method (devstack/bluesky/xrpc.py). Answers carry
`RateLimit-*` headers: createSession its per-account limit, every other call the PDS's general
3000 per 5 minutes, counted and never enforced. An unknown method answers 501
`MethodNotImplemented`. A bug in the sandbox answers the reference server's generic 500 body (and
prints its traceback), never an HTML page.

Control routes for tests and people, not part of Bluesky (`/sandbox/...`), are
devstack/bluesky/control.py's; link-card pages devstack/bluesky/pages.py's.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from werkzeug.serving import BaseWSGIServer
from werkzeug.wrappers import Request, Response

from devstack.bluesky import xrpc
from devstack.bluesky.accounts import Directory
from devstack.bluesky.control import ControlRoutes
from devstack.bluesky.errors import XrpcError, invalid, recorded, server_error
from devstack.bluesky.faults import Fault, Faults
from devstack.bluesky.lexicon import LexiconError, Lexicons, make_tid
from devstack.bluesky.records import Repos
from devstack.bluesky.sessions import Quota, Sessions, TokenRefused, Windows
from devstack.sandbox.faults import faulted
from devstack.sandbox.serving import run_until_interrupted, threaded_server
from devstack.sandbox.staging import ChatStage
from devstack.sandbox.store import Clock, SandboxClock, utc_now
from devstack.sandbox.traffic import RequestLog

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8701
SERVICE_DID = "did:web:sandbox.bsky.chatdeck.test"
GENERAL_LIMIT = (3000, 5 * 60)
JSON = "application/json; charset=utf-8"


@dataclass(frozen=True)
class Method:
    nsid: str
    http: str  # GET for a query, POST for a procedure
    handler: Callable[[xrpc.Call], dict[str, Any]]
    auth: str  # "none", "access", "optional", "refresh"
    lexicon: bool = True  # checked against a carried lexicon

    @property
    def endpoint(self) -> str:
        return f"{self.http} /xrpc/{self.nsid}"


METHODS = (
    Method("com.atproto.server.createSession", "POST", xrpc.create_session, "none"),
    Method("com.atproto.server.refreshSession", "POST", xrpc.refresh_session, "refresh"),
    Method("com.atproto.server.deleteSession", "POST", xrpc.delete_session, "refresh", False),
    Method("com.atproto.server.getSession", "GET", xrpc.get_session, "access", lexicon=False),
    Method("com.atproto.identity.resolveHandle", "GET", xrpc.resolve_handle, "none"),
    Method("com.atproto.repo.createRecord", "POST", xrpc.create_record, "access"),
    Method("com.atproto.repo.getRecord", "GET", xrpc.get_record, "none"),
    Method("com.atproto.repo.deleteRecord", "POST", xrpc.delete_record, "access"),
    Method("com.atproto.repo.uploadBlob", "POST", xrpc.upload_blob, "access", lexicon=False),
    Method("app.bsky.feed.searchPosts", "GET", xrpc.search_posts, "access"),
    Method("app.bsky.feed.getPosts", "GET", xrpc.get_posts, "optional"),
    Method("app.bsky.actor.getProfile", "GET", xrpc.get_profile, "optional", lexicon=False),
)


class BlueskyApp:
    """The WSGI application."""

    def __init__(self, clock: Clock = utc_now, session_limits: Any = None) -> None:
        self.clock = SandboxClock(clock)
        directory = Directory()
        self.state = xrpc.State(
            clock=self.clock,
            directory=directory,
            sessions=Sessions(self.clock, SERVICE_DID),
            repos=Repos(self.clock),
            stage=ChatStage(self.clock, xrpc.staged_uri(directory, make_tid)),
            lexicons=Lexicons(),
        )
        if session_limits is not None:
            self.state.sessions.limits = tuple(session_limits)
        self.methods = {method.nsid: method for method in METHODS}
        self.faults = Faults(frozenset(method.endpoint for method in METHODS))
        self.requests = RequestLog(self.clock)
        self.general = Windows(self.clock)
        self.control = ControlRoutes(self.state, self.faults, self.requests, self.clock)

    def __call__(self, environ: Any, start_response: Any) -> Any:
        request = Request(environ)
        return self.dispatch(request)(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        if request.path.startswith("/xrpc/"):
            return self._xrpc(request, request.path.removeprefix("/xrpc/"))
        return self.control.dispatch(request)

    def _xrpc(self, request: Request, nsid: str) -> Response:
        method = self.methods.get(nsid)
        headers: dict[str, str] = {}  # the handled call's, kept by a failure after it

        def handle() -> dict[str, Any]:
            if method is None:
                raise server_error(501)
            if method.http != request.method:
                raise invalid(f"Incorrect HTTP method ({request.method}) expected {method.http}")
            body, handled = self._handle(request, method)
            headers.update(handled)
            return body

        answer = faulted(
            self.faults,
            self.requests,
            f"{request.method} /xrpc/{nsid}",
            request,
            lambda: _answered(handle, headers),
            lambda fault: _answered(lambda: self._fail(fault, method), headers),
        )
        response = Response(
            json.dumps(answer.body, ensure_ascii=False), answer.status, content_type=JSON
        )
        response.headers.update(answer.headers)
        return response

    def _handle(self, request: Request, method: Method) -> tuple[dict[str, Any], dict[str, str]]:
        if method.nsid == "com.atproto.server.createSession":
            quota = self._admit_session(request)
        else:
            quota, _ = self.general.hit(request.remote_addr or "", *GENERAL_LIMIT)
        try:
            call = self._call(request, method)
            return method.handler(call), quota.headers()
        except TokenRefused as refused:
            raise XrpcError(
                refused.status, refused.error, refused.message, quota.headers()
            ) from None
        except XrpcError as error:
            raise XrpcError(
                error.status, error.error, error.message, {**quota.headers(), **error.headers}
            ) from None

    def _admit_session(self, request: Request) -> Quota:
        body = _json(request)
        identifier = str(body.get("identifier", "")) if isinstance(body, dict) else ""
        account = self.state.directory.find(identifier)
        key = account.did if account else identifier.casefold()
        quota, allowed = self.state.sessions.admit_create(key)
        if not allowed:
            retry = max(quota.reset - int(self.clock().timestamp()), 0)
            raise recorded("rate_limited", {**quota.headers(), "Retry-After": str(retry)})
        return quota

    def _call(self, request: Request, method: Method) -> xrpc.Call:
        token = _bearer(request)
        did = None
        if method.auth in {"access", "refresh"} and not token:
            if method.nsid == "app.bsky.feed.searchPosts":
                error = recorded("auth_missing")
                raise XrpcError(403, error.error, error.message)
            raise recorded("auth_missing")
        if token and method.auth in {"access", "optional"}:
            did = self.state.sessions.access(token)
        params: dict[str, Any] = {}
        body: Any = None
        lexicons = self.state.lexicons
        try:
            if method.http == "GET" and method.lexicon:
                params = lexicons.parse_params(method.nsid, request.args)
            elif method.http == "GET":
                params = request.args.to_dict()
            elif method.lexicon and "input" in lexicons.main(method.nsid):
                body = _json_input(request)
                lexicons.check_input(method.nsid, body)
        except LexiconError as error:
            raise invalid(str(error)) from None
        return xrpc.Call(
            state=self.state,
            did=did,
            params=params,
            body=body,
            token=token,
            raw=request.get_data() if method.http == "POST" else b"",
            content_type=request.headers.get("Content-Type"),
            base_url=request.host_url.rstrip("/"),
        )

    def _fail(self, fault: Fault, method: Method | None) -> NoReturn:
        """Answer as the fault says (a `"timeout"` is `faulted`'s)."""
        status = int(fault.status or 500)
        if status == 400:
            raise recorded("expired_token")
        if status == 401:
            if method is not None and method.nsid == "com.atproto.server.createSession":
                raise recorded("bad_password")
            raise XrpcError(401, "InvalidToken", "Token could not be verified")
        if status == 429:
            now = int(self.clock().timestamp())
            limit, window = GENERAL_LIMIT
            reset = fault.reset or now + window
            quota = Quota(limit, 0, reset, window)
            raise recorded(
                "rate_limited", {**quota.headers(), "Retry-After": str(max(reset - now, 0))}
            )
        raise server_error(status)


def _bearer(request: Request) -> str:
    scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _json(request: Request) -> Any:
    try:
        return json.loads(request.get_data() or b"null")
    except ValueError:
        return None


def _json_input(request: Request) -> Any:
    if request.mimetype != "application/json":
        raise invalid(f"Wrong request encoding (Content-Type): {request.mimetype or 'none'}")
    try:
        return json.loads(request.get_data())
    except ValueError:
        raise invalid("Request body is not valid JSON") from None


@dataclass(frozen=True)
class _Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


def _answered(run: Callable[[], dict[str, Any]], headers: dict[str, str]) -> _Answer:
    """`run`'s body (200), or the error it raises, with `headers` and the error's."""
    try:
        return _Answer(200, run(), dict(headers))
    except XrpcError as error:
        return _Answer(error.status, error.body(), {**headers, **error.headers})
    except Exception:  # a bug in the sandbox: answered as the reference server answers one
        traceback.print_exc()
        generic = server_error(500)
        return _Answer(generic.status, generic.body(), dict(headers))


def make_app() -> BlueskyApp:
    return BlueskyApp()


def make_bluesky_server(
    host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, app: BlueskyApp | None = None
) -> BaseWSGIServer:
    """A threaded server for the Bluesky sandbox (port 0: any free port; see `server_port`)."""
    return threaded_server(app or make_app(), host, port)


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Run the Bluesky sandbox until interrupted."""
    run_until_interrupted(make_bluesky_server(host, port), "Bluesky sandbox", host)
