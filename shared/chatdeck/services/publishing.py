"""Publishing once: claim each due target just before its own network call, then record the outcome.

See docs/architecture.md, "Publishing once". A post goes to each of its targets (one account on
one network) on its own: a failure, pause or rate limit on one never blocks, delays or repeats
another. A post reaches each target at most once because
- only the holder of a target's claim sends it, and a claim is a conditional write;
- each network's own idempotency is used on top (Bluesky's record key, Mastodon's
  Idempotency-Key, both derived from the post's id and the target);
- every answer that leaves the outcome unknown is reconciled against the account's own posts
  before anything is sent again, and a target that cannot be reconciled becomes UNCONFIRMED.
A post to X is first counted against the cohort's monthly X spending cap (`spending`,
services/x_spending.py): one the cap would pass waits QUEUED with the cap as its reason, and one
that cannot be counted is not sent that minute.
"""

import threading
import uuid
from collections import Counter
from collections.abc import Mapping
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
from chatdeck.domain.posts import Job, Post, PostChange, PostStatus
from chatdeck.domain.schedule import to_iso_utc
from chatdeck.notifications.notices import Notices
from chatdeck.observability import count, logger
from chatdeck.ports import AccountStore, Network, PostStore
from chatdeck.services.x_spending import COUNT_FAILED, XSpendingGuard

Outcome = Literal["posted", "requeued", "failed", "unconfirmed", "paused", "skipped", "lost"]

