"""What the services need from outside, as Protocols: one per store, network and mailer.

Services import these, never an adapter (one port, `DataKeyStore`, is what an adapter needs:
the token cipher's key). Each has one DynamoDB (or SES, SSM, or network) adapter in
`chatdeck.adapters` and one in-memory fake in `tests/fakes/`; `tests/contract/` runs the same
cases against both, so the fake cannot drift from the real thing. The value objects they trade
in live in `chatdeck.domain`.
"""

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Literal, Protocol

from chatdeck.domain.accounts import (
    AccountState,
    Authorization,
    PendingConnect,
    StoredConnection,
    Tokens,
    UserAccess,
    XUser,
)
from chatdeck.domain.archive import (
    ArchivedPost,
    ArchiveSession,
    PollResult,
    SearchPage,
    SessionArchive,
    SessionStatus,
    StoredPost,
)
from chatdeck.domain.chats import Chat, Subscription
from chatdeck.domain.email import Email, FailedNotice
from chatdeck.domain.feed_addresses import FeedSeed
from chatdeck.domain.mastodon_app import MastodonApp
from chatdeck.domain.members import Member, Role
from chatdeck.domain.outcomes import Published
from chatdeck.domain.outgoing import Outgoing
from chatdeck.domain.posts import Job, Page, Post, PostChange
from chatdeck.domain.spending import PostKind, ReadKind, XSpending

UnsubscribeFrom = Literal["reminders", "digests", "all"]


class Clock(Protocol):
    def now(self) -> datetime: ...


# Scheduled posts


class PostStore(Protocol):
    def add(self, post: Post) -> bool:
        """Store a new post; False when one with that id already exists."""

    def get(self, post_id: str) -> Post | None: ...

    def page(self, cursor: str | None, limit: int, author: str | None = None) -> Page:
        """Posts newest first: everyone's, or one author's; raises InvalidCursor."""

    def by_author(self, email: str) -> Iterator[Post]: ...

    def replace(self, post: Post, seen: Post) -> bool:
        """Store a changed post and its targets (its version one past `seen`'s) if it is still
        at `seen`'s version and none of its targets has started; False otherwise."""

    def due(self, now: datetime) -> list[Job]:
        """Targets whose next action is due, each with its post: one Query on the work index."""

    def claim(self, job: Job, claim_id: str, now: datetime, lease_until: datetime) -> Job | None:
        """Take a due target for this publisher; None when someone else has it, it changed, or
        its post was edited since it was read."""

    def record(self, job: Job, change: PostChange) -> bool:
        """Write the outcome of the target's claim; False when the claim was lost."""

    def defer(self, job: Job, until: datetime, reason: str) -> bool:
        """Leave a queued target queued until later, with a visible reason."""

    def cancel(self, post_id: str) -> Post | None:
        """Cancel every target of the post that has not started; None when none could be."""

    def cancel_target(self, post_id: str, key: str, reason: str) -> bool:
        """Cancel one target of the post (`x:member:…`) if it has not started, keeping why;
        False when it has started or ended, or there is no such target."""


class AccountStore(Protocol):
    """Whether a network account may post, or is paused (credentials refused, credits gone)."""

    def state(self, network: str, account: str) -> AccountState: ...

    def pause(
        self, network: str, account: str, reason: str, now: datetime, retry_at: datetime
    ) -> AccountState:
        """Pause (or keep paused) an account; paused_since stays the episode's start."""

    def resume(self, network: str, account: str) -> None: ...


class Network(Protocol):
    """One network (X, Bluesky, Mastodon): creating a post as an account, and finding it."""

    def publish(self, outgoing: Outgoing) -> Published:
        """Create the post on its target once (with the network's own idempotency where it has
        one); raises a PublishError subclass for every other outcome."""

    def find_own_post(self, outgoing: Outgoing, since: datetime) -> Published | None:
        """The target's post if it exists (created since `since`); raises CannotTell."""


# Email


class Mailer(Protocol):
    def send(self, email: Email) -> str:
        """Send one email; returns the provider's message id."""


class NoticeLog(Protocol):
    def record(self, notice_id: str, email: Email, now: datetime) -> bool:
        """Record a notice before it is sent; False when it was already recorded. The record
        (and a failed notice's listing) names its recipients, so it expires `NOTICE_TTL` after."""

    def mark_sent(self, notice_id: str, message_id: str) -> None: ...

    def mark_failed(self, notice_id: str, email: Email, error: str, at: datetime) -> None:
        """Mark a notice FAILED (`error`: what the mailer raised) and list it among the failed,
        so it is never silently lost."""

    def failed(self, limit: int) -> list[FailedNotice]:
        """The failed notices, newest first, at most `limit`; never a Scan."""


