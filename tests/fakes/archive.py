"""The companion's archive of chat sessions: posts known by (network, id), as the adapter keys
them; each network's polling state kept apart, X's in the session's own fields."""

import threading
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from chatdeck.domain.archive import (
    ArchivedPost,
    ArchiveSession,
    PollResult,
    SessionArchive,
    SessionStatus,
    StoredPost,
)
from tests.fakes.shaping import epoch_second, iso, maybe_second, second

# ----- the companion's archive ------------------------------------------------------------------


def _stored_session(session: ArchiveSession) -> ArchiveSession:
    """A session as the adapter writes its META and reads it back."""
    return replace(
        session,
        start_utc=second(session.start_utc),
        end_utc=second(session.end_utc),
        window_start=second(session.window_start),
        window_end=second(session.window_end),
        expires_at=epoch_second(session.expires_at),
        last_polled_at=maybe_second(session.last_polled_at),
        retry_at=maybe_second(session.retry_at),
        retries={n: second(at) for n, at in session.retries.items()},
    )


def _archived(post: ArchivedPost) -> ArchivedPost:
    return post.model_copy(update={"created_at": post.created_at.astimezone(UTC)})


def _with(values: Mapping[str, Any], network: str, value: Any) -> dict[str, Any]:
    """The map with the network's value set, or taken out when it is None."""
    changed = {n: v for n, v in values.items() if n != network}
    if value is not None:
        changed[network] = value
    return changed


def _oldest_first(post: ArchivedPost) -> tuple[datetime, int]:
    return post.created_at, int(post.id) if post.id.isdigit() else 0


