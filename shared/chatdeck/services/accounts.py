"""X accounts connected through OAuth 2.0 with PKCE: the cohort's and each member's own.

Accounts are `cohort` (only admins connect it) and `member:<email>`.
`Accounts` is what the web routes call to connect and disconnect; `AccessTokens` is what the
network calls to post as a connected account.
"""

import time
from collections.abc import Callable
from datetime import timedelta
from typing import NoReturn

from chatdeck.domain.accounts import (
    Connection,
    PendingConnect,
    StoredConnection,
    Tokens,
    TokensUnreadable,
    UserAccess,
    is_personal,
    kind_of,
)
from chatdeck.domain.errors import ConnectError, NotAllowed, Refused
from chatdeck.domain.members import Member
from chatdeck.domain.outcomes import AccountDisconnected, GrantRefused, NotSent, OAuthFailed
from chatdeck.domain.schedule import to_iso_utc
from chatdeck.observability import logger
from chatdeck.ports import Clock, ConnectionStore, OAuthClient, PendingConnectionStore

CONNECT_WINDOW = timedelta(minutes=10)
REFRESH_MARGIN = timedelta(minutes=5)
# Longer than a token request can take (X_CONNECT_TIMEOUT + X_READ_TIMEOUT), so a claim never
# lapses while its holder still waits for X.
REFRESH_LEASE = timedelta(seconds=30)
WAIT_FOR_RENEWAL = 0.5  # seconds between looks at another function's renewal
RENEWAL_LOOKS = 8

NOT_CONNECTED = (
    "This X account is not connected to Chatdeck. Connect it on the Accounts page, then schedule "
    "the post again."
)


class Accounts:
    def __init__(
        self,
        store: ConnectionStore,
        pending: PendingConnectionStore,
        oauth: OAuthClient,
        clock: Clock,
    ) -> None:
        self.store = store
        self.pending = pending
        self.oauth = oauth
        self.clock = clock

    # What the Accounts page does, as the member who asks

    def connected(self, member: Member) -> tuple[Connection | None, Connection | None]:
        """The member's own connected account and the cohort's, each None when not connected."""
        return self.connection(member.own_account), self.connection("cohort")

    def connect_url(self, member: Member, which: str, redirect_uri: str) -> str:
        """Where to send the member to connect their own account, or (admins) the cohort's."""
        return self.begin_connect(member.email, account_for(member, which), redirect_uri)

    def disconnect_for(self, member: Member, which: str) -> bool:
        return self.disconnect(account_for(member, which))

    def begin_connect(self, member_email: str, account: str, redirect_uri: str) -> str:
        """The URL of X's authorize page for this member to connect `account`."""
        try:
            authorization = self.oauth.authorization(redirect_uri)
        except OAuthFailed as failed:
            raise ConnectError(
                f"{failed.reason} Ask an admin to check the X app settings."
            ) from None
        self.pending.begin(
            PendingConnect(
                state=authorization.state,
                email=member_email,
                account=account,
                code_verifier=authorization.code_verifier,
                redirect_uri=redirect_uri,
                expires_at=self.clock.now() + CONNECT_WINDOW,
            )
        )
        return authorization.url

    def complete_connect(
        self, state: str, code: str | None, error: str | None, callback_url: str, member_email: str
    ) -> Connection:
        """Finish the connect X redirected back with; the connect is used up either way."""
        pending = self.pending.take(state, member_email, self.clock.now())
        if pending is None:
            raise ConnectError(
                "This link to connect an X account has expired or was already used. "
                "Start again from the Accounts page."
            )
        if error is not None or not code:
            raise ConnectError("X did not give Chatdeck access, so nothing was connected.")
        try:
            user, tokens = self.oauth.exchange(pending, callback_url)
        except GrantRefused:
            raise ConnectError(
                "X did not accept this authorization. Start again from the Accounts page."
            ) from None
        except OAuthFailed as failed:
            raise ConnectError(f"{failed.reason} Nothing was connected; try again.") from None
        stored = self.store.connect(pending.account, user, tokens, member_email, self.clock.now())
        logger.info("X account connected", extra={"account_kind": kind_of(pending.account)})
        return _connection(stored)

    def connection(self, account: str) -> Connection | None:
        stored = self.store.get(account, decrypt=False)
        return _connection(stored) if stored is not None and stored.connected else None

    def disconnect(self, account: str) -> bool:
        """Revoke the account's tokens at X (as far as X lets us) and forget them."""
        stored = self._stored(account)
        while stored is not None and stored.connected:
            self._revoke(stored)
            reason = (
                f"@{stored.user.username} was disconnected from Chatdeck. Connect it again on the "
                "Accounts page, then schedule the post again."
            )
            if self.store.disconnect(stored, reason, self.clock.now()):
                logger.info("X account disconnected", extra={"account_kind": kind_of(account)})
                return True
            stored = self._stored(account)  # renewed meanwhile: revoke the new pair too
        return False

    def _stored(self, account: str) -> StoredConnection | None:
        """The connection with its tokens; without them when they cannot be opened (their data
        key was deleted), which leaves nothing to revoke, only the connection to forget."""
        try:
            return self.store.get(account)
        except TokensUnreadable:
            logger.warning("X tokens unreadable", extra={"account_kind": kind_of(account)})
            return self.store.get(account, decrypt=False)

    def _revoke(self, stored: StoredConnection) -> None:
        if stored.tokens is None:
            return
        for token in (stored.tokens.refresh_token, stored.tokens.access_token):
            if token is None:
                continue
            try:
                self.oauth.revoke(token)
            except OAuthFailed as failed:  # forgetting the tokens matters more than revoking them
                logger.warning("X did not revoke a token", extra={"reason": failed.reason})


