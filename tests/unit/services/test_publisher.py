"""Publishing once, on the fakes: what goes out, how many times, and what the post says after.

The same behaviours tests/integration/test_publisher.py shows against moto server and the
sandbox; here the interleavings are scripted step by step and nothing needs a server.

(Long on purpose: every outcome of a send is one section over the same kit and timeline.)
"""

import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from chatdeck.domain.outcomes import (
    AccountUnavailable,
    CannotTell,
    DuplicateContent,
    NotSent,
    NotStarted,
    OutcomeUnknown,
    Published,
    PublishError,
    RateLimited,
    Rejected,
)
from chatdeck.domain.outgoing import Outgoing
from chatdeck.domain.posts import Post, PostStatus
from tests.fakes import FakePostStore
from tests.fakes.posts import claim_ignoring_its_condition
from tests.unit.services.kit import ADMIN, LEASE, NOW, OTHER_TEACHER, TEACHER, Kit

DUE = NOW


# ----- a due post -------------------------------------------------------------------------------


def test_a_due_post_goes_out_once_and_is_linked(kit: Kit) -> None:
    post = kit.schedule("Tonight at 8 ET: #edtechchat on feedback. Bring a question!", DUE)

    report = kit.tick(DUE)
    kit.tick(DUE + timedelta(minutes=1))

    assert report.outcomes["posted"] == 1
    assert kit.published_texts() == [post.text]
    [published] = kit.network.published()
    stored = kit.target(post.id)
    assert stored.status is PostStatus.POSTED
    assert stored.remote_id == published.remote_id
    assert stored.url == f"https://x.com/edcohort/status/{published.remote_id}"
    assert stored.next_action_at is None
    assert kit.mailer.sent == []


def test_a_post_is_not_sent_before_its_minute(kit: Kit) -> None:
    due = DUE + timedelta(minutes=3)
    post = kit.schedule("Not yet, please.", due)

    early = kit.tick(due - timedelta(seconds=1))

    assert early.due == 0
    assert kit.publish_calls() == 0
    assert kit.target(post.id).status is PostStatus.QUEUED

    kit.tick(due)
    assert kit.published_texts() == [post.text]


# ----- two publishers, one post -----------------------------------------------------------------


def interleave_two_publishers(kit: Kit) -> Post:
    """Both find the post due, both try to claim it before either sends, then each sends what
    it claimed."""
    post = kit.schedule("Two publishers, one post.", DUE)
    a, b = kit.publisher, kit.another_publisher()

    seen_by_a, seen_by_b = a.posts.due(DUE), b.posts.due(DUE)
    claimed_by_a = a.claim(seen_by_a[0], DUE)
    claimed_by_b = b.claim(seen_by_b[0], DUE)
    for publisher, claimed in ((a, claimed_by_a), (b, claimed_by_b)):
        if claimed is not None:
            publisher.send(claimed, DUE)

    assert [j.post.id for j in seen_by_a] == [j.post.id for j in seen_by_b] == [post.id]
    return post


def test_two_interleaved_publishers_publish_a_post_once(kit: Kit) -> None:
    post = interleave_two_publishers(kit)

    assert kit.publish_calls() == 1
    assert kit.published_texts() == [post.text]
    assert kit.target(post.id).status is PostStatus.POSTED


