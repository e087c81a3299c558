"""Mastodon accounts connected through OAuth 2.0 with PKCE: the cohort's and each member's own.

Accounts are `cohort` (only admins connect it) and `member:<email>`, as on X. A member types
the address of their instance; it is checked as an outbound address (https, public; loopback
http only in the local stack) before Chatdeck calls it, Chatdeck's app is registered there once,
and the member is sent to the instance's authorize page. The callback trades the code (with its
PKCE verifier) for a token, learns whose it is, and keeps it sealed with the instance.
Disconnecting revokes the token at the instance (as far as it answers) and forgets it.
`connect_seeded` connects a sandbox account without a browser (the local stack, at startup).
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

from chatdeck.domain.accounts import (
    Connection,
    PendingConnect,
    StoredConnection,
    TokensUnreadable,
    kind_of,
)
from chatdeck.domain.errors import ConnectError
from chatdeck.domain.mastodon_app import instance_of_state
from chatdeck.domain.members import Member
from chatdeck.domain.outcomes import GrantRefused, OAuthFailed
from chatdeck.observability import logger
from chatdeck.ports import Clock, ConnectionStore, MastodonOAuthClient, PendingConnectionStore
from chatdeck.services.accounts import account_for

CONNECT_WINDOW = timedelta(minutes=10)
CALLBACK_PATH = "/accounts/mastodon/callback"
SEED_CALLBACK = f"http://127.0.0.1:3000{CALLBACK_PATH}"  # the local stack's web function
Approve = Callable[[str, str], str]  # (authorize URL, username) -> the callback URL


class MastodonAccounts:
    def __init__(
        self,
        store: ConnectionStore,
        pending: PendingConnectionStore,
        oauth: MastodonOAuthClient,
        clock: Clock,
        approve: Approve | None = None,
    ) -> None:
        self.store = store
        self.pending = pending
        self.oauth = oauth
        self.clock = clock
        self.approve = approve  # the local stack's stand-in for a person approving (the sandbox)

    # What the Accounts page does, as the member who asks

    def connected(self, member: Member) -> tuple[Connection | None, Connection | None]:
        """The member's own connected Mastodon account and the cohort's, each None when not."""
        return self.connection(member.own_account), self.connection("cohort")

    def connection(self, account: str) -> Connection | None:
        stored = self.store.get(account, decrypt=False)
        if stored is None or not stored.connected:
            return None
        return Connection(stored.account, stored.user.username, stored.connected_at)

    def connect_url(
        self, member: Member, which: str, typed_instance: str, redirect_uri: str
    ) -> str:
        """Where to send the member to connect their own account, or (admins) the cohort's, on
        the instance they typed."""
        account = account_for(member, which)
        try:
            instance = self.oauth.instance_url(typed_instance)
        except ValueError as refused:
            raise ConnectError(f"Chatdeck cannot connect to that server: {refused}") from None
        try:
            authorization = self.oauth.authorization(instance, redirect_uri)
        except OAuthFailed as failed:
            raise ConnectError(
                f"{failed.reason} Check the server's address and try again."
            ) from None
        self.pending.begin(
            PendingConnect(
                state=authorization.state,
                email=member.email,
                account=account,
                code_verifier=authorization.code_verifier,
                redirect_uri=redirect_uri,
                expires_at=self.clock.now() + CONNECT_WINDOW,
            )
        )
        return authorization.url

    def complete_connect(
        self, state: str, code: str | None, error: str | None, member_email: str
    ) -> Connection:
        """Finish the connect the instance redirected back with; used up either way."""
        pending = self.pending.take(state, member_email, self.clock.now())
        instance = instance_of_state(state) if pending is not None else None
        if pending is None or not instance:
            raise ConnectError(
                "This link to connect a Mastodon account has expired or was already used. "
                "Start again from the Accounts page."
            )
        if error is not None or not code:
            raise ConnectError("Mastodon did not give Chatdeck access, so nothing was connected.")
        try:
            user, tokens = self.oauth.exchange(
                instance, code, pending.code_verifier, pending.redirect_uri
            )
        except GrantRefused:
            raise ConnectError(
                "Mastodon did not accept this authorization. Start again from the Accounts page."
            ) from None
        except OAuthFailed as failed:
            raise ConnectError(f"{failed.reason} Nothing was connected; try again.") from None
        stored = self.store.connect(pending.account, user, tokens, member_email, self.clock.now())
        logger.info("Mastodon account connected", extra={"account_kind": kind_of(pending.account)})
        return Connection(stored.account, stored.user.username, stored.connected_at)

    def disconnect_for(self, member: Member, which: str) -> bool:
        return self.disconnect(account_for(member, which))

    def disconnect(self, account: str) -> bool:
        """Revoke the account's token at its instance (as far as it answers) and forget it."""
        stored = self._stored(account)
        while stored is not None and stored.connected:
            if stored.tokens is not None and stored.user.server:
                try:
                    self.oauth.revoke(stored.user.server, stored.tokens.access_token)
                except OAuthFailed as failed:  # forgetting the token matters more
                    logger.warning(
                        "Mastodon did not revoke a token", extra={"reason": failed.reason}
                    )
            reason = (
                f"@{stored.user.username} was disconnected from Chatdeck. Connect it again on the "
                "Accounts page, then schedule the post again."
            )
            if self.store.disconnect(stored, reason, self.clock.now()):
                logger.info(
                    "Mastodon account disconnected", extra={"account_kind": kind_of(account)}
                )
                return True
            stored = self._stored(account)
        return False

    def _stored(self, account: str) -> StoredConnection | None:
        try:
            return self.store.get(account)
        except TokensUnreadable:
            return self.store.get(account, decrypt=False)

    # The local stack

    def connect_seeded(
        self,
        account: str,
        instance_url: str,
        username: str,
        redirect_uri: str,
        connected_by: str = "seed",
    ) -> Connection:
        """Connect a sandbox account without a browser: the same authorize, approve and token
        steps, `approve` standing in for the person on the consent page (it answers the
        callback URL the instance redirects to). Only where an approver is wired in (the local
        stack, against the Mastodon sandbox)."""
        if self.approve is None:
            raise ConnectError("Seeded Mastodon accounts are connected in the local stack only.")
        instance = self.oauth.instance_url(instance_url)
        authorization = self.oauth.authorization(instance, redirect_uri)
        callback = self.approve(authorization.url, username)
        query = parse_qs(urlsplit(callback).query)
        if query.get("state", [""])[0] != authorization.state or "code" not in query:
            raise ConnectError("The Mastodon sandbox did not approve the seeded account.")
        user, tokens = self.oauth.exchange(
            instance, query["code"][0], authorization.code_verifier, redirect_uri
        )
        stored = self.store.connect(account, user, tokens, connected_by, self.clock.now())
        return Connection(stored.account, stored.user.username, stored.connected_at)


class HasMastodonAccounts(Protocol):
    @property
    def mastodon_accounts(self) -> MastodonAccounts: ...


def connect_seeded(
    services: HasMastodonAccounts,
    account: str,
    instance_url: str,
    username: str,
    redirect_uri: str = SEED_CALLBACK,
) -> Connection:
    """Connect a seeded account of the Mastodon sandbox at `instance_url` (the local stack, at
    startup), through the sandbox's own OAuth: authorize, approve as `username`, token."""
    return services.mastodon_accounts.connect_seeded(account, instance_url, username, redirect_uri)
