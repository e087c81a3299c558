"""The sandbox network: a local HTTP server speaking the X API v2 endpoints Chatdeck uses.

Every X call goes through the same steps: count it against its rate-limit window and log it
(sandbox/traffic.py), apply the endpoint's fault (sandbox/faults.py), authenticate (the
description's security schemes: OAuth 1.0a user context is `UserToken`; a bearer token the sandbox
issued through OAuth 2.0 is `OAuth2UserToken`, acting as its user, and answers 401 once expired or
revoked; any other bearer token is app-only `BearerToken`), hold the request to the carried X API
description (sandbox/description.py), then hand it to its endpoint (sandbox/api.py). Answers carry
X's `x-rate-limit-*` headers.

OAuth 2.0 with PKCE, as X runs it (sandbox/oauth.py, sandbox/consent.py): `GET /i/oauth2/authorize`
(the consent page; its form POSTs to the same path), `POST /2/oauth2/token` and
`POST /2/oauth2/revoke`. The two POST endpoints are logged and take faults like the X endpoints.

Control routes for tests and people, not part of X (`/sandbox/...`: posts, seeds, faults, the
request log, OAuth clients, the clock, staged chats), are sandbox/control.py's.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer
from werkzeug.wrappers import Request, Response

from devstack.sandbox import api, consent
from devstack.sandbox.control import ControlRoutes
from devstack.sandbox.description import Description, load_description
from devstack.sandbox.faults import Fault, Faults, faulted
from devstack.sandbox.models import Account
from devstack.sandbox.oauth import OAuthServer
from devstack.sandbox.problems import (
    DUPLICATE_CONTENT,
    PAGE_NOT_FOUND,
    UNAUTHORIZED,
    UNSUPPORTED_AUTHENTICATION,
    credits_depleted,
    server_error,
    too_many_requests,
)
from devstack.sandbox.serving import run_until_interrupted, threaded_server
from devstack.sandbox.store import Clock, SandboxClock, Store, stable_id, utc_now
from devstack.sandbox.traffic import RATE_WINDOW_SECONDS, Quota, RateWindows, RequestLog
from devstack.sandbox.wire import json_response, x_json_body

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8700
REVOKED_TOKEN = "revoked"  # noqa: S105 - the access token the sandbox treats as revoked (401)  # nosec B105


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

TOKEN_ENDPOINT = "POST /2/oauth2/token"  # noqa: S105 - an endpoint, not a secret  # nosec B105
REVOKE_ENDPOINT = "POST /2/oauth2/revoke"


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
        controls = ControlRoutes(
            self.store, self.oauth, self.faults, self.rates, self.requests, self.clock
        )
        # Routes the carried X API description does not describe: control, and OAuth 2.0.
        control = {
            **controls.routes(),
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
        quota = self.rates.hit(caller.token if caller else "", route.key, route.rate_limit)
        answer = faulted(
            self.faults,
            self.requests,
            route.key,
            request,
            lambda: self._answer(request, route, arguments, caller),
            lambda fault: self._fail(fault, route.rate_limit, caller),
        )
        return self._x_response(answer, {**quota.headers(), **answer.headers})

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
        body, refusal = x_json_body(request)
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
        """The answer of a call that takes a fault (a `"timeout"` is `faulted`'s)."""
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
        response = json_response(answer.body, answer.status)
        response.headers.update(headers)
        response.headers["api-version"] = self.description.version
        response.headers["x-transaction-id"] = uuid.uuid4().hex[:16]
        return response

    def _not_found(self, request: Request) -> Response:
        if request.path.startswith("/sandbox/"):
            return json_response(
                {"error": f"no sandbox route {request.method} {request.path}"}, 404
            )
        return json_response(PAGE_NOT_FOUND, 404)

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
        answer = faulted(
            self.faults,
            self.requests,
            endpoint,
            request,
            lambda: handle(request.form, request.headers.get("Authorization")),
            lambda fault: self._fail(fault, 0, None),
        )
        response = json_response(answer.body, answer.status)
        response.headers.update(answer.headers)
        return response


def make_app() -> SandboxApp:
    return SandboxApp()


def make_sandbox_server(
    host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, app: SandboxApp | None = None
) -> BaseWSGIServer:
    """A threaded server for the sandbox (port 0: any free port; see `server_port`)."""
    return threaded_server(app or make_app(), host, port)


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Run the sandbox until interrupted."""
    run_until_interrupted(make_sandbox_server(host, port), "X API sandbox", host)