def account_for(member: Member, which: str) -> str:
    """`cohort` (only admins connect or disconnect it), or the member's own (`mine`); any
    other choice is refused, never read as `mine`."""
    if which not in ("mine", "cohort"):
        raise Refused("Choose your own account or the cohort's.")
    if which == "cohort":
        if not member.is_admin:
            raise NotAllowed("Only an admin can connect or disconnect the cohort's account.")
        return "cohort"
    return member.own_account


class AccessTokens:
    """The access token to post as an account, renewed shortly before it expires.

    X's refresh tokens rotate and are single use: if two functions renewed one pair, the second
    would be refused and X would revoke the grant. So a function first claims the renewal with a
    conditional write on the version it read; one that loses re-reads and uses the winner's
    tokens (or, while the winner is still at it, the current token if it has not expired).
    """

    def __init__(
        self,
        store: ConnectionStore,
        oauth: OAuthClient,
        clock: Clock,
        wait: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.oauth = oauth
        self.clock = clock
        self.wait = wait

    def user_access(self, account: str) -> UserAccess | None:
        stored = self._read(account)
        if stored is None or stored.tokens is None:
            return self._not_connected(account, stored)
        return self.fresh(stored)

    def renewed_access(self, account: str) -> UserAccess | None:
        stored = self._read(account)
        if stored is None or stored.tokens is None:
            return self._not_connected(account, stored)
        return self.fresh(stored, refused=True)

    def fresh(self, seen: StoredConnection, refused: bool = False) -> UserAccess | None:
        """Access through `seen`, renewed first if it expires soon (or X `refused` it)."""
        for _ in range(RENEWAL_LOOKS):
            tokens, now = _tokens_of(seen), self.clock.now()
            if not refused and not tokens.expire_within(now, REFRESH_MARGIN):
                return _access(seen)
            if not seen.refreshing_at(now):
                claimed = self.store.claim_refresh(seen, now + REFRESH_LEASE)
                if claimed is not None:
                    return self._renew(claimed)
            elif not refused and tokens.expires_at > now:
                return _access(seen)  # still good while another function renews it
            else:
                self.wait(WAIT_FOR_RENEWAL)
            latest = self._read(seen.account)
            if latest is None or latest.tokens is None:
                return self._not_connected(seen.account, latest)
            refused = refused and latest.tokens.access_token == tokens.access_token
            seen = latest
        raise NotSent("Another function is renewing access to the X account; trying again soon.")

    def _renew(self, claimed: StoredConnection) -> UserAccess | None:
        current = _tokens_of(claimed)
        if current.refresh_token is None:
            self._lose(claimed, "X gave Chatdeck no way to renew its access")
        try:
            tokens = self.oauth.refresh(current.refresh_token)
        except GrantRefused:
            self._lose(claimed, "X refused to renew Chatdeck's access")
        except OAuthFailed as failed:
            if current.expires_at > self.clock.now():
                return _access(claimed)  # the claim lapses and a later call renews
            raise NotSent(
                f"{failed.reason} Access to the X account could not be renewed."
            ) from None
        saved = self.store.save_refreshed(claimed, tokens)
        if saved is None:  # reconnected or disconnected meanwhile: that state wins
            return self.user_access(claimed.account)
        logger.info("X access renewed", extra={"account_kind": kind_of(claimed.account)})
        return _access(saved)

    def _read(self, account: str) -> StoredConnection | None:
        """The account's connection with its tokens. Tokens that cannot be opened (their data key
        was deleted) are lost for good: the connection ends as when X refuses to renew it, and
        its owner is told to connect again."""
        try:
            return self.store.get(account)
        except TokensUnreadable:
            seen = self.store.get(account, decrypt=False)
            if seen is None or not seen.connected:
                return seen
            self._lose(seen, "Chatdeck can no longer read its access", "its stored key was lost")

    def _lose(
        self,
        claimed: StoredConnection,
        why: str,
        cause: str = "access may have been revoked on X",
    ) -> NoReturn:
        reason = (
            f"{why} to @{claimed.user.username} ({cause}). Connect the "
            "account again on the Accounts page, then schedule the post again."
        )
        self.store.disconnect(claimed, reason, self.clock.now())
        logger.warning(
            "X account disconnected", extra={"account_kind": kind_of(claimed.account), "why": why}
        )
        raise AccountDisconnected(reason, to_iso_utc(claimed.connected_at))

    @staticmethod
    def _not_connected(account: str, stored: StoredConnection | None) -> UserAccess | None:
        """The cohort posts with its OAuth 1.0a credentials instead; a member's account cannot."""
        if not is_personal(account):
            return None
        if stored is None:
            raise AccountDisconnected(NOT_CONNECTED, "never")
        reason = stored.disconnect_reason or NOT_CONNECTED
        raise AccountDisconnected(reason, to_iso_utc(stored.connected_at))


def _tokens_of(stored: StoredConnection) -> Tokens:
    if stored.tokens is None:  # a disconnected item, or one read without decrypting
        raise ValueError(f"the {kind_of(stored.account)} connection has no tokens to use")
    return stored.tokens


def _access(stored: StoredConnection) -> UserAccess:
    return UserAccess(_tokens_of(stored).access_token, stored.user.user_id, stored.user.username)


def _connection(stored: StoredConnection) -> Connection:
    return Connection(stored.account, stored.user.username, stored.connected_at)
