"""The Accounts page's Mastodon section through the web function as Lambda runs it: typing a
server, the authorize redirect (PKCE S256), the sandbox's consent, the callback, disconnecting."""

from collections.abc import Callable
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
import requests

from chatdeck.adapters.mastodon.oauth import sandbox_approver
from tests.integration.deployment import Deployment
from tests.integration.mastodon_kit import TIMEOUT, mastodon_url
from tests.integration.web_kit import event_as, invoke, post_form

pytestmark = pytest.mark.integration
__all__ = ["mastodon_url"]  # the fixture


@pytest.fixture
def local_web(
    function: Callable[[str], ModuleType],
    monkeypatch: pytest.MonkeyPatch,
    mastodon_url: str,
) -> ModuleType:
    """The web function as the local stack runs it: plain http to the loopback sandbox."""
    requests.delete(f"{mastodon_url}/sandbox/posts", timeout=5).raise_for_status()
    monkeypatch.setenv("OUTBOUND_ALLOW_LOOPBACK_HTTP", "true")
    return function("web")


def get(web: ModuleType, session: str, path: str, query: str = "") -> dict[str, Any]:
    event = event_as("web_get_form", session)
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["rawQueryString"] = query
    if query:
        event["queryStringParameters"] = dict(parse_qsl(query))
    return invoke(web, event)


def test_a_member_connects_their_mastodon_account_from_the_accounts_page(
    local_web: ModuleType, admin_session: str, mastodon_url: str, deployment: Deployment
) -> None:
    page = get(local_web, admin_session, "/accounts")
    assert page["statusCode"] == 200
    assert 'name="instance"' in page["body"] and "Mastodon accounts" in page["body"]

    sent = post_form(
        local_web, admin_session, "/accounts/mastodon/connect", {"instance": mastodon_url}
    )
    assert sent["statusCode"] == 303
    authorize = sent["headers"]["Location"]
    assert authorize.startswith(f"{mastodon_url}/oauth/authorize?")
    assert parse_qs(urlsplit(authorize).query)["code_challenge_method"] == ["S256"]

    callback = urlsplit(sandbox_approver(TIMEOUT)(authorize, "ann"))
    assert callback.path == "/accounts/mastodon/callback"
    back = get(local_web, admin_session, callback.path, callback.query)
    assert back["statusCode"] == 303, back["body"][-2000:]
    assert back["headers"]["Location"] == "/accounts"

    host = urlsplit(mastodon_url).netloc
    assert (
        f"Connected as <strong>@ann@{host}</strong>"
        in get(local_web, admin_session, "/accounts")["body"]
    )

    gone = post_form(local_web, admin_session, "/accounts/mastodon/disconnect", {"account": "mine"})
    assert gone["statusCode"] == 303
    assert "Connect my Mastodon account" in get(local_web, admin_session, "/accounts")["body"]
    revokes = [
        r
        for r in requests.get(f"{mastodon_url}/sandbox/requests", timeout=5).json()
        if r["endpoint"] == "POST /oauth/revoke"
    ]
    assert [r["status"] for r in revokes] == [200]


def test_a_server_that_is_not_public_is_refused_on_the_page(
    local_web: ModuleType, admin_session: str
) -> None:
    refused = post_form(
        local_web, admin_session, "/accounts/mastodon/connect", {"instance": "http://10.0.0.8"}
    )

    assert refused["statusCode"] == 400
    assert "Chatdeck cannot connect to that server" in refused["body"]
    assert 'value="http://10.0.0.8"' in refused["body"]


def test_a_callback_that_was_not_started_here_connects_nothing(
    local_web: ModuleType, admin_session: str
) -> None:
    answer = get(local_web, admin_session, "/accounts/mastodon/callback", "state=forged&code=abc")

    assert answer["statusCode"] == 400
    assert "expired or was already used" in answer["body"]
