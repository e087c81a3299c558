"""Publishing tests written for mutants `make mutate` found alive in the core (bench/mutation.py):
each asserts what an author or admin would see go wrong if that line were changed.

A publisher that stalls past its lease has lost its claim: another took the post over. Whatever
the slow one's own send then says, it must record nothing and tell nobody, or an author hears
"your post failed" about a post that went out (`record(...) or True` survived every other test).
"""

from datetime import timedelta
from typing import Any

import pytest

from chatdeck.domain.outcomes import (
    AccountDisconnected,
    AccountUnavailable,
    CannotTell,
    DuplicateContent,
    NotSent,
    NotStarted,
    OutcomeUnknown,
    RateLimited,
    Rejected,
)
from chatdeck.domain.posts import Job, PostStatus
from chatdeck.services.publishing import RETRY_AFTER_NOT_FOUND, RETRY_AFTER_NOT_SENT, Publisher
from tests.unit.services.kit import LEASE, NOW, TEACHER, Kit
from tests.unit.services.test_x_spending import capped

DUE = NOW


def test_a_publisher_whose_claim_was_taken_over_tells_nobody_its_send_failed(kit: Kit) -> None:
    post = kit.schedule("A slow publisher's post.", DUE)
    slow = kit.publisher
    claimed = slow.claim(kit.posts.due(DUE)[0], DUE)
    assert claimed is not None
    # It stalls past its lease: the next tick takes the post over, does not find it on the
    # account, queues it again, and the one after posts it.
    after_lease = DUE + LEASE + timedelta(seconds=1)
    kit.tick(after_lease, kit.another_publisher())
    kit.tick(after_lease + RETRY_AFTER_NOT_FOUND, kit.another_publisher())
    assert kit.target(post.id).status is PostStatus.POSTED

    # The slow one wakes; X refuses its send.
    kit.network.script(Rejected("X refused the post."))
    outcome = slow.send(claimed, after_lease + RETRY_AFTER_NOT_FOUND)

    assert outcome == "lost"
    assert kit.target(post.id).status is PostStatus.POSTED
    assert kit.mailer.sent == []


# ----- what the publisher tells its operators: each tick's report, and lost claims --------------


