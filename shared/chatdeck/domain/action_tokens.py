"""Signed, single-purpose, expiring tokens for links in emails (unsubscribe, and the like).

A token is `<payload>.<signature>`: the payload is base64url JSON {"p": purpose, "s": subject,
"e": expiry epoch}, the signature base64url HMAC-SHA256 over the payload with the stack's
signing key (an SSM SecureString). A token for one purpose never works for another.
"""

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any


class InvalidToken(Exception):
    """Unknown, altered, expired, or made for another purpose (which, is not said)."""


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(key: bytes, purpose: str, subject: Mapping[str, Any], expires: datetime) -> str:
    payload = json.dumps(
        {"p": purpose, "s": dict(subject), "e": int(expires.timestamp())},
        separators=(",", ":"),
        sort_keys=True,
    ).encode()
    body = _encode(payload)
    signature = hmac.new(key, body.encode(), hashlib.sha256).digest()
    return f"{body}.{_encode(signature)}"


def verify(key: bytes, token: str, purpose: str, now: datetime) -> dict[str, Any]:
    """The token's subject, if it is genuine, unexpired and for this purpose."""
    body, _, signature = token.partition(".")
    try:
        expected = hmac.new(key, body.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _decode(signature)):
            raise InvalidToken
        payload = json.loads(_decode(body))
    except (ValueError, TypeError) as error:
        raise InvalidToken from error
    if payload.get("p") != purpose or int(payload.get("e", 0)) <= now.timestamp():
        raise InvalidToken
    subject = payload.get("s")
    if not isinstance(subject, dict):
        raise InvalidToken
    return subject
