"""The web app on the HTTP API: pages rendered on the server, a session per member, CSRF checks.

Every request passes one guard: it finds the member from the session cookie, sends people who
are not signed in to the sign-in page, and refuses a state-changing request that lacks the
page's CSRF token or does not come from this site. Errors are mapped to pages in one place;
a store that stays throttled past its retries (`Unavailable`) answers 503 "try again", never 500.

Cold start: the pages most requests need (sign-in, the post form and queue, settings) are
registered when the function starts; the route modules few requests need (members, accounts,
chats and their calendar, sessions and unsubscribe links, chat import) are imported, and their
routes registered with Powertools, on the first request under one of their path prefixes
(`LATER`), so a start that serves the form never loads the chat domain. Routing stays Powertools'
own: the resolver only registers the module before resolving as usual.
"""

import importlib
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.utilities.typing import LambdaContext

from chatdeck.domain.errors import ConnectError, Refused, Unavailable
from chatdeck.observability import logger
from chatdeck.web import posts, signin
from chatdeck.web.pages import (
    SECURITY_HEADERS,
    BadRequest,
    RequestState,
    SignInRequired,
    WebServices,
    guard,
    json_or_page,
    static_file,
)

TITLES = {400: "Not done", 403: "Not allowed", 404: "Not found", 409: "Not done"}
BUSY = (
    "Chatdeck is busy for a moment, and nothing was done or saved. Please try again in a "
    "minute; the same form sent again does it once."
)
# Route modules (in chatdeck.web) registered on the first request under one of their prefixes;
# each module's routes lie under its prefixes (tests/unit/test_cold_start.py checks).
LATER: dict[str, tuple[str, ...]] = {
    "members": ("/members", "/me"),
    "accounts": ("/accounts",),
    "bluesky_accounts": ("/accounts",),
    "mastodon_accounts": ("/accounts",),
    "chats": ("/chats", "/calendar", "/sessions", "/unsubscribe"),
    "chat_import": ("/import",),
}


class Resolver(APIGatewayHttpResolver):
    """Powertools' HTTP API resolver that registers a `LATER` route module on the first request
    under one of its prefixes, then resolves the request as usual."""

    def __init__(self, register: Callable[[str], None]) -> None:
        super().__init__()
        self._register = register
        self._waiting = dict(LATER)
        self._lock = threading.Lock()  # the local stack may serve two first requests at once

    def resolve(self, event: Mapping[str, Any], context: LambdaContext) -> dict[str, Any]:
        path = _path(event)
        waiting = tuple(self._waiting.values())  # at once: another request may register one
        if any(under(path, prefixes) for prefixes in waiting):
            with self._lock:
                for name, prefixes in list(self._waiting.items()):
                    if under(path, prefixes):
                        self._register(name)
                        del self._waiting[name]
        answer: dict[str, Any] = super().resolve(event, context)
        return answer

    def register_every_route(self) -> None:
        """Every module's routes now (for listing them all)."""
        with self._lock:
            for name in list(self._waiting):
                self._register(name)
                del self._waiting[name]


def under(path: str, prefixes: tuple[str, ...]) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in prefixes)


def _path(event: Mapping[str, Any]) -> str:
    """The request's path as Powertools routes it: without a named stage's prefix."""
    path = str(event.get("rawPath") or "/")
    stage = str((event.get("requestContext") or {}).get("stage") or "$default")
    if stage != "$default" and path.startswith(f"/{stage}/"):
        return path[len(stage) + 1 :]
    return path


def create_app(services: WebServices, now: Callable[[], datetime]) -> Resolver:
    def register(name: str) -> None:
        importlib.import_module(f"chatdeck.web.{name}").register(app, services, now)

    app = Resolver(register)
    app.use(middlewares=[lambda app, next_: guard(app, next_, services, now)])
    for routes in (signin, posts):
        routes.register(app, services, now)

    @app.exception_handler(BadRequest)  # type: ignore[untyped-decorator]
    def bad_request(error: BadRequest) -> Response[str]:
        return json_or_page(app, error.status, "Not done", str(error))

    @app.exception_handler(Refused)  # type: ignore[untyped-decorator]
    def refused(error: Refused) -> Response[str]:
        """Every refusal a service raises (not allowed, not found, changed meanwhile, a bad
        cursor or link) answers its own status with its own sentence."""
        return json_or_page(app, error.status, TITLES.get(error.status, "Not done"), error.message)

    @app.exception_handler(ConnectError)  # type: ignore[untyped-decorator]
    def not_connected(error: ConnectError) -> Response[str]:
        return json_or_page(app, 503, "Not connected", str(error))

    @app.exception_handler(Unavailable)  # type: ignore[untyped-decorator]
    def busy(error: Unavailable) -> Response[str]:
        """A store kept throttling or failing past its retries: 503 with a sentence, never a
        500 (the error's name and details are logged, not shown)."""
        logger.warning("A store was unavailable", extra={"error": type(error).__name__})
        if "request" not in app.context:  # the guard itself could not read the session
            app.append_context(request=RequestState(None, None, "", False, ""))  # type: ignore[no-untyped-call]
        response = json_or_page(app, 503, "Busy", BUSY)
        response.headers.update({**SECURITY_HEADERS, "Retry-After": "30"})
        return response

    @app.exception_handler(SignInRequired)  # type: ignore[untyped-decorator]
    def sign_in_first(error: SignInRequired) -> Response[str]:
        return json_or_page(app, 401, "Please sign in", str(error))

    @app.not_found
    def not_found(error: NotFoundError) -> Response[str]:
        message = str(error.msg) if error.msg != "Not found" else "There is no page here."
        return json_or_page(app, 404, "Not found", message)

    @app.get("/static/<name>")
    def static(name: str) -> Response[str]:
        return static_file(name)

    return app
