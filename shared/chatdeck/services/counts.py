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
  The posts are read past that cursor only (`ArchiveStore.stored_posts_after`), as many at once
  as the tick may still look up (at most READ_AHEAD: one Query for several batches): before,
  every tick read all of the session's posts again (a 1,500-post Query, some 2 s on moto
  server, in every tick of the refresh).
- A tick in which a session is counted refreshes nothing more: that session's digest goes out
  in the same tick, after the refresh, and needs the time (bench item 4: the ticks over 5 s were
  those where a refresh's whole time budget and a 1,500-post digest met).
- X first: sessions on X before the others, and within a session X's posts before the other
  networks', so that a tick's time goes to X's free lookups while the UTC day of the window's
  end lasts (a chat ending near midnight UTC would otherwise lose them to Mastodon's slow ones).
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
from datetime import UTC, date, datetime, timedelta
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
READ_AHEAD = 500  # stored posts read at once for a network's next batches, at most
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

    def stop(self) -> None:
        """Nothing more is refreshed this tick."""
        self.ends = self.clock()

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

    def posts_left(self, network: str) -> int:
        """How many ids the network's lookups may still take this tick (time aside)."""
        left = self.requests - self.report.requests.get(network, 0)
        return max(0, IDS_PER_REQUEST.get(network, 1) * left)

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
        far as this tick's budget goes; a session is counted once all its posts were. Sessions
        on X go first: X's lookups are free only until the UTC day of their window's end ends."""
        report = CountReport(now)
        budget = TickBudget(report, self.tick_seconds, self.requests_per_tick, self.clock)
        sessions = self.archive.needing_work(now, "ended")
        for session in sorted(sessions, key=lambda s: BILLED_NETWORK not in s.networks):
            if budget.spent():  # not even its next posts read: next tick
                report.unfinished += 1
                continue
            counted = report.counted
            self._refresh(report, session, now, budget)
            if report.counted > counted:
                # Its digest goes out in this same tick (the companion's next step) and reads
                # the whole session: the rest of the tick is the digest's.
                budget.stop()
        count("archive_reads", report.reads)
        broken, self._broken = self._broken, []
        if broken:  # recorded on its network, the others refreshed: the step still fails
            raise broken[0]
        return report

    def _refresh(
        self, report: CountReport, session: ArchiveSession, now: datetime, budget: TickBudget
    ) -> None:
        """Each network's posts looked up on that network (X's first), from where its refresh
        got to; the session is counted once every network's are (or could not be, said in its
        note)."""
        today = now.astimezone(UTC).date()
        notes: list[str] = []
        not_refreshed = unfinished = False
        gave_up = now >= session.window_end + LAST_POLL_PATIENCE
        for network in session.networks:  # X's first: a chat keeps its networks so
            if network == BILLED_NETWORK and session.window_end.astimezone(UTC).date() != today:
                # X bills a read of a post once per UTC day. The posts were read during the
                # chat; looking them up on a later day would bill every one of them again, so
                # their counts stay as the chat's last reads saw them.
                notes.append(
                    "Likes, reposts and replies are as read during the chat: the day (UTC) of "
                    "its end had passed, and reading the posts again would be billed again."
                    if len(session.networks) == 1
                    else "X's likes, reposts and replies are as read during the chat: the day "
                    "(UTC) of its end had passed, and reading the posts again would be billed "
                    "again."
                )
                not_refreshed = True
                continue
            through = session.refreshed.get(network)
            first = self._next_posts(session, network, through, budget)
            if not first[0]:  # none, or all refreshed already
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
            looked_up = self._lookup(report, session, network, reader, first, now, budget)
            if looked_up is None:  # this tick's budget is spent: the rest next tick
                unfinished = True
            elif not looked_up:
                if not gave_up:
                    return  # tried again next minute
                last = session.error_on(network)  # the cap's reason, say: the admins' to act on
                notes.append(
                    f"{network_name(network)}'s likes, reposts and replies are as read during "
                    f"the chat: {network_name(network)} kept failing."
                    + (f" {last}" if last else "")
                )
        if unfinished:
            report.unfinished += 1
            return
        read_before = self._read_before(session, today)
        if read_before:
            notes.insert(
                0,
                f"{read_before} posts read before {today:%d %b} (UTC) keep the counts of that "
                "read: reading them again on another day would be billed again.",
            )
        if self.archive.advance(session, "counted", now, " ".join(notes) or None):
            report.counted += 1
            report.not_refreshed += not_refreshed

    def _next_posts(
        self, session: ArchiveSession, network: str, through: str | None, budget: TickBudget
    ) -> tuple[list[StoredPost], bool]:
        """The network's next stored posts past `through`, as many as this tick may still look
        up (at most READ_AHEAD), in one read; and whether more follow them (one more is read to
        know)."""
        ahead = max(1, min(READ_AHEAD, budget.posts_left(network)))
        found = self.archive.stored_posts_after(session.occurrence_id, network, through, ahead + 1)
        return found[:ahead], len(found) > ahead

    def _read_before(self, session: ArchiveSession, today: date) -> int:
        """How many of the session's X posts were read before today (UTC), and so kept the
        counts of that read. Only a window that began on an earlier day has any: only then are
        X's posts read again (once, as the session is counted)."""
        if (
            BILLED_NETWORK not in session.networks
            or session.window_end.astimezone(UTC).date() != today
            or session.window_start.astimezone(UTC).date() == today
        ):
            return 0
        posts = self.archive.stored_posts_after(session.occurrence_id, BILLED_NETWORK, None)
        return sum(1 for kept in posts if kept.read_on != today)

    def _lookup(
        self,
        report: CountReport,
        session: ArchiveSession,
        network: str,
        reader: PostReader,
        first: tuple[list[StoredPost], bool],
        now: datetime,
        budget: TickBudget,
    ) -> bool | None:
        """The network's posts not refreshed yet looked up again, batch by batch (from `first`,
        then from each next read past the last batch), each stored and passed (its reads and
        the refresh's cursor in one write) before the next; False when a lookup failed (with
        when the network may be asked again, if it said), None when the tick's budget ran out
        first. X's posts read before today (UTC) are passed without a lookup: they would be
        billed."""
        today = now.astimezone(UTC).date()
        (read, more), through = first, session.refreshed.get(network)
        while True:
            size = budget.ids(network)
            if size == 0:
                return None
            if not read:
                read, more = self._next_posts(session, network, through, budget)
                if not read:
                    return True
            page, read = read[:size], read[size:]
            posts = [s for s in page if network != BILLED_NETWORK or s.read_on == today]
            known = {s.post.id: s for s in posts}
            batch = [s.post.id for s in posts]
            budget.spend(network, len(batch))
            try:
                looked_up = reader.lookup_posts(self.account, batch) if batch else []
                fresh = [on_network(network, post) for post in looked_up]
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
            through = page[-1].post.id
            self.archive.add_reads(session, reads, PRICE_PER_READ, None, network, None, through)
            if network == BILLED_NETWORK:
                report.reads += reads
            report.updated += len(changed)
            if not read and not more:
                return True  # the network's last posts were looked up


def _changed(stored: StoredPost | None, fresh: ArchivedPost) -> bool:
    if stored is None:
        return False
    old = stored.post
    counts = (old.likes, old.reposts, old.replies, old.quotes)
    return counts != (fresh.likes, fresh.reposts, fresh.replies, fresh.quotes)
