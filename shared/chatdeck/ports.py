"""The outside systems the domain needs, as Protocols. Adapters implement them."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from chatdeck.domain.outcomes import Published
from chatdeck.domain.posts import Post, PostStatus


@dataclass(frozen=True)
class PostChange:
    """The result of a claim, recorded against it. `next_action_at` keeps it on the work index."""

    status: PostStatus
    reason: str | None = None
    remote_id: str | None = None
    url: str | None = None
    next_action_at: datetime | None = None


@dataclass(frozen=True)
class Page:
    posts: list[Post]
    next: str | None


class PostStore(Protocol):
    def add(self, post: Post) -> bool:
        """Store a new post; False when one with that id already exists."""

    def get(self, post_id: str) -> Post | None: ...

    def page(self, cursor: str | None, limit: int, author: str | None = None) -> Page:
        """Posts newest first: everyone's, or one author's."""

    def by_author(self, email: str) -> Iterator[Post]: ...

    def replace(self, post: Post, expected: PostStatus) -> bool:
        """Store a changed post if its status is still `expected`; False when it moved on."""

    def due(self, now: datetime) -> list[Post]:
        """Posts whose next action is due: one Query on the work index."""

    def claim(self, post: Post, claim_id: str, now: datetime, lease_until: datetime) -> Post | None:
        """Take a due post for this publisher; None when someone else has it or it changed."""

    def record(self, post: Post, change: PostChange) -> bool:
        """Write the outcome of `post`'s claim; False when the claim was lost."""

    def defer(self, post: Post, until: datetime, reason: str) -> bool:
        """Leave a queued post queued until later, with a visible reason."""

    def cancel(self, post_id: str) -> Post | None:
        """Cancel a post that has not started publishing; None when it cannot be."""


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


class AccountStore(Protocol):
    def state(self, network: str, account: str) -> AccountState: ...

    def pause(
        self, network: str, account: str, reason: str, now: datetime, retry_at: datetime
    ) -> AccountState:
        """Pause (or keep paused) an account; paused_since stays the episode's start."""

    def resume(self, network: str, account: str) -> None: ...


class Network(Protocol):
    def publish(self, account: str, text: str) -> Published:
        """Create a post; raises a PublishError subclass for every other outcome."""

    def find_own_post(self, account: str, text: str, since: datetime) -> Published | None:
        """The account's own post with this text created since then; raises CannotTell."""


@dataclass(frozen=True)
class Email:
    to: list[str]
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)


class Mailer(Protocol):
    def send(self, email: Email) -> str:
        """Send one email; returns the provider's message id."""


class NoticeLog(Protocol):
    def record(self, notice_id: str, email: Email) -> bool:
        """Record a notice before it is sent; False when it was already recorded."""

    def mark(self, notice_id: str, status: str, detail: str | None = None) -> None: ...


class Clock(Protocol):
    def now(self) -> datetime: ...


# X accounts connected through OAuth 2.0 with PKCE: `cohort` and `member:<email>`.


@dataclass(frozen=True)
class Tokens:
    """An OAuth 2.0 access token, the refresh token that renews it, and when it expires."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: datetime

    def expire_within(self, now: datetime, margin: timedelta) -> bool:
        return self.expires_at - margin <= now


@dataclass(frozen=True)
class XUser:
    user_id: str
    username: str


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


class OAuthFailed(Exception):
    """X's OAuth 2.0 endpoints did not do what was asked. `reason` is a sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class GrantRefused(OAuthFailed):
    """X refused an authorization code or a refresh token: asking again will not help."""


class OAuthClient(Protocol):
    def authorization(self, redirect_uri: str) -> Authorization: ...

    def exchange(self, pending: PendingConnect, callback_url: str) -> tuple[XUser, Tokens]:
        """Trade the code in the callback for tokens, and say whose they are."""

    def refresh(self, refresh_token: str) -> Tokens:
        """A new pair; the refresh token given is used up (X's rotate)."""

    def revoke(self, token: str) -> None: ...


class ConnectionStore(Protocol):
    def begin(self, pending: PendingConnect) -> None: ...

    def take_pending(self, state: str, email: str, now: datetime) -> PendingConnect | None:
        """Use up this member's unexpired connect; None when there is none."""

    def get(self, account: str, decrypt: bool = True) -> StoredConnection | None: ...

    def connect(
        self, account: str, user: XUser, tokens: Tokens, connected_by: str, now: datetime
    ) -> StoredConnection:
        """Store a new connection, replacing any earlier one of the account."""

    def claim_refresh(self, seen: StoredConnection, until: datetime) -> StoredConnection | None:
        """Take the renewal of `seen`'s tokens; None when its version moved on."""

    def save_refreshed(self, claimed: StoredConnection, tokens: Tokens) -> StoredConnection | None:
        """Store the renewed pair if the claim is still the latest version."""

    def disconnect(self, seen: StoredConnection, reason: str, now: datetime) -> bool:
        """Delete `seen`'s tokens, keeping why; False when its version moved on."""


class UserAccessProvider(Protocol):
    def user_access(self, account: str) -> UserAccess | None:
        """How to act as the account, renewed if it is about to expire; None when the account
        has no OAuth 2.0 connection and may post otherwise (the cohort's OAuth 1.0a)."""

    def renewed_access(self, account: str) -> UserAccess | None:
        """As user_access, after X refused the current access token."""