# Members, signing in, and the cohort's settings


class MemberStore(Protocol):
    def get(self, email: str) -> Member | None: ...

    def page(self, after: str | None, limit: int) -> tuple[list[Member], str | None]:
        """Members in order of email address; `after` is the last address of the page before."""

    def add(self, member: Member, now: datetime) -> bool:
        """Store a new member who joins now; False when the address is a member already."""

    def save_profile(self, email: str, name: str, zone: str, language: str | None = None) -> bool:
        """Change a member's name, time zone and (when given) language, and nothing else: a role
        an admin changed meanwhile stays changed. False when they are no longer a member
        (removed meanwhile), who is not stored again."""

    def save_role(self, email: str, role: Role) -> bool:
        """Change a member's role, and nothing else: a name or zone they saved meanwhile stays
        saved. False when they are no longer a member (removed meanwhile), who is not stored
        again."""

    def remove(self, email: str) -> bool:
        """False when there was no such member."""


class SignInLinkStore(Protocol):
    """Sign-in links, each known by the hash of its secret, never the secret. Only an address's
    newest link works: adding one makes its earlier links useless."""

    def add(self, token_hash: str, email: str, expires_at: int) -> None:
        """Store a link as the address's newest."""

    def use(self, token_hash: str, now: int) -> str | None:
        """Mark a link used, once, before it expires, while it is its address's newest; the
        email it was for, or None."""

    def peek(self, token_hash: str, now: int) -> str | None:
        """The email a link would sign in to now (as `use` would answer), leaving it unused."""

    def allow_request(
        self, email: str, now: int, window: int, limit: int, allowance: str = "anyone"
    ) -> bool:
        """Count a request for a link in one of the address's allowances ("anyone", or "known"
        for a browser the member signed in with before), each counted apart;
        False past `limit` requests in it in any `window` seconds."""

    def allow_email(
        self, email: str, day: str, allowance: str, limit: int, allowance_limit: int, ttl: int
    ) -> bool:
        """Count one sign-in email to the address on `day` in an allowance, atomically; False
        (nothing counted) when the day has `limit` already, or the allowance `allowance_limit`.
        The count may be deleted from `ttl` (epoch seconds) on."""

    def forget_requests(self, email: str) -> None:
        """Delete the address's counts and its newest link's mark (a member removed): they
        name them."""


class SessionStore(Protocol):
    """Signed-in sessions, each known by the hash of its secret, and per member the instant
    before which their sessions are over (signed out everywhere). Times are epoch seconds."""

    def add(self, token_hash: str, email: str, now: int, expires_at: int) -> None:
        """A session that began, and was last used, `now`."""

    def get(self, token_hash: str, now: int) -> tuple[str, int, int] | None:
        """The session's email, when it began and when it was last used (as `touch` kept it),
        while it lasts: None once it expired, ended, or its member signed out everywhere at or
        after it began."""

    def touch(self, token_hash: str, now: int) -> None:
        """Keep `now` as when the session was last used; an ended session stays ended."""

    def end(self, token_hash: str) -> None: ...

    def end_all(self, email: str, now: int, keep_until: int) -> None:
        """End every session of the member begun at or before `now`, without finding them: the
        instant is kept (until `keep_until`, when those sessions have expired anyway)."""


class SettingsStore(Protocol):
    def require_approval(self) -> bool: ...

    def set_require_approval(self, value: bool) -> None: ...

    def members_post_to_cohort(self) -> bool:
        """Whether members who are not admins may post to the cohort's accounts (their posts
        then wait for approval where approval is on); True until an admin says otherwise."""

    def set_members_post_to_cohort(self, value: bool) -> None: ...


class SpendingStore(Protocol):
    """X's spending counted per UTC month (domain/spending.py), and the admins' monthly cap."""

    def month(self, month: str) -> XSpending: ...

    def cap(self) -> Decimal | None: ...

    def set_cap(self, cap: Decimal | None) -> None: ...

    def charge_post(
        self, month: str, charge_id: str, kind: PostKind, limit_mills: int | None
    ) -> Literal["charged", "already", "over"]:
        """Count one post to X in `month`, once per `charge_id` (a post's target) and atomically
        with the month's counter: "already" when that charge was counted before (nothing
        added), "over" when the month's spending with it would pass `limit_mills` (nothing
        added). Raises when the store cannot be written: the post must not go out uncounted."""

    def refund_post(self, charge_id: str) -> bool:
        """Take back a charge whose post certainly never went out; False when none was kept."""

    def count_reads(self, day: date, ids: Sequence[str], kind: ReadKind = "read") -> int:
        """Count the posts with these ids read on X on `day` (UTC), each once that day (and
        kind), in that day's month; how many were new that day. Concurrent calls never lose a
        count; however many posts a day, counting goes on."""

    def unread(self, day: date, ids: Sequence[str], kind: ReadKind = "read") -> set[str]:
        """The posts among `ids` not counted yet on `day`: the ones reading them would bill."""