class FakeArchiveStore:
    def __init__(self) -> None:
        self._sessions: dict[str, ArchiveSession] = {}
        self._open: set[str] = set()  # the adapter's sparse index: sessions not digested yet
        self._posts: dict[str, dict[tuple[str, str], StoredPost]] = {}
        self._lock = threading.Lock()

    def start(self, session: ArchiveSession) -> ArchiveSession:
        with self._lock:
            stored = self._sessions.get(session.occurrence_id)
            if stored is not None:
                return stored
            self._sessions[session.occurrence_id] = _stored_session(session)
            if session.status != "digested":
                self._open.add(session.occurrence_id)
            return session

    def get(self, occurrence_id: str) -> ArchiveSession | None:
        with self._lock:
            return self._sessions.get(occurrence_id)

    def add_posts(
        self, session: ArchiveSession, posts: Sequence[ArchivedPost], read_on: date
    ) -> int:
        added = 0
        with self._lock:
            stored = self._posts.setdefault(session.occurrence_id, {})
            for post in posts:
                if post.key not in stored:  # a post seen again changes nothing
                    stored[post.key] = StoredPost(_archived(post), read_on)
                    added += 1
        return added

    def record_poll(self, session: ArchiveSession, result: PollResult, price: Decimal) -> None:
        with self._lock:
            stored = self._sessions.get(session.occurrence_id)
            if stored is None or stored.status != "polling":
                return  # it moved on meanwhile: its poll is over
            stop_reason = stored.stop_reason if result.stop_reason is None else result.stop_reason
            changed = replace(
                stored,
                last_polled_at=second(result.polled_at),
                stop_reason=stop_reason,
                posts=stored.posts + result.added,
                polls=stored.polls + 1,
            )
            network = result.network
            since = result.newest_id if result.newest_id is not None else stored.since(network)
            if network == "x":
                changed = replace(
                    changed,
                    since_id=since,
                    last_error=result.error,
                    retry_at=maybe_second(result.retry_at),
                    reads=stored.reads + result.reads,
                    cost_usd=stored.cost_usd + price * result.reads,
                )
            else:
                changed = replace(
                    changed,
                    cursors=_with(stored.cursors, network, since),
                    errors=_with(stored.errors, network, result.error),
                    retries=_with(stored.retries, network, maybe_second(result.retry_at)),
                    network_reads=_with(
                        stored.network_reads, network, stored.reads_on(network) + result.reads
                    ),
                )
            self._sessions[session.occurrence_id] = changed

    def add_reads(
        self,
        session: ArchiveSession,
        reads: int,
        price: Decimal,
        error: str | None = None,
        network: str = "x",
        retry_at: datetime | None = None,
        refreshed_through: str | None = None,
    ) -> None:
        with self._lock:
            stored = self._sessions.get(session.occurrence_id)
            if stored is None:
                # A session never started: the adapter's update is conditional on its META
                # existing, so it writes nothing, and neither does this (no META holding only
                # the reads: the contract case on reads for a session never started checks both).
                return
            if refreshed_through is not None:  # in the same write as the reads, as the adapter
                stored = replace(stored, refreshed={**stored.refreshed, network: refreshed_through})
            if network == "x":
                self._sessions[session.occurrence_id] = replace(
                    stored,
                    reads=stored.reads + reads,
                    cost_usd=stored.cost_usd + price * reads,
                    last_error=error,
                    retry_at=maybe_second(retry_at),
                )
                return
            self._sessions[session.occurrence_id] = replace(
                stored,
                network_reads=_with(
                    stored.network_reads, network, stored.reads_on(network) + reads
                ),
                errors=_with(stored.errors, network, error),
                retries=_with(stored.retries, network, maybe_second(retry_at)),
            )

    def advance(
        self, session: ArchiveSession, to: SessionStatus, now: datetime, note: str | None = None
    ) -> bool:
        with self._lock:
            stored = self._sessions.get(session.occurrence_id)
            if stored is None or stored.status != session.status:
                return False
            self._sessions[session.occurrence_id] = replace(
                stored, status=to, note=note if note is not None else stored.note
            )
            if to == "digested":
                self._open.discard(session.occurrence_id)
            return True

    def needing_work(self, now: datetime, status: SessionStatus) -> list[ArchiveSession]:
        with self._lock:
            found = [
                self._sessions[occurrence_id]
                for occurrence_id in self._open
                if iso(self._sessions[occurrence_id].window_end) <= iso(now)
                and self._sessions[occurrence_id].status == status
            ]
        return sorted(found, key=lambda s: (iso(s.window_end), s.occurrence_id))

    def stored_posts(self, occurrence_id: str) -> list[StoredPost]:
        with self._lock:
            stored = self._posts.get(occurrence_id, {})
            return [stored[key] for key in sorted(stored)]

    def stored_posts_after(
        self, occurrence_id: str, network: str, after: str | None, limit: int | None = None
    ) -> list[StoredPost]:
        with self._lock:
            stored = self._posts.get(occurrence_id, {})
            found = sorted(
                (
                    kept
                    for (on, post_id), kept in stored.items()
                    if on == network and (after is None or post_id > after)
                ),
                key=lambda kept: kept.post.id,
            )
            return found[:limit]

    def update_counts(
        self, occurrence_id: str, posts: Sequence[ArchivedPost], read_on: date
    ) -> None:
        with self._lock:
            stored = self._posts.get(occurrence_id, {})
            for post in posts:
                before = stored.get(post.key)
                if before is None:  # a post never archived is not added now
                    continue
                counts = {n: getattr(post, n) for n in ("likes", "reposts", "replies", "quotes")}
                counts = {n: c for n, c in counts.items() if c is not None}  # None keeps the known
                stored[post.key] = StoredPost(before.post.model_copy(update=counts), read_on)

    def set_moderators(self, occurrence_id: str, handles: Sequence[str] | None) -> bool:
        with self._lock:
            stored = self._sessions.get(occurrence_id)
            if stored is None:
                return False
            override = None if handles is None else tuple(handles)
            self._sessions[occurrence_id] = replace(stored, moderator_override=override)
            return True

    def session(self, occurrence_id: str) -> SessionArchive | None:
        with self._lock:
            meta = self._sessions.get(occurrence_id)
            if meta is None:
                return None
            stored = self._posts.get(occurrence_id, {})
            posts = [stored[key].post for key in sorted(stored)]
        return SessionArchive(meta, sorted(posts, key=_oldest_first))
