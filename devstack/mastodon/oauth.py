"""Apps and OAuth 2.0 as a Mastodon instance runs them (Doorkeeper): registration, codes, tokens.

- `POST /api/v1/apps` registers an app (a confidential client: it always gets a secret) with its
  `redirect_uris` (one per line, or a list) and `scopes` (default `read`).
- `GET /oauth/authorize` (the consent page, devstack/mastodon/consent.py) checks the client, the
  redirect URI (exactly one of the app's), `response_type=code`, the scopes (a subset of the
  app's) and PKCE: `code_challenge_method` must be `S256` (the only method Mastodon supports);
  approving issues a code for one of the seeded accounts, single use, for 10 minutes.
- `POST /oauth/token`: the client authenticates with `client_id` / `client_secret` in the body or
  HTTP Basic. `authorization_code` needs the same `redirect_uri`; a code issued with a challenge
  needs `code_verifier` with BASE64URL(SHA256(verifier)) == challenge (missing: invalid_request;
  wrong: invalid_grant). `client_credentials` gives an app token (no user). Tokens do not expire
  (Mastodon's do not), so there is no refresh token.
- `POST /oauth/revoke`: the client's own token is revoked (200 `{}`, idempotent); another client's
  is refused with 403 `unauthorized_client`.
Error bodies are Doorkeeper's, as docs/methods-oauth.md quotes them.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from base64 import b64decode
from binascii import Error as BinasciiError
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from devstack.mastodon.store import Clock

CODE_LIFETIME = timedelta(minutes=10)
OOB = "urn:ietf:wg:oauth:2.0:oob"

INVALID_GRANT = (
    "The provided authorization grant is invalid, expired, revoked, does not match the redirection"
    " URI used in the authorization request, or was issued to another client."
)
INVALID_CLIENT = (
    "Client authentication failed due to unknown client, no client authentication included, or"
    " unsupported authentication method."
)
INVALID_SCOPE = "The requested scope is invalid, unknown, or malformed."
INVALID_REDIRECT = "The redirect uri included is not valid."
UNSUPPORTED_RESPONSE = "The authorization server does not support this response type."
UNSUPPORTED_GRANT = "The authorization grant type is not supported by the authorization server."
BAD_CHALLENGE_METHOD = "The code challenge method must be S256."
MISSING_VERIFIER = "Missing required parameter: code_verifier."


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


def oauth_error(status: int, error: str, description: str) -> Answer:
    return Answer(status, {"error": error, "error_description": description})


class OAuthRefusal(ValueError):
    """An authorization request the instance shows an error page for, never redirecting."""


@dataclass(frozen=True)
class App:
    id: str
    name: str
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    scopes: tuple[str, ...]
    website: str | None


@dataclass(frozen=True)
class Grant:
    """An access token: an app's, and a user's when `account_id` is set."""

    client_id: str
    account_id: str | None
    scopes: tuple[str, ...]
    created_at: datetime
    revoked: bool = False


@dataclass(frozen=True)
class AuthorizationRequest:
    app: App
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str
    code_challenge: str
    code_challenge_method: str

    def query(self) -> dict[str, str]:
        fields = {
            "response_type": "code",
            "client_id": self.app.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": " ".join(self.scopes),
            "state": self.state,
            "code_challenge": self.code_challenge,
            "code_challenge_method": self.code_challenge_method,
        }
        return {name: value for name, value in fields.items() if value}


@dataclass(frozen=True)
class Code:
    request: AuthorizationRequest
    account_id: str
    expires_at: datetime


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def allowed(granted: tuple[str, ...], needed: str) -> bool:
    """Whether the token's scopes cover `needed` (`write:statuses` is covered by `write`)."""
    return needed in granted or needed.split(":")[0] in granted


