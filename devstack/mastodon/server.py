"""The Mastodon sandbox: a local HTTP server speaking the instance API Chatdeck uses.

Every API call goes through the same steps: log it (`GET /sandbox/requests`), find who calls
(a Bearer token the sandbox issued: a user's or an app's; an unknown or revoked token answers 401
`{"error": "The access token is invalid"}`), count it against the 300-per-5-minutes limit of that
account (limits.py; 429 past it), apply the endpoint's fault, then hand it to its endpoint
(api.py). Answers carry `X-RateLimit-*` headers; a status create reports its own family's.

OAuth as Mastodon runs it (oauth.py, consent.py): `POST /api/v1/apps`, `GET`/`POST
/oauth/authorize`, `POST /oauth/token`, `POST /oauth/revoke`, and the server metadata at
`/.well-known/oauth-authorization-server`. Control routes (`/sandbox/...`) are control.py's.

Parts shared with the X sandbox are imported from it (never changed from here): the clock
(`SandboxClock`), the request log, JSON answers, fault plans and dropping a connection.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer
from werkzeug.wrappers import Request, Response

from devstack.mastodon import api, consent
from devstack.mastodon.control import ControlRoutes
from devstack.mastodon.entities import DATA, Account
from devstack.mastodon.limits import GENERAL, STATUSES, Faults, MastodonFault, RateLimits
from devstack.mastodon.oauth import Answer, App, Grant, OAuthServer
from devstack.mastodon.store import Store
from devstack.sandbox.faults import faulted
from devstack.sandbox.serving import run_until_interrupted, threaded_server
from devstack.sandbox.store import SandboxClock, utc_now
from devstack.sandbox.traffic import RequestLog
from devstack.sandbox.wire import json_response

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8702
TOO_MANY = {"error": "Too many requests"}
INSTANCE_CACHE = "max-age=300, public, stale-while-revalidate=30, stale-if-error=86400"
UNAVAILABLE = "There was a temporary problem serving your request, please try again"


@dataclass(frozen=True)
class Route:
    method: str
    rule: str
    handler: Callable[[api.Call], Answer]

    @property
    def key(self) -> str:
        return f"{self.method} {self.rule.replace('<', ':').replace('>', '')}"


ROUTES = (
    Route("POST", "/api/v1/statuses", api.create_status),
    Route("GET", "/api/v1/statuses/<id>", api.get_status),
    Route("GET", "/api/v1/accounts/verify_credentials", api.verify_credentials),
    Route("GET", "/api/v1/accounts/<id>/statuses", api.account_statuses),
    Route("GET", "/api/v1/timelines/tag/<hashtag>", api.tag_timeline),
)
APPS, TOKEN, REVOKE, INSTANCE = (
    "POST /api/v1/apps",
    "POST /oauth/token",
    "POST /oauth/revoke",
    "GET /api/v2/instance",
)


def params_of(request: Request) -> MultiDict[str, Any]:
    """A call's parameters: the query, then a form or JSON body (Mastodon takes either)."""
    params: MultiDict[str, Any] = MultiDict(request.args)
    if request.mimetype == "application/json":
        with suppress(ValueError):
            body = json.loads(request.get_data() or b"{}")
            if isinstance(body, dict):
                for name, value in body.items():
                    params[name] = value if isinstance(value, list) else str(value)
    else:
        params.update(request.form)
    return params


