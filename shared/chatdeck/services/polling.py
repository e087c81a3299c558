"""Archiving a chat while it is live, then refreshing its counts once, for the digest.

A session's life, one status at a time on its META (docs/architecture.md, issue 4):

- **polling**: each minute of the occurrence's window (15 minutes before the start to 30 after
  the end), one recent search for the chat's hashtags (`#a -is:retweet`, or
  `(#a OR #b) -is:retweet`) from the last post seen (`since_id`; the window's start on the first
  poll), following every `next_token`, so a burst of posts between two polls is kept whole. Each
  post is stored once. Every post a read returns is billed ($0.005, once per post and UTC day),
  so the reads and their cost are added up on the session, and polling stops for good when the
  session's read budget is used up (`stop_reason` says so). A chat on another network is skipped,
  with a log line, until it has an adapter. Outside every window nothing calls the network.
- **ended**: once the window is over, a last search bounded by its end (X accepts an `end_time`
  only 10 seconds after it), then the session ends.
- **counted**: the stored posts are looked up again, 100 ids a request, for their likes, reposts,
  replies and quotes, on the same UTC day as the window's end only, and only those read that
  day: X bills a post read once per UTC day, so the refresh costs nothing (`refresh_counts`).
- **digested**: set by the digest step once subscribers have had it.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from chatdeck.domain.archive import ArchiveSession, PollResult, SessionArchive, StoredPost
from chatdeck.domain.chats import Chat, Occurrence, occurrences
from chatdeck.domain.outcomes import ReadFailed
from chatdeck.domain.schedule import to_iso_utc
from chatdeck.observability import count, logger
from chatdeck.ports import ArchiveStore, ChatStore, PostReader

if TYPE_CHECKING:
    from chatdeck.domain.archive import ArchivedPost

PRICE_PER_READ = Decimal("0.005")  # X's pay-per-use price of one post read, in USD
DEFAULT_BUDGET_READS = 2000
DEFAULT_RETENTION = timedelta(days=180)
READING_ACCOUNT = "cohort"
LOOKUP_BATCH = 100  # ids in one GET /2/tweets
END_TIME_MARGIN = timedelta(seconds=10)  # X refuses an end_time less than 10 seconds old
ACCOUNT_PAUSE = timedelta(minutes=15)  # after X refused the account itself, before trying again
LAST_POLL_PATIENCE = timedelta(hours=6)  # how long a failing last search is retried
SUPPORTED_NETWORKS = frozenset({"x"})


@dataclass
class PollReport:
    now: datetime
    polled: int = 0
    reads: int = 0
    added: int = 0
    ended: int = 0
    skipped: int = 0
    unread: int = 0  # sessions ended with no post stored because their searches all failed
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "now": to_iso_utc(self.now),
            "polled": self.polled,
            "reads": self.reads,
            "added": self.added,
            "ended": self.ended,
            "skipped": self.skipped,
            "errors": self.errors,
        }


@dataclass
class CountReport:
    now: datetime
    counted: int = 0
    reads: int = 0
    updated: int = 0
    not_refreshed: int = 0  # sessions whose UTC day had passed
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "now": to_iso_utc(self.now),
            "counted": self.counted,
            "reads": self.reads,
            "updated": self.updated,
            "not_refreshed": self.not_refreshed,
            "errors": self.errors,
        }


def search_query(chat: Chat) -> str:
    """The chat's hashtags, reposts left out. AND binds tighter than OR on X, hence the
    parentheses: `#a OR #b -is:retweet` would keep the reposts of #a."""
    tags = [chat.hashtag, *chat.extra_tags]
    either = tags[0] if len(tags) == 1 else "(" + " OR ".join(tags) + ")"
    return f"{either} -is:retweet"


