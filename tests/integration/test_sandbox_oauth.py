"""The sandbox's OAuth 2.0 with PKCE, driven by the real tweepy.OAuth2UserHandler over HTTP."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import tweepy
from oauthlib.oauth2 import InvalidGrantError, OAuth2Error

from tests.integration.test_sandbox import TWEEPY_HOST, ToSandbox, posted
from tests.integration.x_consent import consent, read_consent_page, sandbox_authorize_url

pytestmark = pytest.mark.integration

CLIENT_ID = "sandbox-client-id"
CLIENT_SECRET = "sandbox-client-secret"
CALLBACK = "http://127.0.0.1:3000/accounts/callback"
SCOPES = ["tweet.read", "tweet.write", "users.read", "offline.access"]
INVALID_TOKEN = {
    "error": "invalid_grant",
    "error_description": "Value passed for the token was invalid.",
}


@pytest.fixture(autouse=True)
def fresh_sandbox(sandbox_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # oauthlib parses only https callbacks unless told this is a local test; the sandbox's are http.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    requests.delete(f"{sandbox_url}/sandbox/posts", timeout=5).raise_for_status()
    yield
    requests.post(f"{sandbox_url}/sandbox/faults", json={}, timeout=5).raise_for_status()


def handler(sandbox_url: str, redirect_uri: str = CALLBACK) -> tweepy.OAuth2UserHandler:
    oauth = tweepy.OAuth2UserHandler(
        client_id=CLIENT_ID, redirect_uri=redirect_uri, scope=SCOPES, client_secret=CLIENT_SECRET
    )
    oauth.mount(TWEEPY_HOST, ToSandbox(sandbox_url, 5))
    return oauth


def authorize_url(oauth: tweepy.OAuth2UserHandler, sandbox_url: str) -> str:
    return sandbox_authorize_url(oauth.get_authorization_url(), sandbox_url)


def connect(sandbox_url: str, username: str = "ms_garcia") -> dict[str, Any]:
    """The whole flow: authorize as `username`, then exchange the code for tokens."""
    oauth = handler(sandbox_url)
    redirect = consent(authorize_url(oauth, sandbox_url), username)
    token: dict[str, Any] = oauth.fetch_token(redirect.location)
    return token


def as_user(sandbox_url: str, access_token: str) -> tweepy.Client:
    client = tweepy.Client(bearer_token=access_token)
    client.session.mount(TWEEPY_HOST, ToSandbox(sandbox_url, 5))
    return client


def token_call(sandbox_url: str, path: str = "/2/oauth2/token", **form: str) -> requests.Response:
    return requests.post(
        f"{sandbox_url}{path}", data=form, auth=(CLIENT_ID, CLIENT_SECRET), timeout=5
    )


# The consent page


def test_the_consent_page_asks_for_a_username_with_labelled_controls(sandbox_url: str) -> None:
    page, form = read_consent_page(authorize_url(handler(sandbox_url), sandbox_url))

    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert '<meta charset="utf-8">' in page.text
    assert "Authorize Chatdeck to use your account?" in page.text
    assert "<script" not in page.text
    assert not re.search(r"<[^>]*\son\w+=", page.text)  # no inline event handlers either
    assert form.labels == {"username": "Username"}
    assert form.fields["username"] == "sandbox_teacher"
    assert set(form.buttons) == {"Authorize app", "Cancel"}
    assert form.action == "/i/oauth2/authorize"
    assert {"state", "code_challenge", "redirect_uri", "client_id", "scope"} <= set(form.fields)


def test_authorizing_redirects_with_the_state_and_a_code(sandbox_url: str) -> None:
    oauth = handler(sandbox_url)
    url = authorize_url(oauth, sandbox_url)
    state = dict(p.split("=", 1) for p in url.split("?", 1)[1].split("&"))["state"]

    redirect = consent(url, "ms_garcia")

    assert redirect.location.startswith(CALLBACK + "?state=")
    assert redirect.query["state"] == state
    assert redirect.query["code"]


def test_cancel_redirects_with_access_denied(sandbox_url: str) -> None:
    oauth = handler(sandbox_url)
    url = authorize_url(oauth, sandbox_url)

    redirect = consent(url, button="Cancel")

    assert redirect.location.startswith(CALLBACK + "?")
    assert redirect.query["error"] == "access_denied"
    assert "code" not in redirect.query
    assert redirect.query["state"] == oauth._state


BAD_AUTHORIZE = {
    "unknown client": {"client_id": "nobody"},
    "unregistered redirect": {"redirect_uri": "https://evil.example/accounts/callback"},
    "another path on a local port": {"redirect_uri": "http://127.0.0.1:3000/elsewhere"},
    "no code challenge": {"code_challenge": None},
    "no challenge method": {"code_challenge_method": None},
    "unknown challenge method": {"code_challenge_method": "S512"},
    "implicit flow": {"response_type": "token"},
    "unknown scope": {"scope": "tweet.read mind.read"},
    "no state": {"state": None},
}


@pytest.mark.parametrize("change", BAD_AUTHORIZE.values(), ids=BAD_AUTHORIZE.keys())
def test_a_request_x_would_refuse_gets_an_error_page(
    sandbox_url: str, change: dict[str, str | None]
) -> None:
    _, form = read_consent_page(authorize_url(handler(sandbox_url), sandbox_url))
    query = {k: v for k, v in form.fields.items() if k != "username"}
    query = {k: v for k, v in {**query, **change}.items() if v is not None}

    page = requests.get(
        f"{sandbox_url}/i/oauth2/authorize", params=query, allow_redirects=False, timeout=5
    )

    assert page.status_code == 400
    assert "Location" not in page.headers
    assert "Something went wrong" in page.text
    assert '<meta charset="utf-8">' in page.text


def test_a_username_that_is_not_a_handle_is_asked_again(sandbox_url: str) -> None:
    _, form = read_consent_page(authorize_url(handler(sandbox_url), sandbox_url))
    fields = {**form.fields, "username": "not a handle!", "decision": "authorize"}

    page = requests.post(
        f"{sandbox_url}/i/oauth2/authorize", data=fields, allow_redirects=False, timeout=5
    )

    assert page.status_code == 400
    assert 'role="alert"' in page.text
    assert 'aria-invalid="true"' in page.text


# The token endpoint


def test_the_code_buys_tokens_that_post_as_the_user(sandbox_url: str) -> None:
    token = connect(sandbox_url, "ms_garcia")

    assert token["token_type"] == "bearer"
    assert token["expires_in"] == 7200
    assert set(token["scope"]) == set(SCOPES)
    assert token["access_token"] and token["refresh_token"]
    client = as_user(sandbox_url, token["access_token"])
    created = client.create_tweet(text="Posted through OAuth 2.0", user_auth=False)
    me = client.get_me(user_auth=False).data
    own = client.get_users_tweets(me.id, user_auth=False).data
    assert me.username == "ms_garcia"
    assert [post["author"] for post in posted(sandbox_url)] == ["ms_garcia"]
    assert [str(tweet.id) for tweet in own] == [created.data["id"]]


def test_the_same_username_is_the_same_user(sandbox_url: str) -> None:
    first = as_user(sandbox_url, connect(sandbox_url, "ms_garcia")["access_token"])
    second = as_user(sandbox_url, connect(sandbox_url, "MS_Garcia")["access_token"])

    assert first.get_me(user_auth=False).data.id == second.get_me(user_auth=False).data.id


def test_a_code_is_single_use(sandbox_url: str) -> None:
    oauth = handler(sandbox_url)
    redirect = consent(authorize_url(oauth, sandbox_url))
    oauth.fetch_token(redirect.location)

    with pytest.raises(OAuth2Error) as refused:
        oauth.fetch_token(redirect.location)

    assert refused.value.error == "invalid_request"
    assert refused.value.description == "Value passed for the authorization code was invalid."


def test_a_wrong_code_verifier_is_invalid_grant(sandbox_url: str) -> None:
    oauth = handler(sandbox_url)
    redirect = consent(authorize_url(oauth, sandbox_url))
    oauth._client.code_verifier = "x" * 128  # not the verifier of this code's challenge

    with pytest.raises(InvalidGrantError):
        oauth.fetch_token(redirect.location)


def test_a_confidential_client_must_authenticate_with_basic(sandbox_url: str) -> None:
    oauth = handler(sandbox_url)
    redirect = consent(authorize_url(oauth, sandbox_url))
    form = {
        "grant_type": "authorization_code",
        "code": redirect.query["code"],
        "redirect_uri": CALLBACK,
        "code_verifier": oauth._client.code_verifier,
        "client_id": CLIENT_ID,
    }

    in_body = requests.post(
        f"{sandbox_url}/2/oauth2/token", data={**form, "client_secret": CLIENT_SECRET}, timeout=5
    )
    wrong = requests.post(
        f"{sandbox_url}/2/oauth2/token", data=form, auth=(CLIENT_ID, "wrong"), timeout=5
    )

    unauthorized = {
        "error": "unauthorized_client",
        "error_description": "Missing valid authorization header",
    }
    assert (in_body.status_code, in_body.json()) == (401, unauthorized)
    assert (wrong.status_code, wrong.json()) == (401, unauthorized)


def test_refresh_tokens_rotate_and_a_reused_one_revokes_the_grant(sandbox_url: str) -> None:
    token = connect(sandbox_url)
    oauth = handler(sandbox_url)

    renewed = oauth.refresh_token(
        f"{TWEEPY_HOST}/2/oauth2/token", refresh_token=token["refresh_token"], auth=oauth.auth
    )
    reused = token_call(
        sandbox_url, grant_type="refresh_token", refresh_token=token["refresh_token"]
    )
    after_reuse = token_call(
        sandbox_url, grant_type="refresh_token", refresh_token=renewed["refresh_token"]
    )

    assert renewed["access_token"] != token["access_token"]
    assert renewed["refresh_token"] != token["refresh_token"]
    assert (reused.status_code, reused.json()) == (400, INVALID_TOKEN)
    assert (after_reuse.status_code, after_reuse.json()) == (400, INVALID_TOKEN)
    with pytest.raises(tweepy.Unauthorized):
        as_user(sandbox_url, renewed["access_token"]).get_me(user_auth=False)


def test_an_unknown_refresh_token_is_invalid_grant_through_tweepy(sandbox_url: str) -> None:
    oauth = handler(sandbox_url)

    with pytest.raises(InvalidGrantError):
        oauth.refresh_token(
            f"{TWEEPY_HOST}/2/oauth2/token", refresh_token="made-up", auth=oauth.auth
        )


def test_no_refresh_token_without_offline_access(sandbox_url: str) -> None:
    oauth = tweepy.OAuth2UserHandler(
        client_id=CLIENT_ID,
        redirect_uri=CALLBACK,
        scope=["tweet.read", "users.read"],
        client_secret=CLIENT_SECRET,
    )
    oauth.mount(TWEEPY_HOST, ToSandbox(sandbox_url, 5))

    token = oauth.fetch_token(consent(authorize_url(oauth, sandbox_url)).location)

    assert "refresh_token" not in token


def test_an_expired_access_token_is_401_until_refreshed(sandbox_url: str) -> None:
    token = connect(sandbox_url, "ms_garcia")
    client = as_user(sandbox_url, token["access_token"])

    expired = requests.post(
        f"{sandbox_url}/sandbox/oauth/expire", json={"username": "ms_garcia"}, timeout=5
    )
    with pytest.raises(tweepy.Unauthorized) as refused:
        client.create_tweet(text="Too late", user_auth=False)
    renewed = token_call(
        sandbox_url, grant_type="refresh_token", refresh_token=token["refresh_token"]
    ).json()

    assert expired.json() == {"expired": 1}
    assert refused.value.response.json()["title"] == "Unauthorized"
    as_user(sandbox_url, renewed["access_token"]).create_tweet(text="In time", user_auth=False)
    assert [post["text"] for post in posted(sandbox_url)] == ["In time"]


def test_a_revoked_access_token_is_401(sandbox_url: str) -> None:
    token = connect(sandbox_url)

    answer = token_call(sandbox_url, "/2/oauth2/revoke", token=token["access_token"])

    assert (answer.status_code, answer.json()) == (200, {"revoked": True})
    with pytest.raises(tweepy.Unauthorized):
        as_user(sandbox_url, token["access_token"]).get_me(user_auth=False)


def test_a_registered_public_client_names_itself_in_the_body(sandbox_url: str) -> None:
    registered = requests.post(
        f"{sandbox_url}/sandbox/oauth/clients",
        json={
            "client_id": "public-app",
            "client_secret": None,
            "redirect_uris": ["https://app.example/callback"],
        },
        timeout=5,
    )
    oauth = tweepy.OAuth2UserHandler(
        client_id="public-app", redirect_uri="https://app.example/callback", scope=SCOPES
    )
    oauth.mount(TWEEPY_HOST, ToSandbox(sandbox_url, 5))

    token = oauth.fetch_token(consent(authorize_url(oauth, sandbox_url)).location)

    assert registered.status_code == 201
    assert token["access_token"]


def test_token_calls_are_logged_and_take_faults(sandbox_url: str) -> None:
    token = connect(sandbox_url)
    requests.post(
        f"{sandbox_url}/sandbox/faults",
        json={"endpoint": "POST /2/oauth2/token", "status": 503},
        timeout=5,
    ).raise_for_status()

    failed = token_call(
        sandbox_url, grant_type="refresh_token", refresh_token=token["refresh_token"]
    )
    retried = token_call(
        sandbox_url, grant_type="refresh_token", refresh_token=token["refresh_token"]
    )

    assert failed.status_code == 503
    assert retried.status_code == 200  # the fault came before handling: the token is unused
    logged = requests.get(f"{sandbox_url}/sandbox/requests", timeout=5).json()
    assert [(e["endpoint"], e["status"]) for e in logged] == [
        ("POST /2/oauth2/token", 200),
        ("POST /2/oauth2/token", 503),
        ("POST /2/oauth2/token", 200),
    ]


def test_an_app_only_bearer_is_still_refused_on_user_endpoints(sandbox_url: str) -> None:
    with pytest.raises(tweepy.Forbidden) as refused:
        as_user(sandbox_url, "app-only-token").create_tweet(text="hi", user_auth=False)

    assert refused.value.response.json()["title"] == "Unsupported Authentication"


def test_the_sandbox_client_registered_again_keeps_local_callbacks(sandbox_url: str) -> None:
    deployed = "https://abc123.execute-api.us-east-1.amazonaws.com/accounts/callback"
    requests.post(
        f"{sandbox_url}/sandbox/oauth/clients",
        json={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": [deployed]},
        timeout=5,
    ).raise_for_status()

    for callback in (deployed, CALLBACK):
        redirect = consent(authorize_url(handler(sandbox_url, callback), sandbox_url))
        assert redirect.location.startswith(callback + "?state=")