class MastodonSandbox:
    """The WSGI application."""

    def __init__(self, clock: Callable[..., Any] = utc_now) -> None:
        self.clock = SandboxClock(clock)
        self.store = Store(self.clock)
        self.oauth = OAuthServer(self.clock)
        self.rates = RateLimits()
        self.requests = RequestLog(self.clock)
        self.routes = {route.key: route for route in ROUTES}
        self.faults = Faults(frozenset(self.routes) | {APPS, TOKEN, REVOKE, INSTANCE})
        controls = ControlRoutes(
            self.store, self.oauth, self.faults, self.rates, self.requests, self.clock
        )
        self.plain: dict[str, Callable[[Request], Response]] = {
            **{f"{m} {p}": h for (m, p), h in controls.routes().items()},
            "GET /oauth/authorize": self.authorize,
            "POST /oauth/authorize": self.authorize,
            APPS: self.register_app,
            TOKEN: self.token,
            REVOKE: self.revoke,
            INSTANCE: self.instance,
            "GET /.well-known/oauth-authorization-server": self.server_metadata,
        }
        rules = [Rule(r.rule, methods=[r.method], endpoint=r.key) for r in ROUTES]
        rules += [
            Rule(k.split(" ", 1)[1], methods=[k.split(" ")[0]], endpoint=k) for k in self.plain
        ]
        self.url_map = Map(rules, strict_slashes=False, merge_slashes=False)

    def __call__(self, environ: Any, start_response: Any) -> Any:
        return self.dispatch(Request(environ))(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        try:
            endpoint, arguments = self.url_map.bind_to_environ(request.environ).match()
        except HTTPException:
            if request.path.startswith("/sandbox/"):
                return json_response(
                    {"error": f"no sandbox route {request.method} {request.path}"}, 404
                )
            return json_response(api.NOT_FOUND, 404)
        if endpoint in self.routes:
            return self._api_call(request, self.routes[endpoint], dict(arguments))
        return self.plain[endpoint](request)

    @staticmethod
    def base(request: Request) -> str:
        return request.host_url.rstrip("/")

    # API calls

    def _api_call(self, request: Request, route: Route, arguments: dict[str, str]) -> Response:
        grant, account, refused = self._caller(request)
        who = account.id if account else (grant.client_id if grant else request.remote_addr or "")
        now = self.clock()
        quota = self.rates.hit(GENERAL, who, now)
        headers = quota.headers()

        def handle() -> Answer:
            if refused:
                return Answer(401, api.INVALID_TOKEN)
            if quota.exceeded:
                return Answer(429, TOO_MANY)

            def count_post() -> None:
                posts = self.rates.hit(STATUSES, who, self.clock())
                headers.update(posts.headers())
                if posts.exceeded:
                    raise api.Refused(Answer(429, TOO_MANY))

            if route.key == "POST /api/v1/statuses":
                headers.update(self.rates.peek(STATUSES, who, now).headers())
            call = api.Call(
                store=self.store,
                base=self.base(request),
                path=request.path,
                grant=grant,
                account=account,
                params=params_of(request),
                arguments=arguments,
                headers={k: v for k, v in request.headers.items()},
                count_post=count_post,
            )
            try:
                return route.handler(call)
            except api.Refused as refusal:
                return refusal.answer

        answer = faulted(
            self.faults, self.requests, route.key, request, handle, lambda f: self._fail(f, headers)
        )
        response = json_response(answer.body, answer.status)
        response.headers.update({**headers, **answer.headers})
        response.headers.setdefault("Cache-Control", "private, no-store")
        return response

    def _caller(self, request: Request) -> tuple[Grant | None, Account | None, bool]:
        scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None, None, False
        grant = self.oauth.grant(token.strip())
        if grant is None:
            return None, None, True
        account = self.store.account(grant.account_id) if grant.account_id else None
        return grant, account, False

    def _fail(self, fault: MastodonFault, headers: dict[str, str]) -> Answer:
        """The answer of a call that takes a fault (a `"timeout"` is `faulted`'s)."""
        status = int(fault.status or 500)
        if status == 429:
            reset = fault.reset_at or self.rates.peek(GENERAL, "", self.clock()).reset
            limit = headers.get("X-RateLimit-Limit", "300")
            headers.update(
                {"X-RateLimit-Limit": limit, "X-RateLimit-Remaining": "0"}
                | {"X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
            )
            return Answer(429, TOO_MANY)
        words = {
            401: api.INVALID_TOKEN["error"],
            403: "This action is not allowed",
            404: api.NOT_FOUND["error"],
            422: "Validation failed: Text can't be blank",
        }
        if status in words:
            return Answer(status, {"error": fault.error or words[status]})
        if status == 503:
            return Answer(503, {"error": UNAVAILABLE})
        return Answer(status, {"error": "We're sorry, but something went wrong on our end."})

    # OAuth and the instance

    def authorize(self, request: Request) -> Response:
        return consent.authorize(request, self.oauth, self.store)

    def register_app(self, request: Request) -> Response:
        def handle() -> Answer:
            answer = self.oauth.register(params_of(request))
            if isinstance(answer.body, App):
                return Answer(200, _app_body(answer.body))
            return answer

        return self._plain_call(APPS, request, handle)

    def token(self, request: Request) -> Response:
        return self._plain_call(
            TOKEN,
            request,
            lambda: self.oauth.token(params_of(request), request.headers.get("Authorization")),
        )

    def revoke(self, request: Request) -> Response:
        return self._plain_call(
            REVOKE,
            request,
            lambda: self.oauth.revoke(params_of(request), request.headers.get("Authorization")),
        )

    def instance(self, request: Request) -> Response:
        def handle() -> Answer:
            return Answer(
                200,
                self.store.instance(self.base(request)),
                {"Cache-Control": INSTANCE_CACHE},
            )

        return self._plain_call(INSTANCE, request, handle)

    def server_metadata(self, request: Request) -> Response:
        recorded = (DATA / "oauth_server.json").read_text()
        base = self.base(request)
        body = json.loads(recorded.replace("https://social.example/", f"{base}/"))
        body["issuer"] = f"{base}/"
        return json_response(body)

    def _plain_call(
        self, endpoint: str, request: Request, handle: Callable[[], Answer]
    ) -> Response:
        headers: dict[str, str] = {}
        answer = faulted(
            self.faults, self.requests, endpoint, request, handle, lambda f: self._fail(f, headers)
        )
        response = json_response(answer.body, answer.status)
        response.headers.update({**headers, **answer.headers})
        return response


def _app_body(app: App) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((DATA / "app.json").read_text())
    body.update(
        id=app.id,
        name=app.name,
        website=app.website,
        scopes=list(app.scopes),
        redirect_uris=list(app.redirect_uris),
        redirect_uri="\n".join(app.redirect_uris),
        client_id=app.client_id,
        client_secret=app.client_secret,
    )
    return body


def make_app() -> MastodonSandbox:
    return MastodonSandbox()


def make_mastodon_server(
    host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, app: MastodonSandbox | None = None
) -> BaseWSGIServer:
    """A threaded server for the sandbox (port 0: any free port; see `server_port`)."""
    return threaded_server(app or make_app(), host, port)


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Run the sandbox until interrupted."""
    run_until_interrupted(make_mastodon_server(host, port), "Mastodon sandbox", host)
