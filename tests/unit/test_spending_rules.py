"""The X spending rules (domain/spending.py): prices, the UTC month, the cap's edge, and what an
admin may type as a cap."""

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from chatdeck.domain.posts import FieldErrors
from chatdeck.domain.spending import (
    XSpending,
    month_of,
    next_month_start,
    parse_cap,
    post_price,
    reads_within_cap,
    within_cap,
)


def test_the_month_is_utcs_not_the_authors() -> None:
    # 19:30 on 30 November in New York is already 1 December in UTC: X bills it in December.
    evening = datetime(2026, 11, 30, 19, 30, tzinfo=ZoneInfo("America/New_York"))
    assert month_of(evening) == "2026-12"
    assert month_of(datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC)) == "2026-11"
    assert next_month_start(datetime(2026, 12, 31, 23, 0, tzinfo=UTC)) == datetime(
        2027, 1, 1, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("text", "dollars"),
    [
        ("Join #edtechchat tonight at 8 ET.", "0.015"),
        ("Slides: https://example.org/slides", "0.20"),
        ("Slides at example.org/slides tonight", "0.20"),  # X shortens a bare domain too
        ("Email me at ana@example.org", "0.015"),  # an address is no link to X
    ],
)
def test_a_post_with_a_link_costs_more(text: str, dollars: str) -> None:
    assert Decimal(post_price(text)) / 1000 == Decimal(dollars)


def test_a_month_adds_up_posts_links_and_reads() -> None:
    month = XSpending("2026-11", posts=2, link_posts=1, reads=10)
    assert month.usd == Decimal("0.28")  # 2 x 0.015 + 0.20 + 10 x 0.005


def test_a_cap_exactly_reached_allows_the_call_and_a_mill_over_does_not() -> None:
    assert within_cap(spent_mills=485, price_mills=15, cap_mills=500)
    assert not within_cap(spent_mills=486, price_mills=15, cap_mills=500)
    assert within_cap(spent_mills=10**9, price_mills=200, cap_mills=None)
    assert reads_within_cap(490, 500) == 2
    assert reads_within_cap(499, 500) == 0
    assert reads_within_cap(600, 500) == 0


@pytest.mark.parametrize(
    ("typed", "cap"),
    [
        ("", None),
        ("   ", None),
        ("0", Decimal("0.00")),
        ("0.5", Decimal("0.50")),
        ("$12.50", Decimal("12.50")),
        (" 1,250 ", Decimal("1250.00")),
        ("10000", Decimal("10000.00")),
    ],
)
def test_a_cap_is_dollars_and_cents_or_blank(typed: str, cap: Decimal | None) -> None:
    assert parse_cap(typed) == cap


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("-5", "cannot be negative"),
        ("-0.01", "cannot be negative"),
        ("abc", "in dollars"),
        ("NaN", "in dollars"),
        ("Infinity", "in dollars"),
        ("1e3", "in dollars"),
        ("1.2.3", "in dollars"),
        ("12,50", "in dollars"),
        ("0.001", "at most two digits"),
        ("10000.01", "surely a typo"),
        ("9" * 400, "surely a typo"),
    ],
)
def test_a_cap_that_is_not_one_is_refused_with_what_to_type(typed: str, says: str) -> None:
    with pytest.raises(FieldErrors) as refused:
        parse_cap(typed)
    assert says in refused.value.errors["x_cap"]
