"""The Mastodon sandbox's memory: accounts, statuses, idempotency keys and the instance's settings.

- Accounts: `cohort` (the cohort's) and `ann` (a member) are seeded and can be signed in as;
  authors of staged chats get an account of their own the first time they are rendered.
- Status ids are Mastodon's: milliseconds since the epoch shifted left 16 bits, plus a sequence,
  so ids sort as their times do (and compare as integers, never as strings).
- `Idempotency-Key` (README-notes §1): kept per account for 3600 s from the status's creation; a
  create with a key already kept answers the status it made (200, same JSON), whatever the body;
  nothing is kept when a create fails. One lock around check-create-keep, as Mastodon's fix for
  the race (#37879) does.
- Staged chat posts (`POST /sandbox/chats`) live in devstack.sandbox.staging's `ChatStage`; they are
  rendered as statuses of their authors, public, with their hashtag, and found by id.
- Instance settings (`configuration.statuses.max_characters`, `characters_reserved_per_url`,
  `configuration.timelines_access`) start as recorded and are changed by `POST /sandbox/instance`.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from devstack.mastodon.entities import DATA, Account, Status, hashtags_in
from devstack.sandbox.staging import ChatStage, StagedPost

IDEMPOTENCY_TTL = timedelta(seconds=3600)
SEEDED = {"cohort": "Chatdeck Cohort", "ann": "Ann Example"}
SEEDED_SINCE = datetime(2026, 1, 5, tzinfo=UTC)
Clock = Callable[[], datetime]


def status_id(moment: datetime, sequence: int) -> str:
    """Mastodon's id for a status made at `moment`: ms << 16, plus a 16-bit sequence."""
    return str((int(moment.timestamp() * 1000) << 16) | (sequence & 0xFFFF))


def account_id(username: str) -> str:
    digest = int(hashlib.sha256(username.encode()).hexdigest()[:12], 16)
    return str(110_000_000_000_000_000 + digest % 10**15)


@dataclass(frozen=True)
class InstanceSettings:
    max_characters: int = 500
    characters_reserved_per_url: int = 23
    hashtag_feeds_local: str = "public"
    hashtag_feeds_remote: str = "public"

    def hashtag_feed(self) -> str:
        """Who may read hashtag feeds of this instance's posts: public, authenticated, disabled."""
        return self.hashtag_feeds_local