@pytest.fixture
def claim_condition_removed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The fake's claim, its condition gone: it takes the target whatever happened since it was
    read (the update is the same as the real one's)."""
    monkeypatch.setattr(FakePostStore, "claim", claim_ignoring_its_condition)
    yield


@pytest.mark.usefixtures("claim_condition_removed")
def test_without_the_claim_condition_the_same_interleaving_publishes_twice(kit: Kit) -> None:
    post = interleave_two_publishers(kit)

    assert kit.publish_calls() == 2
    assert kit.published_texts() == [post.text, post.text]


# ----- a crash, and answers that leave the outcome unknown ---------------------------------------


def test_a_crash_after_the_network_call_is_reconciled_not_resent(kit: Kit) -> None:
    post = kit.schedule("Crash right after sending.", DUE)
    claimed = kit.publisher.claim(kit.posts.due(DUE)[0], DUE)
    assert claimed is not None
    kit.network.publish(claimed.outgoing)  # ... and the function dies here

    during_lease = kit.tick(DUE + timedelta(seconds=60))
    after_lease = kit.tick(DUE + LEASE + timedelta(seconds=1))

    assert during_lease.due == 0
    assert after_lease.outcomes["posted"] == 1
    assert kit.publish_calls() == 1
    [published] = kit.network.published()
    stored = kit.target(post.id)
    assert (stored.status, stored.remote_id) == (PostStatus.POSTED, published.remote_id)


def test_a_lost_answer_for_a_post_that_was_created_ends_posted_once(kit: Kit) -> None:
    post = kit.schedule("The answer to this one gets lost.", DUE)
    kit.network.lose_answer()

    report = kit.tick(DUE)
    kit.tick(DUE + timedelta(minutes=5))

    assert report.outcomes["posted"] == 1
    assert kit.publish_calls() == 1
    [published] = kit.network.published()
    stored = kit.target(post.id)
    assert (stored.status, stored.remote_id) == (PostStatus.POSTED, published.remote_id)
    assert kit.mailer.sent == []


def test_a_lost_answer_for_a_post_not_created_is_tried_again_at_most_three_times(
    kit: Kit,
) -> None:
    kit.add_member(TEACHER)
    post = kit.schedule("X never saved this one.", DUE)
    lost = "The connection dropped before X answered."
    kit.network.script(OutcomeUnknown(lost), OutcomeUnknown(lost), OutcomeUnknown(lost))

    first = kit.tick(DUE)
    requeued = kit.target(post.id)
    kit.tick(DUE + timedelta(minutes=1))  # not due again yet
    kit.tick(DUE + timedelta(minutes=2))
    kit.tick(DUE + timedelta(minutes=4))
    kit.tick(DUE + timedelta(minutes=30))

    assert first.outcomes["requeued"] == 1
    assert requeued.status is PostStatus.QUEUED
    assert requeued.unsettled  # it may yet show up: not edited before the next try settles it
    assert requeued.next_action_at == DUE + timedelta(minutes=2)
    assert requeued.reason is not None and "tried again" in requeued.reason
    assert kit.publish_calls() == 3
    assert kit.network.published() == []
    unconfirmed = kit.target(post.id)
    assert unconfirmed.status is PostStatus.UNCONFIRMED
    assert unconfirmed.reason is not None and "After 3 attempts" in unconfirmed.reason
    assert [email.to for email in kit.mailer.sent] == [[TEACHER], [ADMIN]]  # one each
    assert all("could not confirm" in email.subject for email in kit.mailer.sent)


def test_a_lost_answer_that_cannot_be_checked_is_unconfirmed_and_people_told_once(
    kit: Kit,
) -> None:
    post = kit.schedule("Did it go out? Nobody can tell.", DUE)
    kit.network.lose_answer()
    kit.network.cannot_tell = CannotTell("X's list of the account's posts could not be read.")

    report = kit.tick(DUE)
    kit.tick(DUE + timedelta(minutes=5))
    kit.tick(DUE + timedelta(hours=1))

    assert report.outcomes["unconfirmed"] == 1
    assert kit.publish_calls() == 1  # never re-sent blind
    stored = kit.target(post.id)
    assert stored.status is PostStatus.UNCONFIRMED
    assert stored.reason is not None and "could not be read" in stored.reason
    assert stored.next_action_at is None
    assert [email.to for email in kit.mailer.sent] == [[TEACHER], [ADMIN]]  # one each
    for email in kit.mailer.sent:
        assert post.text in email.text and "could not be read" in email.text


# ----- rate limits ------------------------------------------------------------------------------


def test_a_rate_limit_requeues_at_the_reset_and_asks_nothing_before_it(kit: Kit) -> None:
    reset = DUE + timedelta(minutes=15)
    post = kit.schedule("Rate limited, patiently.", DUE)
    kit.network.script(RateLimited("X's rate limit was reached; trying again at 12:15.", reset))

    kit.tick(DUE)
    queued = kit.target(post.id)
    before_reset = kit.tick(reset - timedelta(seconds=1))

    assert queued.status is PostStatus.QUEUED
    assert queued.next_action_at == reset
    assert queued.reason == "X's rate limit was reached; trying again at 12:15."
    assert before_reset.due == 0
    assert kit.publish_calls() == 1

    kit.tick(reset)
    assert kit.published_texts() == [post.text]
    assert kit.target(post.id).status is PostStatus.POSTED


def test_a_publisher_sends_at_most_its_concurrency_at_once(kit: Kit) -> None:
    posts = [kit.schedule(f"Post {n} of six.", DUE) for n in range(6)]
    publish, lock = kit.network.publish, threading.Lock()
    pairs = threading.Barrier(2, timeout=5)  # each send waits for a second one to be under way
    in_flight, most = 0, 0

    def send(outgoing: Outgoing) -> Published:
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        pairs.wait()
        try:
            time.sleep(0.05)  # long enough for any third send to start, were one allowed
            return publish(outgoing)
        finally:
            with lock:
                in_flight -= 1

    kit.network.publish = send  # type: ignore[method-assign]
    report = kit.tick(DUE, kit.another_publisher(concurrency=2))

    assert report.outcomes["posted"] == len(posts)
    assert most == 2


def test_after_a_rate_limit_the_rest_of_the_tick_waits_without_calling_the_network(
    kit: Kit,
) -> None:
    reset = DUE + timedelta(minutes=15)
    posts = [kit.schedule(f"Burst post {n}.", DUE) for n in range(5)]
    other_account = kit.schedule("Mine is not limited.", DUE, account=f"member:{TEACHER}")
    kit.network.script(RateLimited("X's rate limit was reached.", reset))

    report = kit.tick(DUE, kit.another_publisher(concurrency=1))  # one post at a time

    assert report.outcomes["requeued"] == 5
    assert report.outcomes["posted"] == 1
    calls = kit.network.calls_to("publish")
    assert [c["account"] for c in calls].count("cohort") == 1
    for post in posts:
        stored = kit.target(post.id)
        assert (stored.status, stored.next_action_at) == (PostStatus.QUEUED, reset)
        assert stored.reason == "X's rate limit was reached."
    assert kit.target(other_account.id).status is PostStatus.POSTED

    kit.tick(reset)
    assert sorted(kit.published_texts()) == sorted(p.text for p in [*posts, other_account])


# ----- the whole account refused ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("refusal", "pause"),
    [
        ("X refused the account's credentials (401)", timedelta(minutes=30)),
        ("The API credits are used up (402)", timedelta(hours=1)),
    ],
)
def test_an_account_failure_pauses_the_queue_and_tells_admins_once(
    kit: Kit, refusal: str, pause: timedelta
) -> None:
    kit.add_member(TEACHER)
    posts = [kit.schedule(f"Post {n} while the account is broken.", DUE) for n in range(3)]
    kit.network.script(AccountUnavailable(refusal))

    one_at_a_time = kit.another_publisher(concurrency=1)

    report = kit.tick(DUE, one_at_a_time)
    later = kit.tick(DUE + timedelta(minutes=5), one_at_a_time)

    assert report.outcomes["failed"] == 0
    assert report.outcomes["paused"] == 3
    assert kit.publish_calls() == 1  # the other posts waited without asking
    assert later.due == 0  # paused posts wait for the pause to end, not every minute
    for post in posts:
        stored = kit.target(post.id)
        assert stored.status is PostStatus.QUEUED
        assert stored.next_action_at == DUE + pause
        assert stored.reason is not None
        assert stored.reason.startswith("Waiting: the X account is paused")
        assert refusal in stored.reason
    [email] = kit.mailer.sent
    assert email.to == [ADMIN]
    assert refusal in email.text
    assert kit.emails_to(TEACHER) == []

    # The first retry is refused again: the same pause, so no second email.
    kit.network.script(AccountUnavailable(refusal))
    kit.tick(DUE + pause, one_at_a_time)
    assert len(kit.mailer.sent) == 1
    assert {kit.target(p.id).status for p in posts} == {PostStatus.QUEUED}

    # The admin fixes it: at the next retry everything goes out and the account resumes.
    retry = kit.target(posts[0].id).next_action_at
    assert retry is not None and retry == DUE + 2 * pause
    kit.tick(retry, one_at_a_time)
    assert sorted(kit.published_texts()) == sorted(p.text for p in posts)
    assert kit.account_states.state("x", "cohort").paused_since is None
    assert len(kit.mailer.sent) == 1


