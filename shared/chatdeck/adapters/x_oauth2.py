"""X's OAuth 2.0 with PKCE, through tweepy's OAuth2UserHandler (a requests_oauthlib OAuth2Session).

tweepy keeps the PKCE verifier in the handler and hard-codes X's authorize page and token
endpoint. A connect spans two requests, so `authorization` hands the state and verifier out to
be stored and `exchange` gives them to a new handler; the authorize URL is rewritten to
X_AUTHORIZE_URL, and a requests adapter on the handler's session sends the token requests to
X_API_BASE_URL with a timeout. tweepy is imported on first use: the web function that only shows
whether an account is connected never loads it (nor requests).
"""

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

from chatdeck.domain.accounts import Authorization, PendingConnect, Tokens, XUser
from chatdeck.domain.outcomes import GrantRefused, OAuthFailed

TWEEPY_AUTHORIZE_URL = "https://twitter.com/i/oauth2/authorize"
TOKEN_URL = "https://api.twitter.com/2/oauth2/token"  # noqa: S105 - a URL, not a secret  # nosec B105
REVOKE_URL = "https://api.twitter.com/2/oauth2/revoke"
SCOPES = ["tweet.read", "tweet.write", "users.read", "offline.access"]
DEFAULT_LIFETIME = timedelta(hours=2)  # X's access tokens, should an answer not say

ClientCredentials = Callable[[], Mapping[str, str]]
Result = TypeVar("Result")

# Both log whole token requests and answers at DEBUG; tokens never reach a log line.
for _name in ("oauthlib", "requests_oauthlib"):
    logging.getLogger(_name).setLevel(logging.INFO)


class XOAuth2:
    def __init__(
        self,
        client_credentials: ClientCredentials,
        authorize_url: str,
        base_url: str,
        timeout: tuple[float, float],
    ) -> None:
        self._client_credentials = client_credentials
        self._authorize_url = authorize_url
        self._base_url = base_url
        self._timeout = timeout

    def authorization(self, redirect_uri: str) -> Authorization:
        handler = self._handler(redirect_uri)
        url: str = handler.get_authorization_url()
        state = parse_qs(urlsplit(url).query)["state"][0]
        verifier: str = handler._client.code_verifier
        return Authorization(
            self._authorize_url + url[len(TWEEPY_AUTHORIZE_URL) :], state, verifier
        )

    def exchange(self, pending: PendingConnect, callback_url: str) -> tuple[XUser, Tokens]:
        handler = self._handler(pending.redirect_uri)
        handler._client.code_verifier = pending.code_verifier
        handler._state = pending.state  # oauthlib checks the callback carries this state
        token = self._call(lambda: handler.fetch_token(_parseable(callback_url)))
        tokens = _tokens(token)
        return self._user(tokens.access_token), tokens

    def refresh(self, refresh_token: str) -> Tokens:
        handler = self._handler(None)
        return _tokens(
            self._call(
                lambda: handler.refresh_token(
                    TOKEN_URL, refresh_token=refresh_token, auth=handler.auth
                )
            )
        )

    def revoke(self, token: str) -> None:
        handler = self._handler(None)
        answer = self._call(
            lambda: handler.post(REVOKE_URL, data={"token": token}, auth=handler.auth)
        )
        if not answer.ok:
            raise OAuthFailed(f"X answered {answer.status_code} to revoking the access.")

    def _handler(self, redirect_uri: str | None) -> Any:
        import tweepy

        from chatdeck.adapters.x.client import TWEEPY_HOST, RewriteHostAdapter

        try:
            credentials = self._client_credentials()
            client_id = credentials["client_id"]
        except Exception as error:  # the SSM parameter missing or malformed
            raise OAuthFailed(
                "Chatdeck has no X app credentials to connect accounts with."
            ) from error
        handler = tweepy.OAuth2UserHandler(
            client_id=client_id,
            client_secret=credentials.get("client_secret"),
            redirect_uri=redirect_uri,
            scope=SCOPES,
        )
        handler.mount(TWEEPY_HOST, RewriteHostAdapter(self._base_url, self._timeout))
        return handler

    def _user(self, access_token: str) -> XUser:
        import requests
        import tweepy

        from chatdeck.adapters.x.client import TWEEPY_HOST, RewriteHostAdapter

        client = tweepy.Client(bearer_token=access_token)
        client.session.mount(TWEEPY_HOST, RewriteHostAdapter(self._base_url, self._timeout))
        try:
            user = client.get_me(user_auth=False).data
        except (tweepy.TweepyException, requests.RequestException) as error:
            raise OAuthFailed("X did not say which account was connected.") from error
        return XUser(str(user.id), str(user.username))

    @staticmethod
    def _call(action: Callable[[], Result]) -> Result:
        """Map what oauthlib and requests raise to the domain's OAuth failures."""
        import requests
        from oauthlib.oauth2 import OAuth2Error

        try:
            return action()
        except OAuth2Error as error:
            if _refused(error):
                raise GrantRefused("X did not accept the authorization.") from error
            raise OAuthFailed(f"X's OAuth endpoint answered {error.error}.") from error
        except requests.RequestException as error:
            raise OAuthFailed("X could not be reached.") from error


def _refused(error: Any) -> bool:
    """invalid_grant, or the invalid_request X answers for a code or token that is no good."""
    if error.error == "invalid_grant":
        return True
    return error.error == "invalid_request" and "was invalid" in str(error.description or "")


def _parseable(callback_url: str) -> str:
    """oauthlib parses only https callbacks; the URL is parsed, never fetched, so the local
    stack's http://127.0.0.1 callback may be read as https."""
    if callback_url.startswith("http://"):
        return "https://" + callback_url[len("http://") :]
    return callback_url


def _tokens(token: Mapping[str, Any]) -> Tokens:
    if "expires_at" in token:
        expires_at = datetime.fromtimestamp(float(token["expires_at"]), UTC)
    else:
        expires_at = datetime.now(UTC) + DEFAULT_LIFETIME
    return Tokens(str(token["access_token"]), token.get("refresh_token"), expires_at)
