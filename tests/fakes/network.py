"""A scriptable network: what publishing and reading X would answer."""

import html
import itertools
import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from chatdeck.domain.archive import (
    ArchivedPost,
    SearchPage,
)
from chatdeck.domain.outcomes import CannotTell, OutcomeUnknown, Published, PublishError, ReadFailed
from chatdeck.domain.outgoing import Outgoing
from chatdeck.ports import (
    Clock,
)

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
        self.outgoing: list[Outgoing] = []  # every publish's request, as the adapter got it
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

    def publish(self, outgoing: Outgoing) -> Published:
        account, text = outgoing.account, outgoing.text
        with self._lock:
            self.calls.append(("publish", {"account": account, "text": text}))
            self.outgoing.append(outgoing)
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

    def find_own_post(self, outgoing: Outgoing, since: datetime) -> Published | None:
        account, text = outgoing.account, outgoing.text
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
        hashtags: Sequence[str],
        since_id: str | None = None,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        next_token: str | None = None,
        max_results: int = 100,
    ) -> SearchPage:
        """Staged posts with any of the hashtags (reposts left out), newest (highest id)
        first, `max_results` (10 to 100) a page."""
        with self._lock:
            self.calls.append(
                (
                    "search_recent",
                    {
                        "account": account,
                        "hashtags": list(hashtags),
                        "since_id": since_id,
                        "start_time": start_time,
                        "end_time": end_time,
                        "next_token": next_token,
                        "max_results": max_results,
                    },
                )
            )
            if isinstance(hashtags, str):
                raise TypeError("search_recent takes a list of hashtags, not one string")
            if self.read_failures:
                raise self.read_failures.pop(0)
            tags = {f"#{tag.lstrip('#')}".lower() for tag in hashtags}
            found = [
                post
                for post in self._staged.values()
                if tags & {t.lower() for t in _HASHTAG.findall(post.text)}
                and not post.is_repost
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