def test_an_account_refused_by_many_threads_at_once_tells_admins_once(kit: Kit) -> None:
    posts = [kit.schedule(f"Post {n}, all at once.", DUE) for n in range(16)]
    kit.network.script(*[AccountUnavailable("X refused the account's credentials")] * 16)

    report = kit.tick(DUE)  # 16 threads

    assert report.outcomes["paused"] == 16
    assert {kit.target(p.id).status for p in posts} == {PostStatus.QUEUED}
    assert [email.to for email in kit.mailer.sent] == [[ADMIN]]


# ----- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "refusal",
    [
        Rejected("X refused the text: it is longer than 280 characters."),
        DuplicateContent("X refused the text as a duplicate of a recent post."),
    ],
    ids=["rejected", "duplicate"],
)
def test_a_refusal_on_the_first_attempt_fails_and_the_author_is_told_once(
    kit: Kit, refusal: Rejected
) -> None:
    post = kit.schedule("X will not take this one.", DUE, author=OTHER_TEACHER)
    kit.network.script(refusal)

    report = kit.tick(DUE)
    kit.tick(DUE + timedelta(minutes=1))
    kit.tick(DUE + timedelta(hours=1))

    assert report.outcomes["failed"] == 1
    assert kit.publish_calls() == 1
    failed = kit.target(post.id)
    assert (failed.status, failed.reason) == (PostStatus.FAILED, refusal.reason)
    assert failed.next_action_at is None
    [email] = kit.mailer.sent
    assert email.to == [OTHER_TEACHER]
    assert "was not published" in email.subject
    assert refusal.reason in email.text


