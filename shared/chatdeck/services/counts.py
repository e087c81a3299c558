"""Refreshing the counts of an ended chat session's posts, once, for its digest (the Poller's
`counted` step; services/polling.py has the session's whole life).

- Each network's stored posts are looked up on that network (`lookup_posts`: X answers 100 ids
  a request, Bluesky 25, Mastodon one post a request) for their likes, reposts, replies and
  quotes, and the changed ones stored.
- Spread over ticks, so that no tick of the companion runs long (bench item 4: every tick under
  5 s; all at once, a 1,500-post chat took 13.7 s). Each tick refreshes a bounded amount: batches
  of at most BATCH_REQUESTS requests, at most REQUESTS_PER_TICK requests a network (Mastodon
  allows 300 in 5 minutes), no batch started after TICK_SECONDS of refreshing or once less than
  INVOCATION_RESERVE of the Lambda's own time is left (chatdeck.deadline). Each network's posts
  are taken in the order of their ids, and how far its refresh got (the last id looked up) is
  kept on the session's META (`ArchiveSession.refreshed`) in the same write as that batch's
  reads: a tick that dies mid-batch repeats at most that batch, and its reads are counted once.
- The session moves on to `counted` (and so to its digest) only once every network's refresh
  is complete, or could not be, said in its note.
- X bills a read of a post once per UTC day: its posts are looked up only on the UTC day the
  window ended, and only those read that day, so the refresh costs nothing; after that day they
  keep the counts of the chat's last reads, and the session's note says so. Bluesky and Mastodon
  bill nothing and are looked up whenever. A batch looked up again after a crash is read again
  the same day, which X bills no second time (and which the X spending cap counted already, when
  polling read it); only a post X answers that was not asked for is billed.
- A network without a reader keeps its counts as read during the chat (noted). A failed lookup
  is tried again the next minute, or once its 429's reset has passed (the session's `retry_at`
  for that network, as polling keeps it), for up to LAST_POLL_PATIENCE after the window, then
  the session is counted with a note: one network never holds a digest for good.
"""

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from chatdeck import deadline
from chatdeck.domain.archive import (
    BILLED_NETWORK,
    NETWORK_NAMES,
    ArchivedPost,
    ArchiveSession,
    StoredPost,
)
from chatdeck.domain.outcomes import ReadFailed
from chatdeck.domain.schedule import to_iso_utc
from chatdeck.observability import count, logger
from chatdeck.ports import ArchiveStore, PostReader

PRICE_PER_READ = Decimal("0.005")  # X's pay-per-use price of one post read, in USD
READING_ACCOUNT = "cohort"  # the cohort's account on each network reads its chats
LOOKUP_BATCH = 100  # ids in one lookup, at most
IDS_PER_REQUEST = {"x": 100, "bluesky": 25, "mastodon": 1}  # what one request of a lookup reads
BATCH_REQUESTS = 20  # requests of one batch: looked up, stored and passed before the next
REQUESTS_PER_TICK = 60  # lookup requests to one network in one tick
TICK_SECONDS = 2.0  # no batch is started after this long refreshing in one tick
INVOCATION_RESERVE = 10.0  # seconds of the invocation kept for the digests after the refresh
ACCOUNT_PAUSE = timedelta(minutes=15)  # after a network refused the account itself
LAST_POLL_PATIENCE = timedelta(hours=6)  # how long a failing last search or lookup is retried


def network_name(network: str) -> str:
    return NETWORK_NAMES.get(network, network)


def no_reader(network: str) -> str:
    return f"Chatdeck has no connection to read {network_name(network)}."


def on_network(network: str, post: ArchivedPost) -> ArchivedPost:
    """The post as read from `network`: it says so, whatever its reader set."""
    return post if post.network == network else post.model_copy(update={"network": network})


@dataclass
class CountReport:
    now: datetime
    counted: int = 0
    reads: int = 0  # X's, billed
    updated: int = 0
    not_refreshed: int = 0  # sessions whose UTC day had passed
    unfinished: int = 0  # sessions whose refresh goes on next tick
    requests: dict[str, int] = field(default_factory=dict)  # lookup requests, by network
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "now": to_iso_utc(self.now),
            "counted": self.counted,
            "reads": self.reads,
            "updated": self.updated,
            "not_refreshed": self.not_refreshed,
            "unfinished": self.unfinished,
            "requests": self.requests,
            "errors": self.errors,
        }


