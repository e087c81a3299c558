"""What every page shares: the request's member and CSRF token, rendering, and the guard."""

import base64
import hmac
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qsl, urlsplit

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.shared.cookies import Cookie, SameSite

from chatdeck.domain.members import Member, must_be_admin
from chatdeck.domain.text import MAX_WEIGHTED_LENGTH

if TYPE_CHECKING:  # the services load with the routes that call them, not with every page
    from jinja2 import Environment

    from chatdeck.services.accounts import Accounts
    from chatdeck.services.chat_import import ChatImports
    from chatdeck.services.chats import ChatCalendar
    from chatdeck.services.membership import Membership
    from chatdeck.services.posts import Scheduling
    from chatdeck.services.x_spending import XSpendingGuard
    from chatdeck.settings import Settings

MAX_BODY_BYTES = 16 * 1024
# Forms that carry more: a pasted CSV of up to 100 chats (web/chat_import.py), and its preview.
LARGER_FORMS = {"/import/chats": 128 * 1024, "/import/chats/confirm": 128 * 1024}
# C0 and C1 control characters but tab, line feed and carriage return (a textarea's newlines).
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
SESSION_COOKIE = "__Host-chatdeck-session"
CSRF_COOKIE = "__Host-chatdeck-csrf"
SESSION_MAX_AGE = 30 * 24 * 3600
PUBLIC_PATHS = ("/signin", "/signin/confirm")
# Reached without signing in: files, calendar feeds (their URL is a secret), and unsubscribe
# links, whose signed token stands in for the page's CSRF token too (RFC 8058 one-click).
PUBLIC_PREFIXES = ("/static/", "/calendar/", "/unsubscribe/")
TOKEN_AUTHENTICATED_POSTS = ("/unsubscribe/",)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
STATIC_TYPES = {"app.js": "text/javascript; charset=utf-8", "style.css": "text/css; charset=utf-8"}


def content_security_policy(authorize_url: str) -> str:
    """No inline script, no framing; forms post here, or redirect on to X's consent page."""
    parts = urlsplit(authorize_url)
    x_origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self'; form-action 'self' {x_origin}; base-uri 'none'; "
        "frame-ancestors 'none'"
    ).replace("  ", " ")


class WebServices(Protocol):
    """What the web app needs; chatdeck.bootstrap.Services provides it."""

    @property
    def settings(self) -> "Settings": ...
    @property
    def membership(self) -> "Membership": ...
    @property
    def scheduling(self) -> "Scheduling": ...
    @property
    def accounts(self) -> "Accounts": ...
    @property
    def calendar(self) -> "ChatCalendar": ...
    @property
    def chat_imports(self) -> "ChatImports": ...
    @property
    def x_spending(self) -> "XSpendingGuard": ...


