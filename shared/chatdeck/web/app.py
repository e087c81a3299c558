"""The web app on the HTTP API: pages rendered on the server, a session per member, CSRF checks.

Every request passes one guard: it finds the member from the session cookie, sends people who
are not signed in to the sign-in page, and refuses a state-changing request that lacks the
page's CSRF token or does not come from this site. Errors are mapped to pages in one place;
a store that stays throttled past its retries (`Unavailable`) answers 503 "try again", never 500.
"""

from collections.abc import Callable
from datetime import datetime

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

from chatdeck.domain.errors import ConnectError, Refused, Unavailable
from chatdeck.observability import logger
from chatdeck.web import (
    accounts,
    bluesky_accounts,
    chat_import,
    chats,
    mastodon_accounts,
    members,
    posts,
    signin,
)
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


def create_app(services: WebServices, now: Callable[[], datetime]) -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver()
    app.use(middlewares=[lambda app, next_: guard(app, next_, services, now)])
    for routes in (
        signin,
        posts,
        members,
        accounts,
        bluesky_accounts,
        mastodon_accounts,
        chats,
        chat_import,
    ):
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
