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
from chatdeck.web.pages import CSRF_COOKIE
from tests.unit.services.kit import NOW, TEACHER, Kit

SITE = "https://chatdeck.school.example"
CSRF = "a-csrf-token-kept-in-the-cookie-of-32-chars-or-more"


def send_signin(
    kit: Kit, headers: dict[str, str], public_url: str = SITE, csrf: str = CSRF
) -> dict[str, Any]:
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
    body = urlencode({"csrf_token": csrf, "email": TEACHER})
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/signin",
        "rawQueryString": "",
        "headers": {"content-type": "application/x-www-form-urlencoded", **headers},
        "requestContext": {
            "http": {"method": "POST", "path": "/signin", "sourceIp": "203.0.113.7"},
            "stage": "$default",
            "domainName": "chatdeck.school.example",
            "requestId": "r1",
        },
        "body": body,
        "isBase64Encoded": False,
        "cookies": [f"{CSRF_COOKIE}={CSRF}"],
    }
    response: dict[str, Any] = app.resolve(event, cast(Any, SimpleNamespace()))
    return response


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