class TickBudget:
    """What one tick may still spend on lookups: requests per network, and time."""

    def __init__(
        self,
        report: CountReport,
        seconds: float,
        requests: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        left = deadline.remaining()
        if left is not None:  # in a Lambda: leave the digests their time
            seconds = min(seconds, left - INVOCATION_RESERVE)
        self.report = report
        self.clock = clock
        self.ends = clock() + seconds
        self.requests = requests

    def spent(self) -> bool:
        """True once the tick's time for refreshing is up."""
        return self.clock() >= self.ends

    def ids(self, network: str) -> int:
        """How many ids the network's next batch may look up; 0 when none fits this tick."""
        if self.spent():
            return 0
        per_request = IDS_PER_REQUEST.get(network, 1)
        requests = min(BATCH_REQUESTS, self.requests - self.report.requests.get(network, 0))
        return max(0, min(LOOKUP_BATCH, per_request * requests))

    def spend(self, network: str, ids: int) -> None:
        per_request = IDS_PER_REQUEST.get(network, 1)
        requests = -(-ids // per_request)
        self.report.requests[network] = self.report.requests.get(network, 0) + requests


class CountRefresher:
    def __init__(
        self,
        archive: ArchiveStore,
        readers: Mapping[str, PostReader],
        account: str = READING_ACCOUNT,
        tick_seconds: float = TICK_SECONDS,
        requests_per_tick: int = REQUESTS_PER_TICK,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.archive = archive
        self.readers = readers  # the Poller's own, by network
        self.account = account
        self.tick_seconds = tick_seconds
        self.requests_per_tick = requests_per_tick
        self.clock = clock
        self._broken: list[Exception] = []

    def refresh_counts(self, now: datetime) -> CountReport:
        """Look the posts of each ended session up again, for their counts after the chat, as
        far as this tick's budget goes; a session is counted once all its posts were."""
        report = CountReport(now)
        budget = TickBudget(report, self.tick_seconds, self.requests_per_tick, self.clock)
        for session in self.archive.needing_work(now, "ended"):
            if budget.spent():  # not even its posts read (a Query of them all): next tick
                report.unfinished += 1
                continue
            self._refresh(report, session, now, budget)
        count("archive_reads", report.reads)
        broken, self._broken = self._broken, []
        if broken:  # recorded on its network, the others refreshed: the step still fails
            raise broken[0]
        return report

    def _refresh(
        self, report: CountReport, session: ArchiveSession, now: datetime, budget: TickBudget
    ) -> None:
        """Each network's posts looked up on that network, from where its refresh got to; the
        session is counted once every network's are (or could not be, said in its note)."""
        today = now.astimezone(UTC).date()
        stored: dict[str, list[StoredPost]] = {}
        for kept in self.archive.stored_posts(session.occurrence_id):
            stored.setdefault(kept.post.network, []).append(kept)
        notes: list[str] = []
        not_refreshed = unfinished = False
        gave_up = now >= session.window_end + LAST_POLL_PATIENCE
        for network in [*session.networks, *(n for n in stored if n not in session.networks)]:
            posts = stored.get(network, [])
            if network == BILLED_NETWORK:
                if session.window_end.astimezone(UTC).date() != today:
                    # X bills a read of a post once per UTC day. The posts were read during the
                    # chat; looking them up on a later day would bill every one of them again,
                    # so their counts stay as the chat's last reads saw them.
                    notes.append(
                        "Likes, reposts and replies are as read during the chat: the day (UTC) "
                        "of its end had passed, and reading the posts again would be billed "
                        "again."
                        if len(session.networks) == 1
                        else "X's likes, reposts and replies are as read during the chat: the "
                        "day (UTC) of its end had passed, and reading the posts again would be "
                        "billed again."
                    )
                    not_refreshed = True
                    continue
                # Only the posts read today are looked up again: X bills them no second time. A
                # post read before midnight (UTC), in a chat that crossed it, keeps the counts
                # of that read.
                free = [s for s in posts if s.read_on == today]
                if len(free) < len(posts):
                    notes.append(
                        f"{len(posts) - len(free)} posts read before {today:%d %b} (UTC) keep "
                        "the counts of that read: reading them again on another day would be "
                        "billed again."
                    )
                posts = free
            through = session.refreshed.get(network)
            posts = sorted(
                (s for s in posts if through is None or s.post.id > through),
                key=lambda s: s.post.id,
            )
            if not posts:  # none, or all refreshed already
                continue
            wait = session.retry_on(network)
            if wait is not None and now < wait and not gave_up:
                return  # the network said when to ask again (a 429's reset): not before
            reader = self.readers.get(network)
            if reader is None:
                notes.append(
                    f"{network_name(network)}'s likes, reposts and replies are as read during "
                    f"the chat: {no_reader(network)}"
                )
                continue
            looked_up = self._lookup(report, session, network, reader, posts, now, budget)
            if looked_up is None:  # this tick's budget is spent: the rest next tick
                unfinished = True
            elif not looked_up:
                if not gave_up:
                    return  # tried again next minute
                notes.append(
                    f"{network_name(network)}'s likes, reposts and replies are as read during "
                    f"the chat: {network_name(network)} kept failing."
                )
        if unfinished:
            report.unfinished += 1
            return
        if self.archive.advance(session, "counted", now, " ".join(notes) or None):
            report.counted += 1
            report.not_refreshed += not_refreshed

    def _lookup(
        self,
        report: CountReport,
        session: ArchiveSession,
        network: str,
        reader: PostReader,
        posts: list[StoredPost],
        now: datetime,
        budget: TickBudget,
    ) -> bool | None:
        """The network's posts not refreshed yet looked up again, batch by batch, each stored
        and passed (its reads and the refresh's cursor in one write) before the next; False
        when a lookup failed (with when the network may be asked again, if it said), None when
        the tick's budget ran out first."""
        today = now.astimezone(UTC).date()
        known = {s.post.id: s for s in posts}
        ids = [s.post.id for s in posts]
        while ids:
            size = budget.ids(network)
            if size == 0:
                return None
            batch, ids = ids[:size], ids[size:]
            budget.spend(network, len(batch))
            try:
                fresh = [
                    on_network(network, post) for post in reader.lookup_posts(self.account, batch)
                ]
            except ReadFailed as failure:
                wait = failure.retry_at or (now + ACCOUNT_PAUSE if failure.account_wide else None)
                self.archive.add_reads(session, 0, PRICE_PER_READ, failure.reason, network, wait)
                name = network_name(network)
                report.errors.append(f"{session.occurrence_id} ({name}): {failure.reason}")
                return False
            except Exception as failure:  # one network's broken reader never stops the others
                reason = f"{network_name(network)} could not be read ({type(failure).__name__})."
                logger.exception("A lookup broke", extra={"network": network})
                self._broken.append(failure)
                self.archive.add_reads(session, 0, PRICE_PER_READ, reason, network)
                report.errors.append(f"{session.occurrence_id} ({network_name(network)}): {reason}")
                return False
            if network == BILLED_NETWORK:
                # Nothing is billed unless X answered a post that was not asked for.
                reads = sum(1 for post in fresh if post.id not in known)
            else:
                reads = len(fresh)
            changed = [post for post in fresh if _changed(known.get(post.id), post)]
            self.archive.update_counts(session.occurrence_id, changed, today)
            # the batch is passed in the same write as its reads: a tick dying before it
            # repeats this batch, whose reads were not counted
            self.archive.add_reads(session, reads, PRICE_PER_READ, None, network, None, batch[-1])
            if network == BILLED_NETWORK:
                report.reads += reads
            report.updated += len(changed)
        return True


def _changed(stored: StoredPost | None, fresh: ArchivedPost) -> bool:
    if stored is None:
        return False
    old = stored.post
    counts = (old.likes, old.reposts, old.replies, old.quotes)
    return counts != (fresh.likes, fresh.reposts, fresh.replies, fresh.quotes)
