"""A settable clock, a mailer that keeps what it sends, and the notice log."""

import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from chatdeck.domain.email import NOTICE_TTL, Email, FailedNotice

# ----- clock, mailer ----------------------------------------------------------------------------


class FixedClock:
    """A clock that says what it is told: `clock.instant = …`, `set(…)` or `advance(…)`."""

    def __init__(self, instant: datetime | None = None) -> None:
        self.instant = instant or datetime(2026, 11, 2, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.instant

    def set(self, instant: datetime) -> None:
        self.instant = instant

    def advance(self, **delta: float) -> datetime:
        """Move on, as `advance(minutes=1)`; the new instant."""
        self.instant += timedelta(**delta)
        return self.instant


class FakeMailer:
    """Records every Email sent; `fail_with` makes each send raise it instead (nothing is sent)."""

    def __init__(self) -> None:
        self.sent: list[Email] = []
        self.fail_with: Exception | None = None
        self._lock = threading.Lock()

    def send(self, email: Email) -> str:
        with self._lock:
            if self.fail_with is not None:
                raise self.fail_with
            self.sent.append(replace(email, to=list(email.to), headers=dict(email.headers)))
            return f"fake-message-{len(self.sent)}"

    def to(self, address: str) -> list[Email]:
        """What was sent to this address."""
        with self._lock:
            return [email for email in self.sent if address in email.to]


# ----- email ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FakeNotice:
    to: tuple[str, ...]
    subject: str
    status: str
    detail: str = ""
    expires_at: int | None = None  # epoch seconds, as the adapter's TTL attribute


class FakeNoticeLog:
    """`notices` holds each notice id's recipients, subject, status and detail, for tests;
    `failures` the failed ones as the adapter lists them (failed at whole seconds in UTC), and
    `failures_expire_at` when each of those listings expires (epoch seconds, by the same key)."""

    def __init__(self) -> None:
        self.notices: dict[str, FakeNotice] = {}
        self.failures: dict[str, FailedNotice] = {}  # by the adapter's sort key
        self.failures_expire_at: dict[str, int] = {}
        self._lock = threading.Lock()

    def record(self, notice_id: str, email: Email, now: datetime) -> bool:
        with self._lock:
            if notice_id in self.notices:
                return False
            self.notices[notice_id] = FakeNotice(
                tuple(email.to), email.subject, "RECORDED", expires_at=_notice_expiry(now)
            )
            return True

    def mark_sent(self, notice_id: str, message_id: str) -> None:
        self._mark(notice_id, "SENT", message_id)

    def mark_failed(self, notice_id: str, email: Email, error: str, at: datetime) -> None:
        failed_at = at.astimezone(UTC).replace(microsecond=0)
        with self._lock:
            key = f"{failed_at:%Y-%m-%dT%H:%M:%SZ}#{notice_id}"
            self.failures[key] = FailedNotice(
                notice_id, tuple(email.to), email.subject, error, failed_at
            )
            self.failures_expire_at[key] = _notice_expiry(at)
        self._mark(notice_id, "FAILED", error)

    def failed(self, limit: int) -> list[FailedNotice]:
        if limit < 1:
            return []
        with self._lock:  # newest first, as the adapter's keys sort (by code point)
            return [self.failures[key] for key in sorted(self.failures, reverse=True)][:limit]

    def _mark(self, notice_id: str, status: str, detail: str) -> None:
        with self._lock:  # like the adapter's update, marking an unknown notice records it
            before = self.notices.get(notice_id) or FakeNotice((), "", status)
            self.notices[notice_id] = replace(before, status=status, detail=detail or "")


def _notice_expiry(at: datetime) -> int:
    return int((at + NOTICE_TTL).timestamp())