class Poller:
    def __init__(
        self,
        chats: ChatStore,
        archive: ArchiveStore,
        reader: PostReader,
        budget_reads: int = DEFAULT_BUDGET_READS,
        retention: timedelta = DEFAULT_RETENTION,
        account: str = READING_ACCOUNT,
    ) -> None:
        self.chats = chats
        self.archive = archive
        self.reader = reader
        self.budget_reads = budget_reads
        self.retention = retention
        self.account = account

    # polling

    def poll(self, now: datetime) -> PollReport:
        """Poll every session whose window is open now, and end those whose window closed."""
        report = PollReport(now)
        for chat, occurrence in self.live(now):
            if chat.network not in SUPPORTED_NETWORKS:
                logger.info(
                    "Polling skips a chat on a network it cannot read yet",
                    extra={"chat": chat.id, "network": chat.network},
                )
                report.skipped += 1
                continue
            session = self.archive.get(occurrence.id) or self.archive.start(
                self.new_session(chat, occurrence)
            )
            self._poll_into(report, session, now, until=None)
        for session in self.archive.needing_work(now, "polling"):
            self._end(report, session, now)
        count("archive_reads", report.reads)
        count("sessions_unread", report.unread)
        return report

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
            network=chat.network,
            query=search_query(chat),
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
    ) -> PollResult | None:
        result = self.poll_session(session, now, until)
        if result is not None:
            report.polled += 1
            report.reads += result.reads
            report.added += result.added
            if result.error:
                report.errors.append(f"{session.occurrence_id}: {result.error}")
        return result

    def poll_session(
        self, session: ArchiveSession, now: datetime, until: datetime | None = None
    ) -> PollResult | None:
        """One search of the session's hashtags, every page of it; None when the session may not
        be polled now (its budget is used up, or X said to wait)."""
        if session.stop_reason is not None:
            return None
        if session.retry_at is not None and now < session.retry_at:
            return None
        remaining = session.budget_reads - session.reads
        if remaining <= 0:
            result = PollResult(0, 0, None, now, stop_reason=self._budget_reason(session, now, 0))
            self.archive.record_poll(session, result, PRICE_PER_READ)
            return result
        reads = added = 0
        newest: str | None = None
        token: str | None = None
        every_page = False
        error: str | None = None
        retry_at: datetime | None = None
        try:
            while True:
                page = self.reader.search_recent(
                    self.account,
                    session.query,
                    since_id=session.since_id,
                    start_time=None if session.since_id else session.window_start,
                    end_time=until,
                    next_token=token,
                    max_results=min(100, remaining - reads),
                )
                reads += page.reads
                newest = newest or page.newest_id  # the first page holds the newest post
                kept = [post for post in page.posts if not post.is_repost]
                added += self.archive.add_posts(session, kept, now.astimezone(UTC).date())
                token = page.next_token
                if token is None:
                    every_page = True
                    break
                if reads >= remaining:
                    break
        except ReadFailed as failure:
            error = failure.reason
            retry_at = failure.retry_at or (now + ACCOUNT_PAUSE if failure.account_wide else None)
            logger.warning(
                "A chat's search failed",
                extra={"session": session.occurrence_id, "reason": failure.reason},
            )
        stop = None
        if session.reads + reads >= session.budget_reads:
            stop = self._budget_reason(session, now, reads)
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
        )
        self.archive.record_poll(session, result, PRICE_PER_READ)
        return result

    def _budget_reason(self, session: ArchiveSession, now: datetime, reads: int) -> str:
        return (
            f"Polling stopped at {now:%H:%M} UTC: the session read {session.reads + reads} "
            f"posts, and its budget is {session.budget_reads} posts "
            f"(${PRICE_PER_READ * session.budget_reads:.2f} at X's price per post read)."
        )

    def _end(self, report: PollReport, session: ArchiveSession, now: datetime) -> None:
        """The last search of a session whose window is over, bounded by the window's end; the
        session ends once it has been read (or polling had stopped, or X kept failing)."""
        if now < session.window_end + END_TIME_MARGIN:
            return  # X would refuse the window's end as an end_time yet
        note = None
        unread = False
        gave_up = now >= session.window_end + LAST_POLL_PATIENCE
        if session.stop_reason is None:
            waiting = session.retry_at is not None and now < session.retry_at
            result = None if waiting else self._poll_into(report, session, now, session.window_end)
            failed = waiting or result is None or result.error is not None
            if failed and not gave_up:
                return
            if failed:
                note = "The last minutes of the window could not be read: X kept failing."
                added = result.added if result is not None else 0
                unread = session.posts + added == 0 and session.last_error is not None
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
        report = CountReport(now)
        today = now.astimezone(UTC).date()
        for session in self.archive.needing_work(now, "ended"):
            if session.window_end.astimezone(UTC).date() != today:
                # X bills a read of a post once per UTC day. The posts were read during the chat;
                # looking them up on a later day would bill every one of them again, so their
                # counts stay as the chat's last reads saw them.
                note = (
                    "Likes, reposts and replies are as read during the chat: the day (UTC) of "
                    "its end had passed, and reading the posts again would be billed again."
                )
                if self.archive.advance(session, "counted", now, note):
                    report.counted += 1
                    report.not_refreshed += 1
                continue
            self._refresh(report, session, now)
        count("archive_reads", report.reads)
        return report

    def _refresh(self, report: CountReport, session: ArchiveSession, now: datetime) -> None:
        today = now.astimezone(UTC).date()
        stored = self.archive.stored_posts(session.occurrence_id)
        # Only the posts read today are looked up again: X bills them no second time. A post
        # read before midnight (UTC), in a chat that crossed it, keeps the counts of that read.
        free = [s for s in stored if s.read_on == today]
        note = None
        if len(free) < len(stored):
            note = (
                f"{len(stored) - len(free)} posts read before {today:%d %b} (UTC) keep the "
                "counts of that read: reading them again on another day would be billed again."
            )
        known = {s.post.id: s for s in free}
        for batch in _batches([s.post.id for s in free], LOOKUP_BATCH):
            try:
                fresh = self.reader.lookup_posts(self.account, batch)
            except ReadFailed as failure:  # tried again next minute, still free today
                self.archive.add_reads(session, 0, PRICE_PER_READ, failure.reason)
                report.errors.append(f"{session.occurrence_id}: {failure.reason}")
                return
            # Nothing is billed unless X answered a post that was not asked for.
            reads = sum(1 for post in fresh if post.id not in known)
            changed = [post for post in fresh if _changed(known.get(post.id), post)]
            self.archive.update_counts(session.occurrence_id, changed, today)
            if reads:
                self.archive.add_reads(session, reads, PRICE_PER_READ)
            report.reads += reads
            report.updated += len(changed)
        if self.archive.advance(session, "counted", now, note):
            report.counted += 1

    # digests

    def sessions_ready_for_digest(self, now: datetime) -> list[ArchiveSession]:
        return self.archive.needing_work(now, "counted")

    def mark_digested(self, session: ArchiveSession, now: datetime | None = None) -> bool:
        return self.archive.advance(session, "digested", now or datetime.now(UTC))

    def session(self, occurrence_id: str) -> SessionArchive | None:
        """The session's META and its posts, oldest first, for the digest page."""
        return self.archive.session(occurrence_id)


def _batches(ids: Sequence[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def _changed(stored: StoredPost | None, fresh: "ArchivedPost") -> bool:
    if stored is None:
        return False
    old = stored.post
    counts = (old.likes, old.reposts, old.replies, old.quotes)
    return counts != (fresh.likes, fresh.reposts, fresh.replies, fresh.quotes)