class Store:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._lock = threading.RLock()
        self._sequence = itertools.count(1)
        self.stage = ChatStage(clock, self._staged_id)
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._accounts: dict[str, Account] = {}
            self._statuses: dict[str, Status] = {}
            self._keys: dict[tuple[str, str], tuple[str, datetime]] = {}
            self.settings = InstanceSettings()
            for username, name in SEEDED.items():
                self._account(username, name)
        self.stage.clear()

    # accounts

    def _account(self, username: str, name: str | None = None, seeded: bool = True) -> Account:
        with self._lock:
            for account in self._accounts.values():
                if account.username == username:
                    return account
            account = Account(account_id(username), username, name or username, SEEDED_SINCE)
            account.seeded = seeded
            self._accounts[account.id] = account
            return account

    def account(self, account_id: str) -> Account | None:
        with self._lock:
            return self._accounts.get(account_id)

    def seeded_named(self, username: str) -> Account | None:
        with self._lock:
            found = [a for a in self._accounts.values() if a.username == username and a.seeded]
        return found[0] if found else None

    def local_users(self) -> dict[str, str]:
        with self._lock:
            return {a.username: a.id for a in self._accounts.values()}

    # statuses

    def create(
        self,
        account: Account,
        text: str,
        visibility: str,
        language: str | None,
        idempotency_key: str | None,
        check: Callable[[], None],
    ) -> tuple[Status, bool]:
        """The status made (True), or the one an unexpired key already made (False). `check`
        raises to refuse the create (validation, the posting limit) before anything is kept."""
        now = self.clock()
        with self._lock:
            if idempotency_key:
                kept = self._keys.get((account.id, idempotency_key))
                if kept is not None and now - kept[1] < IDEMPOTENCY_TTL:
                    return self._statuses[kept[0]], False
            check()
            status = Status(
                id=status_id(now, next(self._sequence)),
                account=account,
                text=text,
                created_at=now,
                visibility=visibility,
                language=language,
                idempotency_key=idempotency_key,
            )
            self._statuses[status.id] = status
            account.statuses_count += 1
            account.last_status_at = now
            if idempotency_key:
                self._keys[(account.id, idempotency_key)] = (status.id, now)
            return status, True

    def created(self) -> list[Status]:
        """Every status made through the API, oldest first."""
        with self._lock:
            return sorted(self._statuses.values(), key=lambda s: int(s.id))

    def get(self, wanted: str) -> Status | None:
        with self._lock:
            if wanted in self._statuses:
                return self._statuses[wanted]
        staged = [post for post in self.stage.all() if post.id == wanted]
        if staged and staged[0].created_at <= self.clock():
            return self._from_stage(staged[0])
        return None

    def of_account(self, account: Account) -> list[Status]:
        with self._lock:
            return [s for s in self._statuses.values() if s.account.id == account.id]

    def tagged(self, hashtag: str) -> list[Status]:
        """Public statuses with the hashtag, made here or staged and due."""
        wanted = hashtag.lstrip("#").lower()
        with self._lock:
            made = [
                s
                for s in self._statuses.values()
                if s.visibility == "public" and wanted in hashtags_in(s.text)
            ]
        staged = {post.id: post for post in self.stage.all()}
        return made + [self._from_stage(post, staged) for post in self.stage.visible(wanted)]

    def _from_stage(self, post: StagedPost, staged: dict[str, StagedPost] | None = None) -> Status:
        author = self._account(post.author, seeded=False)
        return Status(
            id=post.id,
            account=author,
            text=post.text,
            created_at=post.created_at,
            in_reply_to_id=post.reply_to,
            in_reply_to_account_id=self._author_of(post.reply_to, staged),
            quote_id=post.quote_of,
            staged=True,
            counts={
                name: value
                for name, value in (
                    ("favourites", post.likes),
                    ("reblogs", post.reposts),
                    ("replies", post.replies),
                )
                if value is not None
            },
        )

    def _author_of(self, status: str | None, staged: dict[str, StagedPost] | None) -> str | None:
        """The account id of the status a staged post answers (staged or made here)."""
        if status is None:
            return None
        parents = staged if staged is not None else {p.id: p for p in self.stage.all()}
        if status in parents:
            return account_id(parents[status].author)
        with self._lock:
            made = self._statuses.get(status)
        return made.account.id if made else None

    def _staged_id(self, author: str, moment: datetime) -> str:
        return status_id(moment, int(hashlib.sha256(author.encode()).hexdigest()[:4], 16))

    def clear_posts(self) -> None:
        self.reset()

    # the instance

    def configure(self, changes: dict[str, Any]) -> InstanceSettings:
        with self._lock:
            current = self.settings.__dict__ | changes
            self.settings = InstanceSettings(**current)
            return self.settings

    def instance(self, base: str) -> dict[str, Any]:
        """GET /api/v2/instance as recorded, at this sandbox's address and with its settings."""
        host = base.split("://", 1)[-1]
        recorded = (DATA / "instance.json").read_text()
        body: dict[str, Any] = json.loads(
            recorded.replace("http://localhost:3000", base).replace("localhost:3000", host)
        )
        settings = self.settings
        configuration = body["configuration"]
        configuration["statuses"]["max_characters"] = settings.max_characters
        configuration["statuses"]["characters_reserved_per_url"] = (
            settings.characters_reserved_per_url
        )
        configuration["timelines_access"]["hashtag_feeds"] = {
            "local": settings.hashtag_feeds_local,
            "remote": settings.hashtag_feeds_remote,
        }
        return copy.deepcopy(body)


def newest_first(statuses: Iterable[Status]) -> list[Status]:
    return sorted(statuses, key=lambda s: int(s.id), reverse=True)
