"""Connecting a Mastodon account: OAuth 2.0 with PKCE (S256) on any instance (MastodonOAuthClient).

- The instance a member types (`mastodon.social`, `https://mastodon.social/`, `@ann@host`,
  `ann@host`) becomes `https://host`, and is called only once the outbound check allows it
  (adapters/outbound.py: https and public addresses; loopback http only in the local stack).
- Chatdeck's app is registered on the instance the first time (apps.py) and kept.
- Mastodon.py has no PKCE parameters (2.3.3): the authorize URL is Mastodon.py's
  `auth_request_url` with `code_challenge` (BASE64URL(SHA256(verifier))) and
  `code_challenge_method=S256` added, and the token request is made here on the client's
  session, as docs/methods-oauth.md describes it, with `code_verifier` (Mastodon.py's `log_in`
  cannot send one). Mastodon 4.3+ checks the verifier; older instances ignore both.
- `state` carries the instance after a dot (domain.mastodon_app.state_for): the connect is kept
  by its state (PendingConnect has no instance), and the callback learns the instance from the
  state of a connect it has taken, never from the query.
- Whose token it is comes from `GET /api/v1/accounts/verify_credentials`: the account id and
  `username@host`. Mastodon's tokens do not expire (no refresh token).
"""

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from chatdeck.adapters.mastodon.apps import MastodonApps
from chatdeck.adapters.outbound import Outbound, OutboundError
from chatdeck.domain.accounts import Authorization, Tokens, XUser
from chatdeck.domain.mastodon_app import SCOPES, state_for
from chatdeck.domain.outcomes import GrantRefused, OAuthFailed
from chatdeck.ports import Clock

NEVER_EXPIRES = timedelta(days=3650)  # Mastodon's tokens last until revoked
CHECK_KEEP_SECONDS = 300.0


def code_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def typed_instance(typed: str) -> str:
    """`https://host` of what a member typed; raises ValueError when it names no host."""
    text = typed.strip()
    if "://" not in text:
        if text.count("@") >= 1 and not text.startswith("http"):
            text = text.rsplit("@", 1)[1]  # @ann@host or ann@host
        text = f"https://{text}"
    parts = urlsplit(text)
    if not parts.hostname or parts.username or parts.password:
        raise ValueError("Type the address of your Mastodon server, for example mastodon.social.")
    scheme = parts.scheme.lower()
    host = parts.hostname.lower()
    port = f":{parts.port}" if parts.port else ""
    return f"{scheme}://{host}{port}"


class UrlChecks:
    """The outbound check for each address a Mastodon client is sent to, kept a few minutes
    per origin so every call does not resolve the host again."""

    def __init__(self, outbound: Outbound) -> None:
        self._outbound = outbound
        self._lock = threading.Lock()
        self._allowed: dict[str, float] = {}

    def __call__(self, url: str) -> None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}".lower()
        with self._lock:
            allowed_at = self._allowed.get(origin)
        if allowed_at is not None and time.monotonic() - allowed_at < CHECK_KEEP_SECONDS:
            return
        try:
            self._outbound.check(url)
        except OutboundError as error:
            raise ValueError(error.reason) from error
        with self._lock:
            self._allowed[origin] = time.monotonic()


class MastodonOAuth:
    def __init__(
        self,
        apps: MastodonApps,
        make_client: Callable[..., Any],
        check: Callable[[str], None],
        clock: Clock,
        allow_http: bool = False,
    ) -> None:
        self._apps = apps
        self._make_client = make_client  # (instance, access_token=, client_id=, client_secret=)
        self._check = check
        self._clock = clock
        self._allow_http = allow_http

    def instance_url(self, typed: str) -> str:
        instance = typed_instance(typed)
        self._check(instance)
        return instance

    def authorization(self, instance: str, redirect_uri: str) -> Authorization:
        app = self._call(lambda: self._apps.app_for(instance, redirect_uri))
        client = self._make_client(
            instance, client_id=app.client_id, client_secret=app.client_secret
        )
        state = state_for(secrets.token_urlsafe(24), instance)
        verifier = secrets.token_urlsafe(64)
        url: str = client.auth_request_url(
            redirect_uris=redirect_uri, scopes=list(SCOPES), state=state, skip_server_info=True
        )
        pkce = urlencode(
            {"code_challenge": code_challenge(verifier), "code_challenge_method": "S256"}
        )
        return Authorization(f"{url}&{pkce}", state, verifier)

    def exchange(
        self, instance: str, code: str, code_verifier: str, redirect_uri: str
    ) -> tuple[XUser, Tokens]:
        app = self._call(lambda: self._apps.app_for(instance, redirect_uri))
        client = self._make_client(instance)
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
            "scope": " ".join(SCOPES),
        }
        answer = self._call(lambda: client.session.post(f"{instance}/oauth/token", data=form))
        body = _json(answer)
        if answer.status_code in (400, 401) and body.get("error") in (
            "invalid_grant",
            "invalid_request",
        ):
            raise GrantRefused("The Mastodon server did not accept the authorization.")
        if answer.status_code != 200 or not body.get("access_token"):
            raise OAuthFailed(
                f"The Mastodon server answered {answer.status_code} to the token request."
            )
        token = str(body["access_token"])
        user = self._call(
            lambda: self._make_client(instance, access_token=token).account_verify_credentials()
        )
        host = urlsplit(instance).netloc
        tokens = Tokens(token, None, self._clock.now() + NEVER_EXPIRES)
        return XUser(str(user["id"]), f"{user['username']}@{host}", instance), tokens

    def revoke(self, instance: str, token: str) -> None:
        app = self._call(lambda: self._apps.kept(instance))
        if app is None:  # no app, so no token of ours to revoke
            return
        client = self._make_client(
            instance, access_token=token, client_id=app.client_id, client_secret=app.client_secret
        )
        self._call(lambda: client.revoke_access_token(allow_http=self._allow_http))

    @staticmethod
    def _call(action: Callable[[], Any]) -> Any:
        """Map what Mastodon.py and requests raise to the domain's OAuth failures."""
        import requests
        from mastodon import MastodonError

        try:
            return action()
        except (MastodonError, requests.RequestException, ValueError) as error:
            raise OAuthFailed("The Mastodon server could not be reached or refused.") from error


def _json(answer: Any) -> dict[str, Any]:
    try:
        body = answer.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def sandbox_approver(timeout: tuple[float, float]) -> Callable[[str, str], str]:
    """Approve an authorize URL as a seeded account of the Mastodon sandbox (its consent form
    posted as a person would): the callback URL it redirects to. The local stack only."""

    def approve(authorize_url: str, username: str) -> str:
        import requests

        parts = urlsplit(authorize_url)
        form = {name: values[0] for name, values in parse_qs(parts.query).items()}
        answer = requests.post(
            f"{parts.scheme}://{parts.netloc}{parts.path}",
            data={**form, "username": username, "decision": "authorize"},
            allow_redirects=False,
            timeout=timeout,
        )
        location = answer.headers.get("Location")
        if answer.status_code != 302 or not location:
            raise OAuthFailed(f"The Mastodon sandbox answered {answer.status_code} to approving.")
        return str(location)

    return approve
