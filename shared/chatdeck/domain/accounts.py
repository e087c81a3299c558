"""Network accounts Chatdeck posts as and reads as, and their OAuth connections.

Accounts are `cohort` (the cohort's own; only admins connect it) and `member:<email>` (a
member's own). An account can be paused as a whole (its credentials refused, the API credits
used up) until `retry_at`. Tokens never show in a repr.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

PERSONAL_PREFIX = "member:"  # as Member.own_account names them


def is_personal(account: str) -> bool:
    return account.startswith(PERSONAL_PREFIX)


def kind_of(account: str) -> str:
    """What logs may say about an account: never a member's address."""
    return "personal" if is_personal(account) else account


@dataclass(frozen=True)
class AccountState:
    network: str
    account: str
    paused_since: datetime | None = None
    retry_at: datetime | None = None
    reason: str | None = None

    def paused_until(self, now: datetime) -> datetime | None:
        """When to try again, while the account is paused; None when it may post."""
        return self.retry_at if self.retry_at is not None and now < self.retry_at else None


@dataclass(frozen=True)
class Tokens:
    """An OAuth 2.0 access token, the refresh token that renews it, and when it expires."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: datetime
    # Bluesky's app password, kept sealed with the session: a session is created from it only
    # when refreshing fails. None for X and Mastodon.
    app_password: str | None = field(default=None, repr=False)

    def expire_within(self, now: datetime, margin: timedelta) -> bool:
        return self.expires_at - margin <= now


class TokensUnreadable(Exception):
    """Stored tokens that cannot be opened: sealed for another account, changed, or sealed under
    a data key that is gone (deleted or replaced). Nothing brings them back; the account is
    connected again. The message names the kind of account (`kind_of`) and no secret."""


@dataclass(frozen=True)
class XUser:
    """Who a connection acts as: X's user id and handle, a Bluesky DID and handle, or a Mastodon
    account id and `user@instance`. `server` is the Bluesky PDS or the Mastodon instance
    (base URL); None on X."""

    user_id: str
    username: str
    server: str | None = None


@dataclass(frozen=True)
class UserAccess:
    """What a network call needs to act as a connected account."""

    access_token: str = field(repr=False)
    user_id: str
    username: str


@dataclass(frozen=True)
class Authorization:
    """Where to send a member to authorize, and what finishing it will need."""

    url: str
    state: str
    code_verifier: str = field(repr=False)


@dataclass(frozen=True)
class PendingConnect:
    """A connect in progress, from the authorize redirect to the callback (single use)."""

    state: str
    email: str
    account: str
    code_verifier: str = field(repr=False)
    redirect_uri: str
    expires_at: datetime


@dataclass(frozen=True)
class StoredConnection:
    """An account's OAuth 2.0 connection. Every change moves `version` on.

    `connected` is False once it was disconnected (its tokens deleted, `disconnect_reason` kept);
    `tokens` is None then, and when it was read without decrypting them.
    """

    account: str
    user: XUser
    connected_by: str
    connected_at: datetime
    version: int
    connected: bool
    tokens: Tokens | None = None
    refreshing_until: datetime | None = None
    disconnect_reason: str | None = None

    def refreshing_at(self, now: datetime) -> bool:
        """Another function has claimed renewing the tokens, and its claim still holds."""
        return self.refreshing_until is not None and now < self.refreshing_until


@dataclass(frozen=True)
class Connection:
    """What a member may see of a connected account."""

    account: str
    username: str
    connected_at: datetime