# Chats and subscriptions


class ChatStore(Protocol):
    def all(self) -> list[Chat]:
        """Every chat, in order of id."""

    def get(self, chat_id: str) -> Chat | None: ...

    def add(self, chat: Chat) -> bool:
        """Store a new chat; False when a chat with its id exists already."""

    def save(self, chat: Chat) -> None:
        """Store the chat as it is, skipped dates and questions included."""

    def change(self, chat: Chat) -> Chat:
        """Store what the chat's form holds (not its skipped dates or planned questions, which
        are kept as stored); the chat as stored now. Raises UnknownChat when it is gone."""

    def remove(self, chat_id: str) -> bool: ...

    def skip(self, chat_id: str, local_date: date) -> Chat:
        """No session on this local date; raises UnknownChat."""

    def set_questions(self, chat_id: str, local_date: date, questions: list[str]) -> Chat:
        """The planned questions of one session (none removes them); raises UnknownChat."""

    def participants_before(self, chat_id: str, occurrence_id: str) -> set[str]:
        """Authors who first took part in a session before this one."""

    def record_participants(self, chat_id: str, occurrence_id: str, author_ids: set[str]) -> None:
        """Remember each author's first session; an author seen before keeps their first."""

    def feed_seed(self, email: str) -> FeedSeed | None:
        """What is kept of the member's calendar feed address; None while they have none."""

    def set_feed_seed(self, seed: FeedSeed, replacing: FeedSeed | None) -> bool:
        """Make `seed` the member's address if theirs is still `replacing` (None: they have
        none); the replaced address stops working at once. False when another request changed
        it first."""

    def feed_owner(self, token_hash: str) -> str | None:
        """The email of the member whose current feed address has this token hash."""

    def revoke_feed(self, email: str) -> bool:
        """End the member's feed address at once; False when they had none."""


class SubscriptionStore(Protocol):
    def subscribe(self, subscription: Subscription) -> None: ...

    def subscription(self, chat_id: str, email: str) -> Subscription | None: ...

    def subscribers(self, chat_id: str) -> list[Subscription]:
        """Everyone who wants a chat's reminders, digests or both, in order of email."""

    def unsubscribe(self, chat_id: str, email: str, what: UnsubscribeFrom) -> bool:
        """Stop reminders, digests or both; False if there was no subscription to change."""


# Connected network accounts (OAuth 2.0 with PKCE)


class OAuthClient(Protocol):
    def authorization(self, redirect_uri: str) -> Authorization: ...

    def exchange(self, pending: PendingConnect, callback_url: str) -> tuple[XUser, Tokens]:
        """Trade the code in the callback for tokens, and say whose they are."""

    def refresh(self, refresh_token: str) -> Tokens:
        """A new pair; the refresh token given is used up (X's rotate)."""

    def revoke(self, token: str) -> None: ...


class PendingConnectionStore(Protocol):
    """Connects in progress, from the authorize redirect to the callback (single use)."""

    def begin(self, pending: PendingConnect) -> None: ...

    def take(self, state: str, email: str, now: datetime) -> PendingConnect | None:
        """Use up this member's unexpired connect; None when there is none."""


class ConnectionStore(Protocol):
    def get(self, account: str, decrypt: bool = True) -> StoredConnection | None:
        """The account's connection, with its tokens opened unless `decrypt` is False; raises
        TokensUnreadable when they cannot be opened (their data key is gone), which reading
        without them never does."""

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


class DataKeyStore(Protocol):
    """Where the stack's data key is kept: the 32 random bytes that seal connected accounts'
    tokens. No one types it in: the first function that needs it makes it, and only once."""

    def read(self) -> bytes | None:
        """The data key, or None while no function has made it yet."""

    def create(self, key: bytes) -> bool:
        """Keep `key` as the data key unless there is one already (a create-only write, never an
        overwrite); False when another function made it first, whose key stays."""


class UserAccessProvider(Protocol):
    def user_access(self, account: str) -> UserAccess | None:
        """How to act as the account, renewed if it is about to expire; None when the account
        has no OAuth 2.0 connection and may post otherwise (the cohort's OAuth 1.0a)."""

    def renewed_access(self, account: str) -> UserAccess | None:
        """As user_access, after X refused the current access token."""


# The ed-chat companion: reading a chat's hashtag, and the archive of its sessions


