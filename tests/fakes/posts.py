"""Scheduled posts and account states, as the PostsTable and StateTable keep them."""

import base64
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from chatdeck.domain.accounts import AccountState
from chatdeck.domain.errors import InvalidCursor
from chatdeck.domain.posts import CANCELLABLE, Page, Post, PostChange, PostStatus
from tests.fakes.shaping import iso, maybe_second, second

# ----- scheduled posts --------------------------------------------------------------------------


@dataclass(frozen=True)
class _StoredPost:
    post: Post
    on_work_index: bool  # the adapter's `work_pk`: only such posts can be due


def _stored_post(post: Post) -> _StoredPost:
    """A post as `post_to_item` writes it and `item_to_post` reads it back."""
    changes: dict[str, Any] = {
        name: maybe_second(getattr(post, name))
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
        ordered = sorted(posts, key=lambda p: (iso(p.created_at), p.id), reverse=True)
        if cursor:
            start = _decode_cursor(cursor, {"id", key_name, "created_at"})
            if start[key_name] != key_value:  # another list's: DynamoDB refuses it as out of bounds
                raise InvalidCursor(cursor)
            after = (start["created_at"], start["id"])
            ordered = [p for p in ordered if (iso(p.created_at), p.id) < after]
        page = ordered[:limit]
        if len(ordered) <= limit:
            return Page(page, None)
        last = page[-1]
        return Page(
            page,
            _encode_cursor(
                {"id": last.id, key_name: key_value, "created_at": iso(last.created_at)}
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
                and iso(s.post.next_action_at) <= iso(now)
            ]
        return sorted(due, key=lambda p: (iso(p.next_action_at or p.due_utc), p.id))

    def claim(self, post: Post, claim_id: str, now: datetime, lease_until: datetime) -> Post | None:
        with self._lock:
            stored = self._posts.get(post.id)
            if stored is None:
                return None
            current = stored.post
            if (
                current.status != post.status
                or current.next_action_at is None
                or iso(current.next_action_at) > iso(now)
                or (current.claim_id is not None and current.claim_id != (post.claim_id or "-"))
            ):
                return None
            claimed = current.model_copy(
                update={
                    "status": PostStatus.PUBLISHING,
                    "claim_id": claim_id,
                    "next_action_at": second(lease_until),
                    "attempts": current.attempts + 1,
                    "first_claimed_at": current.first_claimed_at or second(now),
                    "version": current.version + 1,
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
                "next_action_at": maybe_second(change.next_action_at),
            }
            for name in ("remote_id", "url"):  # kept when the change has none
                if getattr(change, name) is not None:
                    updates[name] = getattr(change, name)
            if change.certainly_unsent:  # the claim's attempt is given back
                updates["attempts"] = stored.post.attempts - 1
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
                or iso(stored.post.next_action_at) != iso(seen)
            ):
                return False
            deferred = stored.post.model_copy(
                update={"next_action_at": second(until), "reason": reason}
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
            since = before.paused_since if before and before.paused_since else second(now)
            state = AccountState(network, account, since, second(retry_at), reason)
            self._states[(network, account)] = state
            return state

    def resume(self, network: str, account: str) -> None:
        with self._lock:
            self._states.pop((network, account), None)
