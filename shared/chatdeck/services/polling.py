"""Archiving a chat while it is live, on every network it runs on, then refreshing its counts
once, for the digest.

A session is one occurrence of a chat, however many networks it runs on (X, Bluesky,
Mastodon): one META, one set of posts (each saying its network), one digest. Each network has a
PostReader (`readers`, by network) and is polled on its own: its own cursor, reads, errors and
waits, so a failure, a rate limit or a missing connection on one network never stops the others.

A session's life, one status at a time on its META (docs/architecture.md, issue 4):

- **polling**: each minute of the occurrence's window (15 minutes before the start to 30 after
  the end), one recent search per network for the chat's hashtags, from the last post that
  network gave (`since(network)`; the window's start on the first poll), following every
  `next_token`, so a burst of posts between two polls is kept whole. Each post is stored once.
  Only X bills reads: every post an X read returns is billed ($0.005, once per post and UTC day),
  so X's reads and their cost are added up on the session, and polling X stops for good when the
  session's read budget is used up (`stop_reason` says so); Bluesky and Mastodon are read
  freely. The cohort's monthly X spending cap (`spending`, services/x_spending.py) bounds each
  search by the reads left under it, counts what each page returned, and stops polling X for the
  session, with the cap as its `stop_reason`, once no read fits. A network without a reader is
  recorded as an error on that network. Outside every window nothing calls any network.
- **ended**: once the window is over, a last search per network bounded by its end (X accepts an
  `end_time` only 10 seconds after it), then the session ends (after LAST_POLL_PATIENCE even if a
  network kept failing, with a note).
- **counted**: the stored posts are looked up again on their own network for their likes,
  reposts, replies and quotes (services/counts.py: on X only on the same UTC day as the window's
  end, and only the posts read that day, so the refresh costs nothing), a bounded batch a tick
  (`refresh_seconds` of each at most), from where the last tick got to; counted once all are.
- **digested**: set by the digest step once subscribers have had it.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from chatdeck.domain.archive import (
    BILLED_NETWORK,
    ArchiveSession,
    PollResult,
    SessionArchive,
)
from chatdeck.domain.chats import Chat, Occurrence, occurrences
from chatdeck.domain.outcomes import ReadFailed
from chatdeck.domain.schedule import to_iso_utc
from chatdeck.observability import count, logger
from chatdeck.ports import ArchiveStore, ChatStore, PostReader
from chatdeck.services.counts import (
    ACCOUNT_PAUSE,
    LAST_POLL_PATIENCE,
    PRICE_PER_READ,
    READING_ACCOUNT,
    TICK_SECONDS,
    CountRefresher,
    CountReport,
    network_name,
    no_reader,
    on_network,
)
from chatdeck.services.x_spending import XSpendingGuard

DEFAULT_BUDGET_READS = 2000
DEFAULT_RETENTION = timedelta(days=180)
END_TIME_MARGIN = timedelta(seconds=10)  # X refuses an end_time less than 10 seconds old
MAX_FREE_PAGES = 100  # pages of one poll of a network that bills nothing (10,000 posts)


@dataclass
class PollReport:
    now: datetime
    polled: int = 0
    reads: int = 0  # X's, billed
    added: int = 0
    ended: int = 0
    unread: int = 0  # sessions ended with no post stored because their searches all failed
    errors: list[str] = field(default_factory=list)
    reads_by_network: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "now": to_iso_utc(self.now),
            "polled": self.polled,
            "reads": self.reads,
            "reads_by_network": self.reads_by_network,
            "added": self.added,
            "ended": self.ended,
            "errors": self.errors,
        }


class Poller:
    def __init__(
        self,
        chats: ChatStore,
        archive: ArchiveStore,
        readers: Mapping[str, PostReader],
        budget_reads: int = DEFAULT_BUDGET_READS,
        retention: timedelta = DEFAULT_RETENTION,
        account: str = READING_ACCOUNT,
        spending: XSpendingGuard | None = None,
        refresh_seconds: float = TICK_SECONDS,
    ) -> None:
        self.spending = spending  # X's monthly cap; None: X's reads are not counted
        self.chats = chats
        self.archive = archive
        self.readers = readers  # built lazily: a network's client loads when first polled
        self.budget_reads = budget_reads
        self.retention = retention
        self.account = account
        self._broken: list[Exception] = []  # what broke during this step, raised at its end
        # the count refresh after a window, a bounded batch a tick (services/counts.py)
        self.counts = CountRefresher(archive, self.readers, account, refresh_seconds)

    # polling

    def poll(self, now: datetime) -> PollReport:
        """Poll every session whose window is open now, and end those whose window closed."""
        report = PollReport(now)
        for chat, occurrence in self.live(now):
            session = self.archive.get(occurrence.id) or self.archive.start(
                self.new_session(chat, occurrence)
            )
            self._poll_into(report, session, now, until=None)
        for session in self.archive.needing_work(now, "polling"):
            self._end(report, session, now)
        count("archive_reads", report.reads)
        count("sessions_unread", report.unread)
        self._raise_what_broke()
        return report

    def _raise_what_broke(self) -> None:
        """A reader that broke (a bug, not a failed read) was recorded on its network and the
        others were read all the same; the step still fails, so it is seen and alarmed on."""
        broken, self._broken = self._broken, []
        if broken:
            raise broken[0]

    def live(self, now: datetime) -> list[tuple[Chat, Occurrence]]:
        """The chats' occurrences whose window holds `now`."""
        found = []
        for chat in self.chats.all():
            for occurrence in occurrences(chat, now - timedelta(days=1), now + timedelta(days=1)):
                start, end = occurrence.window
                if start <= now < end:
                    found.append((chat, occurrence))
        return found

    def new_session(self, chat: Chat, occurrence: Occurrence) -> ArchiveSession:
        window_start, window_end = occurrence.window
        return ArchiveSession(
            occurrence_id=occurrence.id,
            chat_id=chat.id,
            networks=tuple(chat.networks),
            hashtags=(chat.hashtag, *chat.extra_tags),
            start_utc=occurrence.start_utc,
            end_utc=occurrence.end_utc,
            window_start=window_start,
            window_end=window_end,
            status="polling",
            budget_reads=self.budget_reads,
            expires_at=occurrence.end_utc + self.retention,
        )

    def _poll_into(
        self, report: PollReport, session: ArchiveSession, now: datetime, until: datetime | None
    ) -> dict[str, PollResult | None]:
        results = {
            network: self.poll_network(session, network, now, until) for network in session.networks
        }
        polled = [result for result in results.values() if result is not None]
        if polled:
            report.polled += 1
        for result in polled:
            if result.network == BILLED_NETWORK:
                report.reads += result.reads
            by_network = report.reads_by_network
            by_network[result.network] = by_network.get(result.network, 0) + result.reads
            report.added += result.added
            if result.error:
                name = network_name(result.network)
                report.errors.append(f"{session.occurrence_id} ({name}): {result.error}")
        return results

    def poll_session(
        self, session: ArchiveSession, now: datetime, until: datetime | None = None
    ) -> list[PollResult]:
        """One search of the session's hashtags on each of its networks; what each read."""
        found = (self.poll_network(session, n, now, until) for n in session.networks)
        return [result for result in found if result is not None]

    def poll_network(
        self, session: ArchiveSession, network: str, now: datetime, until: datetime | None = None
    ) -> PollResult | None:
        """One search of the session's hashtags on one network, every page of it; None when that
        network may not be polled now (X's budget is used up, or the network said to wait)."""
        billed = network == BILLED_NETWORK
        if billed and session.stop_reason is not None:
            return None
        retry_at = session.retry_on(network)
        if retry_at is not None and now < retry_at:
            return None
        reader = self.readers.get(network)
        if reader is None:
            result = PollResult(0, 0, None, now, error=no_reader(network), network=network)
            self.archive.record_poll(session, result, PRICE_PER_READ)
            return result
        remaining = session.budget_reads - session.reads if billed else None
        if remaining is not None and remaining <= 0:
            used_up = self._budget_reason(session, now, 0)
            result = PollResult(0, 0, None, now, stop_reason=used_up, network=network)
            self.archive.record_poll(session, result, PRICE_PER_READ)
            return result
        under_cap = self._reads_under_cap(session, network, now) if billed else None
        if isinstance(under_cap, PollResult):
            return under_cap
        if remaining is not None and under_cap is not None:
            remaining = min(remaining, under_cap)
        since_id = session.since(network)
        reads = added = pages = 0
        newest: str | None = None
        token: str | None = None
        every_page = False
        error: str | None = None
        retry_at = None
        account_wide = False
        try:
            while True:
                page = reader.search_recent(
                    self.account,
                    session.hashtags,
                    since_id=since_id,
                    start_time=None if since_id else session.window_start,
                    end_time=until,
                    next_token=token,
                    max_results=100 if remaining is None else min(100, remaining - reads),
                )
                reads += page.reads
                pages += 1
                if billed and self.spending is not None:
                    self.spending.count_reads([post.id for post in page.posts], now)
                newest = newest or page.newest_id  # the first page holds the newest post
                kept = [on_network(network, post) for post in page.posts if not post.is_repost]
                added += self.archive.add_posts(session, kept, now.astimezone(UTC).date())
                token = page.next_token
                if token is None:
                    every_page = True
                    break
                if (remaining is not None and reads >= remaining) or pages >= MAX_FREE_PAGES:
                    break
        except ReadFailed as failure:
            error, account_wide = failure.reason, failure.account_wide
            retry_at = failure.retry_at or (now + ACCOUNT_PAUSE if failure.account_wide else None)
            logger.warning(
                "A chat's search failed",
                extra={"session": session.occurrence_id, "network": network,
                       "reason": failure.reason},
            )  # fmt: skip
        except Exception as failure:  # one network's broken reader never stops the others
            error = f"{network_name(network)} could not be read ({type(failure).__name__})."
            logger.exception(
                "A chat's search broke",
                extra={"session": session.occurrence_id, "network": network},
            )
            self._broken.append(failure)
        stop: str | None = None
        if billed and session.reads + reads >= session.budget_reads:
            stop = self._budget_reason(session, now, reads)
        elif billed and under_cap is not None and reads >= under_cap and self.spending:
            stop = self.spending.polling_stopped(now)
        result = PollResult(
            reads=reads,
            added=added,
            # The next poll starts after the newest post only once every page up to it is
            # stored; otherwise it reads the same span again (the stored posts stay as they are).
            newest_id=newest if every_page or stop else None,
            polled_at=now,
            error=error,
            retry_at=retry_at,
            stop_reason=stop,
            network=network,
            account_wide=account_wide,
        )
        self.archive.record_poll(session, result, PRICE_PER_READ)
        return result

    def _reads_under_cap(
        self, session: ArchiveSession, network: str, now: datetime
    ) -> int | PollResult | None:
        """The reads left under the X spending cap (None: no cap), or, when none is left or
        the cap cannot be read (fail-safe: no uncounted read), the poll's recorded result."""
        if self.spending is None:
            return None
        try:
            left = self.spending.reads_left(now)
            if left is None or left > 0:
                return left
            result = PollResult(
                0, 0, None, now, stop_reason=self.spending.polling_stopped(now), network=network
            )
        except Exception as failure:
            logger.exception("The X spending cap could not be read", extra={"network": network})
            self._broken.append(failure)
            error = "X was not read: Chatdeck could not check the cohort's X spending cap."
            result = PollResult(0, 0, None, now, error=error, network=network)
        self.archive.record_poll(session, result, PRICE_PER_READ)
        return result

    def _budget_reason(self, session: ArchiveSession, now: datetime, reads: int) -> str:
        return (
            f"Polling X stopped at {now:%H:%M} UTC: the session read {session.reads + reads} "
            f"posts there, and its budget is {session.budget_reads} posts "
            f"(${PRICE_PER_READ * session.budget_reads:.2f} at X's price per post read)."
        )

    def _end(self, report: PollReport, session: ArchiveSession, now: datetime) -> None:
        """The last search of each network of a session whose window is over, bounded by the
        window's end; the session ends once every network has been read, or cannot be: polling it
        had stopped, it has no reader, it refused the account itself (only an admin can mend
        that; the digest does not wait for them), or it kept failing for LAST_POLL_PATIENCE."""
        if now < session.window_end + END_TIME_MARGIN:
            return  # X would refuse the window's end as an end_time yet
        gave_up = now >= session.window_end + LAST_POLL_PATIENCE
        waiting = {
            n for n in session.networks if (at := session.retry_on(n)) is not None and now < at
        }
        results = self._poll_into(report, session, now, session.window_end)
        failed = [
            network
            for network, result in results.items()
            if network in waiting
            or (
                result is not None
                and result.error is not None
                and network in self.readers
                and not result.account_wide
            )
            or (result is None and not (network == BILLED_NETWORK and session.stop_reason))
        ]
        if failed and not gave_up:
            return
        note = None
        unread = False
        if failed:
            names = " and ".join(network_name(n) for n in failed)
            note = f"The last minutes of the window could not be read on {names}: it kept failing."
            added = sum(result.added for result in results.values() if result is not None)
            unread = session.posts + added == 0 and bool(session.failing)
        if self.archive.advance(session, "ended", now, note):
            report.ended += 1
            if unread:
                report.unread += 1
                logger.warning(
                    "A chat session ended with nothing read",
                    extra={"session": session.occurrence_id},
                )
            logger.info("A chat session ended", extra={"session": session.occurrence_id})

    # counts

    def refresh_counts(self, now: datetime) -> CountReport:
        """Look the posts of each ended session up again, for their counts after the chat."""
        return self.counts.refresh_counts(now)

    # digests

    def sessions_ready_for_digest(self, now: datetime) -> list[ArchiveSession]:
        return self.archive.needing_work(now, "counted")

    def mark_digested(self, session: ArchiveSession, now: datetime | None = None) -> bool:
        return self.archive.advance(session, "digested", now or datetime.now(UTC))

    def session(self, occurrence_id: str) -> SessionArchive | None:
        """The session's META and its posts, oldest first, for the digest page."""
        return self.archive.session(occurrence_id)
