"""In-memory fakes of the ports in `chatdeck.ports`: one per store, plus a mailer, a clock and a
network, for tests that should not need moto server.

Each store fake does what its DynamoDB adapter does, condition for condition; the cases in
`tests/contract/` run against both, so the two cannot drift apart. Where the adapter's storage
shapes a value, the fake shapes it the same way: instants the adapter writes as
`YYYY-MM-DDTHH:MM:SSZ` or epoch seconds come back whole seconds in UTC, and DynamoDB's ordering
(by key, strings compared by code point) is kept. Fakes hold frozen values or copies, never what
a caller could change afterwards, and every one (the clock aside) takes a lock around its state:
the publisher works on posts from 16 threads.

No boto3 and no network here.
"""

import base64
import html
import itertools
import json
import re
import secrets
import threading
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from chatdeck.domain.accounts import AccountState, PendingConnect, StoredConnection, Tokens, XUser
from chatdeck.domain.archive import (
    ArchivedPost,
    ArchiveSession,
    PollResult,
    SearchPage,
    SessionArchive,
    SessionStatus,
    StoredPost,
)
from chatdeck.domain.chats import Chat, Subscription, UnknownChat, clean_questions
from chatdeck.domain.email import Email
from chatdeck.domain.errors import InvalidCursor
from chatdeck.domain.members import Member
from chatdeck.domain.outcomes import CannotTell, OutcomeUnknown, Published, PublishError, ReadFailed
from chatdeck.domain.posts import CANCELLABLE, Page, Post, PostChange, PostStatus
from chatdeck.ports import (
    AccountStore,
    ArchiveStore,
    ChatStore,
    Clock,
    ConnectionStore,
    Mailer,
    MemberStore,
    Network,
    NoticeLog,
    PendingConnectionStore,
    PostReader,
    PostStore,
    SessionStore,
    SettingsStore,
    SignInLinkStore,
    SubscriptionStore,
)

ISO_UTC = "%Y-%m-%dT%H:%M:%SZ"


def _iso(instant: datetime) -> str:
    """An instant as the adapters store it (and compare it): whole seconds, UTC."""
    return instant.astimezone(UTC).strftime(ISO_UTC)


def _second(instant: datetime) -> datetime:
    """An instant as the adapters read it back."""
    return datetime.strptime(_iso(instant), ISO_UTC).replace(tzinfo=UTC)


def _epoch_second(instant: datetime) -> datetime:
    """An instant stored as epoch seconds (a TTL attribute), as read back."""
    return datetime.fromtimestamp(int(instant.timestamp()), UTC)


def _maybe_second(instant: datetime | None) -> datetime | None:
    return None if instant is None else _second(instant)


# ----- clock, mailer ----------------------------------------------------------------------------