class OAuthServer:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        self._apps: dict[str, App] = {}
        self._codes: dict[str, Code] = {}
        self._tokens: dict[str, Grant] = {}

    # apps

    def register(self, form: Mapping[str, Any]) -> Answer:
        name = str(form.get("client_name") or "").strip()
        if not name:
            return Answer(422, {"error": "Validation failed: Application name can't be blank"})
        raw = form.get("redirect_uris") or ""
        uris = raw if isinstance(raw, list) else str(raw).split("\n")
        uris = [str(uri).strip() for uri in uris if str(uri).strip()]
        if not uris:
            return Answer(422, {"error": "Validation failed: Redirect URI can't be blank"})
        if any(uri != OOB and "://" not in uri for uri in uris):
            return Answer(
                422, {"error": "Validation failed: Redirect URI must be an absolute URI."}
            )
        scopes = tuple(str(form.get("scopes") or "read").split())
        with self._lock:
            app = App(
                id=str(len(self._apps) + 1),
                name=name,
                client_id=secrets.token_urlsafe(32),
                client_secret=secrets.token_urlsafe(32),
                redirect_uris=tuple(uris),
                scopes=scopes,
                website=str(form["website"]) if form.get("website") else None,
            )
            self._apps[app.client_id] = app
        return Answer(200, app)

    def app(self, client_id: str) -> App | None:
        with self._lock:
            return self._apps.get(client_id)

    # authorizing

    def authorization_request(self, args: Mapping[str, str]) -> AuthorizationRequest:
        app = self.app(args.get("client_id", ""))
        if app is None:
            raise OAuthRefusal(INVALID_CLIENT)
        redirect_uri = args.get("redirect_uri", "")
        if redirect_uri not in app.redirect_uris:
            raise OAuthRefusal(INVALID_REDIRECT)
        if args.get("response_type") != "code":
            raise OAuthRefusal(UNSUPPORTED_RESPONSE)
        scopes = tuple(args.get("scope", "read").replace("+", " ").split()) or ("read",)
        if not set(scopes) <= set(app.scopes):
            raise OAuthRefusal(INVALID_SCOPE)
        challenge = args.get("code_challenge", "")
        method = args.get("code_challenge_method", "")
        if (challenge or method) and method != "S256":
            raise OAuthRefusal(BAD_CHALLENGE_METHOD)
        return AuthorizationRequest(
            app, redirect_uri, scopes, args.get("state", ""), challenge, method
        )

    def issue_code(self, request: AuthorizationRequest, account_id: str) -> str:
        code = secrets.token_urlsafe(32)
        with self._lock:
            self._codes[code] = Code(request, account_id, self.clock() + CODE_LIFETIME)
        return code

    # tokens

    def token(self, form: Mapping[str, str], authorization: str | None) -> Answer:
        client_id, secret = _client_credentials(form, authorization)
        app = self.app(client_id)
        if app is None or not secrets.compare_digest(app.client_secret, secret):
            return oauth_error(401, "invalid_client", INVALID_CLIENT)
        grant_type = form.get("grant_type", "")
        if grant_type == "client_credentials":
            scopes = tuple(form.get("scope", "read").split()) or ("read",)
            if not set(scopes) <= set(app.scopes):
                return oauth_error(400, "invalid_scope", INVALID_SCOPE)
            return self._issue(Grant(app.client_id, None, scopes, self.clock()))
        if grant_type != "authorization_code":
            return oauth_error(400, "unsupported_grant_type", UNSUPPORTED_GRANT)
        with self._lock:
            code = self._codes.pop(form.get("code", ""), None)  # used up, whatever comes next
        if (
            code is None
            or code.expires_at <= self.clock()
            or code.request.app.client_id != app.client_id
            or code.request.redirect_uri != form.get("redirect_uri")
        ):
            return oauth_error(400, "invalid_grant", INVALID_GRANT)
        if code.request.code_challenge:
            verifier = form.get("code_verifier", "")
            if not verifier:
                return oauth_error(400, "invalid_request", MISSING_VERIFIER)
            if not secrets.compare_digest(s256(verifier), code.request.code_challenge):
                return oauth_error(400, "invalid_grant", INVALID_GRANT)
        return self._issue(Grant(app.client_id, code.account_id, code.request.scopes, self.clock()))

    def _issue(self, grant: Grant) -> Answer:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = grant
        body = {
            "access_token": token,
            "token_type": "Bearer",  # the OAuth token type, no secret  # nosec B105
            "scope": " ".join(grant.scopes),
            "created_at": int(grant.created_at.timestamp()),
        }
        return Answer(200, body, {"Cache-Control": "no-store"})

    def revoke(self, form: Mapping[str, str], authorization: str | None) -> Answer:
        client_id, secret = _client_credentials(form, authorization)
        app = self.app(client_id)
        if app is None or not secrets.compare_digest(app.client_secret, secret):
            return oauth_error(
                403, "unauthorized_client", "You are not authorized to revoke this token"
            )
        token = form.get("token", "")
        with self._lock:
            grant = self._tokens.get(token)
            if grant is not None and grant.client_id != app.client_id:
                return oauth_error(
                    403, "unauthorized_client", "You are not authorized to revoke this token"
                )
            if grant is not None:
                self._tokens[token] = Grant(
                    grant.client_id, grant.account_id, grant.scopes, grant.created_at, True
                )
        return Answer(200, {})

    def grant(self, token: str) -> Grant | None:
        """The token's grant while it is usable (not revoked)."""
        with self._lock:
            grant = self._tokens.get(token)
        return grant if grant is not None and not grant.revoked else None

    def revoke_all_of(self, account_id: str) -> int:
        """Revoke every token of an account (`POST /sandbox/oauth/revoke`); how many."""
        with self._lock:
            mine = [
                t for t, g in self._tokens.items() if g.account_id == account_id and not g.revoked
            ]
            for token in mine:
                g = self._tokens[token]
                self._tokens[token] = Grant(g.client_id, g.account_id, g.scopes, g.created_at, True)
        return len(mine)


def _client_credentials(form: Mapping[str, str], authorization: str | None) -> tuple[str, str]:
    scheme, _, encoded = (authorization or "").partition(" ")
    if scheme.lower() == "basic" and encoded:
        try:
            client_id, _, secret = b64decode(encoded).decode().partition(":")
        except (BinasciiError, UnicodeDecodeError):
            return "", ""
        return client_id, secret
    return form.get("client_id", ""), form.get("client_secret", "")