class PostReader(Protocol):
    """Reading one network's chats (X, Bluesky, Mastodon), as the cohort's account there."""

    def search_recent(
        self,
        account: str,
        hashtags: Sequence[str],
        since_id: str | None = None,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        next_token: str | None = None,
        max_results: int = 100,
    ) -> SearchPage:
        """One page of recent posts with any of `hashtags` (`#edtechchat`, as a Chat keeps them),
        reposts left out, newest first, read as `account`: after `since_id` (the page's
        `newest_id` of an earlier search, in the network's own terms) or from `start_time`, before
        `end_time`, continuing at `next_token`. Each post says its `network` and has its network's
        own id. Raises ReadFailed."""

    def lookup_posts(self, account: str, ids: Sequence[str]) -> list[ArchivedPost]:
        """The posts with these ids (at most 100) that still exist, with their current counts;
        raises ReadFailed."""


class ArchiveStore(Protocol):
    def start(self, session: ArchiveSession) -> ArchiveSession:
        """Store a new session, or answer the one already stored for its occurrence."""

    def get(self, occurrence_id: str) -> ArchiveSession | None: ...

    def add_posts(
        self, session: ArchiveSession, posts: Sequence[ArchivedPost], read_on: date
    ) -> int:
        """Store each post not stored yet (one conditional put each); how many were new."""

    def record_poll(self, session: ArchiveSession, result: PollResult, price: Decimal) -> None:
        """Add a poll's reads (and their cost at `price` a read) to the session."""

    def add_reads(
        self,
        session: ArchiveSession,
        reads: int,
        price: Decimal,
        error: str | None = None,
        network: str = "x",
        retry_at: datetime | None = None,
        refreshed_through: str | None = None,
    ) -> None:
        """Add reads made outside a poll (count refreshes) on a network, and their cost (X's
        only); keep the network's last error, and when it may be asked again (`retry_at`: a
        429's reset; None clears it); with `refreshed_through`, keep in the same write how far
        the network's count refresh got (`ArchiveSession.refreshed`)."""

    def advance(
        self, session: ArchiveSession, to: SessionStatus, now: datetime, note: str | None = None
    ) -> bool:
        """Move the session on from the status it was read in; False when it moved already."""

    def needing_work(self, now: datetime, status: SessionStatus) -> list[ArchiveSession]:
        """Sessions in `status` whose window has ended by `now` (never a Scan)."""

    def stored_posts(self, occurrence_id: str) -> list[StoredPost]: ...

    def stored_posts_after(
        self, occurrence_id: str, network: str, after: str | None, limit: int | None = None
    ) -> list[StoredPost]:
        """The network's stored posts whose ids come after `after` (all, for None), in order of
        id, at most `limit`: a read of those posts only, not of the whole session."""

    def update_counts(
        self, occurrence_id: str, posts: Sequence[ArchivedPost], read_on: date
    ) -> None:
        """Store the likes, reposts, replies and quotes these posts have now, read that day."""

    def session(self, occurrence_id: str) -> SessionArchive | None:
        """The session and its posts, oldest first."""

    def set_moderators(self, occurrence_id: str, handles: Sequence[str] | None) -> bool:
        """Keep the moderators an admin set for the session (None: infer them again); False
        for a session never archived."""


class LinkExpander(Protocol):
    """Where shortened links lead (the adapter asks each shortener, bounded and cached)."""

    def expand(self, urls: Sequence[str]) -> dict[str, str]:
        """The address each link leads to, for those it could tell within its bounds, tried in
        the order given; a link missing from the answer stays as it was posted."""


# Mastodon: any instance, with Chatdeck's app registered once on each


class MastodonAppStore(Protocol):
    """Chatdeck's app on each Mastodon instance, its client secret sealed."""

    def get(self, instance: str) -> MastodonApp | None: ...

    def create(self, app: MastodonApp) -> bool:
        """Keep the app unless one is kept for its instance already (a create-only write);
        False when another function kept one first, whose app stays."""


class MastodonOAuthClient(Protocol):
    def instance_url(self, typed: str) -> str:
        """The base URL of the instance a member typed (`mastodon.social`, `@ann@host`, a URL),
        once it is an address Chatdeck may call; raises ValueError saying why not."""

    def authorization(self, instance: str, redirect_uri: str) -> Authorization:
        """The instance's authorize URL (PKCE S256), Chatdeck's app registered there first if
        it is not yet; raises OAuthFailed."""

    def exchange(
        self, instance: str, code: str, code_verifier: str, redirect_uri: str
    ) -> tuple[XUser, Tokens]:
        """Trade the code for a token, and say whose it is; raises OAuthFailed (GrantRefused)."""

    def revoke(self, instance: str, token: str) -> None: ...
