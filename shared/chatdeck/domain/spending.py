"""X's pay-per-use bill as Chatdeck estimates it, and the monthly cap an admin sets on it.

X bills per call: a post $0.015, a post with a link $0.20, each post a read returns $0.005, and
each post of the account's own a read returns $0.001 (reading "owned" data: the publisher's
check whether a post went out), every read once per post per UTC day. Chatdeck cannot ask X
what it billed, so it counts what it itself sent and read, in a counter per UTC month
(services/x_spending.py, adapters/spending.py).

Key decisions:
- Money is counted in whole mills (a tenth of a cent): every price is a whole number of them, so
  sums are exact and a store can ADD them atomically. Shown as dollars with `Decimal`.
- A cap is dollars and cents, from $0 (nothing on X) to MAX_CAP; blank means no cap. Anything
  else (negative, a fraction of a cent, `1e3`, `NaN`, a second decimal point) is refused with a
  message saying what to type, never read as something close.
- A call may go ahead only while the month's spending plus its price stays within the cap: a cap
  exactly reached is allowed, passing it by a mill is not (`within_cap`).
- "A post with a link" is what X's own text rules call a URL (domain/text.py's `find_urls`, the
  ones X shortens to t.co); that is the price X charges the $0.20 for.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Final, Literal

from chatdeck.domain.posts import FieldErrors
from chatdeck.domain.text import find_urls

PostKind = Literal["post", "link_post"]
ReadKind = Literal["read", "own_read"]  # a post read, a post of the account's own read
MILLS_PER_DOLLAR: Final = 1000
PRICE_MILLS: Final[dict[str, int]] = {"post": 15, "link_post": 200, "read": 5, "own_read": 1}
MAX_CAP: Final = Decimal(10_000)  # dollars a month: more is a typo, not a budget
CAP_FIELD: Final = "x_cap"
_CAP_RE: Final = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+")


def dollars(mills: int) -> Decimal:
    return Decimal(mills) / MILLS_PER_DOLLAR


def money(mills: int) -> str:
    """`$0.015`, `$1.20`, `$12.00`: cents, or mills when there are some."""
    amount = dollars(mills)
    return f"${amount:,.3f}" if mills % 10 else f"${amount:,.2f}"


def month_of(instant: datetime) -> str:
    """The UTC month an instant is billed in, `2026-11`."""
    return instant.astimezone(UTC).strftime("%Y-%m")


def day_of(instant: datetime) -> date:
    """The UTC day X's once-per-post read charge is counted in."""
    return instant.astimezone(UTC).date()


def next_month_start(instant: datetime) -> datetime:
    moment = instant.astimezone(UTC)
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return datetime(year, month, 1, tzinfo=UTC)


def post_kind(text: str) -> PostKind:
    return "link_post" if find_urls(text) else "post"


def post_price(text: str) -> int:
    return PRICE_MILLS[post_kind(text)]


@dataclass(frozen=True)
class XSpending:
    """One UTC month's counted X calls."""

    month: str
    posts: int = 0
    link_posts: int = 0
    reads: int = 0
    own_reads: int = 0

    @property
    def mills(self) -> int:
        return (
            self.posts * PRICE_MILLS["post"]
            + self.link_posts * PRICE_MILLS["link_post"]
            + self.reads * PRICE_MILLS["read"]
            + self.own_reads * PRICE_MILLS["own_read"]
        )

    @property
    def usd(self) -> Decimal:
        return dollars(self.mills)


def within_cap(spent_mills: int, price_mills: int, cap_mills: int | None) -> bool:
    """Whether a call costing `price_mills` keeps the month within the cap (reaching it is fine)."""
    return cap_mills is None or spent_mills + price_mills <= cap_mills


def reads_within_cap(
    spent_mills: int, cap_mills: int | None, kind: ReadKind = "read"
) -> int | None:
    """How many post reads (of `kind`) still fit under the cap; None when there is no cap."""
    if cap_mills is None:
        return None
    return max(0, (cap_mills - spent_mills) // PRICE_MILLS[kind])


def cap_mills(cap: Decimal | None) -> int | None:
    return None if cap is None else int(cap * MILLS_PER_DOLLAR)


def parse_cap(typed: str) -> Decimal | None:
    """An admin's monthly cap in dollars (`50`, `$1,250.50`); None for blank (no cap). Raises
    FieldErrors on anything else."""
    text = typed.strip().removeprefix("$").strip()
    if not text:
        return None
    if text.startswith("-"):
        raise _bad("A cap cannot be negative. Type 0 to stop every paid X call, or leave it blank.")
    if not _CAP_RE.fullmatch(text):
        raise _bad("Type the cap in dollars, such as 25 or 12.50, or leave it blank for no cap.")
    amount = Decimal(text.replace(",", ""))
    if -amount.as_tuple().exponent > 2:  # type: ignore[operator]  # finite: matched digits
        raise _bad("Type the cap in dollars and cents: at most two digits after the point.")
    if amount > MAX_CAP:
        raise _bad(f"A cap over ${MAX_CAP:,} a month is surely a typo: type at most {MAX_CAP}.")
    return amount.quantize(Decimal("0.01"))


def _bad(message: str) -> FieldErrors:
    return FieldErrors({CAP_FIELD: message})


def cap_text(cap: Decimal | None) -> str:
    return "no cap" if cap is None else f"${cap:,.2f}"


def post_paused_reason(cap: Decimal, spending: XSpending, price: int, retry_at: datetime) -> str:
    return (
        f"Waiting: posting to X is paused by the cohort's monthly X spending cap of "
        f"{cap_text(cap)}: {money(spending.mills)} is spent this month and this post would cost "
        f"{money(price)}. It goes out once an admin raises the cap or the month turns; next "
        f"check {retry_at:%Y-%m-%dT%H:%MZ}."
    )


def polling_stopped_reason(cap: Decimal, spending: XSpending, now: datetime) -> str:
    return (
        f"Polling X stopped at {now.astimezone(UTC):%H:%M} UTC: the cohort's monthly X spending "
        f"cap of {cap_text(cap)} is reached ({money(spending.mills)} spent this month, and a "
        f"read costs {money(PRICE_MILLS['read'])} a post)."
    )


def lookup_stopped_reason(cap: Decimal, spending: XSpending, unread: int) -> str:
    return (
        f"X's posts were not looked up again: {unread} of them not read yet today (UTC) would "
        f"cost {money(unread * PRICE_MILLS['read'])} and pass the cohort's monthly X spending "
        f"cap of {cap_text(cap)} ({money(spending.mills)} spent this month)."
    )


def own_reads_stopped_reason(cap: Decimal, spending: XSpending) -> str:
    return (
        f"The account's own posts on X were not read: the cohort's monthly X spending cap of "
        f"{cap_text(cap)} is reached ({money(spending.mills)} spent this month, and reading the "
        f"account's posts costs {money(PRICE_MILLS['own_read'])} a post)."
    )