class BadRequest(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class SignInRequired(Exception):
    """Only members may do this."""


@dataclass
class RequestState:
    member: Member | None
    session_token: str | None
    csrf: str
    new_csrf: bool
    origin: str  # this site's, from PUBLIC_URL
    form: dict[str, str] | None = None


def state(app: APIGatewayHttpResolver) -> RequestState:
    found: RequestState = app.context["request"]
    return found


def signed_in(app: APIGatewayHttpResolver) -> Member:
    member = state(app).member
    if member is None:
        raise SignInRequired("Sign in to do that.")
    return member


def admin(app: APIGatewayHttpResolver) -> Member:
    member = signed_in(app)
    must_be_admin(member)
    return member


def cookies(app: APIGatewayHttpResolver) -> dict[str, str]:
    jar: dict[str, str] = {}
    for raw in app.current_event.cookies or []:
        name, _, value = raw.partition("=")
        jar.setdefault(name.strip(), value.strip())
    return jar


def header(app: APIGatewayHttpResolver, name: str) -> str:
    return str((app.current_event.headers or {}).get(name, ""))


def public_origin(public_url: str) -> str:
    """The origin of PUBLIC_URL (`https://chatdeck.school.example`): what every link starts
    with and the only origin a form is accepted from. Empty when PUBLIC_URL is not a URL, so no
    link is made and no form is accepted rather than trusting the request's Host."""
    parts = urlsplit(public_url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or not parts.hostname:
        return ""
    # As a browser sends its Origin: the host in lowercase, and no port when it is the default.
    default = {"https": 443, "http": 80}[scheme]
    try:
        port = parts.port
    except ValueError:  # not a port number
        return ""
    host = parts.hostname if port in (None, default) else f"{parts.hostname}:{port}"
    return f"{scheme}://{host}"


def base_url(app: APIGatewayHttpResolver) -> str:
    """This site's origin, as configured (PUBLIC_URL): never the request's Host,
    X-Forwarded-Host or domain name, which a proxy or a client can set to anything."""
    return state(app).origin


def form(app: APIGatewayHttpResolver) -> dict[str, str]:
    """The submitted urlencoded form, read once, refused when too large or of another type."""
    request = state(app)
    if request.form is None:
        event = app.current_event
        raw = event.body or ""
        data = base64.b64decode(raw) if event.is_base64_encoded else raw.encode()
        if len(data) > LARGER_FORMS.get(event.path, MAX_BODY_BYTES):
            raise BadRequest("That request is too large.", 413)
        if data and "application/x-www-form-urlencoded" not in header(app, "content-type"):
            raise BadRequest("Send the form as application/x-www-form-urlencoded.", 415)
        try:  # bytes or %-escapes that are not UTF-8 are refused, never read as U+FFFD
            pairs = parse_qsl(data.decode(), keep_blank_values=True, errors="strict")
        except UnicodeDecodeError:
            raise BadRequest("The form was not sent as UTF-8 text.") from None
        fields: dict[str, str] = {}
        for name, value in pairs:
            if CONTROL_CHARACTERS.search(value):  # no form a browser sends has these
                raise BadRequest("The form has characters that are not text in it.")
            # A field sent more than once (checkboxes) reads as its values joined by commas.
            fields[name] = f"{fields[name]},{value}" if name in fields else value
        request.form = fields
    return request.form


def wants_json(app: APIGatewayHttpResolver) -> bool:
    accept = header(app, "accept")
    return "application/json" in accept and "text/html" not in accept


# Globals the route modules give the templates when they register, kept until Jinja loads.
_TEMPLATE_GLOBALS: dict[str, Any] = {}


def template_global(name: str, value: Any) -> None:
    """Give every template `name`; without loading Jinja if no page was rendered yet."""
    _TEMPLATE_GLOBALS[name] = value
    if templates.cache_info().currsize:
        templates().globals[name] = value


@lru_cache(maxsize=1)
def templates() -> "Environment":
    """Jinja and the templates, loaded on the first page rendered (redirects, JSON answers and
    static files never need them): ~20 ms off every cold start."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("chatdeck.web", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["max_length"] = MAX_WEIGHTED_LENGTH
    env.globals.update(_TEMPLATE_GLOBALS)
    return env


def render(
    app: APIGatewayHttpResolver, name: str, status: int = 200, **context: Any
) -> Response[str]:
    request = state(app)
    body = (
        templates().get_template(name).render(member=request.member, csrf=request.csrf, **context)
    )
    return Response(status_code=status, content_type="text/html; charset=utf-8", body=body)


def redirect(location: str) -> Response[str]:
    return Response(status_code=303, body="", headers={"Location": location})


def json_response(body: Any, status: int = 200) -> Response[str]:
    return Response(status_code=status, content_type="application/json", body=json.dumps(body))


def json_or_page(
    app: APIGatewayHttpResolver, status: int, title: str, message: str
) -> Response[str]:
    if wants_json(app):
        return json_response({"error": message}, status)
    return render(app, "message.html", status=status, title=title, message=message)


def static_file(name: str) -> Response[str]:
    if name not in STATIC_TYPES:
        return Response(status_code=404, content_type="text/plain", body="No such file.")
    body = resources.files("chatdeck.web").joinpath("static", name).read_text("utf-8")
    return Response(
        status_code=200,
        content_type=STATIC_TYPES[name],
        body=body,
        headers={"Cache-Control": "public, max-age=300"},
    )


def same_origin(app: APIGatewayHttpResolver) -> bool:
    expected = base_url(app)
    if not expected:
        return False
    origin = header(app, "origin")
    if origin:
        return origin == expected
    if header(app, "sec-fetch-site"):
        return header(app, "sec-fetch-site") == "same-origin"
    referer = header(app, "referer")
    return referer == expected or referer.startswith(expected + "/")


def cookie(name: str, value: str, max_age: int) -> Cookie:
    return Cookie(
        name=name,
        value=value,
        path="/",
        secure=True,
        http_only=True,
        same_site=SameSite.LAX_MODE,
        max_age=max_age,
    )


def guard(
    app: APIGatewayHttpResolver,
    next_middleware: NextMiddleware,
    services: WebServices,
    now: Callable[[], datetime],
) -> Response[Any]:
    jar = cookies(app)
    csrf = jar.get(CSRF_COOKIE) or ""
    new_csrf = len(csrf) < 32
    if new_csrf:
        csrf = secrets.token_urlsafe(32)
    session_token = jar.get(SESSION_COOKIE) or None
    member = services.membership.member_for_session(session_token, now()) if session_token else None
    origin = public_origin(services.settings.public_url)
    app.append_context(request=RequestState(member, session_token, csrf, new_csrf, origin))  # type: ignore[no-untyped-call]

    path = app.current_event.path
    method = app.current_event.http_method.upper()
    public = path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)
    token_post = method == "POST" and path.startswith(TOKEN_AUTHENTICATED_POSTS)
    unreadable = _unreadable_form(app) if method not in ("GET", "HEAD") else None
    if unreadable is not None:  # too large, of another type, not text: said as such
        response = json_or_page(app, unreadable.status, "Not done", str(unreadable))
    elif method not in ("GET", "HEAD") and not token_post and not _csrf_ok(app, csrf, new_csrf):
        response = json_or_page(
            app,
            403,
            "Not allowed",
            "This form came from another site or has expired. "
            "Go back, reload the page and try again.",
        )
    elif member is None and not public:
        response = (
            redirect("/signin")
            if method == "GET" and not wants_json(app)
            else json_or_page(app, 401, "Please sign in", "Sign in to do that.")
        )
    else:
        response = next_middleware(app)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault(
        "Content-Security-Policy", content_security_policy(services.settings.x_authorize_url)
    )
    if new_csrf and not path.startswith("/static/"):  # a cacheable file never sets a cookie
        response.cookies.append(cookie(CSRF_COOKIE, csrf, SESSION_MAX_AGE))
    return response


def _unreadable_form(app: APIGatewayHttpResolver) -> BadRequest | None:
    """Why the request's form cannot be read, if it cannot: answered before the CSRF check,
    whose token is in that form, so the answer says what is wrong (413, 415, 400)."""
    try:
        form(app)
    except BadRequest as unreadable:
        return unreadable
    return None


def _csrf_ok(app: APIGatewayHttpResolver, csrf: str, new_csrf: bool) -> bool:
    if new_csrf or not same_origin(app):
        return False
    try:
        sent = form(app).get("csrf_token", "")
    except BadRequest:
        return False
    return hmac.compare_digest(sent.encode(), csrf.encode())