class Log:
    """Stands in for the publisher's logger: what it was told, in order."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def info(self, message: str, extra: dict[str, Any] | None = None) -> None:
        self.records.append({"message": message, **(extra or {})})

    warning = info
    exception = info


@pytest.fixture
def log(monkeypatch: pytest.MonkeyPatch) -> Log:
    recorded = Log()
    monkeypatch.setattr("chatdeck.services.publishing.logger", recorded)
    return recorded


def test_each_tick_logs_what_it_did_with_every_outcome_counted(kit: Kit, log: Log) -> None:
    kit.schedule("One goes out.", DUE)

    report = kit.tick(DUE)

    assert report.outcomes == {"posted": 1}
    [tick] = [r for r in log.records if r["message"] == "publisher tick"]
    assert tick == {
        "message": "publisher tick",
        "now": "2026-11-02T12:00:00Z",
        "due": 1,
        **{name: 0 for name in ("failed", "unconfirmed", "requeued", "paused", "skipped", "lost")},
        "posted": 1,
    }


def test_a_publisher_that_lost_its_claim_says_so_in_the_log_and_its_report(
    kit: Kit, log: Log
) -> None:
    post = kit.schedule("Two publishers, one post.", DUE)
    slow = kit.publisher
    claimed = slow.claim(kit.posts.due(DUE)[0], DUE)
    assert claimed is not None
    after_lease = DUE + LEASE + timedelta(seconds=1)
    kit.tick(after_lease, kit.another_publisher())
    log.records.clear()

    assert slow.send(claimed, after_lease) == "lost"
    assert log.records == [
        {"message": "claim lost before recording", "post_id": post.id, "network": "x"}
    ]


def test_a_second_publisher_that_finds_the_post_taken_reports_it_skipped(kit: Kit) -> None:
    kit.schedule("Taken by the first.", DUE)
    second = kit.another_publisher()
    [seen] = second.posts.due(DUE)
    kit.tick(DUE)

    assert second.publish(seen, DUE) == "skipped"


def test_a_target_given_up_on_does_not_promise_another_try(kit: Kit) -> None:
    post = kit.schedule("X cannot be reached.", DUE)
    kit.network.script(*[NotSent("X could not be reached; it will be tried again.")] * 3)

    for minute in range(5):
        kit.tick(DUE + timedelta(minutes=minute))

    failed = kit.target(post.id)
    assert (failed.status, failed.reason) == (
        PostStatus.FAILED,
        "It was not sent after 3 attempts and will not be tried again: X could not be reached.",
    )


# ----- an account whose connection is gone -------------------------------------------------------


def test_a_members_own_account_disconnected_fails_their_post_and_tells_them_once(
    kit: Kit,
) -> None:
    own = "member:" + TEACHER
    first = kit.schedule("From my own account.", DUE, account=own)
    second = kit.schedule("And another.", DUE, account=own)
    gone = "X refused to renew the connection. Connect the account again."
    kit.network.script(AccountDisconnected(gone, "c1"), AccountDisconnected(gone, "c1"))

    report = kit.tick(DUE)

    assert report.outcomes == {"failed": 2}
    for post in (first, second):
        failed = kit.target(post.id)
        assert (failed.status, failed.reason) == (PostStatus.FAILED, gone)
    [email] = kit.emails_to(TEACHER)
    assert "From my own account." in email.text or "And another." in email.text


def test_the_cohort_account_disconnected_pauses_its_queue(kit: Kit) -> None:
    post = kit.schedule("From the cohort.", DUE)
    gone = "X refused to renew the connection. Connect the account again."
    kit.network.script(AccountDisconnected(gone, "c1"))

    report = kit.tick(DUE)

    assert report.outcomes == {"paused": 1}
    waiting = kit.target(post.id)
    assert waiting.status is PostStatus.QUEUED
    assert waiting.attempts == 0  # nothing was sent: the try is given back
    assert waiting.reason is not None and gone in waiting.reason


# ----- a try that sent nothing -------------------------------------------------------------------


def test_a_send_that_did_not_go_out_waits_a_minute_saying_why(kit: Kit) -> None:
    post = kit.schedule("X is down.", DUE)
    kit.network.script(NotSent("X could not be reached; it will be tried again."))

    report = kit.tick(DUE)
    kit.tick(DUE + timedelta(seconds=30))

    assert report.outcomes == {"requeued": 1}
    assert kit.publish_calls() == 1
    waiting = kit.target(post.id)
    assert (waiting.status, waiting.reason) == (
        PostStatus.QUEUED,
        "X could not be reached; it will be tried again.",
    )
    assert waiting.next_action_at == DUE + RETRY_AFTER_NOT_SENT


def test_a_lapsed_claim_not_on_the_account_is_queued_again_saying_why(kit: Kit) -> None:
    post = kit.schedule("The function died before sending.", DUE)
    assert kit.publisher.claim(kit.posts.due(DUE)[0], DUE) is not None

    kit.tick(DUE + LEASE + timedelta(seconds=1))

    waiting = kit.target(post.id)
    assert (waiting.status, waiting.reason) == (
        PostStatus.QUEUED,
        "An earlier attempt stopped before it finished. "
        "It is not on the account, so it will be tried again.",
    )


# ----- the X spending cap ------------------------------------------------------------------------


def test_a_post_held_by_the_cap_is_reported_paused_and_keeps_its_tries() -> None:
    c = capped("0.00")
    post = c.kit.schedule("Over the cap.", DUE)

    report = c.kit.tick(DUE, c.publisher)

    assert report.outcomes == {"paused": 1}
    held = c.kit.target(post.id)
    assert (held.status, held.attempts) == (PostStatus.QUEUED, 0)


def test_a_post_that_could_not_be_counted_waits_a_minute_and_is_logged(log: Log) -> None:
    c = capped("1.00")
    post = c.kit.schedule("Counted later.", DUE)
    c.store.throttle(1)

    report = c.kit.tick(DUE, c.publisher)
    c.kit.tick(DUE + timedelta(seconds=30), c.publisher)

    assert report.outcomes == {"requeued": 1}
    held = c.kit.target(post.id)
    assert (held.status, held.attempts) == (PostStatus.QUEUED, 0)
    assert held.next_action_at == DUE + RETRY_AFTER_NOT_SENT
    assert c.kit.network.published() == []
    assert {"message": "An X post could not be counted", "post_id": post.id} in log.records


def test_each_tick_counts_every_outcome_for_the_alarms(
    kit: Kit, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The metrics the alarms watch get a number for each outcome every tick, 0 included."""
    counted: list[tuple[str, int]] = []
    monkeypatch.setattr(
        "chatdeck.services.publishing.count", lambda name, n: counted.append((name, n))
    )
    kit.schedule("One goes out.", DUE)

    kit.tick(DUE)

    assert counted == [
        ("posted", 1),
        ("failed", 0),
        ("unconfirmed", 0),
        ("requeued", 0),
        ("paused", 0),
    ]


