"""Publishing once: claim each due post just before its own network call, then record the outcome.

See docs/architecture.md, "Publishing once". A post reaches the network at most once because
- only the holder of a post's claim sends it, and a claim is a conditional write;
- every answer that leaves the outcome unknown is reconciled against the account's own posts
  before anything is sent again, and a post that cannot be reconciled becomes UNCONFIRMED.
"""

import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from chatdeck.domain.accounts import AccountState, is_personal
from chatdeck.domain.outcomes import (
    AccountDisconnected,
    AccountUnavailable,
    CannotTell,
    DuplicateContent,
    NotSent,
    NotStarted,
    OutcomeUnknown,
    Published,
    RateLimited,
    Rejected,
)
from chatdeck.domain.posts import Post, PostChange, PostStatus
from chatdeck.domain.schedule import to_iso_utc
from chatdeck.notifications.notices import Notices
from chatdeck.observability import count, logger
from chatdeck.ports import AccountStore, Network, PostStore

Outcome = Literal["posted", "requeued", "failed", "unconfirmed", "paused", "skipped", "lost"]

MAX_ATTEMPTS = 3
RETRY_AFTER_NOT_SENT = timedelta(minutes=1)
RETRY_AFTER_NOT_FOUND = timedelta(minutes=2)
CLOCK_SKEW = timedelta(minutes=5)  # our clock and X's may disagree; X refuses duplicates anyway
PAUSE_FOR = {"credentials": timedelta(minutes=30), "default": timedelta(hours=1)}


@dataclass(frozen=True)
class TickReport:
    now: datetime
    due: int
    outcomes: Counter[Outcome]

    def as_dict(self) -> dict[str, object]:
        counts = {name: self.outcomes.get(name, 0) for name in Outcome.__args__}  # type: ignore[attr-defined]
        return {"now": to_iso_utc(self.now), "due": self.due, **counts}


