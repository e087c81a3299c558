"""The X spending cap on the fakes: the publisher and the poller count what X bills, hold what
would pass the cap, tell the admins once, and leave Bluesky and Mastodon alone.
tests/integration/test_x_spending_cap.py shows the same on moto server and the X sandbox."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from chatdeck.domain.outcomes import NotSent, Rejected
from chatdeck.domain.posts import PostStatus
from chatdeck.domain.spending import XSpending
from chatdeck.services.polling import Poller
from chatdeck.services.publishing import Publisher
from chatdeck.services.x_spending import COUNT_FAILED, RECHECK, XSpendingGuard
from tests.fakes.spending import FakeSpendingStore
from tests.unit.services.kit import (
    ADMIN,
    BUDGET_READS,
    LEASE,
    NOW,
    OCCURRENCE,
    RETENTION,
    START,
    Kit,
    a_tweet,
    build_kit,
)

LINK = "Tonight's slides: https://example.org/slides #edtechchat"
PLAIN = "Tonight at 8 ET: #edtechchat on feedback."
BOTH = (("x", "cohort"), ("bluesky", "cohort"))


@dataclass
class Capped:
    kit: Kit
    store: FakeSpendingStore
    guard: XSpendingGuard
    publisher: Publisher
    poller: Poller

    def tick(self, at: datetime) -> None:
        self.kit.tick(at, self.publisher)

    def spent(self, at: datetime = NOW) -> XSpending:
        return self.store.month(at.strftime("%Y-%m"))

    def cap_emails(self) -> list[str]:
        return [e.subject for e in self.kit.emails_to(ADMIN) if "spending cap" in e.subject]


def capped(cap: str | None, now: datetime = NOW) -> Capped:
    kit = build_kit(now)
    store = FakeSpendingStore()
    store.set_cap(Decimal(cap) if cap is not None else None)
    guard = XSpendingGuard(store, kit.notices)
    publisher = Publisher(
        kit.posts, kit.publisher.networks, kit.account_states, kit.notices, LEASE, 1, guard
    )
    poller = Poller(
        kit.chats, kit.archive, kit.poller.readers, BUDGET_READS, RETENTION, spending=guard
    )
    return Capped(kit, store, guard, publisher, poller)


# ----- posting ----------------------------------------------------------------------------------


def test_with_a_cap_of_50_cents_the_post_that_would_pass_it_waits_and_admins_hear_once() -> None:
    c = capped("0.50")
    posts = [c.kit.schedule(f"{LINK} part {n}", NOW, targets=BOTH) for n in range(4)]

    c.tick(NOW)
    c.tick(NOW + timedelta(minutes=1))

    on_x = [c.kit.target(p.id, "x:cohort") for p in posts]
    assert [t.status for t in on_x] == [PostStatus.POSTED] * 2 + [PostStatus.QUEUED] * 2
    for held in on_x[2:]:
        assert held.reason is not None
        assert "monthly X spending cap of $0.50" in held.reason
        assert "$0.400 is spent" not in held.reason and "$0.40 is spent" in held.reason
        assert held.next_action_at == NOW + RECHECK
    # Bluesky carries on: every post went out there.
    assert all(c.kit.target(p.id, "bluesky:cohort").status is PostStatus.POSTED for p in posts)
    assert len(c.kit.network.published()) == 2
    assert c.spent() == XSpending("2026-11", link_posts=2)
    assert c.cap_emails() == ["Chatdeck reached the cohort's X spending cap of $0.50 for 2026-11"]


def test_a_cap_exactly_reached_lets_the_post_out_and_the_next_one_waits() -> None:
    c = capped("0.03")
    first, second, third = (c.kit.schedule(f"{PLAIN} {n}", NOW) for n in range(3))

    c.tick(NOW)

    assert c.kit.target(first.id).status is PostStatus.POSTED
    assert c.kit.target(second.id).status is PostStatus.POSTED  # $0.030 of $0.03
    assert c.kit.target(third.id).status is PostStatus.QUEUED
    assert c.spent().usd == Decimal("0.03")


def test_a_cheaper_post_still_fits_where_a_link_post_does_not() -> None:
    c = capped("0.20")
    c.kit.schedule(PLAIN, NOW)
    link = c.kit.schedule(LINK, NOW + timedelta(minutes=1))
    plain = c.kit.schedule(f"{PLAIN} again", NOW + timedelta(minutes=2))

    for minute in range(3):
        c.tick(NOW + timedelta(minutes=minute))

    assert c.kit.target(link.id).status is PostStatus.QUEUED
    assert c.kit.target(plain.id).status is PostStatus.POSTED
    assert c.spent() == XSpending("2026-11", posts=2)


def test_a_held_post_goes_out_once_the_cap_is_raised() -> None:
    c = capped("0.10")
    post = c.kit.schedule(LINK, NOW)
    c.tick(NOW)
    assert c.kit.target(post.id).status is PostStatus.QUEUED

    c.guard.set_cap(c.kit.admin(), "5")
    c.tick(NOW + RECHECK - timedelta(minutes=1))
    assert c.kit.target(post.id).status is PostStatus.QUEUED  # not before its next check
    c.tick(NOW + RECHECK)

    assert c.kit.target(post.id).status is PostStatus.POSTED
    assert c.spent().link_posts == 1


def test_a_held_post_goes_out_when_the_utc_month_turns() -> None:
    late = datetime(2026, 11, 30, 23, 55, tzinfo=UTC)
    c = capped("0.20", now=late)
    c.kit.schedule(LINK, late)
    waiting = c.kit.schedule(f"{LINK} second", late)
    c.tick(late)
    target = c.kit.target(waiting.id)
    assert target.status is PostStatus.QUEUED
    assert target.next_action_at == datetime(2026, 12, 1, tzinfo=UTC)  # sooner than RECHECK

    c.tick(datetime(2026, 12, 1, tzinfo=UTC))

    assert c.kit.target(waiting.id).status is PostStatus.POSTED
    assert c.store.month("2026-11").link_posts == 1
    assert c.store.month("2026-12").link_posts == 1


def test_a_second_month_and_a_raised_cap_each_email_the_admins_again() -> None:
    c = capped("0.015")
    for n in range(3):
        c.kit.schedule(f"{PLAIN} {n}", NOW)
    c.tick(NOW)
    assert len(c.cap_emails()) == 1
    c.guard.set_cap(c.kit.admin(), "0.03")
    c.tick(NOW + RECHECK)
    assert len(c.cap_emails()) == 2  # a second crossing, of another cap


def test_a_post_reconciled_after_a_lost_answer_counts_once() -> None:
    c = capped("1.00")
    post = c.kit.schedule(LINK, NOW)
    c.kit.network.lose_answer()

    c.tick(NOW)  # created, answer lost: reconciled in the same send

    assert c.kit.target(post.id).status is PostStatus.POSTED
    assert c.spent() == XSpending("2026-11", link_posts=1)


def test_a_post_retried_after_a_failed_attempt_counts_once() -> None:
    c = capped("1.00")
    post = c.kit.schedule(PLAIN, NOW)
    c.kit.network.script(NotSent("X did not answer in time; it will be tried again."))

    c.tick(NOW)
    assert c.kit.target(post.id).status is PostStatus.QUEUED
    c.tick(NOW + timedelta(minutes=1))

    assert c.kit.target(post.id).status is PostStatus.POSTED
    assert len(c.kit.network.calls_to("publish")) == 2
    assert c.spent() == XSpending("2026-11", posts=1)


def test_a_post_x_refuses_is_not_counted() -> None:
    c = capped("1.00")
    post = c.kit.schedule(LINK, NOW)
    c.kit.network.script(Rejected("X refused the post: it breaks a rule."))

    c.tick(NOW)

    assert c.kit.target(post.id).status is PostStatus.FAILED
    assert c.spent() == XSpending("2026-11")


def test_bluesky_and_mastodon_are_never_counted_or_held() -> None:
    c = capped("0")
    post = c.kit.schedule(LINK, NOW, targets=(("bluesky", "cohort"), ("mastodon", "cohort")))

    c.tick(NOW)

    assert all(t.status is PostStatus.POSTED for t in c.kit.post(post.id).targets)
    assert c.spent() == XSpending("2026-11")
    assert c.cap_emails() == []


# ----- the fault: the counter cannot be written -------------------------------------------------


def test_a_throttled_counter_keeps_the_post_off_x_until_it_can_be_counted() -> None:
    c = capped("1.00")
    post = c.kit.schedule(PLAIN, NOW, targets=BOTH)
    c.store.throttle(1)

    c.tick(NOW)

    on_x = c.kit.target(post.id, "x:cohort")
    assert on_x.status is PostStatus.QUEUED
    assert on_x.reason == COUNT_FAILED
    assert c.kit.network.published() == []  # fail-safe: nothing X bills goes out uncounted
    assert c.kit.target(post.id, "bluesky:cohort").status is PostStatus.POSTED

    c.tick(NOW + timedelta(minutes=1))

    assert c.kit.target(post.id, "x:cohort").status is PostStatus.POSTED
    assert c.spent() == XSpending("2026-11", posts=1)


def test_without_a_cap_posts_are_still_counted() -> None:
    c = capped(None)
    c.kit.schedule(LINK, NOW)
    c.kit.schedule(PLAIN, NOW)

    c.tick(NOW)

    assert c.spent() == XSpending("2026-11", posts=1, link_posts=1)
    summary = c.guard.summary(NOW)
    assert summary.cap is None and summary.left is None


# ----- polling ----------------------------------------------------------------------------------


def chat_hour(c: Capped, tweets: int) -> None:
    c.kit.follow()
    c.kit.network.stage(
        *(a_tweet(100 + n, f"A{n} #edtechchat", minute=n % 50) for n in range(tweets))
    )


def test_polling_stops_for_the_cap_with_the_reason_on_the_session() -> None:
    c = capped("0.25")  # 50 reads
    chat_hour(c, 120)

    c.poller.poll(START + timedelta(minutes=55))
    c.poller.poll(START + timedelta(minutes=56))

    session = c.kit.archive.get(OCCURRENCE)
    assert session is not None
    assert session.stop_reason is not None
    assert "monthly X spending cap of $0.25" in session.stop_reason
    assert session.reads == 50
    assert c.spent(START).reads == 50
    assert [s["max_results"] for s in c.kit.network.calls_to("search_recent")] == [50]
    assert len(c.cap_emails()) == 1


def test_reads_already_counted_that_day_cost_nothing_and_the_next_day_they_count_again() -> None:
    c = capped(None)
    day = START.date()
    assert c.guard.count_reads(["1", "2", "3"], START) == 3
    assert c.guard.count_reads(["2", "3", "4", "4"], START + timedelta(hours=2)) == 1
    assert c.store.month("2026-11").reads == 4
    next_day = datetime.combine(day + timedelta(days=1), datetime.min.time(), UTC)
    assert c.guard.count_reads(["1", "2"], next_day) == 2
    assert c.store.month("2026-11").reads == 6


def test_reads_left_under_the_cap_bound_the_search() -> None:
    c = capped("0.10")
    c.store.charge_post("2026-11", "earlier", "post", None)  # $0.015 spent: 17 reads left
    chat_hour(c, 40)

    c.poller.poll(START + timedelta(minutes=55))

    [search] = c.kit.network.calls_to("search_recent")
    assert search["max_results"] == 17
    assert c.spent(START).usd <= Decimal("0.10") + Decimal("0.05")  # at most one 10-read call


def test_a_cap_that_cannot_be_read_stops_that_poll_of_x_and_fails_the_step() -> None:
    c = capped("1.00")
    c.kit.follow()

    def failing_month(month: str) -> XSpending:
        raise RuntimeError("throttled")

    c.store.month = failing_month  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        c.poller.poll(START + timedelta(minutes=5))
    assert c.kit.network.calls_to("search_recent") == []


def test_a_counter_that_fails_after_the_reads_still_stops_polling_x_at_the_cap() -> None:
    c = capped("0.05")  # 10 reads
    chat_hour(c, 30)
    real_month = c.store.month
    calls = 0

    def month_then_throttled(month: str) -> XSpending:
        nonlocal calls
        calls += 1
        if calls > 1:  # the read before the search works; the one for the reason does not
            raise RuntimeError("throttled")
        return real_month(month)

    c.store.month = month_then_throttled  # type: ignore[method-assign]
    c.poller.poll(START + timedelta(minutes=55))

    session = c.kit.archive.get(OCCURRENCE)
    assert session is not None and session.stop_reason is not None
    assert "spending cap" in session.stop_reason
    assert len(c.kit.network.calls_to("search_recent")) == 1


def test_a_post_edited_to_carry_a_link_after_a_failed_attempt_is_counted_as_a_link_post() -> None:
    c = capped("1.00")
    post = c.kit.schedule(PLAIN, NOW)
    c.kit.network.script(NotSent("X did not answer in time; it will be tried again."))
    c.tick(NOW)  # counted as a plain post, not sent
    assert c.kit.target(post.id).status is PostStatus.QUEUED

    later = NOW + timedelta(hours=1)
    edit = {
        "text": LINK,
        "local_date": f"{later.astimezone(ZoneInfo(post.zone)):%Y-%m-%d}",
        "local_time": f"{later.astimezone(ZoneInfo(post.zone)):%H:%M}",
        "zone": post.zone,
    }
    c.kit.scheduling.edit(c.kit.admin(), post.id, edit, NOW)
    c.tick(later)

    assert c.kit.target(post.id).status is PostStatus.POSTED
    assert c.kit.network.calls_to("publish")[-1]["text"] == LINK
    # X bills the link post it sent ($0.20), whatever the first try would have cost
    assert c.spent().usd >= Decimal("0.20")


def test_a_publisher_whose_claim_was_taken_over_takes_back_no_count_of_the_post_sent() -> None:
    c = capped("1.00")
    post = c.kit.schedule(PLAIN, NOW)
    slow = c.publisher
    claimed = slow.claim(c.kit.posts.due(NOW)[0], NOW)
    assert claimed is not None

    def another() -> Publisher:
        k = c.kit
        return Publisher(
            k.posts, k.publisher.networks, k.account_states, k.notices, LEASE, 1, c.guard
        )

    # It stalls past its lease: another publisher takes the post over and posts it, counted.
    after_lease = NOW + LEASE + timedelta(seconds=1)
    c.kit.tick(after_lease, another())
    c.kit.tick(after_lease + timedelta(minutes=5), another())
    assert c.kit.target(post.id).status is PostStatus.POSTED
    assert c.spent() == XSpending("2026-11", posts=1)

    # The slow one wakes; X refuses its own send, which never went out.
    c.kit.network.script(Rejected("X refused the post."))
    assert slow.send(claimed, after_lease + timedelta(minutes=5)) == "lost"

    assert c.spent() == XSpending("2026-11", posts=1)  # the post on X is still counted
