"""The web app's one guard, on the fakes: a form is done only when it comes from this site.

The sign-in form is the one a stranger would most like to send from their own page (to flood a
member's inbox, or to sign a victim in as themselves), so the guard holds for it as for every
other form: its Origin must be this site's exactly, or, without an Origin, the browser's
Sec-Fetch-Site must say same-origin, or the Referer must be a page of this site. The sign-in
email is the thing a user would notice, so that is what these tests look at.
"""

from types import SimpleNamespace
from typing import Any, cast
from urllib.parse import urlencode

import pytest

from chatdeck.settings import Settings
from chatdeck.web.app import create_app
from chatdeck.web.pages import CSRF_COOKIE, SESSION_COOKIE
from tests.unit.services.kit import NOW, TEACHER, Kit

SITE = "https://chatdeck.school.example"
FORM = {"content-type": "application/x-www-form-urlencoded"}
CSRF = "a-csrf-token-kept-in-the-cookie-of-32-chars-or-more"


def request(
    kit: Kit,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: str = "",
    cookies: list[str] | None = None,
    public_url: str = SITE,
) -> dict[str, Any]:
    """One request through the web app as Lambda gets it from the HTTP API, on the kit's
    services."""
    services = SimpleNamespace(
        settings=Settings(public_url=public_url),
        membership=kit.membership,
        scheduling=kit.scheduling,
        accounts=kit.accounts,
        calendar=kit.calendar,
        chat_imports=None,
        x_spending=None,
    )
    app = create_app(services, lambda: NOW)
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers or {},
        "requestContext": {
            "http": {"method": method, "path": path, "sourceIp": "203.0.113.7"},
            "stage": "$default",
            "domainName": "chatdeck.school.example",
            "requestId": "r1",
        },
        "body": body,
        "isBase64Encoded": False,
        "cookies": cookies if cookies is not None else [f"{CSRF_COOKIE}={CSRF}"],
    }
    response: dict[str, Any] = app.resolve(event, cast(Any, SimpleNamespace()))
    return response


def send_signin(
    kit: Kit, headers: dict[str, str], public_url: str = SITE, csrf: str = CSRF
) -> dict[str, Any]:
    form = {"content-type": "application/x-www-form-urlencoded", **headers}
    body = urlencode({"csrf_token": csrf, "email": TEACHER})
    return request(kit, "POST", "/signin", form, body, public_url=public_url)


def links_sent(kit: Kit) -> int:
    return len(kit.emails_to(TEACHER))


@pytest.fixture
def member(kit: Kit) -> Kit:
    kit.add_member(TEACHER)
    return kit


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": SITE},
        {"sec-fetch-site": "same-origin"},
        {"referer": f"{SITE}/signin"},
        {"referer": SITE},
    ],
    ids=["origin", "fetch-metadata", "referer-page", "referer-site"],
)
def test_the_sign_in_form_from_this_site_sends_a_link(member: Kit, headers: dict[str, str]) -> None:
    response = send_signin(member, headers)

    assert response["statusCode"] == 200
    assert links_sent(member) == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "https://attacker.example"},
        {"origin": f"{SITE}.attacker.example"},  # starts with this site's origin
        {"origin": f"{SITE}:8443"},
        {"origin": "null"},
        {"origin": "https://attacker.example", "sec-fetch-site": "same-origin"},
        {"origin": "https://attacker.example", "referer": f"{SITE}/signin"},
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site"},
        {"sec-fetch-site": "cross-site", "referer": f"{SITE}/signin"},
        {"referer": f"{SITE}.attacker.example/signin"},
        {"referer": "https://attacker.example/"},
        {},
    ],
    ids=[
        "other-origin",
        "origin-prefix",
        "other-port",
        "opaque-origin",
        "origin-wins-over-fetch-metadata",
        "origin-wins-over-referer",
        "cross-site",
        "same-site-subdomain",
        "fetch-metadata-wins-over-referer",
        "referer-prefix",
        "other-referer",
        "nothing-says-where",
    ],
)
def test_the_sign_in_form_from_anywhere_else_is_refused_and_sends_nothing(
    member: Kit, headers: dict[str, str]
) -> None:
    response = send_signin(member, headers)

    assert response["statusCode"] == 403
    assert "came from another site" in response["body"]
    assert links_sent(member) == 0


