"""Bluesky accounts connected with a handle and an app password: the cohort's and each member's.

- Accounts are `cohort` (only admins connect or disconnect it) and `member:<email>`, decided as
  for X (`services.accounts.account_for`).
- Connecting creates one session (createSession) and stores it, sealed with the app password,
  in the bluesky ConnectionStore; from then on the session is refreshed, never created per call
  (adapters/bluesky/sessions.py). The app password is kept so a session can be created again
  when refreshing fails; the member's main password is never asked for (Bluesky's Settings,
  Privacy and security, App passwords, makes one).
- Disconnecting ends the session at Bluesky (deleteSession, as far as Bluesky lets us) and
  deletes the stored session and app password.
- The local stack connects its seeded accounts with `connect_seeded`, against the sandbox.
"""

from collections.abc import Callable
from typing import Protocol

from chatdeck.domain.accounts import (
    Connection,
    StoredConnection,
    Tokens,
    TokensUnreadable,
    XUser,
    kind_of,
)
from chatdeck.domain.errors import ConnectError
from chatdeck.domain.members import Member
from chatdeck.observability import logger
from chatdeck.ports import Clock, ConnectionStore
from chatdeck.services.accounts import account_for

MAX_FIELD = 256


class SessionMaker(Protocol):
    """What connecting needs from Bluesky (adapters/bluesky/sessions.py provides it)."""

    def create(self, server: str, identifier: str, app_password: str) -> tuple[XUser, Tokens]:
        """createSession: who the account is (its PDS as `server`) and its session; raises
        ConnectError with a sentence when Bluesky refuses or cannot be reached."""

    def end(self, server: str, refresh_token: str) -> None:
        """deleteSession with the refresh JWT; never raises (the session dies anyway)."""


class BlueskyAccounts:
    def __init__(
        self,
        store: ConnectionStore,
        sessions: Callable[[], SessionMaker],
        clock: Clock,
        service_url: str,
    ) -> None:
        self.store = store
        self._sessions = sessions  # made on first use: the web function loads atproto only then
        self.clock = clock
        self.service_url = service_url.rstrip("/")

    def connected(self, member: Member) -> tuple[Connection | None, Connection | None]:
        """The member's own connected Bluesky account and the cohort's, None when not
        connected."""
        return self.connection(member.own_account), self.connection("cohort")

    def connection(self, account: str) -> Connection | None:
        stored = self.store.get(account, decrypt=False)
        if stored is None or not stored.connected:
            return None
        return Connection(stored.account, stored.user.username, stored.connected_at)

    def connect_for(self, member: Member, which: str, handle: str, app_password: str) -> Connection:
        """Connect the member's own account, or (admins) the cohort's."""
        return self.connect(account_for(member, which), handle, app_password, member.email)

    def disconnect_for(self, member: Member, which: str) -> bool:
        return self.disconnect(account_for(member, which))

    def connect(
        self,
        account: str,
        handle: str,
        app_password: str,
        connected_by: str,
        server: str | None = None,
    ) -> Connection:
        """Create a session as `handle` with its app password and keep it; raises ConnectError
        with a sentence the member can act on."""
        identifier = clean_handle(handle)
        password = app_password.strip()
        if not password:
            raise ConnectError("Enter an app password made for Chatdeck in Bluesky's settings.")
        if len(password) > MAX_FIELD:
            raise ConnectError("That app password is too long; copy it again from Bluesky.")
        user, tokens = self._sessions().create(server or self.service_url, identifier, password)
        stored = self.store.connect(account, user, tokens, connected_by, self.clock.now())
        logger.info("Bluesky account connected", extra={"account_kind": kind_of(account)})
        return _connection(stored)

    def disconnect(self, account: str) -> bool:
        """End the session at Bluesky and forget it with the app password."""
        for _ in range(3):
            stored = self._stored(account)
            if stored is None or not stored.connected:
                return False
            if stored.tokens is not None and stored.tokens.refresh_token and stored.user.server:
                self._sessions().end(stored.user.server, stored.tokens.refresh_token)
            reason = (
                f"@{stored.user.username} was disconnected from Chatdeck. Connect it again on the "
                "Accounts page, then schedule the post again."
            )
            if self.store.disconnect(stored, reason, self.clock.now()):
                logger.info(
                    "Bluesky account disconnected", extra={"account_kind": kind_of(account)}
                )
                return True
        return False

    def _stored(self, account: str) -> StoredConnection | None:
        """The connection with its session; without it when it cannot be opened (the data key
        was deleted), which leaves nothing to end at Bluesky, only the connection to forget."""
        try:
            return self.store.get(account)
        except TokensUnreadable:
            return self.store.get(account, decrypt=False)


def clean_handle(handle: str) -> str:
    """`@Ann.bsky.social ` -> `ann.bsky.social`; a DID or an email address stays as typed."""
    value = handle.strip().lstrip("@").strip()
    if not value:
        raise ConnectError("Enter the account's Bluesky handle, such as ann.bsky.social.")
    if len(value) > MAX_FIELD or any(c.isspace() for c in value):
        raise ConnectError(
            "That is not a Bluesky handle: a handle looks like ann.bsky.social, without spaces."
        )
    return value if value.startswith("did:") or "@" in value else value.lower()


class HasBlueskyAccounts(Protocol):
    @property
    def bluesky_accounts(self) -> BlueskyAccounts: ...


def connect_seeded(
    services: HasBlueskyAccounts, account: str, handle: str, app_password: str, server: str
) -> Connection:
    """Connect a seeded account of the local stack against the sandbox at `server`."""
    return services.bluesky_accounts.connect(account, handle, app_password, "seed", server)


def _connection(stored: StoredConnection) -> Connection:
    return Connection(stored.account, stored.user.username, stored.connected_at)
