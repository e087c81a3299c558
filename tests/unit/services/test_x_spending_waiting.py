"""The X spending cap and posts that wait: a post to X is counted when it is sent (services/
publishing.py's send, just before the call), never when it is scheduled; a post that waits after
a try X certainly did not carry out (a rate limit, a request never started, a paused account) is
not counted while it waits, so cancelling it leaves nothing counted. On the fakes;
tests/integration/test_x_spending_reads.py has the reads on moto server and the X sandbox."""

from datetime import timedelta

from chatdeck.domain.outcomes import (
    AccountUnavailable,
    NotSent,
    NotStarted,
    OutcomeUnknown,
    PublishError,
    RateLimited,
)
from chatdeck.domain.posts import PostStatus
from chatdeck.domain.spending import XSpending
from tests.unit.services.kit import NOW
from tests.unit.services.test_x_spending import PLAIN, capped

MONTH = "2026-11"


def test_a_post_scheduled_then_cancelled_before_its_minute_was_never_counted() -> None:
    c = capped("1.00")
    post = c.kit.schedule(PLAIN, NOW + timedelta(hours=1))

    assert c.spent() == XSpending(MONTH)  # scheduling counts nothing
    assert c.kit.posts.cancel(post.id) is not None
    c.tick(NOW + timedelta(hours=1))

    assert c.spent() == XSpending(MONTH)
    assert c.kit.network.calls_to("publish") == []


def _waits_after(refusal: PublishError) -> None:
    c = capped("1.00")
    post = c.kit.schedule(PLAIN, NOW)
    c.kit.network.script(refusal)

    c.tick(NOW)

    target = c.kit.target(post.id)
    assert target.status is PostStatus.QUEUED
    assert c.spent() == XSpending(MONTH)  # it is not on X: not counted while it waits
    assert c.kit.posts.cancel(post.id) is not None
    c.tick(NOW + timedelta(hours=2))
    assert c.spent() == XSpending(MONTH)


def test_a_post_waiting_for_xs_rate_limit_is_not_counted_and_cancelling_it_leaves_nothing() -> None:
    _waits_after(RateLimited("X's limit for the account is used up.", NOW + timedelta(minutes=15)))


def test_a_post_whose_request_never_started_is_not_counted_while_it_waits() -> None:
    _waits_after(NotStarted("Too little time was left to call X; it will be tried again."))


def test_a_post_waiting_for_a_paused_account_is_not_counted_while_it_waits() -> None:
    _waits_after(AccountUnavailable("X suspended the account."))


def test_a_post_counted_again_when_it_goes_out_after_waiting_counts_once() -> None:
    c = capped("1.00")
    post = c.kit.schedule(PLAIN, NOW)
    c.kit.network.script(RateLimited("X's limit is used up.", NOW + timedelta(minutes=15)))
    c.tick(NOW)

    c.tick(NOW + timedelta(minutes=15))

    assert c.kit.target(post.id).status is PostStatus.POSTED
    assert c.spent() == XSpending(MONTH, posts=1)


def _stays_counted_after(refusal: PublishError) -> None:
    c = capped("1.00")
    post = c.kit.schedule(PLAIN, NOW)
    c.kit.network.script(refusal)

    c.tick(NOW)

    assert c.kit.target(post.id).status is PostStatus.QUEUED
    assert c.spent() == XSpending(MONTH, posts=1)


def test_a_post_whose_answer_was_lost_and_not_found_stays_counted_while_it_waits() -> None:
    # X may yet show it (its search lags): the cap must not let another post take its place.
    _stays_counted_after(OutcomeUnknown("The connection dropped before X answered."))


def test_a_post_whose_connection_failed_stays_counted_while_it_waits() -> None:
    # Kept on the safe side: its next try is counted as the same post, never twice.
    _stays_counted_after(NotSent("X could not be reached."))
