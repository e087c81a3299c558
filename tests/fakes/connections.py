"""Connects in progress and connected accounts (tokens kept as given: no cipher here)."""

import threading
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from chatdeck.domain.accounts import (
    PendingConnect,
    StoredConnection,
    Tokens,
    TokensUnreadable,
    XUser,
    kind_of,
)
from tests.fakes.shaping import epoch_second, second

# ----- connected accounts -----------------------------------------------------------------------


class FakePendingConnectionStore:
    def __init__(self) -> None:
        self._pending: dict[str, PendingConnect] = {}
        self._lock = threading.Lock()

    def begin(self, pending: PendingConnect) -> None:
        with self._lock:
            self._pending[pending.state] = replace(
                pending, expires_at=epoch_second(pending.expires_at)
            )

    def take(self, state: str, email: str, now: datetime) -> PendingConnect | None:
        with self._lock:
            pending = self._pending.get(state)
            if (
                pending is None
                or pending.email != email
                or not int(pending.expires_at.timestamp()) > int(now.timestamp())
            ):
                return None  # unknown, another member's or expired: it stays as it was
            return self._pending.pop(state)


@dataclass(frozen=True)
class _Connection:
    user: XUser
    connected_by: str
    connected_at: datetime
    version: int
    tokens: Tokens | None
    refreshing_until: datetime | None = None
    disconnect_reason: str | None = None
    disconnected_at: datetime | None = None
    sealed_under: int = 0  # which data key sealed the tokens (lose_data_key makes a new one)

    def seen(self, account: str, tokens: Tokens | None) -> StoredConnection:
        return StoredConnection(
            account=account,
            user=self.user,
            connected_by=self.connected_by,
            connected_at=self.connected_at,
            version=self.version,
            connected=self.tokens is not None,
            tokens=tokens if self.tokens is not None else None,
            refreshing_until=self.refreshing_until,
            disconnect_reason=self.disconnect_reason,
        )


def _sealed(tokens: Tokens) -> Tokens:
    """Tokens as they come back from the adapter's ciphertext: expiry in whole seconds."""
    return replace(tokens, expires_at=epoch_second(tokens.expires_at))


class FakeConnectionStore:
    """Tokens are kept as they are: the adapter's sealing (AesGcmTokenCipher) is tested on its
    own, in tests/unit/test_token_cipher.py. What the fake keeps of it is which data key sealed
    them: after `lose_data_key` (the SSM parameter deleted or replaced) tokens sealed before do
    not open, as the adapter's do not."""

    def __init__(self, network: str = "x") -> None:
        self.network = network  # one store per network, as the adapter's
        self._connections: dict[str, _Connection] = {}
        self._data_key = 0
        self._lock = threading.Lock()

    def lose_data_key(self) -> None:
        """As if the data key were deleted: the next seal makes a new one."""
        with self._lock:
            self._data_key += 1

    def get(self, account: str, decrypt: bool = True) -> StoredConnection | None:
        with self._lock:
            stored = self._connections.get(account)
            current = self._data_key
        if stored is None:
            return None
        if decrypt and stored.tokens is not None and stored.sealed_under != current:
            raise TokensUnreadable(
                f"The {kind_of(account)} account's tokens do not open with this stack's data key."
            )
        return stored.seen(account, stored.tokens if decrypt else None)

    def connect(
        self, account: str, user: XUser, tokens: Tokens, connected_by: str, now: datetime
    ) -> StoredConnection:
        with self._lock:
            before = self._connections.get(account)
            stored = _Connection(
                user=user,
                connected_by=connected_by,
                connected_at=second(now),
                version=(before.version if before else 0) + 1,
                tokens=_sealed(tokens),
                sealed_under=self._data_key,
            )
            self._connections[account] = stored
        return stored.seen(account, tokens)

    def claim_refresh(self, seen: StoredConnection, until: datetime) -> StoredConnection | None:
        stored = self._if_version(seen, refreshing_until=second(until))
        return None if stored is None else stored.seen(seen.account, seen.tokens)

    def save_refreshed(self, claimed: StoredConnection, tokens: Tokens) -> StoredConnection | None:
        stored = self._if_version(
            claimed, tokens=_sealed(tokens), refreshing_until=None, sealed_under=self._data_key
        )
        return None if stored is None else stored.seen(claimed.account, tokens)

    def disconnect(self, seen: StoredConnection, reason: str, now: datetime) -> bool:
        changed = self._if_version(
            seen,
            tokens=None,
            refreshing_until=None,
            disconnect_reason=reason,
            disconnected_at=second(now),
        )
        return changed is not None

    def _if_version(self, seen: StoredConnection, **changes: Any) -> _Connection | None:
        with self._lock:
            stored = self._connections.get(seen.account)
            if stored is None or stored.version != seen.version:
                return None
            changed = replace(stored, version=seen.version + 1, **changes)
            self._connections[seen.account] = changed
            return changed