def test_without_a_public_url_no_form_is_accepted_even_from_the_request_host(
    member: Kit,
) -> None:
    response = send_signin(member, {"origin": SITE, "host": "chatdeck.school.example"}, "")

    assert response["statusCode"] == 403
    assert links_sent(member) == 0


@pytest.mark.parametrize("sent", ["", "another-token-of-32-characters-or-more-00"])
def test_a_form_without_the_pages_csrf_token_is_refused(member: Kit, sent: str) -> None:
    response = send_signin(member, {"origin": SITE}, csrf=sent)

    assert response["statusCode"] == 403
    assert links_sent(member) == 0


# ----- the rest of the guard: who may see what, and what every answer carries --------------------


def set_cookies(response: dict[str, Any]) -> list[str]:
    return list(response.get("cookies") or [])


def csrf_cookie(response: dict[str, Any]) -> str | None:
    found = [c for c in set_cookies(response) if c.startswith(f"{CSRF_COOKIE}=")]
    return found[0] if found else None


def test_a_first_visit_gets_a_csrf_cookie_the_page_uses(kit: Kit) -> None:
    response = request(kit, "GET", "/signin", cookies=[])

    assert response["statusCode"] == 200
    cookie = csrf_cookie(response)
    assert cookie is not None
    token = cookie.split(";")[0].partition("=")[2]
    assert len(token) >= 32
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"secure", "httponly", "samesite=lax", "path=/"} <= attributes
    assert any(a.startswith("max-age=") and int(a.split("=")[1]) > 0 for a in attributes)
    assert token in response["body"]  # the form sends it back


def test_a_short_csrf_cookie_is_replaced_and_its_form_refused(member: Kit) -> None:
    short = "short-token"
    body = urlencode({"csrf_token": short, "email": TEACHER})
    headers = {"origin": SITE, "content-type": "application/x-www-form-urlencoded"}
    response = request(member, "POST", "/signin", headers, body, [f"{CSRF_COOKIE}={short}"])

    assert response["statusCode"] == 403
    assert links_sent(member) == 0
    replaced = csrf_cookie(response)
    assert replaced is not None and short not in replaced


def test_a_visit_with_its_csrf_cookie_keeps_it(kit: Kit) -> None:
    response = request(kit, "GET", "/signin")

    assert response["statusCode"] == 200
    assert csrf_cookie(response) is None
    assert CSRF in response["body"]


def test_a_static_file_sets_no_cookie(kit: Kit) -> None:
    response = request(kit, "GET", "/static/style.css", cookies=[])

    assert response["statusCode"] == 200
    assert set_cookies(response) == []


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/"), ("GET", "/signin"), ("POST", "/"), ("GET", "/nowhere")]
)
def test_every_answer_carries_the_security_headers(kit: Kit, method: str, path: str) -> None:
    response = request(kit, method, path)
    headers = {name.lower(): value for name, value in response["headers"].items()}

    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    policy = headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "form-action 'self' https://x.com" in policy


def test_a_page_asks_whoever_is_not_signed_in_to_sign_in(kit: Kit) -> None:
    page = request(kit, "GET", "/", {"accept": "text/html"})
    data = request(kit, "GET", "/", {"accept": "application/json"})
    posted = request(
        kit,
        "POST",
        "/",
        {"origin": SITE, "content-type": "application/x-www-form-urlencoded"},
        urlencode({"csrf_token": CSRF}),
    )

    assert (page["statusCode"], page["headers"].get("Location")) == (303, "/signin")
    assert data["statusCode"] == 401
    assert "Sign in to do that." in data["body"]
    assert posted["statusCode"] == 401
    assert "<h1>Please sign in</h1>" in posted["body"]
    assert '<p role="alert">Sign in to do that.</p>' in posted["body"]


