"""Refreshing the counts of an ended chat session's posts, once, for its digest (the Poller's
`counted` step; services/polling.py has the session's whole life).

- Each network's stored posts are looked up on that network (`lookup_posts`, 100 ids a request)
  for their likes, reposts, replies and quotes, and the changed ones stored.
- X bills a read of a post once per UTC day: its posts are looked up only on the UTC day the
  window ended, and only those read that day, so the refresh costs nothing; after that day they
  keep the counts of the chat's last reads, and the session's note says so. Bluesky and Mastodon
  bill nothing and are looked up whenever.
- A network without a reader keeps its counts as read during the chat (noted). A failed lookup
  is tried again the next minute, or once its 429's reset has passed (the session's `retry_at`
  for that network, as polling keeps it), for up to LAST_POLL_PATIENCE after the window, then
  the session is counted with a note: one network never holds a digest for good.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

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
LOOKUP_BATCH = 100  # ids in one lookup
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


class CountRefresher:
    def __init__(
        self,
        archive: ArchiveStore,
        readers: Mapping[str, PostReader],
        account: str = READING_ACCOUNT,
    ) -> None:
        self.archive = archive
        self.readers = readers  # the Poller's own, by network
        self.account = account
        self._broken: list[Exception] = []

    def refresh_counts(self, now: datetime) -> CountReport:
        """Look the posts of each ended session up again, for their counts after the chat."""
        report = CountReport(now)
        for session in self.archive.needing_work(now, "ended"):
            self._refresh(report, session, now)
        count("archive_reads", report.reads)
        broken, self._broken = self._broken, []
        if broken:  # recorded on its network, the others refreshed: the step still fails
            raise broken[0]
        return report

    def _refresh(self, report: CountReport, session: ArchiveSession, now: datetime) -> None:
        """Each network's posts looked up on that network; the session is counted once every
        network's are (or could not be, said in its note)."""
        today = now.astimezone(UTC).date()
        stored: dict[str, list[StoredPost]] = {}
        for kept in self.archive.stored_posts(session.occurrence_id):
            stored.setdefault(kept.post.network, []).append(kept)
        notes: list[str] = []
        not_refreshed = False
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
            if not posts:
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
            if not self._lookup(report, session, network, reader, posts, now):
                if not gave_up:
                    return  # tried again next minute
                notes.append(
                    f"{network_name(network)}'s likes, reposts and replies are as read during "
                    f"the chat: {network_name(network)} kept failing."
                )
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
    ) -> bool:
        """The network's stored posts looked up again; False when a lookup failed (with when
        the network may be asked again, if it said)."""
        today = now.astimezone(UTC).date()
        known = {s.post.id: s for s in posts}
        for batch in _batches([s.post.id for s in posts], LOOKUP_BATCH):
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
            if reads:
                self.archive.add_reads(session, reads, PRICE_PER_READ, None, network)
            if network == BILLED_NETWORK:
                report.reads += reads
            report.updated += len(changed)
        return True


def _batches(ids: Sequence[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def _changed(stored: StoredPost | None, fresh: ArchivedPost) -> bool:
    if stored is None:
        return False
    old = stored.post
    counts = (old.likes, old.reposts, old.replies, old.quotes)
    return counts != (fresh.likes, fresh.reposts, fresh.replies, fresh.quotes)
