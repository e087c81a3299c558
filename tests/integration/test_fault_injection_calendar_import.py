"""Fault injection on the chat import's calendar fetch, over real HTTP through the web route
(loopback, as the local stack allows), against moto server: a calendar that answers too slowly,
a 5xx, a redirect to a private address (the instance metadata service), one too large, and an
address nothing listens on.

What must hold: the admin gets the import form back as a 422 whose sentence says what went wrong
(never a 500 or a traceback), within the fetcher's time limit, with nothing saved; the same
form with a good address then works.
"""

import html
import socket
import time
from types import ModuleType

import pytest

from tests.integration.calendar_server import SLOW_SECONDS, calendar_url, local_web
from tests.integration.deployment import Deployment
from tests.integration.web_kit import post_form

pytestmark = pytest.mark.integration
__all__ = ["calendar_url", "local_web"]  # the fixtures

FETCH_LIMIT = 4.0  # adapters/outbound.py's TIMEOUT for the whole fetch, redirects included


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("/slow.ics", "could not be read (ReadTimeout)"),
        ("/broken.ics", "its address answered 503"),
        ("/private.ics", "169.254.169.254 is not a public address, so it is not fetched"),
        ("/huge.ics", "larger than"),
    ],
)
def test_a_failing_calendar_fetch_is_a_422_saying_why_and_saves_nothing(
    local_web: ModuleType,
    admin_session: str,
    deployment: Deployment,
    calendar_url: str,
    path: str,
    said: str,
) -> None:
    started = time.monotonic()
    answer = post_form(local_web, admin_session, "/import/chats", {"url": calendar_url + path})
    took = time.monotonic() - started
    body = html.unescape(answer["body"])
    assert answer["statusCode"] == 422, body[-1500:]
    summary = body[body.find("error-summary") : body.find("error-summary") + 600]
    assert "The calendar could not be fetched" in body and said in body, summary
    assert "Traceback" not in body and "OutboundError" not in body
    assert took < min(SLOW_SECONDS, FETCH_LIMIT + 1.5)
    assert deployment.services.chats.all() == []

    good = post_form(
        local_web, admin_session, "/import/chats", {"url": calendar_url + "/chats.ics"}
    )
    assert good["statusCode"] == 200 and "Import 2 chats" in good["body"]
    assert deployment.services.chats.all() == []  # a preview still saves nothing


def test_an_address_nothing_listens_on_is_a_422(
    local_web: ModuleType, admin_session: str, deployment: Deployment
) -> None:
    url = f"http://127.0.0.1:{free_port()}/chats.ics"
    answer = post_form(local_web, admin_session, "/import/chats", {"url": url})
    assert answer["statusCode"] == 422
    assert "could not be read (ConnectionError)" in html.unescape(answer["body"])
    assert deployment.services.chats.all() == []


def test_without_the_local_stacks_switch_loopback_is_never_fetched(
    web: ModuleType, admin_session: str, calendar_url: str
) -> None:
    """As deployed: plain http, and loopback, are refused before any connection."""
    answer = post_form(web, admin_session, "/import/chats", {"url": calendar_url + "/chats.ics"})
    assert answer["statusCode"] == 422
    assert "could not be fetched" in answer["body"]
