"""The outside systems the domain needs, as Protocols. Adapters implement them."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Literal, Protocol

from chatdeck.domain.outcomes import Published
from chatdeck.domain.posts import Post, PostStatus

if TYPE_CHECKING:
    from chatdeck.domain.chats import Chat
    from chatdeck.domain.digest import ArchivedPost


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


# The ed-chat companion: reading a chat's hashtag, and the archive of its sessions.


@dataclass(frozen=True)
class SearchPage:
    """One page of a recent search, newest first. `reads` is what X bills: the posts returned."""

    posts: "list[ArchivedPost]"
    next_token: str | None
    newest_id: str | None
    reads: int


class ReadFailed(Exception):
    """A read from the network did not answer. `reason` is a sentence; `retry_at` when the
    network said when to try again (a rate limit); `account_wide` when the account's
    credentials or the API credits are the problem, not this read."""

    def __init__(
        self, reason: str, retry_at: datetime | None = None, account_wide: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_at = retry_at
        self.account_wide = account_wide


class PostReader(Protocol):
    def search_recent(
        self,
        account: str,
        query: str,
        since_id: str | None = None,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        next_token: str | None = None,
        max_results: int = 100,
    ) -> SearchPage:
        """One page of the last week's posts matching `query`, read as `account`; raises
        ReadFailed."""

    def lookup_posts(self, account: str, ids: "Sequence[str]") -> "list[ArchivedPost]":
        """The posts with these ids (at most 100) that still exist, with their current counts;
        raises ReadFailed."""


class ChatSource(Protocol):
    def all(self) -> "list[Chat]": ...


SessionStatus = Literal["polling", "ended", "counted", "digested"]


@dataclass(frozen=True)
class ArchiveSession:
    """An archived chat session (the ArchiveTable's `META` item). `window_*` bound the polling;
    `reads` and `cost_usd` are what X billed for it (at most); `stop_reason` says why polling
    stopped early; `note` says why a step was skipped."""

    occurrence_id: str
    chat_id: str
    network: str
    query: str
    start_utc: datetime
    end_utc: datetime
    window_start: datetime
    window_end: datetime
    status: SessionStatus
    budget_reads: int
    expires_at: datetime
    since_id: str | None = None
    reads: int = 0
    cost_usd: Decimal = Decimal(0)
    posts: int = 0
    polls: int = 0
    last_polled_at: datetime | None = None
    retry_at: datetime | None = None
    last_error: str | None = None
    stop_reason: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class PollResult:
    """What one poll of a session read and kept, to add to its META."""

    reads: int
    added: int
    newest_id: str | None  # the since_id of the next poll, when every page was read
    polled_at: datetime
    error: str | None = None
    retry_at: datetime | None = None
    stop_reason: str | None = None


@dataclass(frozen=True)
class StoredPost:
    post: "ArchivedPost"
    read_on: date  # the UTC day X last billed reading it: reading it again that day is free


@dataclass(frozen=True)
class SessionArchive:
    session: ArchiveSession
    posts: "list[ArchivedPost]"


class ArchiveStore(Protocol):
    def start(self, session: ArchiveSession) -> ArchiveSession:
        """Store a new session, or answer the one already stored for its occurrence."""

    def get(self, occurrence_id: str) -> ArchiveSession | None: ...

    def add_posts(
        self, session: ArchiveSession, posts: "Sequence[ArchivedPost]", read_on: date
    ) -> int:
        """Store each post not stored yet (one conditional put each); how many were new."""

    def record_poll(self, session: ArchiveSession, result: PollResult, price: Decimal) -> None:
        """Add a poll's reads (and their cost at `price` a read) to the session."""

    def add_reads(
        self, session: ArchiveSession, reads: int, price: Decimal, error: str | None = None
    ) -> None:
        """Add reads made outside a poll (count refreshes) and their cost; keep the last error."""

    def advance(
        self, session: ArchiveSession, to: SessionStatus, now: datetime, note: str | None = None
    ) -> bool:
        """Move the session on from the status it was read in; False when it moved already."""

    def needing_work(self, now: datetime, status: SessionStatus) -> list[ArchiveSession]:
        """Sessions in `status` whose window has ended by `now` (never a Scan)."""

    def stored_posts(self, occurrence_id: str) -> list[StoredPost]: ...

    def update_counts(
        self, occurrence_id: str, posts: "Sequence[ArchivedPost]", read_on: date
    ) -> None:
        """Store the likes, reposts, replies and quotes these posts have now, read that day."""

    def session(self, occurrence_id: str) -> SessionArchive | None:
        """The session and its posts, oldest first."""