def test_a_duplicate_on_a_retry_is_reconciled_to_our_own_earlier_post(kit: Kit) -> None:
    post = kit.schedule("Did the first try land?", DUE)
    # The first create's answer is lost and X saves the post only after we looked; the retry is
    # then refused as a duplicate, and reconciling finds the post.
    kit.network.script(OutcomeUnknown("X took too long to answer."))
    kit.tick(DUE)
    assert kit.target(post.id).status is PostStatus.QUEUED
    late = kit.network.stage_own_post("cohort", post.text, DUE + timedelta(seconds=90))
    kit.network.script(DuplicateContent("X refused the text as a duplicate of a recent post."))

    report = kit.tick(DUE + timedelta(minutes=2))

    assert report.outcomes["posted"] == 1
    assert kit.published_texts() == [post.text]
    stored = kit.target(post.id)
    assert (stored.status, stored.remote_id) == (PostStatus.POSTED, late.remote_id)
    assert kit.mailer.sent == []


def test_no_connection_is_retried_a_minute_later_and_fails_after_three_attempts(
    kit: Kit,
) -> None:
    post = kit.schedule("X cannot be reached.", DUE)
    kit.network.script(*[NotSent("Chatdeck could not connect to X.")] * 3)

    for minute in range(5):
        kit.tick(DUE + timedelta(minutes=minute))

    assert kit.publish_calls() == 3
    failed = kit.target(post.id)
    assert (failed.status, failed.reason) == (
        PostStatus.FAILED,
        "It was not sent after 3 attempts and will not be tried again:"
        " Chatdeck could not connect to X.",
    )
    assert [email.to for email in kit.mailer.sent] == [[TEACHER]]


# ----- tries that certainly sent nothing are given back -----------------------------------------


def test_ticks_that_ran_short_of_time_never_use_up_a_posts_tries(kit: Kit) -> None:
    post = kit.schedule("Sent when a tick has time.", DUE)
    short = NotStarted("Too little time was left to send it; it will be tried again shortly.")
    kit.network.script(*[short] * 4)

    for minute in range(5):  # four short ticks, then one with time
        kit.tick(DUE + timedelta(minutes=minute))

    assert kit.target(post.id).status is PostStatus.POSTED
    assert kit.published_texts() == [post.text]
    assert kit.mailer.sent == []


@pytest.mark.parametrize(
    "blip",
    [OutcomeUnknown("X took too long to answer."), NotSent("Chatdeck could not connect to X.")],
    ids=["lost-answer", "no-connection"],
)
def test_a_post_that_waited_out_a_pause_still_gets_its_tries(kit: Kit, blip: PublishError) -> None:
    post = kit.schedule("Waited out the pause.", DUE)
    at = DUE
    for _ in range(2):  # the first try, and the first retry: the account is refused
        kit.network.script(AccountUnavailable("X refused the account's credentials"))
        kit.tick(at)
        retry = kit.target(post.id).next_action_at
        assert retry is not None
        at = retry
    kit.network.script(blip)  # X is back, and the first real send meets a blip

    kit.tick(at)

    stored = kit.target(post.id)
    assert stored.status is PostStatus.QUEUED  # tried again in a minute or two
    assert [email.to for email in kit.mailer.sent] == [[ADMIN]]  # the pause, and nothing else


def test_a_duplicate_after_a_rate_limit_fails_as_a_duplicate(kit: Kit) -> None:
    first = kit.schedule("Same words, twice.", DUE)
    kit.tick(DUE)
    again = kit.schedule("Same words, twice.", DUE + timedelta(minutes=1), author=OTHER_TEACHER)
    reset = DUE + timedelta(minutes=2)
    kit.network.script(
        RateLimited("X's rate limit was reached.", reset),  # certainly not created
        DuplicateContent("X refused the text as a duplicate of a recent post."),
    )

    kit.tick(DUE + timedelta(minutes=1))
    kit.tick(reset)

    assert kit.target(first.id).status is PostStatus.POSTED
    failed = kit.target(again.id)
    assert (failed.status, failed.remote_id) == (PostStatus.FAILED, None)
    assert [email.to for email in kit.mailer.sent] == [[OTHER_TEACHER]]
