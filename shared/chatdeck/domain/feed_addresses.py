"""Each member's own calendar feed address: `/calendar/<token>/<file>`.

The token is HMAC-SHA256, under the stack's signing key, of the member's email and a random
192-bit nonce (`secrets.token_urlsafe(24)`), in URL-safe base64: unguessable, and the StateTable
keeps only the nonce and the token's SHA-256, so a copy of the table alone makes no address.
A plain SHA-256 suffices as the lookup key: the token has 256 bits, nothing to brute-force. A
new nonce is a new address (renewing), and deleting the member's seed ends theirs (removal).
"""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

PURPOSE = b"calendar-feed"  # keeps these HMACs apart from any other use of the key
MAX_TOKEN_LENGTH = 64  # ours are 43 characters; anything longer is no token of ours


@dataclass(frozen=True)
class FeedSeed:
    """What the StateTable keeps of a member's feed address."""

    email: str
    nonce: str  # random; the token is made from it with the signing key
    token_hash: str  # SHA-256 of the token, hex: the key its owner is found by


def token_for(key: bytes, email: str, nonce: str) -> str:
    message = b"\0".join((PURPOSE, email.encode(), nonce.encode()))
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_seed(key: bytes, email: str) -> FeedSeed:
    """A new address for the member: a fresh nonce, and the hash of the token it makes."""
    nonce = secrets.token_urlsafe(24)
    return FeedSeed(email, nonce, token_hash(token_for(key, email, nonce)))
