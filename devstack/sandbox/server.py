"""The sandbox network: a local HTTP server speaking the X API v2 endpoints Chatdeck uses.

Every X call goes through the same steps: count it against its rate-limit window, apply the
endpoint's fault (sandbox/faults.py), authenticate (the description's security schemes: OAuth 1.0a
user context is `UserToken`; a bearer token the sandbox issued through OAuth 2.0 is
`OAuth2UserToken`, acting as its user, and answers 401 once expired or revoked; any other bearer
token is app-only `BearerToken`), hold the request to the carried X API description
(sandbox/description.py), then hand it to its endpoint (sandbox/api.py). Answers carry X's
`x-rate-limit-*` headers.

OAuth 2.0 with PKCE, as X runs it (sandbox/oauth.py, sandbox/consent.py): `GET /i/oauth2/authorize`
(the consent page; its form POSTs to the same path), `POST /2/oauth2/token` and
`POST /2/oauth2/revoke`. The two POST endpoints are logged and take faults like the X endpoints.

Control routes for tests and people, not part of X:

- `GET /sandbox/posts`: every post created through POST /2/tweets, oldest first, as
  `{"id", "text", "author", "created_at", "submitted_text"}` (`text` as X stores it, links as t.co;
  `submitted_text` as sent; `author` the account's username).
- `DELETE /sandbox/posts`: forget every post, seeded post, account, fault and logged request.
- `POST /sandbox/seed` with `{"posts": [{"text", "author_id", "username", "created_at", ...}]}`:
  posts written elsewhere, readable through the read endpoints once their `created_at` has come
  (see SEED_SCHEMA). A post's optional `growth` (`{"like_count": {"to": 30,
  "half_life_minutes": 20}, ...}`) adds to its `public_metrics` as it ages; `unwound_urls`
  (`{"https://bit.ly/x": "https://…"}`) gives shortened links in its text their `unwound_url`.
- `GET` / `POST /sandbox/faults`: see sandbox/faults.py.
- `GET /sandbox/requests`: every call to an X endpoint (the token and revoke endpoints included),
  in arrival order, as `{"endpoint": "POST /2/tweets", "path", "at", "status"}` (`status` null
  while it is being handled, and for a call whose connection a `"timeout"` fault dropped).
- `POST /sandbox/oauth/clients` with `{"client_id", "client_secret", "redirect_uris": [...]}`
  (`client_secret` null for a public client; optional `"name"`): register an OAuth 2.0 client.
  `sandbox-client-id` / `sandbox-client-secret` is always registered, for any
  `http://127.0.0.1:<port>/accounts/callback` or `http://localhost:<port>/accounts/callback`
  (registering it again replaces its secret and other redirect URIs, and keeps those).
- `POST /sandbox/oauth/expire` with `{"username": "..."}`: that user's access tokens expire now
  (X answers them 401); refresh tokens stay good. Answers `{"expired": <how many>}`.
- `GET` / `POST /sandbox/clock`: the sandbox's now, which every endpoint reads (real time by
  default). `{"now": "2026-03-03T01:20:00Z"}` freezes it at that instant; add `"running": true`
  to start it from there and let it run; `{"offset_seconds": -3600}` runs it shifted from real
  time; `{}` goes back to real time (so does `DELETE /sandbox/posts`). A seeded post exists for the
  read endpoints only once its `created_at` has come, and its growing `public_metrics` are
  rendered at this clock. `end_time` and the 7-day limit of a search are checked against it too.
  Answers `{"now", "frozen", "offset_seconds"}`.
- `POST /sandbox/chat` with `{"hashtag": "edtechchat", "moderators": ["edtechmod"],
  "start": "2026-03-03T01:00:00Z", "seed": 1}` (optional `"participants"`, default 25): seeds a
  realistic hour of that chat (sandbox/chat_session.py), deterministic for a seed. Answers
  `{"ids", "questions": {"1": "<id>", ...}, "participants", "topic", "start", "end"}`.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

from jsonschema import Draft202012Validator
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from devstack.sandbox import api, consent
from devstack.sandbox.chat_session import DEFAULT_PARTICIPANTS, plan_session
from devstack.sandbox.description import Description, load_description
from devstack.sandbox.faults import TIMEOUT, Fault, FaultError, Faults
from devstack.sandbox.models import Account, x_time
from devstack.sandbox.oauth import CLIENT_SCHEMA, OAuthServer
from devstack.sandbox.problems import (
    BODY_NOT_JSON,
    DUPLICATE_CONTENT,
    PAGE_NOT_FOUND,
    UNAUTHORIZED,
    UNSUPPORTED_AUTHENTICATION,
    credits_depleted,
    error_entry,
    server_error,
    too_many_requests,
)
from devstack.sandbox.store import Clock, SandboxClock, Store, stable_id, utc_now

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8700
REVOKED_TOKEN = "revoked"  # noqa: S105 - the access token the sandbox treats as revoked (401)  # nosec B105
RATE_WINDOW_SECONDS = 15 * 60
JSON = "application/json; charset=utf-8"


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # as in the description
    handler: Callable[[api.Call], api.Answer]
    rate_limit: int  # X's per-user limit per 15 minutes

    @property
    def key(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def rule(self) -> str:
        return re.sub(r"\{(\w+)\}", r"<\1>", self.path)


ROUTES = (
    Route("post", "/2/tweets", api.create_post, 100),
    Route("get", "/2/tweets", api.lookup_posts, 900),
    Route("get", "/2/users/me", api.users_me, 75),
    Route("get", "/2/users/{id}/tweets", api.users_posts, 900),
    Route("get", "/2/tweets/search/recent", api.search_recent, 300),
)

SEED_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["posts"],
    "properties": {
        "posts": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["text", "author_id", "username", "created_at"],
                "properties": {
                    "id": {"type": "string", "pattern": "^[0-9]{1,19}$"},
                    "text": {"type": "string", "minLength": 1},
                    "author_id": {"type": "string", "pattern": "^[0-9]{1,19}$"},
                    "username": {"type": "string", "pattern": "^[A-Za-z0-9_]{1,15}$"},
                    "name": {"type": "string"},
                    "created_at": {"type": "string", "format": "date-time"},
                    "public_metrics": {
                        "type": "object",
                        "additionalProperties": {"type": "integer", "minimum": 0},
                    },
                    "referenced_tweets": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["type", "id"],
                            "properties": {
                                "type": {"enum": ["retweeted", "quoted", "replied_to"]},
                                "id": {"type": "string", "pattern": "^[0-9]{1,19}$"},
                            },
                        },
                    },
                    "in_reply_to_user_id": {"type": "string"},
                    "conversation_id": {"type": "string"},
                    "lang": {"type": "string"},
                    "unwound_urls": {
                        "type": "object",
                        "additionalProperties": {"type": "string", "minLength": 1},
                    },
                    "growth": {
                        "type": "object",
                        "additionalProperties": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["to", "half_life_minutes"],
                            "properties": {
                                "to": {"type": "integer", "minimum": 0},
                                "half_life_minutes": {"type": "number", "exclusiveMinimum": 0},
                            },
                        },
                    },
                },
            },
        }
    },
}
_SEED_VALIDATOR = Draft202012Validator(
    SEED_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER
)
_CLIENT_VALIDATOR = Draft202012Validator(CLIENT_SCHEMA)
_EXPIRE_VALIDATOR = Draft202012Validator(
    {
        "type": "object",
        "additionalProperties": False,
        "required": ["username"],
        "properties": {"username": {"type": "string", "minLength": 1}},
    }
)
_CLOCK_VALIDATOR = Draft202012Validator(
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
_CHAT_VALIDATOR = Draft202012Validator(
    {
        "type": "object",
        "additionalProperties": False,
        "required": ["hashtag", "moderators", "start"],
        "properties": {
            "hashtag": {"type": "string", "pattern": "^[#＃]?\\w+$"},
            "moderators": {
                "type": "array",
                "minItems": 1,
                "items": {"type": "string", "pattern": "^@?[A-Za-z0-9_]{1,15}$"},
            },
            "start": {"type": "string", "format": "date-time"},
            "seed": {"type": "integer"},
            "participants": {"type": "integer", "minimum": 5, "maximum": 38},
        },
    },
    format_checker=Draft202012Validator.FORMAT_CHECKER,
)
TOKEN_ENDPOINT = "POST /2/oauth2/token"  # noqa: S105 - an endpoint, not a secret  # nosec B105
REVOKE_ENDPOINT = "POST /2/oauth2/revoke"


class DropConnection(ConnectionAbortedError):
    """Raised by the app to close the connection without answering (a `"timeout"` fault)."""


@dataclass(frozen=True)
class Caller:
    scheme: str  # the description's security scheme: "UserToken", "OAuth2UserToken", "BearerToken"
    token: str
    consumer_key: str = ""
    user_id: str = ""  # of an OAuth 2.0 user token
    refused: bool = False  # an OAuth 2.0 user token that expired or was revoked


_OAUTH_PARAMETER = re.compile(r'(\w+)="([^"]*)"')


def parse_authorization(header: str | None) -> Caller | None:
    """Who is calling: OAuth 1.0a user context (any non-empty key and token) or a bearer token.

    Signatures are not checked: the sandbox has no secrets to check them with.
    """
    scheme, _, credentials = (header or "").partition(" ")
    if scheme == "OAuth":
        parameters = {k: unquote(v) for k, v in _OAUTH_PARAMETER.findall(credentials)}
        consumer_key = parameters.get("oauth_consumer_key", "")
        token = parameters.get("oauth_token", "")
        return Caller("UserToken", token, consumer_key) if consumer_key and token else None
    if scheme == "Bearer" and credentials.strip():
        return Caller("BearerToken", credentials.strip())
    return None


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

    def hit(self, caller: str, route: Route) -> Quota:
        now = int(self.clock().timestamp())
        with self._lock:
            start, used = self._windows.get((caller, route.key), (now, 0))
            if now >= start + RATE_WINDOW_SECONDS:
                start, used = now, 0
            self._windows[(caller, route.key)] = (start, used + 1)
        return Quota(
            route.rate_limit, max(route.rate_limit - used - 1, 0), start + RATE_WINDOW_SECONDS
        )

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


class SandboxApp:
    """The WSGI application."""

    def __init__(self, description: Description | None = None, clock: Clock = utc_now) -> None:
        self.description = description or load_description()
        self.clock = SandboxClock(clock)
        self.store = Store(self.clock)
        self.oauth = OAuthServer(self.clock, frozenset(self.scopes))
        self.faults = Faults(
            frozenset(route.key for route in ROUTES) | {TOKEN_ENDPOINT, REVOKE_ENDPOINT}
        )
        self.rates = RateWindows(self.clock)
        self.requests = RequestLog(self.clock)
        self.routes = {route.key: route for route in ROUTES}
        self.operations = {
            route.key: self.description.operation(route.method, route.path) for route in ROUTES
        }
        # Routes the carried X API description does not describe: control, and OAuth 2.0.
        control = {
            ("GET", "/sandbox/posts"): self.list_posts,
            ("DELETE", "/sandbox/posts"): self.clear,
            ("POST", "/sandbox/seed"): self.seed,
            ("GET", "/sandbox/faults"): self.list_faults,
            ("POST", "/sandbox/faults"): self.set_fault,
            ("GET", "/sandbox/requests"): self.list_requests,
            ("POST", "/sandbox/oauth/clients"): self.register_client,
            ("POST", "/sandbox/oauth/expire"): self.expire_tokens,
            ("GET", "/sandbox/clock"): self.show_clock,
            ("POST", "/sandbox/clock"): self.set_clock,
            ("POST", "/sandbox/chat"): self.seed_chat,
            ("GET", "/i/oauth2/authorize"): self.authorize,
            ("POST", "/i/oauth2/authorize"): self.authorize,
            ("POST", "/2/oauth2/token"): self.token,
            ("POST", "/2/oauth2/revoke"): self.revoke,
        }
        self.control: dict[str, Callable[[Request], Response]] = {
            f"{method} {path}": handler for (method, path), handler in control.items()
        }
        rules = [Rule(r.rule, methods=[r.method.upper()], endpoint=r.key) for r in ROUTES]
        rules += [
            Rule(path, methods=[method], endpoint=f"{method} {path}") for method, path in control
        ]
        self.url_map = Map(rules, strict_slashes=False, merge_slashes=False)

    @property
    def scopes(self) -> dict[str, str]:
        """The OAuth 2.0 scopes the description names, with what each lets an app do."""
        scheme = self.description.document["components"]["securitySchemes"]["OAuth2UserToken"]
        scopes: dict[str, str] = scheme["flows"]["authorizationCode"]["scopes"]
        return scopes

    def __call__(self, environ: Any, start_response: Any) -> Any:
        request = Request(environ)
        return self.dispatch(request)(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        try:
            endpoint, arguments = self.url_map.bind_to_environ(request.environ).match()
        except HTTPException:
            return self._not_found(request)
        if endpoint in self.routes:
            return self._x_call(request, self.routes[endpoint], dict(arguments))
        return self.control[endpoint](request)

    # X endpoints

    def _x_call(self, request: Request, route: Route, arguments: dict[str, str]) -> Response:
        caller = self._authenticate(request)
        quota = self.rates.hit(caller.token if caller else "", route)
        answer = self._faulted(
            route.key,
            request,
            lambda: self._answer(request, route, arguments, caller),
            lambda fault: self._fail(fault, route.rate_limit, caller),
        )
        return self._x_response(answer, {**quota.headers(), **answer.headers})

    def _faulted(
        self,
        endpoint: str,
        request: Request,
        handle: Callable[[], api.Answer],
        fail: Callable[[Fault], api.Answer],
    ) -> api.Answer:
        """Log the call, apply the endpoint's fault, and handle it unless the fault comes first."""
        logged = self.requests.record(endpoint, request)
        plan = self.faults.take(endpoint)
        _pause(plan.latency_seconds)
        if plan.failure is not None and plan.fails_before:
            answer = fail(plan.failure)
        else:
            answer = handle()
            if plan.failure is not None and plan.fails_after and answer.status < 300:
                answer = fail(plan.failure)
        self.requests.answered(logged, answer.status)
        return answer

    def _authenticate(self, request: Request) -> Caller | None:
        caller = parse_authorization(request.headers.get("Authorization"))
        if caller is None or caller.scheme != "BearerToken":
            return caller
        grant = self.oauth.access_grant(caller.token)
        if grant is None:  # not a token the sandbox issued to a user: app-only
            return caller
        refused = not grant.usable(self.clock())
        return Caller("OAuth2UserToken", caller.token, user_id=grant.user_id, refused=refused)

    def _answer(
        self, request: Request, route: Route, arguments: dict[str, str], caller: Caller | None
    ) -> api.Answer:
        operation = self.operations[route.key]
        if caller is None or caller.token == REVOKED_TOKEN or caller.refused:
            return api.Answer(401, UNAUTHORIZED)
        if caller.scheme not in operation.security:
            return api.Answer(403, UNSUPPORTED_AUTHENTICATION)
        body, refusal = _json_body(request)
        if refusal is not None:
            return refusal
        errors = operation.check_path(arguments) + operation.check_query(request.args)
        if route.method == "post":
            errors += operation.check_body(body)
        if errors:
            return api.invalid(*errors)
        call = api.Call(
            store=self.store,
            now=self.clock(),
            account=self._account_of(caller),
            path=arguments,
            query=operation.parse_query(request.args),
            body=body,
        )
        return route.handler(call)

    def _account_of(self, caller: Caller) -> Account | None:
        if caller.scheme == "UserToken":
            return self.store.account_for_token(caller.token)
        if caller.scheme == "OAuth2UserToken":
            return self.store.account(caller.user_id)
        return None

    def _fail(self, fault: Fault, rate_limit: int, caller: Caller | None) -> api.Answer:
        """The answer of a call that takes a fault; a `"timeout"` never answers."""
        if fault.status == TIMEOUT:
            _pause(fault.hold_seconds)
            raise DropConnection(f"timeout fault on {fault.endpoint}")
        status = int(fault.status or 500)
        if status == 429:
            reset = fault.reset or int(self.clock().timestamp()) + RATE_WINDOW_SECONDS
            return api.Answer(429, too_many_requests(), Quota(rate_limit, 0, reset).headers())
        bodies: dict[int, Callable[[], dict[str, Any]]] = {
            401: lambda: UNAUTHORIZED,
            402: lambda: credits_depleted(stable_id(caller.consumer_key if caller else "")),
            403: lambda: DUPLICATE_CONTENT,
        }
        return api.Answer(status, bodies.get(status, lambda: server_error(status))())

    def _x_response(self, answer: api.Answer, headers: dict[str, str]) -> Response:
        response = _json_response(answer.body, answer.status)
        response.headers.update(headers)
        response.headers["api-version"] = self.description.version
        response.headers["x-transaction-id"] = uuid.uuid4().hex[:16]
        return response

    def _not_found(self, request: Request) -> Response:
        if request.path.startswith("/sandbox/"):
            return _json_response(
                {"error": f"no sandbox route {request.method} {request.path}"}, 404
            )
        return _json_response(PAGE_NOT_FOUND, 404)

    # Control routes

    def list_posts(self, request: Request) -> Response:
        listed = []
        for post in self.store.created():
            author = self.store.account(post.author_id)
            listed.append(
                {
                    "id": post.id,
                    "text": post.text,
                    "author": author.username if author else post.author_id,
                    "created_at": x_time(post.created_at),
                    "submitted_text": post.submitted_text,
                }
            )
        return _json_response(listed)

    def clear(self, request: Request) -> Response:
        self.store.clear()
        self.oauth.clear()
        self.faults.clear()
        self.rates.clear()
        self.requests.clear()
        self.clock.reset()
        return Response(status=204)

    def show_clock(self, request: Request) -> Response:
        return _json_response(self._clock_state())

    def set_clock(self, request: Request) -> Response:
        spec, problem = _control_body(request)
        if problem is None:
            problem = _schema_problem(_CLOCK_VALIDATOR, spec)
        if problem is not None:
            return _json_response({"error": problem}, 400)
        if spec.get("now"):
            instant = datetime.fromisoformat(spec["now"]).astimezone(UTC)
            if spec.get("running"):
                self.clock.shift(instant - utc_now())
            else:
                self.clock.freeze(instant)
        else:
            self.clock.shift(timedelta(seconds=spec.get("offset_seconds", 0)))
        return _json_response(self._clock_state())

    def _clock_state(self) -> dict[str, Any]:
        state = self.clock.describe()
        return {**state, "now": x_time(state["now"])}

    def seed_chat(self, request: Request) -> Response:
        spec, problem = _control_body(request)
        if problem is None:
            problem = _schema_problem(_CHAT_VALIDATOR, spec)
        if problem is not None:
            return _json_response({"error": problem}, 400)
        session = plan_session(
            spec["hashtag"],
            spec["moderators"],
            datetime.fromisoformat(spec["start"]),
            spec.get("seed", 0),
            spec.get("participants", DEFAULT_PARTICIPANTS),
        )
        posts = self.store.seed(session.posts)
        body = {
            "ids": [post.id for post in posts],
            "questions": {str(number): post_id for number, post_id in session.questions.items()},
            "participants": session.participants,
            "topic": session.topic,
            "start": x_time(session.start),
            "end": x_time(session.end),
        }
        return _json_response(body, 201)

    def seed(self, request: Request) -> Response:
        spec, problem = _control_body(request)
        if problem is None:
            problem = _schema_problem(_SEED_VALIDATOR, spec)
        if problem is not None:
            return _json_response({"error": problem}, 400)
        posts = self.store.seed(spec["posts"])
        return _json_response({"ids": [post.id for post in posts]}, 201)

    def register_client(self, request: Request) -> Response:
        spec, problem = _control_body(request)
        if problem is None:
            problem = _schema_problem(_CLIENT_VALIDATOR, spec)
        if problem is not None:
            return _json_response({"error": problem}, 400)
        client = self.oauth.register(spec)
        return _json_response({"client_id": client.client_id}, 201)

    def expire_tokens(self, request: Request) -> Response:
        spec, problem = _control_body(request)
        if problem is None:
            problem = _schema_problem(_EXPIRE_VALIDATOR, spec)
        if problem is not None:
            return _json_response({"error": problem}, 400)
        users = [account.id for account in self.store.accounts_named(spec["username"])]
        return _json_response({"expired": self.oauth.expire(users)})

    # OAuth 2.0

    def authorize(self, request: Request) -> Response:
        return consent.authorize(request, self.oauth, self.store, self.scopes)

    def token(self, request: Request) -> Response:
        return self._token_call(request, TOKEN_ENDPOINT, self.oauth.token)

    def revoke(self, request: Request) -> Response:
        return self._token_call(request, REVOKE_ENDPOINT, self.oauth.revoke)

    def _token_call(
        self,
        request: Request,
        endpoint: str,
        handle: Callable[[Any, str | None], api.Answer],
    ) -> Response:
        answer = self._faulted(
            endpoint,
            request,
            lambda: handle(request.form, request.headers.get("Authorization")),
            lambda fault: self._fail(fault, 0, None),
        )
        response = _json_response(answer.body, answer.status)
        response.headers.update(answer.headers)
        return response

    def list_requests(self, request: Request) -> Response:
        return _json_response(self.requests.entries())

    def list_faults(self, request: Request) -> Response:
        return _json_response(self.faults.describe())

    def set_fault(self, request: Request) -> Response:
        spec, problem = _control_body(request)
        if problem is None:
            try:
                self.faults.configure(spec)
            except FaultError as error:
                problem = str(error)
        if problem is not None:
            return _json_response({"error": problem}, 400)
        return _json_response(self.faults.describe())


