"""Every link Chatdeck sends or renders starts with PUBLIC_URL, and forms are accepted only from
it: never the request's Host, X-Forwarded-Host or domain name, which a proxy in front of the API
or a client can set to anything. Through the web handler, with the sample events of events/."""

import re
from email import message_from_string
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from chatdeck.domain.members import Member
from devstack.runtime import describe_email
from tests.integration.deployment import PUBLIC_URL, Deployment
from tests.integration.web_kit import SAMPLE_NOW, event_as, invoke

pytestmark = pytest.mark.integration

TEACHER = "rivera@school.example"
CSRF = "sample-csrf-token-kept-in-the-cookie-0001"  # the sample events' cookie
EVIL = "evil.example"

# Each way a request can name a host: the Host header, the one a proxy adds, and the domain
# name API Gateway reports (which, behind a custom domain or a proxy, is not ours to choose).
FORGERIES: dict[str, dict[str, Any]] = {
    "Host": {"headers": {"host": EVIL}},
    "X-Forwarded-Host": {"headers": {"x-forwarded-host": EVIL}},
    "domain name": {"context": {"domainName": EVIL, "domainPrefix": "evil"}},
    "all of them, over http": {
        "headers": {"host": EVIL, "x-forwarded-host": EVIL, "x-forwarded-proto": "http"},
        "context": {"domainName": EVIL, "domainPrefix": "evil"},
    },
}


def forged(event: dict[str, Any], forgery: dict[str, Any]) -> dict[str, Any]:
    event["headers"].update(forgery.get("headers", {}))
    event["requestContext"].update(forgery.get("context", {}))
    return event


def emails_text(deployment: Deployment, address: str) -> list[str]:
    return [
        str(describe_email("mail", message_from_string(raw))["text"])
        for raw in deployment.emails_to(address)
    ]


@pytest.fixture
def teacher(deployment: Deployment) -> str:
    deployment.services.membership.members.add(Member(email=TEACHER, name="Ms. Rivera"), SAMPLE_NOW)
    return TEACHER


@pytest.mark.parametrize("forgery", FORGERIES.values(), ids=FORGERIES.keys())
def test_a_signin_link_starts_with_the_public_url_whatever_host_the_request_names(
    web: ModuleType, deployment: Deployment, teacher: str, forgery: dict[str, Any]
) -> None:
    # Given a sign-in request from our own page (its Origin is PUBLIC_URL's) naming another host
    event = forged(event_as("web_signin_request", None), forgery)

    # When it is sent
    result = invoke(web, event)

    # Then the link emailed is on PUBLIC_URL, and the other host is nowhere in the email
    assert result["statusCode"] == 200
    (text,) = emails_text(deployment, teacher)
    assert re.search(re.escape(PUBLIC_URL) + r"/signin/confirm\?token=[\w-]+", text), text
    assert EVIL not in text


@pytest.mark.parametrize("forgery", FORGERIES.values(), ids=FORGERIES.keys())
def test_a_post_from_the_forged_host_is_refused_and_sends_nothing(
    web: ModuleType, deployment: Deployment, teacher: str, forgery: dict[str, Any]
) -> None:
    # Given a sign-in request whose Origin and Referer are the host it names, not PUBLIC_URL's
    # (a page on a host that proxies to the API: it would email a link to that host)
    event = forged(event_as("web_signin_request", None), forgery)
    scheme = forgery.get("headers", {}).get("x-forwarded-proto", "https")
    event["headers"]["origin"] = f"{scheme}://{EVIL}"
    event["headers"]["referer"] = f"{scheme}://{EVIL}/signin"

    # When it is sent, it is refused before any route runs, and no email goes out
    assert invoke(web, event)["statusCode"] == 403
    assert deployment.emails_to(teacher) == []


def test_an_invitation_links_to_the_public_url(
    web: ModuleType, deployment: Deployment, admin_session: str
) -> None:
    event = event_as("web_cancel_post", admin_session)
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/members"
    event["body"] = urlencode({"csrf_token": CSRF, "email": TEACHER, "name": "Ms. Rivera"})
    forged(event, FORGERIES["all of them, over http"])

    assert invoke(web, event)["statusCode"] == 303
    (text,) = emails_text(deployment, TEACHER)
    assert f"{PUBLIC_URL}/signin" in text and EVIL not in text


def test_connecting_an_account_names_the_public_callback(
    web: ModuleType, admin_session: str
) -> None:
    event = event_as("web_cancel_post", admin_session)
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/accounts/connect"
    event["body"] = urlencode({"csrf_token": CSRF, "account": "mine"})
    forged(event, FORGERIES["all of them, over http"])

    result = invoke(web, event)

    assert result["statusCode"] == 303
    query = parse_qs(urlsplit(result["headers"]["Location"]).query)
    assert query["redirect_uri"] == [f"{PUBLIC_URL}/accounts/callback"]


def test_the_calendar_page_gives_feed_urls_on_the_public_url(
    web: ModuleType, admin_session: str
) -> None:
    event = forged(event_as("web_get_form", admin_session), FORGERIES["all of them, over http"])
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/chats"

    result = invoke(web, event)

    assert result["statusCode"] == 200
    body = result["body"].replace("&amp;", "&")
    public_host = urlsplit(PUBLIC_URL).netloc
    feeds = re.findall(r"(?:https?|webcal)://[^\s\"<]+/calendar/[^\s\"<]+", body)
    ours = [feed for feed in feeds if urlsplit(feed).netloc != "calendar.google.com"]
    assert ours and all(urlsplit(feed).netloc == public_host for feed in ours), ours
    assert all(feed.startswith(f"{PUBLIC_URL}/calendar/") for feed in ours if "https" in feed[:5])
    google = [feed for feed in feeds if urlsplit(feed).netloc == "calendar.google.com"]
    subscribed = [parse_qs(urlsplit(link).query)["cid"][0] for link in google]
    assert subscribed and all(
        cid.startswith(f"webcal://{public_host}/calendar/") for cid in subscribed
    ), subscribed


def test_without_a_public_url_no_form_is_accepted(
    web: ModuleType, deployment: Deployment, teacher: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deployment missing PUBLIC_URL fails closed: it does not fall back to the request's host."""
    settings = deployment.services.settings.model_copy(update={"public_url": ""})
    monkeypatch.setattr(web.services, "settings", settings)

    assert invoke(web, event_as("web_signin_request", None))["statusCode"] == 403
    assert deployment.emails_to(teacher) == []
