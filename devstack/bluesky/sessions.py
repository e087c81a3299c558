"""Sessions as a Bluesky PDS keeps them: JWTs, rotation, expiry, and createSession's rate limit.

- Tokens are HS256 JWTs like the reference PDS's: an access JWT (`typ` `at+jwt`, scope
  `com.atproto.appPass`, 2 hours) and a refresh JWT (`typ` `refresh+jwt`, scope
  `com.atproto.refresh`, a `jti`, 90 days), their `iat`/`exp` read from the sandbox clock. The
  reference server's lifetimes are in README-notes' section 2 (auth.ts lines 46 and 72).
- An expired access JWT answers 400 `ExpiredToken` "Token has expired"; one that does not verify
  401 `InvalidToken`; a token of the wrong kind 400 `InvalidToken` "Invalid token type".
- Refresh tokens rotate: refreshSession gives a new pair and the refresh JWT it was called with is
  revoked (400 `ExpiredToken` "Token has been revoked" afterwards). Earlier access JWTs stay good
  until they expire, as on the real service.
- `expire(did)` makes the account's access JWTs issued so far expire now (for tests:
  `POST /sandbox/sessions/expire`); its refresh JWTs stay good.
- createSession is limited per account as documented (30 per 5 minutes) and by a daily limit
  (100, as bsky.social's entryway has been reported at): 429 `RateLimitExceeded` with
  `RateLimit-*` and `Retry-After` headers. Every call counts, a wrong password included, since the
  limiter runs before the handler.

The signing secret is fixed: the sandbox holds no real credentials, and a restarted sandbox still
honours the sessions the local stack has stored (only revocations are forgotten).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

ACCESS_LIFETIME = timedelta(hours=2)
REFRESH_LIFETIME = timedelta(days=90)
ACCESS_SCOPE = "com.atproto.appPass"
REFRESH_SCOPE = "com.atproto.refresh"
SESSION_LIMITS = ((30, 5 * 60), (100, 24 * 60 * 60))  # (calls, window seconds), per account
_SECRET = b"chatdeck-bluesky-sandbox-jwt-secret"  # signs sandbox tokens only  # nosec B105


class TokenRefused(Exception):
    """A bearer token the call cannot use: `status` and `key` name the answer in error-bodies."""

    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


@dataclass(frozen=True)
class Quota:
    limit: int
    remaining: int
    reset: int  # epoch seconds
    window: int  # seconds

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
            "RateLimit-Policy": f"{self.limit};w={self.window}",
        }


@dataclass
class Windows:
    """Fixed windows per key (the reference server's limiter resets each window whole)."""

    clock: Callable[[], datetime]
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _used: dict[tuple[str, int], tuple[int, int]] = field(default_factory=dict)

    def hit(self, key: str, limit: int, window: int) -> tuple[Quota, bool]:
        """Count one call; the quota after it, and whether the call was within the limit."""
        now = int(self.clock().timestamp())
        with self._lock:
            start, used = self._used.get((key, window), (now, 0))
            if now >= start + window:
                start, used = now, 0
            allowed = used < limit
            used = used + 1 if allowed else used
            self._used[(key, window)] = (start, used)
        return Quota(limit, max(limit - used, 0), start + window, window), allowed

    def clear(self) -> None:
        with self._lock:
            self._used.clear()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(header: dict[str, Any], payload: dict[str, Any]) -> str:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
    signature = hmac.new(_SECRET, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def verify(token: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The header and payload of a JWT the sandbox signed, or None."""
    try:
        header_part, payload_part, signature = token.split(".")
        expected = hmac.new(
            _SECRET, f"{header_part}.{payload_part}".encode(), hashlib.sha256
        ).digest()
        if not hmac.compare_digest(expected, _unb64(signature)):
            return None
        return json.loads(_unb64(header_part)), json.loads(_unb64(payload_part))
    except (ValueError, TypeError):
        return None


@dataclass(frozen=True)
class Pair:
    access_jwt: str
    refresh_jwt: str


class Sessions:
    def __init__(self, clock: Callable[[], datetime], service_did: str) -> None:
        self.clock = clock
        self.service_did = service_did
        self.windows = Windows(clock)
        self.limits: tuple[tuple[int, int], ...] = SESSION_LIMITS
        self._lock = threading.Lock()
        self._revoked: set[str] = set()  # refresh JWT ids used or revoked
        self._expired: set[str] = set()  # access JWT ids expired by a test
        self._issued: dict[str, list[str]] = {}  # did -> access JWT ids

    def clear(self) -> None:
        with self._lock:
            self._revoked.clear()
            self._expired.clear()
            self._issued.clear()
        self.windows.clear()

    def admit_create(self, account_key: str) -> tuple[Quota, bool]:
        """Count an account's createSession call: the quota to report, and whether it may go on."""
        results = [self.windows.hit(account_key, n, w) for n, w in self.limits]
        refused = [quota for quota, allowed in results if not allowed]
        if refused:
            return max(refused, key=lambda q: q.reset), False
        return min((quota for quota, _ in results), key=lambda q: q.remaining), True

    def issue(self, did: str) -> Pair:
        now = int(self.clock().timestamp())
        access_id = secrets.token_hex(8)
        access = sign(
            {"typ": "at+jwt", "alg": "HS256"},
            {
                "scope": ACCESS_SCOPE,
                "aud": self.service_did,
                "sub": did,
                "iat": now,
                "exp": now + int(ACCESS_LIFETIME.total_seconds()),
                "jti": access_id,
            },
        )
        refresh = sign(
            {"typ": "refresh+jwt", "alg": "HS256"},
            {
                "scope": REFRESH_SCOPE,
                "aud": self.service_did,
                "sub": did,
                "jti": secrets.token_urlsafe(32),
                "iat": now,
                "exp": now + int(REFRESH_LIFETIME.total_seconds()),
            },
        )
        with self._lock:
            self._issued.setdefault(did, []).append(access_id)
        return Pair(access, refresh)

    def access(self, token: str) -> str:
        """The DID an access JWT stands for; TokenRefused when it cannot be used."""
        payload = self._payload(token, "at+jwt")
        with self._lock:
            expired = payload.get("jti") in self._expired
        if expired or payload["exp"] <= self.clock().timestamp():
            raise TokenRefused(400, "ExpiredToken", "Token has expired")
        did: str = payload["sub"]
        return did

    def rotate(self, token: str) -> tuple[str, Pair]:
        """refreshSession: revoke this refresh JWT and issue a new pair for its account."""
        payload = self._payload(token, "refresh+jwt")
        with self._lock:
            revoked = payload["jti"] in self._revoked
            self._revoked.add(payload["jti"])
        if revoked:
            raise TokenRefused(400, "ExpiredToken", "Token has been revoked")
        if payload["exp"] <= self.clock().timestamp():
            raise TokenRefused(400, "ExpiredToken", "Token has expired")
        return payload["sub"], self.issue(payload["sub"])

    def end(self, token: str) -> None:
        """deleteSession: revoke this refresh JWT (one already revoked: nothing more to do)."""
        payload = self._payload(token, "refresh+jwt")
        with self._lock:
            self._revoked.add(payload["jti"])

    def expire(self, did: str) -> int:
        with self._lock:
            issued = self._issued.get(did, [])
            fresh = [jti for jti in issued if jti not in self._expired]
            self._expired.update(fresh)
            return len(fresh)

    def _payload(self, token: str, kind: str) -> dict[str, Any]:
        verified = verify(token)
        if verified is None:
            raise TokenRefused(401, "InvalidToken", "Token could not be verified")
        header, payload = verified
        if header.get("typ") != kind:
            raise TokenRefused(400, "InvalidToken", "Invalid token type")
        return payload