# ----- whatever a publisher that lost its claim finds, it tells nobody ---------------------------


def stalled_past_its_lease(kit: Kit) -> Job:
    """A publisher claims the post and stalls; after its lease another takes the post over."""
    kit.schedule("A slow publisher's post.", DUE)
    claimed = kit.publisher.claim(kit.posts.due(DUE)[0], DUE)
    assert claimed is not None
    kit.tick(DUE + LEASE + timedelta(seconds=1), kit.another_publisher())
    return claimed


def test_a_publisher_that_lost_its_claim_sends_no_unconfirmed_email(kit: Kit) -> None:
    post = kit.schedule("Sent, then the publisher stalled.", DUE)
    claimed = kit.publisher.claim(kit.posts.due(DUE)[0], DUE)
    assert claimed is not None
    kit.network.publish(claimed.outgoing)  # it went out; the publisher stalls past its lease
    kit.tick(DUE + LEASE + timedelta(seconds=1), kit.another_publisher())  # found: POSTED
    assert kit.target(post.id).status is PostStatus.POSTED

    kit.network.cannot_tell = CannotTell("X's timeline could not be read.")
    outcome = kit.publisher.reconcile(claimed, DUE + LEASE, "The answer was lost.")

    assert outcome == "lost"
    assert kit.mailer.sent == []  # nobody hears "unconfirmed" about a post that is POSTED


def test_a_publisher_that_lost_its_claim_does_not_report_the_account_paused(kit: Kit) -> None:
    claimed = stalled_past_its_lease(kit)
    kit.network.script(AccountUnavailable("X refused the account's credentials (401)."))

    assert kit.publisher.send(claimed, DUE + LEASE) == "lost"


def test_a_publisher_that_lost_its_claim_tells_no_one_the_account_is_disconnected(
    kit: Kit,
) -> None:
    own = "member:" + TEACHER
    post = kit.schedule("From my own account.", DUE, account=own)
    claimed = kit.publisher.claim(kit.posts.due(DUE)[0], DUE)
    assert claimed is not None
    kit.network.publish(claimed.outgoing)  # it went out; the publisher stalls past its lease
    kit.tick(DUE + LEASE + timedelta(seconds=1), kit.another_publisher())  # found: POSTED
    kit.network.script(AccountDisconnected("Connect the account again.", "c1"))

    assert kit.publisher.send(claimed, DUE + LEASE) == "lost"
    assert kit.target(post.id).status is PostStatus.POSTED
    assert kit.mailer.sent == []


def test_each_lost_connection_is_told_once_with_its_reason(kit: Kit) -> None:
    own = "member:" + TEACHER
    first = kit.schedule("Before reconnecting.", DUE, account=own)
    second = kit.schedule("After reconnecting.", DUE + timedelta(hours=1), account=own)
    kit.network.script(
        AccountDisconnected("X refused to renew the connection.", "c1"),
        AccountDisconnected("X refused to renew the new connection.", "c2"),
    )

    kit.tick(DUE)
    kit.tick(DUE + timedelta(hours=1))

    assert [kit.target(p.id).status for p in (first, second)] == [PostStatus.FAILED] * 2
    emails = kit.emails_to(TEACHER)
    assert len(emails) == 2
    assert "X refused to renew the connection." in emails[0].text
    assert "X refused to renew the new connection." in emails[1].text


def test_a_publisher_that_lost_its_claim_does_not_report_a_post_held_by_the_cap() -> None:
    c = capped("0.00")
    c.kit.schedule("Over the cap.", DUE)
    claimed = c.publisher.claim(c.kit.posts.due(DUE)[0], DUE)
    assert claimed is not None
    c.kit.tick(DUE + LEASE + timedelta(seconds=1), c.publisher)

    assert c.publisher.send(claimed, DUE + LEASE) == "lost"