def test_a_signed_in_member_is_known_by_their_session(member: Kit) -> None:
    link = member.membership.signin_link(TEACHER, SITE, NOW)
    assert link is not None
    signed = member.membership.sign_in(link.rpartition("token=")[2], NOW)
    cookies = [f"{CSRF_COOKIE}={CSRF}", f"{SESSION_COOKIE}={signed.session_token}"]

    signed_in = request(member, "GET", "/signin", cookies=cookies)
    anonymous = request(member, "GET", "/signin")

    assert (signed_in["statusCode"], signed_in["headers"].get("Location")) == (303, "/")
    assert anonymous["statusCode"] == 200


@pytest.mark.parametrize(
    ("headers", "body", "status", "reason"),
    [
        (FORM, "e=" + "x" * 70_000, 413, "That request is too large."),
        ({"content-type": "text/plain"}, "email=a", 415, "application/x-www-form-urlencoded"),
        (FORM, "email=%ff", 400, "The form was not sent as UTF-8 text."),
    ],
    ids=["too-large", "not-a-form", "not-utf8"],
)
def test_an_unreadable_form_is_told_what_is_wrong_before_the_csrf_check(
    member: Kit, headers: dict[str, str], body: str, status: int, reason: str
) -> None:
    response = request(member, "POST", "/signin", {"origin": SITE, **headers}, body)

    assert response["statusCode"] == status
    assert "<h1>Not done</h1>" in response["body"]
    assert reason in response["body"]
    assert "came from another site" not in response["body"]
    assert links_sent(member) == 0


REFUSED = "This form came from another site or has expired. Go back, reload the page and try again."


def test_the_refusal_says_why_and_what_to_do(member: Kit) -> None:
    response = send_signin(member, {"origin": "https://attacker.example"})

    assert response["statusCode"] == 403
    assert "<h1>Not allowed</h1>" in response["body"]
    assert f'<p role="alert">{REFUSED}</p>' in response["body"]


def test_a_form_with_no_csrf_field_is_refused_not_crashed_on(member: Kit) -> None:
    headers = {"origin": SITE, "content-type": "application/x-www-form-urlencoded"}
    response = request(member, "POST", "/signin", headers, urlencode({"email": TEACHER}))

    assert response["statusCode"] == 403
    assert links_sent(member) == 0


def test_a_csrf_cookie_of_32_characters_is_kept_and_used(member: Kit) -> None:
    token = "t" * 32
    body = urlencode({"csrf_token": token, "email": TEACHER})
    headers = {"origin": SITE, "content-type": "application/x-www-form-urlencoded"}
    response = request(member, "POST", "/signin", headers, body, [f"{CSRF_COOKIE}={token}"])

    assert response["statusCode"] == 200
    assert csrf_cookie(response) is None
    assert links_sent(member) == 1


def test_a_get_is_answered_whatever_body_it_carries(kit: Kit) -> None:
    response = request(kit, "GET", "/signin", {"content-type": "text/plain"}, "x" * 70_000)

    assert response["statusCode"] == 200


def test_a_one_click_unsubscribe_from_a_mail_client_needs_no_csrf_token(kit: Kit) -> None:
    """RFC 8058: the mail client POSTs the link itself, with no cookie and no Origin; its signed
    token stands in for the page's CSRF token, so the guard lets it through to the link check."""
    response = request(
        kit,
        "POST",
        "/unsubscribe/not-a-genuine-token",
        {"content-type": "application/x-www-form-urlencoded"},
        "List-Unsubscribe=One-Click",
        cookies=[],
    )

    assert response["statusCode"] != 403
    assert "This unsubscribe link is not valid any more" in response["body"]


def test_signing_out_ends_the_session(member: Kit) -> None:
    link = member.membership.signin_link(TEACHER, SITE, NOW)
    assert link is not None
    signed = member.membership.sign_in(link.rpartition("token=")[2], NOW)
    cookies = [f"{CSRF_COOKIE}={CSRF}", f"{SESSION_COOKIE}={signed.session_token}"]
    body = urlencode({"csrf_token": CSRF})

    out = request(member, "POST", "/signout", {"origin": SITE, **FORM}, body, cookies)
    after = request(member, "GET", "/signin", cookies=cookies)

    assert out["statusCode"] == 303
    assert after["statusCode"] == 200  # the sign-in page: the old cookie signs no one in
