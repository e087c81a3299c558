"""Connected accounts' OAuth tokens sealed at rest with AES-256-GCM under the stack's data key.

A sealed value is `version (1 byte) | nonce (12 bytes) | ciphertext and GCM tag (16 bytes)`:

- version 1: AES-256-GCM (`cryptography`'s AESGCM), a random 96-bit nonce for every seal, the
  plaintext the JSON `{"access_token", "refresh_token", "expires_at"}` (epoch seconds);
- associated data: the version byte, then the account's name (`cohort`, `member:<email>`) in
  UTF-8. So a value copied onto another account's item does not open, and neither does one
  whose version byte was changed; any other change fails the tag.

The data key is 32 random bytes kept in a `DataKeyStore` (an SSM SecureString when deployed).
No one types it in: `DataKey` makes it the first time tokens are sealed, with a create-only
write, so two functions racing to make it end with one key (the loser reads the winner's).
Opening never makes a key: without one, there is nothing it could open.

The key is held only inside these objects, never in a repr, a log line or an exception.
"""

import json
import secrets
from collections.abc import Callable
from datetime import UTC, datetime

from chatdeck.domain.accounts import Tokens, TokensUnreadable, kind_of
from chatdeck.ports import DataKeyStore

VERSION = 1
KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # 96 bits, GCM's own size
TAG_BYTES = 16


class DataKey:
    """The stack's data key from its store: read, or (to seal) made once on first use."""

    def __init__(
        self,
        store: DataKeyStore,
        make: Callable[[], bytes] = lambda: secrets.token_bytes(KEY_BYTES),
    ) -> None:
        self._store = store
        self._make = make

    def __repr__(self) -> str:
        return f"DataKey({self._store!r})"

    def existing(self) -> bytes | None:
        """The key if one was made; None otherwise (and nothing is made)."""
        key = self._store.read()
        return None if key is None else _checked(key)

    def get_or_make(self) -> bytes:
        """The key, made now if no function has made it yet. Two functions that both find none
        both try a create-only write; one wins, and the other uses the winner's key."""
        key = self._store.read()
        if key is not None:
            return _checked(key)
        made = _checked(self._make())
        if self._store.create(made):
            return made
        winner = self._store.read()  # another function made it first: theirs is the key
        if winner is None:
            raise RuntimeError("the data key was made by another function but cannot be read")
        return _checked(winner)


class AesGcmTokenCipher:
    """Tokens sealed for one account under the data key; see the module's docstring."""

    def __init__(self, key: DataKey) -> None:
        self._key = key

    def __repr__(self) -> str:
        return f"AesGcmTokenCipher({self._key!r})"

    def seal(self, account: str, tokens: Tokens) -> bytes:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # loaded on first use

        plain = {
            "access_token": tokens.access_token,
            "refresh_token": tokens.refresh_token,
            "expires_at": int(tokens.expires_at.timestamp()),
        }
        if tokens.app_password is not None:
            plain["app_password"] = tokens.app_password
        nonce = secrets.token_bytes(NONCE_BYTES)
        header = bytes([VERSION])
        sealed = AESGCM(self._key.get_or_make()).encrypt(
            nonce, json.dumps(plain).encode(), _associated(header, account)
        )
        return header + nonce + sealed

    def open(self, account: str, sealed: bytes) -> Tokens:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        whose = f"The {kind_of(account)} account's tokens"
        if len(sealed) < 1 + NONCE_BYTES + TAG_BYTES or sealed[0] != VERSION:
            raise TokensUnreadable(f"{whose} are not in a format Chatdeck seals.")
        key = self._key.existing()
        if key is None:
            raise TokensUnreadable(
                f"{whose} cannot be opened: this stack has no data key (was its SSM parameter "
                "deleted?)."
            )
        header, nonce, body = sealed[:1], sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
        try:
            plain = json.loads(AESGCM(key).decrypt(nonce, body, _associated(header, account)))
        except InvalidTag:
            raise TokensUnreadable(
                f"{whose} do not open with this stack's data key: they were sealed for another "
                "account, changed, or sealed under another key."
            ) from None
        return Tokens(
            access_token=plain["access_token"],
            refresh_token=plain["refresh_token"],
            expires_at=datetime.fromtimestamp(plain["expires_at"], UTC),
            app_password=plain.get("app_password"),
        )


def _associated(header: bytes, account: str) -> bytes:
    return header + account.encode()


def _checked(key: bytes) -> bytes:
    if len(key) != KEY_BYTES:
        raise ValueError(f"the data key must be {KEY_BYTES} bytes")  # its length only, never it
    return key
