"""Scheduled posts and account states, as the PostsTable and StateTable keep them."""

import base64
import json
import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from chatdeck.domain.accounts import AccountState
from chatdeck.domain.errors import InvalidCursor
from chatdeck.domain.posts import CANCELLABLE, Job, Page, Post, PostChange, PostStatus, Target
from tests.fakes.shaping import iso, maybe_second, second

# ----- scheduled posts --------------------------------------------------------------------------


def _shaped_target(post: Post, target: Target) -> Target:
    """A target as `target_to_item` writes it and `item_to_target` reads it back."""
    next_action = target.next_action_at or post.due_utc if target.status.needs_publisher else None
    return target.model_copy(
        update={
            "next_action_at": maybe_second(next_action),
            "first_claimed_at": maybe_second(target.first_claimed_at),
            "version": post.version,
        }
    )


def _stored_post(post: Post) -> Post:
    """A post as the adapter writes it and reads it back."""
    shaped = post.model_copy(
        update={"due_utc": second(post.due_utc), "created_at": second(post.created_at)}
    )
    return shaped.model_copy(
        update={"targets": tuple(_shaped_target(shaped, t) for t in post.targets)}
    )


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


def _same_attempts(post: Post, seen: Post, stored: Post) -> bool:
    """Each target the edit keeps is stored with the attempts the editor read (a claim that
    ended re-queued moves no version)."""
    for target in post.targets:
        read, now = seen.target(target.key), stored.target(target.key)
        if read is not None and (now is None or now.attempts != read.attempts):
            return False
    return True


class FakePostStore:
    """Posts with their targets, each target claimed and recorded on its own, under the same
    conditions as the adapter's items."""

    def __init__(self) -> None:
        self._posts: dict[str, Post] = {}
        self._lock = threading.RLock()

    def add(self, post: Post) -> bool:
        with self._lock:
            if post.id in self._posts:
                return False
            self._posts[post.id] = _stored_post(post)
            return True

    def get(self, post_id: str) -> Post | None:
        with self._lock:
            return self._posts.get(post_id)

    def page(self, cursor: str | None, limit: int, author: str | None = None) -> Page:
        key_name, key_value = ("author_email", author) if author else ("list_pk", "POSTS")
        with self._lock:
            posts = [p for p in self._posts.values() if not author or p.author_email == author]
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
                or stored.version != seen.version
                or any(t.status not in CANCELLABLE for t in stored.targets)
                or not _same_attempts(post, seen, stored)
            ):
                return False
            self._posts[post.id] = _stored_post(
                post.model_copy(update={"version": seen.version + 1})
            )
            return True

    def due(self, now: datetime) -> list[Job]:
        """As the adapter's: each job's post is its content and that one target (its head item
        and the target's), so nothing that works on a job can lean on the post's other targets."""
        with self._lock:
            due = [
                Job(post.only(target), target)
                for post in self._posts.values()
                for target in post.targets
                if target.status.needs_publisher
                and target.next_action_at is not None
                and iso(target.next_action_at) <= iso(now)
            ]
        return sorted(
            due, key=lambda j: (iso(j.target.next_action_at or now), j.post.id, j.target.key)
        )

    def claim(self, job: Job, claim_id: str, now: datetime, lease_until: datetime) -> Job | None:
        with self._lock:
            current = self._target(job)
            if (
                current is None
                or current.status != job.target.status
                or current.next_action_at is None
                or iso(current.next_action_at) > iso(now)
                or current.version != job.post.version
                or (
                    current.claim_id is not None
                    and current.claim_id != (job.target.claim_id or "-")
                )
            ):
                return None
            claimed = claimed_by(current, claim_id, now, lease_until)
            self._put(job.post.id, claimed)
            return Job(job.post, claimed)

    def record(self, job: Job, change: PostChange) -> bool:
        with self._lock:
            current = self._target(job)
            if (
                current is None
                or job.target.claim_id is None
                or current.claim_id != job.target.claim_id
                or current.status is not PostStatus.PUBLISHING
            ):
                return False
            updates: dict[str, Any] = {
                "status": change.status,
                "claim_id": None,
                "reason": change.reason,
                "next_action_at": maybe_second(change.next_action_at),
                "unsettled": change.unsettled,
            }
            for name in ("remote_id", "url"):  # kept when the change has none
                if getattr(change, name) is not None:
                    updates[name] = getattr(change, name)
            if change.certainly_unsent:  # the claim's attempt is given back
                updates["attempts"] = current.attempts - 1
            self._put(job.post.id, current.model_copy(update=updates))
            return True

    def defer(self, job: Job, until: datetime, reason: str) -> bool:
        with self._lock:
            current = self._target(job)
            seen = job.target.next_action_at or job.post.due_utc
            if (
                current is None
                or current.status is not PostStatus.QUEUED
                or current.next_action_at is None
                or iso(current.next_action_at) != iso(seen)
            ):
                return False
            self._put(
                job.post.id,
                current.model_copy(update={"next_action_at": second(until), "reason": reason}),
            )
            return True

    def cancel(self, post_id: str) -> Post | None:
        with self._lock:
            post = self._posts.get(post_id)
            if post is None or not any(t.status in CANCELLABLE for t in post.targets):
                return None
            for target in post.targets:
                if target.status in CANCELLABLE:
                    self._put(
                        post_id,
                        target.model_copy(
                            update={
                                "status": PostStatus.CANCELLED,
                                "next_action_at": None,
                                "reason": None,
                            }
                        ),
                    )
            return self._posts[post_id]

    def cancel_target(self, post_id: str, key: str, reason: str) -> bool:
        with self._lock:
            post = self._posts.get(post_id)
            target = None if post is None else post.target(key)
            if target is None or target.status not in CANCELLABLE:
                return False
            self._put(
                post_id,
                target.model_copy(
                    update={
                        "status": PostStatus.CANCELLED,
                        "next_action_at": None,
                        "reason": reason,
                    }
                ),
            )
            return True

    def _target(self, job: Job) -> Target | None:
        post = self._posts.get(job.post.id)
        return None if post is None else post.target(job.target.key)

    def _put(self, post_id: str, target: Target) -> None:
        post = self._posts[post_id]
        targets = tuple(target if t.key == target.key else t for t in post.targets)
        self._posts[post_id] = post.model_copy(update={"targets": targets})


def claim_ignoring_its_condition(
    self: FakePostStore, job: Job, claim_id: str, now: datetime, lease_until: datetime
) -> Job | None:
    """FakePostStore.claim with its condition removed, for tests that show what the condition
    prevents (monkeypatched in): it takes the target whatever happened since it was read, with
    the same update as the real claim."""
    with self._lock:
        current = self._target(job)
        assert current is not None
        claimed = claimed_by(current, claim_id, now, lease_until)
        self._put(job.post.id, claimed)
        return Job(job.post, claimed)


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


def claimed_by(current: Target, claim_id: str, now: datetime, lease_until: datetime) -> Target:
    """`current` as a claim leaves it: publishing under `claim_id` until `lease_until`, one more
    attempt, first claimed now unless it was before (the real store's claim update)."""
    return current.model_copy(
        update={
            "status": PostStatus.PUBLISHING,
            "claim_id": claim_id,
            "next_action_at": second(lease_until),
            "attempts": current.attempts + 1,
            "first_claimed_at": current.first_claimed_at or second(now),
        }
    )