def _pause(seconds: float) -> None:
    if seconds > 0:
        time.sleep(seconds)


def _json_response(body: Any, status: int = 200) -> Response:
    """A JSON answer, its status line worded as X's ("403 Forbidden", not werkzeug's capitals)."""
    status_line = f"{status} {HTTPStatus(status).phrase}"
    return Response(json.dumps(body, ensure_ascii=False), status=status_line, content_type=JSON)


def _json_body(request: Request) -> tuple[Any, api.Answer | None]:
    """X reads a body only as JSON; a request with any other body is refused."""
    raw = request.get_data()
    if not raw and request.method != "POST":
        return None, None
    if request.mimetype != "application/json":
        return None, api.invalid(error_entry(BODY_NOT_JSON))
    try:
        return json.loads(raw), None
    except ValueError as error:
        return None, api.invalid(error_entry(f"Request body is not valid JSON: {error}"))


def _schema_problem(validator: Draft202012Validator, spec: Any) -> str | None:
    errors = list(validator.iter_errors(spec))
    return "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors) or None


def _control_body(request: Request) -> tuple[Any, str | None]:
    if request.mimetype != "application/json":
        return None, "the body must be application/json"
    try:
        return json.loads(request.get_data() or b"null"), None
    except ValueError as error:
        return None, f"the body is not valid JSON: {error}"


class _RequestHandler(WSGIRequestHandler):
    def connection_dropped(self, error: BaseException, environ: Any = None) -> None:
        if isinstance(error, DropConnection):
            self.close_connection = True
            with suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)


def make_app() -> SandboxApp:
    return SandboxApp()


def make_sandbox_server(
    host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, app: SandboxApp | None = None
) -> BaseWSGIServer:
    """A threaded server for the sandbox (port 0: any free port; see `server_port`)."""
    return make_server(
        host, port, app or make_app(), threaded=True, request_handler=_RequestHandler
    )


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Run the sandbox until interrupted."""
    server = make_sandbox_server(host, port)
    print(f"X API sandbox on http://{host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
