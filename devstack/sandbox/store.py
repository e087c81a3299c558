"""The sandbox's memory: accounts, posts and their ids, shared by every request thread."""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from devstack.sandbox.entities import store_text
from devstack.sandbox.models import EMPTY_POST_METRICS, Account, Growth, Post, snowflake

DUPLICATE_WINDOW = timedelta(hours=24)
Clock = Callable[[], datetime]


class DuplicateContent(Exception):
    """The account already posted this text within the duplicate window."""


def utc_now() -> datetime:
    return datetime.now(UTC)


class SandboxClock:
    """The sandbox's now, which every endpoint reads: real time by default, or set by a test or a
    person through `POST /sandbox/clock` to a fixed instant (frozen) or a shift from real time
    (running), so a chat can be replayed at any hour and posts appear as their time comes."""

    def __init__(self, real: Clock = utc_now) -> None:
        self._real = real
        self._lock = threading.Lock()
        self._frozen: datetime | None = None
        self._offset = timedelta(0)

    def __call__(self) -> datetime:
        with self._lock:
            return self._frozen if self._frozen is not None else self._real() + self._offset

    def freeze(self, now: datetime) -> None:
        with self._lock:
            self._frozen, self._offset = now.astimezone(UTC), timedelta(0)

    def shift(self, offset: timedelta) -> None:
        with self._lock:
            self._frozen, self._offset = None, offset

    def reset(self) -> None:
        self.shift(timedelta(0))

    def describe(self) -> dict[str, Any]:
        with self._lock:
            frozen, offset = self._frozen, self._offset
        now = frozen if frozen is not None else self._real() + offset
        return {
            "now": now,
            "frozen": frozen is not None,
            "offset_seconds": offset.total_seconds(),
        }


class Store:
    def __init__(self, clock: Clock = utc_now) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._accounts: dict[str, Account] = {}
        self._tokens: dict[str, str] = {}
        self._posts: dict[str, Post] = {}
        self._last_id = 0

    def clear(self) -> None:
        with self._lock:
            self._accounts.clear()
            self._tokens.clear()
            self._posts.clear()

    def account_for_token(self, token: str) -> Account:
        """The account an OAuth access token stands for.

        X's access tokens read `<user id>-<secret>`: such a token is that user (a seeded one keeps
        its username). Any other token is a user with a stable id derived from it. The username is
        the rest of the token, as an X handle (word characters, at most 15).
        """
        with self._lock:
            if token in self._tokens:
                return self._accounts[self._tokens[token]]
            user_id, _, rest = token.partition("-")
            if not (user_id.isdigit() and len(user_id) <= 19 and rest):
                user_id, rest = stable_id(token), token
            account = self._accounts.get(user_id) or self._new_account(user_id, _handle(rest))
            self._tokens[token] = account.id
            return account

    def account(self, user_id: str) -> Account | None:
        with self._lock:
            return self._accounts.get(user_id)

    def account_named(self, username: str) -> Account:
        """The account with this handle (X ignores case in handles), made on first use."""
        with self._lock:
            for account in self._accounts.values():
                if account.username.casefold() == username.casefold():
                    return account
            return self._new_account(stable_id(f"@{username.casefold()}"), username)

    def accounts_named(self, username: str) -> list[Account]:
        with self._lock:
            wanted = username.casefold()
            return [a for a in self._accounts.values() if a.username.casefold() == wanted]

    def create(self, author: Account, submitted: str) -> Post:
        """Store a post as POST /2/tweets does; refuse a duplicate of a recent one."""
        stored = store_text(submitted)
        with self._lock:
            now = self.clock()
            if self._posted_recently(author.id, submitted, now):
                raise DuplicateContent(submitted)
            post_id = self._issue_id(now, monotonic=True)
            post = Post(post_id, author.id, now, stored, submitted, via_api=True)
            self._posts[post_id] = post
            return post

    def seed(self, items: Iterable[Mapping[str, Any]]) -> list[Post]:
        """Add posts written elsewhere (see control.SEED_SCHEMA); they are readable, not listed."""
        seeded = []
        with self._lock:
            for item in items:
                author = self._accounts.get(item["author_id"]) or self._new_account(
                    item["author_id"], item["username"], item.get("name")
                )
                created_at = datetime.fromisoformat(item["created_at"]).astimezone(UTC)
                post_id = item.get("id") or self._issue_id(created_at, monotonic=False)
                self._last_id = max(self._last_id, int(post_id))
                post = Post(
                    id=post_id,
                    author_id=author.id,
                    created_at=created_at,
                    stored=store_text(item["text"], post_id, item.get("unwound_urls")),
                    submitted_text=item["text"],
                    via_api=False,
                    public_metrics=None  # staged without counts: served without them
                    if "public_metrics" in item and item["public_metrics"] is None
                    else {**EMPTY_POST_METRICS, **item.get("public_metrics", {})},
                    referenced_tweets=tuple(item.get("referenced_tweets", ())),
                    in_reply_to_user_id=item.get("in_reply_to_user_id"),
                    conversation_id=item.get("conversation_id"),
                    lang=item.get("lang"),
                    growth={
                        name: Growth(spec["to"], timedelta(minutes=spec["half_life_minutes"]))
                        for name, spec in item.get("growth", {}).items()
                    },
                )
                self._posts[post_id] = post
                seeded.append(post)
        return seeded

    def created(self) -> list[Post]:
        """Every post created through POST /2/tweets, oldest first."""
        with self._lock:
            return [post for post in self._posts.values() if post.via_api]

    def newest_first(self, keep: Callable[[Post], bool], now: datetime) -> list[Post]:
        """The posts that exist at `now` (a seeded post appears once its time has come) and that
        `keep` keeps, newest first."""
        with self._lock:
            posts = [post for post in self._posts.values() if post.created_at <= now]
        return sorted((p for p in posts if keep(p)), key=lambda p: int(p.id), reverse=True)

    def find(self, ids: Iterable[str], now: datetime) -> dict[str, Post]:
        with self._lock:
            found = {post_id: self._posts.get(post_id) for post_id in ids}
        return {i: post for i, post in found.items() if post and post.created_at <= now}

    def _posted_recently(self, author_id: str, text: str, now: datetime) -> bool:
        since = now - DUPLICATE_WINDOW
        return any(
            post.author_id == author_id and post.submitted_text == text and post.created_at >= since
            for post in self._posts.values()
        )

    def _issue_id(self, moment: datetime, *, monotonic: bool) -> str:
        """A snowflake: ordered by time, so `since_id` means "after"; unique per millisecond."""
        candidate = snowflake(moment)
        if monotonic:
            candidate = max(candidate, self._last_id + 1)
        while str(candidate) in self._posts:
            candidate += 1
        self._last_id = max(self._last_id, candidate)
        return str(candidate)

    def _new_account(self, user_id: str, username: str, name: str | None = None) -> Account:
        account = Account(user_id, username, name or username, self.clock())
        self._accounts[user_id] = account
        return account


def stable_id(token: str) -> str:
    digest = int(hashlib.sha256(token.encode()).hexdigest(), 16)
    return str(10**18 + digest % (9 * 10**18))


def _handle(text: str) -> str:
    return re.sub(r"\W", "_", text, flags=re.ASCII)[:15] or "sandbox"
