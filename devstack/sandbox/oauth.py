"""OAuth 2.0 (authorization code with PKCE) as X runs it: clients, codes and tokens.

- Clients: one confidential client is always known (SANDBOX_CLIENT), whose redirect URIs are any
  `http://127.0.0.1:<port>/accounts/callback` or `http://localhost:<port>/accounts/callback` (local
  stacks take random ports); more can be registered (`POST /sandbox/oauth/clients`).
- Codes come from the consent page (sandbox/consent.py), last 10 minutes and are single use: the
  first exchange uses a code up, whether or not it succeeds.
- `POST /2/oauth2/token` authenticates a confidential client by HTTP Basic only (a public client
  names itself with `client_id` in the body), then exchanges a code (the PKCE verifier checked:
  BASE64URL(SHA256(verifier)) == challenge) or a refresh token. Access tokens last 7200 s; a
  refresh token comes only with `offline.access`, rotates and is single use: using one twice
  revokes every token of that grant, as X does, and answers `invalid_grant`.
- `POST /2/oauth2/revoke` revokes an access token, or a refresh token and every token of its grant.

Scopes are checked against the description's list when authorizing, not enforced per endpoint.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote

from devstack.sandbox.api import Answer
from devstack.sandbox.store import Clock

CODE_LIFETIME = timedelta(minutes=10)
ACCESS_LIFETIME = timedelta(seconds=7200)
OFFLINE_ACCESS = "offline.access"
SANDBOX_CLIENT_ID = "sandbox-client-id"
SANDBOX_CLIENT_SECRET = "sandbox-client-secret"  # noqa: S105 - the sandbox's published fake  # nosec B105
LOOPBACK_CALLBACK = re.compile(r"^http://(127\.0\.0\.1|localhost):\d{1,5}/accounts/callback$")
CHALLENGE = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")

# Public reports of X's token endpoint (plhery/node-twitter-api-v2#496, unasuke/omniauth-twitter2#4)
# give these two; the rest follow their wording and are plausible, not recorded.
MISSING_AUTHORIZATION = "Missing valid authorization header"
INVALID_CODE = "Value passed for the authorization code was invalid."
INVALID_TOKEN = "Value passed for the token was invalid."  # noqa: S105 - a message  # nosec B105
INVALID_VERIFIER = "Value passed for the code verifier was invalid."
INVALID_REDIRECT = "Value passed for the redirect uri was invalid."
INVALID_GRANT_TYPE = "Value passed for the grant type was invalid."


class OAuthRefusal(ValueError):
    """An authorization request X would not show its consent page for."""


def oauth_error(status: int, error: str, description: str) -> Answer:
    return Answer(status, {"error": error, "error_description": description})


def missing(name: str) -> Answer:
    return oauth_error(400, "invalid_request", f"Missing required parameter [{name}].")


@dataclass(frozen=True)
class Client:
    client_id: str
    secret: str | None  # None: a public client, which names itself in the body
    redirect_uris: tuple[str, ...] = ()
    name: str = "Chatdeck"
    any_local_callback: bool = False

    def allows(self, redirect_uri: str) -> bool:
        if redirect_uri in self.redirect_uris:
            return True
        return self.any_local_callback and bool(LOOPBACK_CALLBACK.match(redirect_uri))


SANDBOX_CLIENT = Client(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, any_local_callback=True)

CLIENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["client_id", "redirect_uris"],
    "properties": {
        "client_id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
        "client_secret": {"type": ["string", "null"], "minLength": 1},
        "redirect_uris": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "pattern": "^https?://"},
        },
        "name": {"type": "string", "minLength": 1, "maxLength": 50},
    },
}


@dataclass(frozen=True)
class AuthorizationRequest:
    """A validated `GET /i/oauth2/authorize` query, carried through the consent form."""

    client: Client
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str
    code_challenge: str
    code_challenge_method: str

    def query(self) -> dict[str, str]:
        return {
            "response_type": "code",
            "client_id": self.client.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": " ".join(self.scopes),
            "state": self.state,
            "code_challenge": self.code_challenge,
            "code_challenge_method": self.code_challenge_method,
        }

    def verifies(self, verifier: str) -> bool:
        if self.code_challenge_method == "plain":
            return secrets.compare_digest(verifier, self.code_challenge)
        digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
        expected = base64.urlsafe_b64encode(digest).decode().rstrip("=")
        return secrets.compare_digest(expected, self.code_challenge)


@dataclass(frozen=True)
class Code:
    request: AuthorizationRequest
    user_id: str
    expires_at: datetime


@dataclass(frozen=True)
class AccessGrant:
    user_id: str
    client_id: str
    scopes: tuple[str, ...]
    expires_at: datetime
    family: str  # every token issued from one authorization
    revoked: bool = False

    def usable(self, now: datetime) -> bool:
        return not self.revoked and now < self.expires_at


@dataclass(frozen=True)
class RefreshGrant:
    user_id: str
    client_id: str
    scopes: tuple[str, ...]
    family: str
    used: bool = False
    revoked: bool = False


@dataclass
class OAuthServer:
    """Thread-safe memory of clients, codes and tokens, and the two token endpoints."""

    clock: Clock
    known_scopes: frozenset[str]
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _clients: dict[str, Client] = field(default_factory=dict)
    _codes: dict[str, Code] = field(default_factory=dict)
    _access: dict[str, AccessGrant] = field(default_factory=dict)
    _refresh: dict[str, RefreshGrant] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._clients[SANDBOX_CLIENT.client_id] = SANDBOX_CLIENT

    def register(self, spec: Mapping[str, Any]) -> Client:
        client = Client(
            client_id=spec["client_id"],
            secret=spec.get("client_secret"),
            redirect_uris=tuple(spec["redirect_uris"]),
            name=spec.get("name", "Chatdeck"),
            any_local_callback=spec["client_id"] == SANDBOX_CLIENT_ID,  # it keeps those
        )
        with self._lock:
            self._clients[client.client_id] = client
        return client

    def clear(self) -> None:
        """Forget codes and tokens; registered clients are configuration and stay."""
        with self._lock:
            self._codes.clear()
            self._access.clear()
            self._refresh.clear()

    # Authorizing

    def authorization_request(self, args: Mapping[str, str]) -> AuthorizationRequest:
        """The request, if X would show its consent page for it; else OAuthRefusal says why."""
        with self._lock:
            client = self._clients.get(args.get("client_id", ""))
        if client is None:
            raise OAuthRefusal("the client_id is not a registered app")
        redirect_uri = args.get("redirect_uri", "")
        if not client.allows(redirect_uri):
            raise OAuthRefusal("the redirect_uri is not one registered for this app")
        if args.get("response_type") != "code":
            raise OAuthRefusal("response_type must be code")
        scopes = tuple(args.get("scope", "").split())
        unknown = [scope for scope in scopes if scope not in self.known_scopes]
        if not scopes or unknown:
            raise OAuthRefusal(f"the scope is missing or not known: {' '.join(unknown)}")
        if not args.get("state"):
            raise OAuthRefusal("state is required")
        method = args.get("code_challenge_method", "")
        challenge = args.get("code_challenge", "")
        if method not in ("S256", "plain") or not CHALLENGE.match(challenge):
            raise OAuthRefusal("PKCE is required: a code_challenge and its method (S256 or plain)")
        return AuthorizationRequest(client, redirect_uri, scopes, args["state"], challenge, method)

    def issue_code(self, request: AuthorizationRequest, user_id: str) -> str:
        code = secrets.token_urlsafe(48)
        with self._lock:
            self._codes[code] = Code(request, user_id, self.clock() + CODE_LIFETIME)
        return code

    # The token endpoint

    def token(self, form: Mapping[str, str], authorization: str | None) -> Answer:
        client = self._authenticate(form, authorization)
        if isinstance(client, Answer):
            return client
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            return self._exchange(client, form)
        if grant_type == "refresh_token":
            return self._refresh_grant(client, form)
        if not grant_type:
            return missing("grant_type")
        return oauth_error(400, "invalid_request", INVALID_GRANT_TYPE)

    def revoke(self, form: Mapping[str, str], authorization: str | None) -> Answer:
        client = self._authenticate(form, authorization)
        if isinstance(client, Answer):
            return client
        token = form.get("token")
        if not token:
            return missing("token")
        with self._lock:
            access = self._access.get(token)
            refresh = self._refresh.get(token)
            if access is not None and access.client_id == client.client_id:
                self._access[token] = replace(access, revoked=True)
            elif refresh is not None and refresh.client_id == client.client_id:
                self._revoke_family(refresh.family)
        return Answer(200, {"revoked": True})  # RFC 7009: an unknown token is no error

    def _authenticate(self, form: Mapping[str, str], authorization: str | None) -> Client | Answer:
        """X takes a confidential client's credentials as HTTP Basic only."""
        basic = _basic_credentials(authorization)
        with self._lock:
            named = basic[0] if basic else form.get("client_id", "")
            client = self._clients.get(named)
        if basic is not None:
            if client is None or client.secret is None:
                return oauth_error(401, "unauthorized_client", MISSING_AUTHORIZATION)
            if not secrets.compare_digest(basic[1], client.secret):
                return oauth_error(401, "unauthorized_client", MISSING_AUTHORIZATION)
            if form.get("client_id", client.client_id) != client.client_id:
                return oauth_error(401, "unauthorized_client", MISSING_AUTHORIZATION)
            return client
        if not named:
            return missing("client_id")
        if client is None or client.secret is not None:
            return oauth_error(401, "unauthorized_client", MISSING_AUTHORIZATION)
        return client

    def _exchange(self, client: Client, form: Mapping[str, str]) -> Answer:
        if not form.get("code"):
            return missing("code")
        with self._lock:
            code = self._codes.pop(form["code"], None)  # single use, whatever happens next
        now = self.clock()
        if (
            code is None
            or code.request.client.client_id != client.client_id
            or code.expires_at <= now
        ):
            return oauth_error(400, "invalid_request", INVALID_CODE)
        if form.get("redirect_uri") != code.request.redirect_uri:
            return oauth_error(400, "invalid_request", INVALID_REDIRECT)
        verifier = form.get("code_verifier")
        if not verifier:
            return missing("code_verifier")
        if not code.request.verifies(verifier):
            return oauth_error(400, "invalid_grant", INVALID_VERIFIER)
        family = secrets.token_hex(8)
        return self._issue(client, code.user_id, code.request.scopes, family)

    def _refresh_grant(self, client: Client, form: Mapping[str, str]) -> Answer:
        token = form.get("refresh_token")
        if not token:
            return missing("refresh_token")
        with self._lock:
            grant = self._refresh.get(token)
            if grant is None or grant.revoked or grant.client_id != client.client_id:
                return oauth_error(400, "invalid_grant", INVALID_TOKEN)
            if grant.used:  # a rotated token again: the whole grant is compromised
                self._revoke_family(grant.family)
                return oauth_error(400, "invalid_grant", INVALID_TOKEN)
            self._refresh[token] = replace(grant, used=True)
        return self._issue(client, grant.user_id, grant.scopes, grant.family)

    def _issue(self, client: Client, user_id: str, scopes: tuple[str, ...], family: str) -> Answer:
        access_token = secrets.token_urlsafe(64)
        expires_at = self.clock() + ACCESS_LIFETIME
        body: dict[str, Any] = {
            "token_type": "bearer",  # OAuth's token type name, not a secret  # nosec B105
            "expires_in": int(ACCESS_LIFETIME.total_seconds()),
            "access_token": access_token,
            "scope": " ".join(scopes),
        }
        with self._lock:
            self._access[access_token] = AccessGrant(
                user_id, client.client_id, scopes, expires_at, family
            )
            if OFFLINE_ACCESS in scopes:
                refresh_token = secrets.token_urlsafe(64)
                self._refresh[refresh_token] = RefreshGrant(
                    user_id, client.client_id, scopes, family
                )
                body["refresh_token"] = refresh_token
        return Answer(200, body, {"Cache-Control": "no-store", "Pragma": "no-cache"})

    def _revoke_family(self, family: str) -> None:
        """Revoke every token of one authorization (the caller holds the lock)."""
        for token, access in self._access.items():
            if access.family == family:
                self._access[token] = replace(access, revoked=True)
        for token, refresh in self._refresh.items():
            if refresh.family == family:
                self._refresh[token] = replace(refresh, revoked=True)

    # Using tokens

    def access_grant(self, token: str) -> AccessGrant | None:
        """The grant of a user access token the sandbox issued; None for any other bearer."""
        with self._lock:
            return self._access.get(token)

    def expire(self, user_ids: Iterable[str]) -> int:
        """End these users' access tokens now (their refresh tokens stay good)."""
        wanted = set(user_ids)
        now = self.clock()
        expired = 0
        with self._lock:
            for token, grant in self._access.items():
                if grant.user_id in wanted and grant.usable(now):
                    self._access[token] = replace(grant, expires_at=now)
                    expired += 1
        return expired


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    scheme, _, encoded = (header or "").partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        return None
    return unquote(client_id), unquote(secret)  # RFC 6749 2.3.1 form-encodes both
