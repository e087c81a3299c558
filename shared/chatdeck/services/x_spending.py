"""The X spending cap: what this month's X calls cost so far, and no call that would pass the cap.

See domain/spending.py for the prices and the cap's rules, docs/operations.md ("X spending
cap") for what admins see. Key decisions:
- A post to X is counted when it is claimed for sending, before the call, in one atomic write
  that also checks the cap (`SpendingStore.charge_post`): two publishers at once cannot both
  pass it, and a post whose count cannot be written (a throttled table) is not sent this minute
  (fail-safe: never an uncounted post). A retried or reconciled post is counted once; one that
  certainly never went out (refused, given up) is taken back. The count is per kind (with or
  without a link): a waiting post edited to add a link is counted again as a link post, and one
  edited the other way keeps its link post's count too (over-counted: the cap stops early).
- Every X read is counted, each post once per UTC day: polling's search pages (services/
  polling.py), the count refresh's lookups of a chat's posts and the publisher's reading of the
  account's own posts to settle an unknown outcome (adapters/x, through this guard). A read is
  counted after it answered (its price is known only then). Before a search, the reads left
  under the cap bound its size, so a month passes its cap by less than one search call's price
  at most; before a lookup, the posts not read yet today must fit (`lookup_unread`: a lookup of
  posts polling read that day costs nothing and goes ahead at the cap, and only the others are
  counted after it); before a page of the
  account's own posts, a page's worth must fit (`own_reads_left`).
- When the cap stops a call, the admins are emailed once per month and cap (the notice log's
  conditional write, not a check-then-send); raising the cap and passing it again tells them
  again.
- A post held by the cap is re-checked every RECHECK, and at the next month's start at the
  latest: it goes out within RECHECK of an admin raising the cap.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol, get_args

from chatdeck.domain.members import Member, must_be_admin
from chatdeck.domain.spending import (
    PRICE_MILLS,
    PostKind,
    ReadKind,
    XSpending,
    cap_mills,
    day_of,
    dollars,
    lookup_stopped_reason,
    month_of,
    next_month_start,
    own_reads_stopped_reason,
    parse_cap,
    polling_stopped_reason,
    post_kind,
    post_paused_reason,
    reads_within_cap,
)
from chatdeck.observability import logger
from chatdeck.ports import SpendingStore

RECHECK = timedelta(minutes=10)
COUNT_FAILED = (
    "Not sent yet: Chatdeck could not count it against the cohort's X spending this minute, and "
    "never posts to X uncounted; it will be tried again."
)


class CapAlerts(Protocol):
    """Who hears that the cap stopped a call (notifications.notices.Notices)."""

    def x_cap_reached(self, spending: XSpending, cap: Decimal, stopped: str) -> bool: ...


@dataclass(frozen=True)
class PostCharge:
    """Whether a post may go to X now; when not, why and when to look again."""

    allowed: bool
    reason: str | None = None
    retry_at: datetime | None = None


@dataclass(frozen=True)
class SpendingSummary:
    """What the settings page and the post form show."""

    spending: XSpending
    cap: Decimal | None

    @property
    def left(self) -> Decimal | None:
        if self.cap is None:
            return None
        return max(Decimal(0), self.cap - self.spending.usd)

    @property
    def post_price(self) -> Decimal:
        return dollars(PRICE_MILLS["post"])

    @property
    def link_post_price(self) -> Decimal:
        return dollars(PRICE_MILLS["link_post"])

    @property
    def read_price(self) -> Decimal:
        return dollars(PRICE_MILLS["read"])

    @property
    def own_read_price(self) -> Decimal:
        return dollars(PRICE_MILLS["own_read"])


class XSpendingGuard:
    def __init__(self, store: SpendingStore, alerts: CapAlerts | None = None) -> None:
        self.store = store
        self.alerts = alerts

    # What admins and authors see

    def summary(self, now: datetime) -> SpendingSummary:
        return SpendingSummary(self.store.month(month_of(now)), self.store.cap())

    def set_cap(self, admin: Member, typed: str) -> Decimal | None:
        """Save the cap an admin typed (blank: no cap); FieldErrors, and nothing saved, when it
        is not a cap."""
        must_be_admin(admin)
        cap = parse_cap(typed)
        self.store.set_cap(cap)
        logger.info("X spending cap set", extra={"cap": str(cap) if cap is not None else None})
        return cap

    # Posting

    def charge_post(self, charge_id: str, text: str, now: datetime) -> PostCharge:
        """Count a post about to go to X, or refuse it for the cap. Raises when the count cannot
        be written: the caller must not send."""
        cap = self.store.cap()
        month = month_of(now)
        kind = post_kind(text)
        answer = self.store.charge_post(month, _charge_key(charge_id, kind), kind, cap_mills(cap))
        if answer != "over" or cap is None:
            return PostCharge(True)
        spending = self.store.month(month)
        retry_at = min(now + RECHECK, next_month_start(now))
        self._alert(spending, cap, "posting")
        logger.info("An X post waits for the spending cap", extra={"month": month})
        return PostCharge(
            False, post_paused_reason(cap, spending, PRICE_MILLS[kind], retry_at), retry_at
        )

    def refund_post(self, charge_id: str) -> None:
        """Take back the count of a post that certainly never went out; best effort (failing
        to, the month is over-counted: the cap stops early, never late)."""
        for kind in get_args(PostKind):  # whichever kind its text had when it was counted
            try:
                self.store.refund_post(_charge_key(charge_id, kind))
            except Exception:
                logger.exception("An X post's count could not be taken back")

    # Reading

    def reads_left(self, now: datetime) -> int | None:
        """Post reads that still fit under the cap this month; None when there is no cap."""
        cap = self.store.cap()
        if cap is None:
            return None
        return reads_within_cap(self.store.month(month_of(now)).mills, cap_mills(cap))

    def count_reads(self, ids: list[str], now: datetime, kind: ReadKind = "read") -> int:
        return self.store.count_reads(day_of(now), ids, kind)

    def lookup_unread(self, ids: list[str], now: datetime) -> tuple[set[str], str | None]:
        """The posts among `ids` not read yet today (the only ones a lookup of them is billed
        for, and so the ones to count after it), and why the lookup must not be made when they
        would pass the cap (the admins are told once). A lookup of posts polling read today
        goes ahead even at the cap. Raises when the reads or the cap cannot be read: the caller
        must not read."""
        unread = self.store.unread(day_of(now), ids)
        if not unread:
            return unread, None
        cap = self.store.cap()
        if cap is None:
            return unread, None
        spending = self.store.month(month_of(now))
        if len(unread) <= (reads_within_cap(spending.mills, cap_mills(cap)) or 0):
            return unread, None
        self._alert(spending, cap, "polling")
        logger.info("An X lookup stopped for the spending cap", extra={"unread": len(unread)})
        return unread, lookup_stopped_reason(cap, spending, len(unread))

    def own_reads_left(self, now: datetime) -> int | None:
        """Posts of the account's own that still fit under the cap this month; None: no cap."""
        cap = self.store.cap()
        if cap is None:
            return None
        spending = self.store.month(month_of(now))
        return reads_within_cap(spending.mills, cap_mills(cap), "own_read")

    def own_reads_stopped(self, now: datetime) -> str:
        """Why the account's own posts are not read (the admins are told once)."""
        cap = self.store.cap() or Decimal(0)
        spending = self.store.month(month_of(now))
        self._alert(spending, cap, "posting")
        return own_reads_stopped_reason(cap, spending)

    def recheck_at(self, now: datetime) -> datetime:
        """When a read the cap stopped may be tried again: an admin may raise it meanwhile."""
        return min(now + RECHECK, next_month_start(now))

    def polling_stopped(self, now: datetime) -> str:
        """Why polling X stops for the cap (the session's stop_reason); tells the admins once.
        The stop stands even when the figures cannot be read again for the reason."""
        try:
            cap = self.store.cap() or Decimal(0)
            spending = self.store.month(month_of(now))
        except Exception:
            logger.exception("The X spending could not be read for the stop's reason")
            return f"Polling X stopped at {now:%H:%M} UTC: the cohort's monthly X spending cap."
        self._alert(spending, cap, "polling")
        return polling_stopped_reason(cap, spending, now)

    def _alert(self, spending: XSpending, cap: Decimal, stopped: str) -> None:
        if self.alerts is None:
            return
        try:
            self.alerts.x_cap_reached(spending, cap, stopped)
        except Exception:  # the email is the notice log's to retry or list; the hold stands
            logger.exception("The X spending cap alert could not be sent")


def _charge_key(charge_id: str, kind: PostKind) -> str:
    """A post's charge, per kind: a post edited to carry a link after it was counted without
    one (it waited, unsent) is counted again as the link post X will bill."""
    return charge_id if kind == "post" else f"{charge_id}#{kind}"