class Publisher:
    def __init__(
        self,
        posts: PostStore,
        network: Network,
        accounts: AccountStore,
        notices: Notices,
        lease: timedelta,
        concurrency: int,
    ) -> None:
        self.posts = posts
        self.network = network
        self.accounts = accounts
        self.notices = notices
        self.lease = lease
        self.concurrency = concurrency
        self._account_states: dict[tuple[str, str], AccountState] = {}
        self._rate_limited_until: dict[tuple[str, str], RateLimited] = {}
        self._lock = threading.Lock()

    def publish_due_posts(self, now: datetime) -> TickReport:
        due = self.posts.due(now)
        self._account_states.clear()
        self._rate_limited_until.clear()
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            outcomes = Counter(pool.map(lambda post: self.publish(post, now), due))
        for outcome in ("posted", "failed", "unconfirmed", "requeued", "paused"):
            count(outcome, outcomes.get(outcome, 0))
        report = TickReport(now=now, due=len(due), outcomes=outcomes)
        logger.info("publisher tick", extra=report.as_dict())
        return report

    def publish(self, post: Post, now: datetime) -> Outcome:
        """Everything for one due post: defer, or claim then send or reconcile, then record."""
        account = self._account_state(post)
        paused_until = account.paused_until(now)
        if post.status is PostStatus.QUEUED and paused_until is not None:
            deferred = self.posts.defer(post, paused_until, _paused_reason(account))
            return "paused" if deferred else "skipped"
        limited = self._rate_limited_until.get((post.network, post.account))
        if post.status is PostStatus.QUEUED and limited is not None:
            # The account hit its rate limit in this tick: asking again would only cost a 429.
            deferred = self.posts.defer(post, limited.retry_at, limited.reason)
            return "requeued" if deferred else "skipped"
        claimed = self.claim(post, now)
        if claimed is None:
            return "skipped"
        if post.status is PostStatus.PUBLISHING:  # a lease ran out: the last send's fate is unknown
            return self.reconcile(claimed, now, "An earlier attempt stopped before it finished.")
        return self.send(claimed, now)

    def claim(self, post: Post, now: datetime) -> Post | None:
        return self.posts.claim(post, uuid.uuid4().hex, now, now + self.lease)

    def send(self, post: Post, now: datetime) -> Outcome:
        try:
            published = self.network.publish(post.account, post.text)
        except RateLimited as limited:
            with self._lock:
                self._rate_limited_until[(post.network, post.account)] = limited
            return self._record(
                post,
                PostChange(
                    PostStatus.QUEUED,
                    limited.reason,
                    next_action_at=limited.retry_at,
                    certainly_unsent=True,
                ),
            )
        except AccountDisconnected as gone:
            if is_personal(post.account):  # only its owner can reconnect it: pausing waits forever
                return self._disconnected(post, gone)
            return self._pause(post, gone, now)
        except AccountUnavailable as refused:
            return self._pause(post, refused, now)
        except DuplicateContent as duplicate:
            if post.attempts > 1:  # our own earlier attempt may be the post it duplicates
                return self.reconcile(post, now, duplicate.reason)
            return self._fail(post, duplicate.reason)
        except Rejected as rejected:
            return self._fail(post, rejected.reason)
        except NotSent as not_sent:
            not_started = isinstance(not_sent, NotStarted)
            if post.attempts < MAX_ATTEMPTS or not_started:
                retry = PostChange(
                    PostStatus.QUEUED,
                    not_sent.reason,
                    next_action_at=now + RETRY_AFTER_NOT_SENT,
                    certainly_unsent=not_started,
                )
                return self._record(post, retry)
            return self._fail(post, not_sent.reason)
        except OutcomeUnknown as unknown:
            return self.reconcile(post, now, unknown.reason)
        return self._posted(post, published)

    def reconcile(self, post: Post, now: datetime, why: str) -> Outcome:
        """Look for the post among the account's own; never re-send blindly."""
        since = (post.first_claimed_at or post.due_utc) - CLOCK_SKEW
        try:
            found = self.network.find_own_post(post.account, post.text, since)
        except CannotTell as cannot:
            return self._unconfirmed(post, f"{why} {cannot.reason}")
        if found is not None:
            return self._posted(post, found)
        if post.attempts < MAX_ATTEMPTS:
            reason = f"{why} It is not on the account, so it will be tried again."
            change = PostChange(
                PostStatus.QUEUED, reason, next_action_at=now + RETRY_AFTER_NOT_FOUND
            )
            return self._record(post, change)
        return self._unconfirmed(post, f"{why} After {post.attempts} attempts it is still unclear.")

    def _posted(self, post: Post, published: Published) -> Outcome:
        outcome = self._record(
            post, PostChange(PostStatus.POSTED, remote_id=published.remote_id, url=published.url)
        )
        account = self._account_state(post)
        if account.paused_since is not None:
            self.accounts.resume(post.network, post.account)
            self._remember(AccountState(post.network, post.account))
        return outcome

    def _fail(self, post: Post, reason: str) -> Outcome:
        outcome = self._record(post, PostChange(PostStatus.FAILED, reason))
        if outcome != "lost":
            self.notices.post_failed(post.model_copy(update={"reason": reason}))
        return outcome

    def _disconnected(self, post: Post, gone: AccountDisconnected) -> Outcome:
        """Fail the post; its author hears once per lost connection, not once per post."""
        outcome = self._record(post, PostChange(PostStatus.FAILED, gone.reason))
        if outcome != "lost":
            self.notices.account_disconnected(
                post.model_copy(update={"reason": gone.reason}), gone.connection
            )
        return outcome

    def _unconfirmed(self, post: Post, reason: str) -> Outcome:
        outcome = self._record(post, PostChange(PostStatus.UNCONFIRMED, reason))
        if outcome != "lost":
            self.notices.post_unconfirmed(post.model_copy(update={"reason": reason}))
        return outcome

    def _pause(self, post: Post, refused: AccountUnavailable, now: datetime) -> Outcome:
        kind = "credentials" if "credentials" in refused.reason else "default"
        retry_at = now + PAUSE_FOR[kind]
        state = self.accounts.pause(post.network, post.account, refused.reason, now, retry_at)
        first_to_notice = self._remember(state)
        change = PostChange(
            PostStatus.QUEUED, _paused_reason(state), next_action_at=retry_at, certainly_unsent=True
        )
        outcome = self._record(post, change)
        if first_to_notice:
            self.notices.account_paused(state)  # at most once per pause, by its notice id
        return "paused" if outcome != "lost" else outcome

    def _record(self, post: Post, change: PostChange) -> Outcome:
        if not self.posts.record(post, change):
            logger.warning("claim lost before recording", extra={"post_id": post.id})
            return "lost"
        return _OUTCOME_OF[change.status]

    def _account_state(self, post: Post) -> AccountState:
        key = (post.network, post.account)
        with self._lock:
            if key not in self._account_states:
                self._account_states[key] = self.accounts.state(*key)
            return self._account_states[key]

    def _remember(self, state: AccountState) -> bool:
        """Keep this tick's view of an account; True when it changes from active to paused."""
        key = (state.network, state.account)
        with self._lock:
            before = self._account_states.get(key)
            self._account_states[key] = state
            was_paused = before is not None and before.paused_since == state.paused_since
            return state.paused_since is not None and not was_paused


_OUTCOME_OF: dict[PostStatus, Outcome] = {
    PostStatus.POSTED: "posted",
    PostStatus.QUEUED: "requeued",
    PostStatus.FAILED: "failed",
    PostStatus.UNCONFIRMED: "unconfirmed",
}


def _paused_reason(state: AccountState) -> str:
    when = to_iso_utc(state.retry_at) if state.retry_at else "later"
    return (
        f"Waiting: the {state.network.upper()} account is paused ({state.reason}). Next try {when}."
    )