MAX_ATTEMPTS = 3
RETRY_AFTER_NOT_SENT = timedelta(minutes=1)
RETRY_AFTER_NOT_FOUND = timedelta(minutes=2)
CLOCK_SKEW = timedelta(minutes=5)  # our clock and a network's may disagree
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
        networks: Mapping[str, Network],
        accounts: AccountStore,
        notices: Notices,
        lease: timedelta,
        concurrency: int,
        spending: XSpendingGuard | None = None,
    ) -> None:
        self.posts = posts
        self.spending = spending  # X's monthly cap; None: X is not counted
        self.networks = networks
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
            outcomes = Counter(pool.map(lambda job: self.publish(job, now), due))
        for outcome in ("posted", "failed", "unconfirmed", "requeued", "paused"):
            count(outcome, outcomes.get(outcome, 0))
        report = TickReport(now=now, due=len(due), outcomes=outcomes)
        logger.info("publisher tick", extra=report.as_dict())
        return report

    def publish(self, job: Job, now: datetime) -> Outcome:
        """Everything for one due target: defer, or claim then send or reconcile, then record."""
        target = job.target
        account = self._account_state(job)
        paused_until = account.paused_until(now)
        if target.status is PostStatus.QUEUED and paused_until is not None:
            deferred = self.posts.defer(job, paused_until, _paused_reason(account))
            return "paused" if deferred else "skipped"
        limited = self._rate_limited_until.get((target.network, target.account))
        if target.status is PostStatus.QUEUED and limited is not None:
            # The account hit its rate limit in this tick: asking again would only cost a 429.
            deferred = self.posts.defer(job, limited.retry_at, limited.reason)
            return "requeued" if deferred else "skipped"
        claimed = self.claim(job, now)
        if claimed is None:
            return "skipped"
        if (
            target.status is PostStatus.PUBLISHING
        ):  # a lease ran out: the last send's fate is unknown
            return self.reconcile(claimed, now, "An earlier attempt stopped before it finished.")
        return self.send(claimed, now)

    def claim(self, job: Job, now: datetime) -> Job | None:
        return self.posts.claim(job, uuid.uuid4().hex, now, now + self.lease)

    def _network(self, job: Job) -> Network:
        network = self.networks.get(job.target.network)
        if network is None:
            raise Rejected(f"Chatdeck cannot post to {job.target.network} in this deployment.")
        return network

    def send(self, job: Job, now: datetime) -> Outcome:
        target = job.target
        held = self._held_by_spending(job, now)
        if held is not None:
            return held
        try:
            published = self._network(job).publish(job.outgoing)
        except RateLimited as limited:
            with self._lock:
                self._rate_limited_until[(target.network, target.account)] = limited
            return self._record(
                job,
                PostChange(
                    PostStatus.QUEUED,
                    limited.reason,
                    next_action_at=limited.retry_at,
                    certainly_unsent=True,
                ),
            )
        except AccountDisconnected as gone:
            if is_personal(
                target.account
            ):  # only its owner can reconnect it: pausing waits forever
                return self._disconnected(job, gone)
            return self._pause(job, gone, now)
        except AccountUnavailable as refused:
            return self._pause(job, refused, now)
        except DuplicateContent as duplicate:
            if target.attempts > 1:  # our own earlier attempt may be the post it duplicates
                return self.reconcile(job, now, duplicate.reason)
            return self._fail(job, duplicate.reason)
        except Rejected as rejected:
            return self._fail(job, rejected.reason)
        except NotSent as not_sent:
            not_started = isinstance(not_sent, NotStarted)
            if target.attempts < MAX_ATTEMPTS or not_started:
                retry = PostChange(
                    PostStatus.QUEUED,
                    not_sent.reason,
                    next_action_at=now + RETRY_AFTER_NOT_SENT,
                    certainly_unsent=not_started,
                )
                return self._record(job, retry)
            return self._fail(job, _given_up(not_sent.reason, target.attempts))
        except OutcomeUnknown as unknown:
            return self.reconcile(job, now, unknown.reason)
        return self._posted(job, published)

    def reconcile(self, job: Job, now: datetime, why: str) -> Outcome:
        """Look for the post among the account's own; never re-send blindly."""
        since = (job.target.first_claimed_at or job.post.due_utc) - CLOCK_SKEW
        try:
            found = self._network(job).find_own_post(job.outgoing, since)
        except CannotTell as cannot:
            return self._unconfirmed(job, f"{why} {cannot.reason}")
        if found is not None:
            return self._posted(job, found, fresh=False)
        if job.target.attempts < MAX_ATTEMPTS:
            reason = f"{why} It is not on the account, so it will be tried again."
            change = PostChange(
                PostStatus.QUEUED,
                reason,
                next_action_at=now + RETRY_AFTER_NOT_FOUND,
                unsettled=True,
            )
            return self._record(job, change)
        attempts = job.target.attempts
        return self._unconfirmed(job, f"{why} After {attempts} attempts it is still unclear.")

    def _posted(self, job: Job, published: Published, fresh: bool = True) -> Outcome:
        """Record the target POSTED. Only a post just created (`fresh`) shows its account works
        again and resumes it: one found by reconciling may predate the pause."""
        outcome = self._record(
            job, PostChange(PostStatus.POSTED, remote_id=published.remote_id, url=published.url)
        )
        account = self._account_state(job)
        if fresh and account.paused_since is not None:
            self.accounts.resume(job.target.network, job.target.account)
            self._remember(AccountState(job.target.network, job.target.account))
        return outcome

    def _held_by_spending(self, job: Job, now: datetime) -> Outcome | None:
        """Count a post to X before sending it; the outcome when it must not be sent now."""
        if self.spending is None or job.target.network != "x":
            return None
        try:
            charge = self.spending.charge_post(_charge_id(job), job.outgoing.text, now)
        except Exception:  # fail-safe: a post X would bill never goes out uncounted
            logger.exception("An X post could not be counted", extra={"post_id": job.post.id})
            retry = now + RETRY_AFTER_NOT_SENT
            return self._record(
                job, PostChange(PostStatus.QUEUED, COUNT_FAILED, next_action_at=retry,
                                certainly_unsent=True),
            )  # fmt: skip
        if charge.allowed:
            return None
        change = PostChange(
            PostStatus.QUEUED, charge.reason, next_action_at=charge.retry_at, certainly_unsent=True
        )
        outcome = self._record(job, change)
        return "paused" if outcome != "lost" else outcome

    def _refund(self, job: Job) -> None:
        """A post to X that certainly never went out is not counted. Only while the claim is
        this publisher's: one that took the post over may have sent it on this count."""
        if self.spending is not None and job.target.network == "x":
            self.spending.refund_post(_charge_id(job))

    def _fail(self, job: Job, reason: str) -> Outcome:
        outcome = self._record(job, PostChange(PostStatus.FAILED, reason))
        if outcome != "lost":
            self._refund(job)  # only sends fail: a reconciled post ends UNCONFIRMED instead
            self.notices.post_failed(_told(job, reason))
        return outcome

    def _disconnected(self, job: Job, gone: AccountDisconnected) -> Outcome:
        """Fail the post; its author hears once per lost connection, not once per post."""
        outcome = self._record(job, PostChange(PostStatus.FAILED, gone.reason))
        if outcome != "lost":
            self._refund(job)
            self.notices.account_disconnected(_told(job, gone.reason), gone.connection)
        return outcome

    def _unconfirmed(self, job: Job, reason: str) -> Outcome:
        outcome = self._record(job, PostChange(PostStatus.UNCONFIRMED, reason))
        if outcome != "lost":
            self.notices.post_unconfirmed(_told(job, reason))
        return outcome

    def _pause(self, job: Job, refused: AccountUnavailable, now: datetime) -> Outcome:
        kind = "credentials" if "credentials" in refused.reason else "default"
        retry_at = now + PAUSE_FOR[kind]
        state = self.accounts.pause(
            job.target.network, job.target.account, refused.reason, now, retry_at
        )
        first_to_notice = self._remember(state)
        change = PostChange(
            PostStatus.QUEUED, _paused_reason(state), next_action_at=retry_at, certainly_unsent=True
        )
        outcome = self._record(job, change)
        if first_to_notice:
            self.notices.account_paused(state)  # at most once per pause, by its notice id
        return "paused" if outcome != "lost" else outcome

    def _record(self, job: Job, change: PostChange) -> Outcome:
        if not self.posts.record(job, change):
            logger.warning(
                "claim lost before recording",
                extra={"post_id": job.post.id, "network": job.target.network},
            )
            return "lost"
        if change.status is PostStatus.QUEUED and change.certainly_unsent:
            # Not on X and waiting (a rate limit, a paused account): not counted while it waits,
            # so one cancelled meanwhile leaves nothing counted; counted again when it is sent.
            self._refund(job)
        return _OUTCOME_OF[change.status]

    def _account_state(self, job: Job) -> AccountState:
        key = (job.target.network, job.target.account)
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


def _told(job: Job, reason: str) -> "Post":
    """The post as its author is told about one target: that target, with its reason."""
    return job.post.only(job.target.model_copy(update={"reason": reason}))


def _charge_id(job: Job) -> str:
    """The same for every try of one target, so it is counted once."""
    return f"{job.post.id}#{job.target.network}:{job.target.account}"


def _given_up(reason: str, attempts: int) -> str:
    """The reason of a target that failed after its last try: a NotSent's own reason promises
    another try ("...; it will be tried again"), which a FAILED target must not."""
    cause = reason.split(";", 1)[0].strip().rstrip(".")
    return f"It was not sent after {attempts} attempts and will not be tried again: {cause}."


def _paused_reason(state: AccountState) -> str:
    when = to_iso_utc(state.retry_at) if state.retry_at else "later"
    return (
        f"Waiting: the {state.network.upper()} account is paused ({state.reason}). Next try {when}."
    )