class FixedClock:
    """A clock that says what it is told: `clock.instant = …`, `set(…)` or `advance(…)`."""

    def __init__(self, instant: datetime | None = None) -> None:
        self.instant = instant or datetime(2026, 11, 2, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.instant

    def set(self, instant: datetime) -> None:
        self.instant = instant

    def advance(self, **delta: float) -> datetime:
        """Move on, as `advance(minutes=1)`; the new instant."""
        self.instant += timedelta(**delta)
        return self.instant


class FakeMailer:
    """Records every Email sent; `fail_with` makes each send raise it instead (nothing is sent)."""

    def __init__(self) -> None:
        self.sent: list[Email] = []
        self.fail_with: Exception | None = None
        self._lock = threading.Lock()

    def send(self, email: Email) -> str:
        with self._lock:
            if self.fail_with is not None:
                raise self.fail_with
            self.sent.append(replace(email, to=list(email.to), headers=dict(email.headers)))
            return f"fake-message-{len(self.sent)}"

    def to(self, address: str) -> list[Email]:
        """What was sent to this address."""
        with self._lock:
            return [email for email in self.sent if address in email.to]


# ----- scheduled posts --------------------------------------------------------------------------


@dataclass(frozen=True)
class _StoredPost:
    post: Post
    on_work_index: bool  # the adapter's `work_pk`: only such posts can be due


def _stored_post(post: Post) -> _StoredPost:
    """A post as `post_to_item` writes it and `item_to_post` reads it back."""
    changes: dict[str, Any] = {
        name: _maybe_second(getattr(post, name))
        for name in ("due_utc", "created_at", "next_action_at", "first_claimed_at")
    }
    if not post.status.needs_publisher:
        changes["next_action_at"] = None
    return _StoredPost(post.model_copy(update=changes), post.status.needs_publisher)


def _encode_cursor(key: dict[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode()


def _decode_cursor(cursor: str, names: set[str]) -> dict[str, str]:
    """As `adapters.dynamodb.decode_cursor`: the key a cursor stands for, or InvalidCursor."""
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError as error:
        raise InvalidCursor(cursor) from error
    if (
        not isinstance(key, dict)
        or set(key) != names
        or not all(isinstance(v, str) and 0 < len(v) <= 254 for v in key.values())
    ):
        raise InvalidCursor(cursor)
    return key


class FakePostStore:
    def __init__(self) -> None:
        self._posts: dict[str, _StoredPost] = {}
        self._lock = threading.RLock()

    def add(self, post: Post) -> bool:
        with self._lock:
            if post.id in self._posts:
                return False
            self._posts[post.id] = _stored_post(post)
            return True

    def get(self, post_id: str) -> Post | None:
        with self._lock:
            stored = self._posts.get(post_id)
            return None if stored is None else stored.post

    def page(self, cursor: str | None, limit: int, author: str | None = None) -> Page:
        key_name, key_value = ("author_email", author) if author else ("list_pk", "POSTS")
        with self._lock:
            posts = [
                s.post for s in self._posts.values() if not author or s.post.author_email == author
            ]
        ordered = sorted(posts, key=lambda p: (_iso(p.created_at), p.id), reverse=True)
        if cursor:
            start = _decode_cursor(cursor, {"id", key_name, "created_at"})
            if start[key_name] != key_value:  # another list's: DynamoDB refuses it as out of bounds
                raise InvalidCursor(cursor)
            after = (start["created_at"], start["id"])
            ordered = [p for p in ordered if (_iso(p.created_at), p.id) < after]
        page = ordered[:limit]
        if len(ordered) <= limit:
            return Page(page, None)
        last = page[-1]
        return Page(
            page,
            _encode_cursor(
                {"id": last.id, key_name: key_value, "created_at": _iso(last.created_at)}
            ),
        )

    def by_author(self, email: str) -> Iterator[Post]:
        cursor: str | None = None
        while True:
            page = self.page(cursor, 100, author=email)
            yield from page.posts
            if page.next is None:
                return
            cursor = page.next

    def replace(self, post: Post, seen: Post) -> bool:
        with self._lock:
            stored = self._posts.get(post.id)
            if (
                stored is None
                or stored.post.status != seen.status
                or stored.post.version != seen.version
            ):
                return False
            self._posts[post.id] = _stored_post(
                post.model_copy(update={"version": seen.version + 1})
            )
            return True

    def due(self, now: datetime) -> list[Post]:
        with self._lock:
            due = [
                s.post
                for s in self._posts.values()
                if s.on_work_index
                and s.post.next_action_at is not None
                and _iso(s.post.next_action_at) <= _iso(now)
            ]
        return sorted(due, key=lambda p: (_iso(p.next_action_at or p.due_utc), p.id))

    def claim(self, post: Post, claim_id: str, now: datetime, lease_until: datetime) -> Post | None:
        with self._lock:
            stored = self._posts.get(post.id)
            if stored is None:
                return None
            current = stored.post
            if (
                current.status != post.status
                or current.next_action_at is None
                or _iso(current.next_action_at) > _iso(now)
                or (current.claim_id is not None and current.claim_id != (post.claim_id or "-"))
            ):
                return None
            claimed = current.model_copy(
                update={
                    "status": PostStatus.PUBLISHING,
                    "claim_id": claim_id,
                    "next_action_at": _second(lease_until),
                    "attempts": current.attempts + 1,
                    "first_claimed_at": current.first_claimed_at or _second(now),
                }
            )
            self._posts[post.id] = _StoredPost(claimed, on_work_index=True)
            return claimed

    def record(self, post: Post, change: PostChange) -> bool:
        with self._lock:
            stored = self._posts.get(post.id)
            if (
                stored is None
                or post.claim_id is None
                or stored.post.claim_id != post.claim_id
                or stored.post.status is not PostStatus.PUBLISHING
            ):
                return False
            updates: dict[str, Any] = {
                "status": change.status,
                "claim_id": None,
                "reason": change.reason,
                "next_action_at": _maybe_second(change.next_action_at),
            }
            for name in ("remote_id", "url"):  # kept when the change has none
                if getattr(change, name) is not None:
                    updates[name] = getattr(change, name)
            self._posts[post.id] = _StoredPost(
                stored.post.model_copy(update=updates), change.next_action_at is not None
            )
            return True

    def defer(self, post: Post, until: datetime, reason: str) -> bool:
        with self._lock:
            stored = self._posts.get(post.id)
            seen = post.next_action_at or post.due_utc
            if (
                stored is None
                or stored.post.status is not PostStatus.QUEUED
                or stored.post.next_action_at is None
                or _iso(stored.post.next_action_at) != _iso(seen)
            ):
                return False
            deferred = stored.post.model_copy(
                update={"next_action_at": _second(until), "reason": reason}
            )
            self._posts[post.id] = replace(stored, post=deferred)
            return True

    def cancel(self, post_id: str) -> Post | None:
        with self._lock:
            stored = self._posts.get(post_id)
            if stored is None or stored.post.status not in CANCELLABLE:
                return None
            cancelled = stored.post.model_copy(
                update={"status": PostStatus.CANCELLED, "next_action_at": None, "reason": None}
            )
            self._posts[post_id] = _StoredPost(cancelled, on_work_index=False)
            return cancelled


class FakeAccountStore:
    def __init__(self) -> None:
        self._states: dict[tuple[str, str], AccountState] = {}
        self._lock = threading.Lock()

    def state(self, network: str, account: str) -> AccountState:
        with self._lock:
            return self._states.get((network, account)) or AccountState(network, account)

    def pause(
        self, network: str, account: str, reason: str, now: datetime, retry_at: datetime
    ) -> AccountState:
        with self._lock:
            before = self._states.get((network, account))
            since = before.paused_since if before and before.paused_since else _second(now)
            state = AccountState(network, account, since, _second(retry_at), reason)
            self._states[(network, account)] = state
            return state

    def resume(self, network: str, account: str) -> None:
        with self._lock:
            self._states.pop((network, account), None)


# ----- email ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FakeNotice:
    to: tuple[str, ...]
    subject: str
    status: str
    detail: str = ""


class FakeNoticeLog:
    """`notices` holds each notice id's recipients, subject, status and detail, for tests."""

    def __init__(self) -> None:
        self.notices: dict[str, FakeNotice] = {}
        self._lock = threading.Lock()

    def record(self, notice_id: str, email: Email) -> bool:
        with self._lock:
            if notice_id in self.notices:
                return False
            self.notices[notice_id] = FakeNotice(tuple(email.to), email.subject, "RECORDED")
            return True

    def mark(self, notice_id: str, status: str, detail: str | None = None) -> None:
        with self._lock:  # like the adapter's update, marking an unknown notice records it
            before = self.notices.get(notice_id) or FakeNotice((), "", status)
            self.notices[notice_id] = replace(before, status=status, detail=detail or "")


# ----- members, signing in, settings ------------------------------------------------------------


class FakeMemberStore:
    def __init__(self) -> None:
        self._members: dict[str, Member] = {}
        self._lock = threading.Lock()

    def get(self, email: str) -> Member | None:
        with self._lock:
            return self._members.get(email)

    def page(self, after: str | None, limit: int) -> tuple[list[Member], str | None]:
        with self._lock:
            emails = sorted(e for e in self._members if not after or e > after)
            page = [self._members[e] for e in emails[:limit]]
        return page, (page[-1].email if len(emails) > limit else None)

    def add(self, member: Member, now: datetime) -> bool:
        with self._lock:
            if member.email in self._members:
                return False
            self._members[member.email] = member.model_copy(update={"joined_at": now})
            return True

    def save(self, member: Member) -> None:
        with self._lock:  # like the adapter's update, saving an unknown member stores them
            before = self._members.get(member.email)
            self._members[member.email] = member.model_copy(
                update={"joined_at": before.joined_at if before else None}
            )

    def remove(self, email: str) -> bool:
        with self._lock:
            return self._members.pop(email, None) is not None


@dataclass
class _Link:
    email: str
    expires_at: int
    used_at: int | None = None


class FakeSignInLinkStore:
    def __init__(self) -> None:
        self._links: dict[str, _Link] = {}
        self._requests: dict[str, list[int]] = {}
        self._lock = threading.Lock()

    def add(self, token_hash: str, email: str, expires_at: int) -> None:
        with self._lock:
            self._links[token_hash] = _Link(email, expires_at)

    def use(self, token_hash: str, now: int) -> str | None:
        with self._lock:
            link = self._links.get(token_hash)
            if link is None or link.used_at is not None or not link.expires_at > now:
                return None
            link.used_at = now
            return link.email

    def allow_request(self, email: str, now: int, window: int, limit: int) -> bool:
        with self._lock:
            recent = [t for t in self._requests.get(email, []) if t > now - window]
            if len(recent) >= limit:
                return False
            self._requests[email] = [*recent, now]
            return True


class FakeSessionStore:
    def __init__(self) -> None:
        self._sessions: dict[str, tuple[str, int, int]] = {}
        self._lock = threading.Lock()

    def add(self, token_hash: str, email: str, now: int, expires_at: int) -> None:
        with self._lock:
            self._sessions[token_hash] = (email, now, expires_at)

    def get(self, token_hash: str, now: int) -> tuple[str, int] | None:
        with self._lock:
            session = self._sessions.get(token_hash)
        if session is None or session[2] <= now:
            return None
        return session[0], session[1]

    def end(self, token_hash: str) -> None:
        with self._lock:
            self._sessions.pop(token_hash, None)


class FakeSettingsStore:
    def __init__(self, require_approval_default: bool = False) -> None:
        self.default = require_approval_default
        self._require_approval: bool | None = None
        self._lock = threading.Lock()

    def require_approval(self) -> bool:
        with self._lock:
            value = self._require_approval
        return self.default if value is None else value

    def set_require_approval(self, value: bool) -> None:
        with self._lock:
            self._require_approval = value


# ----- chats and subscriptions ------------------------------------------------------------------


class FakeChatStore:
    def __init__(self) -> None:
        self._chats: dict[str, Chat] = {}
        self._first_seen: dict[str, dict[str, str]] = {}
        self._feed_token: str | None = None
        self._lock = threading.Lock()

    def all(self) -> list[Chat]:
        with self._lock:
            return [self._chats[chat_id].model_copy(deep=True) for chat_id in sorted(self._chats)]

    def get(self, chat_id: str) -> Chat | None:
        with self._lock:
            chat = self._chats.get(chat_id)
            return None if chat is None else chat.model_copy(deep=True)

    def add(self, chat: Chat) -> bool:
        with self._lock:
            if chat.id in self._chats:
                return False
            self._chats[chat.id] = chat.model_copy(deep=True)
            return True

    def save(self, chat: Chat) -> None:
        with self._lock:
            self._chats[chat.id] = chat.model_copy(deep=True)

    def remove(self, chat_id: str) -> bool:
        with self._lock:  # subscriptions and participants stay, as in the table
            return self._chats.pop(chat_id, None) is not None

    def skip(self, chat_id: str, local_date: date) -> Chat:
        return self._change(chat_id, lambda chat: {"skipped": [*chat.skipped, local_date]})

    def set_questions(self, chat_id: str, local_date: date, questions: list[str]) -> Chat:
        cleaned = clean_questions(questions)  # refused before anything is written

        def changed(chat: Chat) -> dict[str, Any]:
            planned = {day: list(qs) for day, qs in chat.questions.items() if day != local_date}
            if cleaned:
                planned[local_date] = cleaned
            return {"questions": planned}

        return self._change(chat_id, changed)

    def participants_before(self, chat_id: str, occurrence_id: str) -> set[str]:
        with self._lock:
            seen = self._first_seen.get(chat_id, {})
            return {author for author, first in seen.items() if first < occurrence_id}

    def record_participants(self, chat_id: str, occurrence_id: str, author_ids: set[str]) -> None:
        with self._lock:
            seen = self._first_seen.setdefault(chat_id, {})
            for author_id in author_ids:
                seen.setdefault(author_id, occurrence_id)

    def feed_token(self) -> str:
        with self._lock:
            if self._feed_token is None:
                self._feed_token = secrets.token_urlsafe(24)
            return self._feed_token

    def _change(self, chat_id: str, change: Callable[[Chat], dict[str, Any]]) -> Chat:
        with self._lock:
            chat = self._chats.get(chat_id)
            if chat is None:
                raise UnknownChat(chat_id)
            # validated again, as the adapter reads the updated item back
            changed = Chat.model_validate({**chat.model_dump(), **change(chat)})
            self._chats[chat_id] = changed
            return changed.model_copy(deep=True)


def _subscriber_key(email: str) -> str:
    return email.strip().lower()


class FakeSubscriptionStore:
    def __init__(self) -> None:
        self._subscriptions: dict[tuple[str, str], Subscription] = {}
        self._lock = threading.Lock()

    def subscribe(self, subscription: Subscription) -> None:
        with self._lock:
            key = (subscription.chat_id, _subscriber_key(subscription.email))
            self._subscriptions[key] = subscription

    def subscription(self, chat_id: str, email: str) -> Subscription | None:
        with self._lock:
            return self._subscriptions.get((chat_id, _subscriber_key(email)))

    def subscribers(self, chat_id: str) -> list[Subscription]:
        with self._lock:
            found = [(key[1], s) for key, s in self._subscriptions.items() if key[0] == chat_id]
        found.sort(key=lambda pair: pair[0])
        return [s for _, s in found if s.reminders or s.digests]

    def unsubscribe(self, chat_id: str, email: str, what: str) -> bool:
        key = (chat_id, _subscriber_key(email))
        with self._lock:
            if what == "all":
                return self._subscriptions.pop(key, None) is not None
            if what not in ("reminders", "digests"):
                raise ValueError(f"Unsubscribe from reminders, digests or all, not “{what}”.")
            before = self._subscriptions.get(key)
            if before is None:
                return False
            self._subscriptions[key] = before.model_copy(update={what: False})
            return True


# ----- connected accounts -----------------------------------------------------------------------


class FakePendingConnectionStore:
    def __init__(self) -> None:
        self._pending: dict[str, PendingConnect] = {}
        self._lock = threading.Lock()

    def begin(self, pending: PendingConnect) -> None:
        with self._lock:
            self._pending[pending.state] = replace(
                pending, expires_at=_epoch_second(pending.expires_at)
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
    return replace(tokens, expires_at=_epoch_second(tokens.expires_at))


class FakeConnectionStore:
    """Tokens are kept as they are: the adapter's KMS encryption has no fake."""

    def __init__(self) -> None:
        self._connections: dict[str, _Connection] = {}
        self._lock = threading.Lock()

    def get(self, account: str, decrypt: bool = True) -> StoredConnection | None:
        with self._lock:
            stored = self._connections.get(account)
        if stored is None:
            return None
        return stored.seen(account, stored.tokens if decrypt else None)

    def connect(
        self, account: str, user: XUser, tokens: Tokens, connected_by: str, now: datetime
    ) -> StoredConnection:
        with self._lock:
            before = self._connections.get(account)
            stored = _Connection(
                user=user,
                connected_by=connected_by,
                connected_at=_second(now),
                version=(before.version if before else 0) + 1,
                tokens=_sealed(tokens),
            )
            self._connections[account] = stored
        return stored.seen(account, tokens)

    def claim_refresh(self, seen: StoredConnection, until: datetime) -> StoredConnection | None:
        stored = self._if_version(seen, refreshing_until=_second(until))
        return None if stored is None else stored.seen(seen.account, seen.tokens)

    def save_refreshed(self, claimed: StoredConnection, tokens: Tokens) -> StoredConnection | None:
        stored = self._if_version(claimed, tokens=_sealed(tokens), refreshing_until=None)
        return None if stored is None else stored.seen(claimed.account, tokens)

    def disconnect(self, seen: StoredConnection, reason: str, now: datetime) -> bool:
        changed = self._if_version(
            seen,
            tokens=None,
            refreshing_until=None,
            disconnect_reason=reason,
            disconnected_at=_second(now),
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


# ----- the companion's archive ------------------------------------------------------------------


def _stored_session(session: ArchiveSession) -> ArchiveSession:
    """A session as the adapter writes its META and reads it back."""
    return replace(
        session,
        start_utc=_second(session.start_utc),
        end_utc=_second(session.end_utc),
        window_start=_second(session.window_start),
        window_end=_second(session.window_end),
        expires_at=_epoch_second(session.expires_at),
        last_polled_at=_maybe_second(session.last_polled_at),
        retry_at=_maybe_second(session.retry_at),
    )


def _archived(post: ArchivedPost) -> ArchivedPost:
    return post.model_copy(update={"created_at": post.created_at.astimezone(UTC)})


def _oldest_first(post: ArchivedPost) -> tuple[datetime, int]:
    return post.created_at, int(post.id) if post.id.isdigit() else 0


class FakeArchiveStore:
    def __init__(self) -> None:
        self._sessions: dict[str, ArchiveSession] = {}
        self._open: set[str] = set()  # the adapter's sparse index: sessions not digested yet
        self._posts: dict[str, dict[str, StoredPost]] = {}
        self._lock = threading.Lock()

    def start(self, session: ArchiveSession) -> ArchiveSession:
        with self._lock:
            stored = self._sessions.get(session.occurrence_id)
            if stored is not None:
                return stored
            self._sessions[session.occurrence_id] = _stored_session(session)
            if session.status != "digested":
                self._open.add(session.occurrence_id)
            return session

    def get(self, occurrence_id: str) -> ArchiveSession | None:
        with self._lock:
            return self._sessions.get(occurrence_id)

    def add_posts(
        self, session: ArchiveSession, posts: Sequence[ArchivedPost], read_on: date
    ) -> int:
        added = 0
        with self._lock:
            stored = self._posts.setdefault(session.occurrence_id, {})
            for post in posts:
                if post.id not in stored:  # a post seen again changes nothing
                    stored[post.id] = StoredPost(_archived(post), read_on)
                    added += 1
        return added

    def record_poll(self, session: ArchiveSession, result: PollResult, price: Decimal) -> None:
        with self._lock:
            stored = self._sessions.get(session.occurrence_id)
            if stored is None or stored.status != "polling":
                return  # it moved on meanwhile: its poll is over
            stop_reason = stored.stop_reason if result.stop_reason is None else result.stop_reason
            self._sessions[session.occurrence_id] = replace(
                stored,
                last_polled_at=_second(result.polled_at),
                since_id=result.newest_id if result.newest_id is not None else stored.since_id,
                last_error=result.error,
                retry_at=_maybe_second(result.retry_at),
                stop_reason=stop_reason,
                reads=stored.reads + result.reads,
                cost_usd=stored.cost_usd + price * result.reads,
                posts=stored.posts + result.added,
                polls=stored.polls + 1,
            )

    def add_reads(
        self, session: ArchiveSession, reads: int, price: Decimal, error: str | None = None
    ) -> None:
        with self._lock:
            stored = self._sessions.get(session.occurrence_id)
            if stored is None:
                # The adapter's unconditional update would write a META holding only the reads,
                # which its get() and start() then fail to read (KeyError); nothing is kept here.
                return
            self._sessions[session.occurrence_id] = replace(
                stored,
                reads=stored.reads + reads,
                cost_usd=stored.cost_usd + price * reads,
                last_error=error,
            )

    def advance(
        self, session: ArchiveSession, to: SessionStatus, now: datetime, note: str | None = None
    ) -> bool:
        with self._lock:
            stored = self._sessions.get(session.occurrence_id)
            if stored is None or stored.status != session.status:
                return False
            self._sessions[session.occurrence_id] = replace(
                stored, status=to, note=note if note is not None else stored.note
            )
            if to == "digested":
                self._open.discard(session.occurrence_id)
            return True

    def needing_work(self, now: datetime, status: SessionStatus) -> list[ArchiveSession]:
        with self._lock:
            found = [
                self._sessions[occurrence_id]
                for occurrence_id in self._open
                if _iso(self._sessions[occurrence_id].window_end) <= _iso(now)
                and self._sessions[occurrence_id].status == status
            ]
        return sorted(found, key=lambda s: (_iso(s.window_end), s.occurrence_id))

    def stored_posts(self, occurrence_id: str) -> list[StoredPost]:
        with self._lock:
            stored = self._posts.get(occurrence_id, {})
            return [stored[post_id] for post_id in sorted(stored)]

    def update_counts(
        self, occurrence_id: str, posts: Sequence[ArchivedPost], read_on: date
    ) -> None:
        with self._lock:
            stored = self._posts.get(occurrence_id, {})
            for post in posts:
                before = stored.get(post.id)
                if before is None:  # a post never archived is not added now
                    continue
                counts = {n: getattr(post, n) for n in ("likes", "reposts", "replies", "quotes")}
                stored[post.id] = StoredPost(before.post.model_copy(update=counts), read_on)

    def session(self, occurrence_id: str) -> SessionArchive | None:
        with self._lock:
            meta = self._sessions.get(occurrence_id)
            if meta is None:
                return None
            stored = self._posts.get(occurrence_id, {})
            posts = [stored[post_id].post for post_id in sorted(stored)]
        return SessionArchive(meta, sorted(posts, key=_oldest_first))


# ----- the network ------------------------------------------------------------------------------

_SCHEME = re.compile(r"https?://")
_HASHTAG = re.compile(r"#\w+")


def _comparable(text: str) -> str:
    """As the X adapter compares texts: entities unescaped, schemes and spacing ignored."""
    plain = _SCHEME.sub("", html.unescape(unicodedata.normalize("NFC", text)))
    return " ".join(plain.split())


def _newest_first(post: ArchivedPost) -> tuple[int, datetime]:
    return (int(post.id) if post.id.isdigit() else 0), post.created_at


@dataclass(frozen=True)
class OwnPost:
    """A post on an account, as `find_own_post` can find it."""

    account: str
    published: Published
    created_at: datetime


class FakeNetwork:
    """The network (Network and PostReader), scripted by the test.

    - `publish` answers a Published and keeps the post on the account, unless `script(...)`
      queued an outcome for it: a PublishError to raise, or a Published to answer. `lose_answer`
      queues an OutcomeUnknown for a post that was created all the same.
    - `find_own_post` searches what the account published (and `stage_own_post`); it raises
      `cannot_tell` when set.
    - `search_recent` and `lookup_posts` read the ArchivedPosts given to `stage`; `read_failures`
      queues ReadFailed errors for the next reads.

    Every call is recorded in `calls` as (method, arguments); it is safe from many threads.
    """

    def __init__(self, clock: Clock | None = None, username: str = "cohort") -> None:
        self.clock = clock
        self.username = username
        self.own_posts: list[OwnPost] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.cannot_tell: CannotTell | None = None
        self.read_failures: list[ReadFailed] = []
        self._outcomes: list[PublishError | Published | None] = []
        self._staged: dict[str, ArchivedPost] = {}
        self._ids = itertools.count(1_000_000_000_000_000_001)
        self._lock = threading.RLock()

    # scripting

    def script(self, *outcomes: PublishError | Published | None) -> None:
        """What the next publishes answer, in order: an error to raise, a Published, or None
        for an ordinary success."""
        with self._lock:
            self._outcomes.extend(outcomes)

    def lose_answer(self, reason: str = "The connection dropped before X answered.") -> None:
        """The next publish creates the post, then raises OutcomeUnknown."""
        self.script(_LostAnswer(reason))

    def stage_own_post(self, account: str, text: str, created_at: datetime) -> Published:
        """A post already on the account (an earlier attempt, say)."""
        with self._lock:
            return self._new_post(account, text, created_at)

    def stage(self, *posts: ArchivedPost) -> None:
        """Posts the reads can find; staging a post again changes it (its counts, say)."""
        with self._lock:
            for post in posts:
                self._staged[post.id] = post

    def unstage(self, *post_ids: str) -> None:
        """Posts deleted since: a lookup no longer finds them."""
        with self._lock:
            for post_id in post_ids:
                self._staged.pop(post_id, None)

    # what happened

    def published(self, account: str | None = None) -> list[Published]:
        with self._lock:
            return [p.published for p in self.own_posts if account in (None, p.account)]

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [arguments for name, arguments in self.calls if name == method]

    # Network

    def publish(self, account: str, text: str) -> Published:
        with self._lock:
            self.calls.append(("publish", {"account": account, "text": text}))
            outcome = self._outcomes.pop(0) if self._outcomes else None
            if isinstance(outcome, _LostAnswer):
                self._new_post(account, text, self._now())
                raise OutcomeUnknown(outcome.reason)
            if isinstance(outcome, PublishError):
                raise outcome
            if isinstance(outcome, Published):
                created = outcome.created_at or self._now()
                self.own_posts.append(OwnPost(account, outcome, created))
                return outcome
            return self._new_post(account, text, self._now())

    def find_own_post(self, account: str, text: str, since: datetime) -> Published | None:
        with self._lock:
            self.calls.append(("find_own_post", {"account": account, "text": text, "since": since}))
            if self.cannot_tell is not None:
                raise self.cannot_tell
            wanted = _comparable(text)
            for own in self.own_posts:
                if (
                    own.account == account
                    and own.created_at >= since
                    and _comparable(own.published.text) == wanted
                ):
                    return replace(own.published, text=text)
            return None

    # PostReader

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
        """Staged posts with any of the query's hashtags (reposts left out when it says
        `-is:retweet`), newest (highest id) first, `max_results` (10 to 100) a page."""
        with self._lock:
            self.calls.append(
                (
                    "search_recent",
                    {
                        "account": account,
                        "query": query,
                        "since_id": since_id,
                        "start_time": start_time,
                        "end_time": end_time,
                        "next_token": next_token,
                        "max_results": max_results,
                    },
                )
            )
            if self.read_failures:
                raise self.read_failures.pop(0)
            tags = {tag.lower() for tag in _HASHTAG.findall(query)}
            found = [
                post
                for post in self._staged.values()
                if (not tags or tags & {t.lower() for t in _HASHTAG.findall(post.text)})
                and not ("-is:retweet" in query and post.is_repost)
                and (since_id is None or _newer(post.id, since_id))
                and (start_time is None or post.created_at >= start_time)
                and (end_time is None or post.created_at < end_time)
            ]
        found.sort(key=_newest_first, reverse=True)
        size = max(10, min(100, max_results))
        offset = int(next_token) if next_token else 0
        page = found[offset : offset + size]
        more = offset + size < len(found)
        return SearchPage(
            posts=page,
            next_token=str(offset + size) if more else None,
            newest_id=page[0].id if page else None,
            reads=len(page),
        )

    def lookup_posts(self, account: str, ids: Sequence[str]) -> list[ArchivedPost]:
        if len(ids) > 100:
            raise ValueError("X looks up at most 100 posts at once")
        with self._lock:
            self.calls.append(("lookup_posts", {"account": account, "ids": list(ids)}))
            if not ids:
                return []
            if self.read_failures:
                raise self.read_failures.pop(0)
            return [self._staged[post_id] for post_id in ids if post_id in self._staged]

    def _now(self) -> datetime:
        return self.clock.now() if self.clock is not None else datetime.now(UTC)

    def _new_post(self, account: str, text: str, created_at: datetime) -> Published:
        remote_id = str(next(self._ids))
        url = f"https://x.com/{self.username}/status/{remote_id}"
        published = Published(remote_id, url, text, created_at)
        self.own_posts.append(OwnPost(account, published, created_at))
        return published


class _LostAnswer(OutcomeUnknown):
    """Scripted: the post is created, and its answer lost."""


def _newer(post_id: str, since_id: str) -> bool:
    if post_id.isdigit() and since_id.isdigit():
        return int(post_id) > int(since_id)
    return post_id > since_id


# Each fake is its port (strict mypy checks these lines: `mypy tests/fakes.py`).
def _fakes_are_ports() -> None:  # pragma: no cover - never called; read by the type checker
    _posts: PostStore = FakePostStore()
    _accounts: AccountStore = FakeAccountStore()
    _notice_log: NoticeLog = FakeNoticeLog()
    _members: MemberStore = FakeMemberStore()
    _links: SignInLinkStore = FakeSignInLinkStore()
    _sessions: SessionStore = FakeSessionStore()
    _settings: SettingsStore = FakeSettingsStore()
    _chats: ChatStore = FakeChatStore()
    _subscriptions: SubscriptionStore = FakeSubscriptionStore()
    _pending: PendingConnectionStore = FakePendingConnectionStore()
    _connections: ConnectionStore = FakeConnectionStore()
    _archive: ArchiveStore = FakeArchiveStore()
    _mailer: Mailer = FakeMailer()
    _clock: Clock = FixedClock()
    _network: Network = FakeNetwork()
    _reader: PostReader = FakeNetwork()