def test_a_post_whose_account_another_publisher_deferred_meanwhile_is_skipped(kit: Kit) -> None:
    kit.schedule("The account is paused.", DUE)
    kit.account_states.pause("x", "cohort", "X refused the credentials.", DUE, DUE + LEASE * 10)
    [seen] = kit.posts.due(DUE)
    first, second = kit.another_publisher(), kit.another_publisher()

    assert first.publish(seen, DUE) == "paused"
    assert second.publish(seen, DUE) == "skipped"


def test_a_try_not_even_started_is_given_back(kit: Kit) -> None:
    post = kit.schedule("Too little time left.", DUE)
    kit.network.script(NotStarted("Too little time was left to send it."))

    kit.tick(DUE)

    waiting = kit.target(post.id)
    assert (waiting.status, waiting.attempts) == (PostStatus.QUEUED, 0)


def test_a_lost_answer_not_found_is_queued_again_saying_why(kit: Kit) -> None:
    post = kit.schedule("The answer never came.", DUE)
    kit.network.script(OutcomeUnknown("X did not answer in time."))

    kit.tick(DUE)

    waiting = kit.target(post.id)
    assert (waiting.status, waiting.reason) == (
        PostStatus.QUEUED,
        "X did not answer in time. It is not on the account, so it will be tried again.",
    )


def test_a_duplicate_refused_on_a_later_try_is_looked_for_saying_why(kit: Kit) -> None:
    post = kit.schedule("Refused as a duplicate the second time.", DUE)
    kit.network.script(NotSent("X could not be reached."), DuplicateContent("X: duplicate."))

    kit.tick(DUE)
    kit.tick(DUE + RETRY_AFTER_NOT_SENT)

    waiting = kit.target(post.id)
    assert (waiting.status, waiting.reason) == (
        PostStatus.QUEUED,
        "X: duplicate. It is not on the account, so it will be tried again.",
    )
    assert (
        waiting.next_action_at is not None and waiting.next_action_at > DUE + RETRY_AFTER_NOT_SENT
    )


def test_a_network_this_deployment_cannot_post_to_fails_saying_so(kit: Kit) -> None:
    only_x = Publisher(kit.posts, {"x": kit.network}, kit.account_states, kit.notices, LEASE, 1)
    post = kit.schedule("To Bluesky.", DUE, targets=(("bluesky", "cohort"),))

    kit.tick(DUE, only_x)

    failed = kit.target(post.id)
    assert (failed.status, failed.reason) == (
        PostStatus.FAILED,
        "Chatdeck cannot post to bluesky in this deployment.",
    )


def test_a_post_failed_for_a_lost_connection_is_not_counted_against_the_cap() -> None:
    c = capped("1.00")
    c.kit.schedule("From my own account.", DUE, account="member:" + TEACHER)
    c.kit.network.script(AccountDisconnected("Connect the account again.", "c1"))

    c.kit.tick(DUE, c.publisher)

    assert c.spent().posts == 0


def test_a_post_deferred_for_a_rate_limit_and_seen_again_is_skipped(kit: Kit) -> None:
    """After a 429 the publisher defers the account's other posts in that tick; a view of one
    it already deferred (another invocation's, say) defers nothing twice."""
    kit.schedule("The first hits the limit.", DUE)
    kit.schedule("The second waits.", DUE)
    first, second = kit.posts.due(DUE)
    kit.network.script(RateLimited("X's rate limit (429).", DUE + timedelta(minutes=15)))
    publisher = kit.another_publisher()

    assert publisher.publish(first, DUE) == "requeued"
    assert publisher.publish(second, DUE) == "requeued"
    assert publisher.publish(second, DUE) == "skipped"


def test_a_post_by_hand_before_chatdecks_first_try_is_not_taken_for_it(kit: Kit) -> None:
    """Reconciling looks for the post among the account's own from the first try on: the
    member's own post of the same words an hour before (the service was down) is theirs."""
    text = "The same words, posted by hand."
    post = kit.schedule(text, DUE)
    kit.network.stage_own_post("cohort", text, DUE + timedelta(hours=1))
    kit.network.script(OutcomeUnknown("X did not answer in time."))

    kit.tick(DUE + timedelta(hours=2))

    waiting = kit.target(post.id)
    assert waiting.status is PostStatus.QUEUED
    assert waiting.remote_id is None
