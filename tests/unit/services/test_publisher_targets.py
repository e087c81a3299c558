"""Publishing a cross-post, on the fakes: each target (X, Bluesky, Mastodon) is sent, refused,
limited, paused and reconciled on its own, and never holds up or repeats another.

test_publisher.py shows each outcome of a send on one target; here one network of three meets
it, and the other two are checked to be untouched.
"""

from datetime import timedelta

import pytest

from chatdeck.domain.outcomes import (
    AccountUnavailable,
    NotSent,
    OutcomeUnknown,
    PublishError,
    RateLimited,
    Rejected,
)
from chatdeck.domain.posts import Post, PostStatus
from tests.fakes import FakeNetwork
from tests.unit.services.kit import ADMIN, LEASE, NOW, TEACHER, Kit

DUE = NOW
THREE = (("x", "cohort"), ("bluesky", "cohort"), ("mastodon", "cohort"))
KEYS = ("x:cohort", "bluesky:cohort", "mastodon:cohort")


def cross_post(kit: Kit, text: str = "Tonight at 8 ET: #edtechchat on feedback.") -> Post:
    return kit.schedule(text, DUE, targets=THREE)


def networks(kit: Kit) -> dict[str, FakeNetwork]:
    return {"x:cohort": kit.network, "bluesky:cohort": kit.bluesky, "mastodon:cohort": kit.mastodon}


def sends(kit: Kit) -> dict[str, int]:
    """How many times each network was asked to create a post."""
    return {key: len(network.calls_to("publish")) for key, network in networks(kit).items()}


def assert_posted_once(kit: Kit, post: Post, key: str) -> None:
    """The target is POSTED, linked to the one post its network has on the account."""
    [published] = networks(kit)[key].published("cohort")
    stored = kit.target(post.id, key)
    assert (stored.status, stored.remote_id, stored.url) == (
        PostStatus.POSTED,
        published.remote_id,
        published.url,
    )
    assert published.text == post.text


# ----- a refusal on one network -----------------------------------------------------------------


def test_a_refusal_on_one_network_fails_that_target_only_and_its_email_names_it(kit: Kit) -> None:
    post = cross_post(kit)
    refusal = "Bluesky refused the text: it is longer than 300 graphemes."
    kit.bluesky.script(Rejected(refusal))

    report = kit.tick(DUE)
    again = kit.tick(DUE + timedelta(minutes=1))

    assert report.outcomes == {"posted": 2, "failed": 1}
    failed = kit.target(post.id, "bluesky:cohort")
    assert (failed.status, failed.reason, failed.next_action_at) == (
        PostStatus.FAILED,
        refusal,
        None,
    )
    assert_posted_once(kit, post, "x:cohort")
    assert_posted_once(kit, post, "mastodon:cohort")
    stored = kit.post(post.id)
    assert (stored.status, stored.reason) == (PostStatus.FAILED, refusal)
    [email] = kit.mailer.sent
    assert email.to == [TEACHER]
    assert "could not be published on Bluesky (the cohort's account)." in email.text
    assert refusal in email.text
    assert "X (" not in email.text and "Mastodon" not in email.text
    assert again.due == 0
    assert sends(kit) == {"x:cohort": 1, "bluesky:cohort": 1, "mastodon:cohort": 1}


# ----- a rate limit on one network --------------------------------------------------------------


def test_a_rate_limit_on_one_network_defers_only_its_targets_to_the_reset(kit: Kit) -> None:
    reset = DUE + timedelta(minutes=15)
    limit = "Mastodon's rate limit was reached; trying again at 12:15."
    first, second = cross_post(kit, "First cross-post."), cross_post(kit, "Second cross-post.")
    kit.mastodon.script(RateLimited(limit, reset))

    report = kit.tick(DUE, kit.another_publisher(concurrency=1))  # one target at a time

    assert report.outcomes == {"posted": 4, "requeued": 2}
    assert sends(kit) == {"x:cohort": 2, "bluesky:cohort": 2, "mastodon:cohort": 1}
    for post in (first, second):
        waiting = kit.target(post.id, "mastodon:cohort")
        assert (waiting.status, waiting.next_action_at, waiting.reason) == (
            PostStatus.QUEUED,
            reset,
            limit,
        )
        assert kit.target(post.id, "x:cohort").status is PostStatus.POSTED
        assert kit.target(post.id, "bluesky:cohort").status is PostStatus.POSTED
        assert kit.post(post.id).status is PostStatus.QUEUED
    assert kit.tick(reset - timedelta(seconds=1)).due == 0

    after = kit.tick(reset)

    assert after.outcomes == {"posted": 2}
    assert sends(kit) == {"x:cohort": 2, "bluesky:cohort": 2, "mastodon:cohort": 3}
    assert sorted(p.text for p in kit.mastodon.published()) == [first.text, second.text]
    assert {kit.post(p.id).status for p in (first, second)} == {PostStatus.POSTED}
    assert kit.mailer.sent == []


# ----- one account paused -----------------------------------------------------------------------


def test_a_paused_account_holds_only_its_own_target(kit: Kit) -> None:
    post = cross_post(kit)
    refusal = "Bluesky refused the account's credentials"
    kit.bluesky.script(AccountUnavailable(refusal))

    report = kit.tick(DUE)

    assert report.outcomes == {"posted": 2, "paused": 1}
    assert_posted_once(kit, post, "x:cohort")
    assert_posted_once(kit, post, "mastodon:cohort")
    waiting = kit.target(post.id, "bluesky:cohort")
    retry = DUE + timedelta(minutes=30)
    assert (waiting.status, waiting.next_action_at) == (PostStatus.QUEUED, retry)
    assert waiting.reason is not None and refusal in waiting.reason
    assert kit.account_states.state("bluesky", "cohort").paused_since == DUE
    assert kit.account_states.state("x", "cohort").paused_since is None
    assert kit.account_states.state("mastodon", "cohort").paused_since is None
    [email] = kit.mailer.sent
    assert email.to == [ADMIN] and refusal in email.text
    assert kit.tick(retry - timedelta(seconds=1)).due == 0

    kit.tick(retry)

    assert_posted_once(kit, post, "bluesky:cohort")
    assert kit.post(post.id).status is PostStatus.POSTED
    assert kit.account_states.state("bluesky", "cohort").paused_since is None
    assert sends(kit) == {"x:cohort": 1, "bluesky:cohort": 2, "mastodon:cohort": 1}


# ----- an unknown outcome on one network --------------------------------------------------------


def test_a_lost_answer_on_one_network_is_reconciled_there_and_nothing_else_is_asked(
    kit: Kit,
) -> None:
    post = cross_post(kit)
    kit.bluesky.lose_answer("The connection dropped before Bluesky answered.")

    report = kit.tick(DUE)
    kit.tick(DUE + timedelta(minutes=5))

    assert report.outcomes == {"posted": 3}
    for key in KEYS:
        assert_posted_once(kit, post, key)
    assert sends(kit) == {"x:cohort": 1, "bluesky:cohort": 1, "mastodon:cohort": 1}
    [looked] = kit.bluesky.calls_to("find_own_post")
    assert looked["account"] == "cohort" and looked["text"] == post.text
    assert kit.network.calls_to("find_own_post") == []
    assert kit.mastodon.calls_to("find_own_post") == []
    assert kit.mailer.sent == []


# ----- retries ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "blip",
    [
        NotSent("Chatdeck could not connect to Mastodon."),
        OutcomeUnknown("Mastodon took too long to answer."),  # and created nothing
    ],
    ids=["no-connection", "lost-answer"],
)
def test_a_retry_carries_the_first_tries_idempotency_key(kit: Kit, blip: PublishError) -> None:
    post = cross_post(kit)
    kit.mastodon.script(blip)

    for minute in range(4):
        kit.tick(DUE + timedelta(minutes=minute))

    assert_posted_once(kit, post, "mastodon:cohort")
    first, retry = kit.mastodon.outgoing
    assert retry.idempotency_key == first.idempotency_key
    assert (retry.post_id, retry.target) == (post.id, "mastodon:cohort")
    [to_bluesky] = kit.bluesky.outgoing
    assert to_bluesky.digest != first.digest  # each target has a key of its own


def test_a_retry_on_one_network_never_resends_the_targets_already_posted(kit: Kit) -> None:
    post = cross_post(kit)
    kit.mastodon.script(NotSent("Chatdeck could not connect to Mastodon."))

    first = kit.tick(DUE)
    second = kit.tick(DUE + timedelta(minutes=1))
    third = kit.tick(DUE + timedelta(minutes=2))

    assert first.outcomes == {"posted": 2, "requeued": 1}
    assert (second.due, second.outcomes) == (1, {"posted": 1})
    assert third.due == 0
    for key in KEYS:
        assert_posted_once(kit, post, key)
    assert sends(kit) == {"x:cohort": 1, "bluesky:cohort": 1, "mastodon:cohort": 2}
    assert kit.post(post.id).status is PostStatus.POSTED


# ----- found by make property -------------------------------------------------------------------


def test_finding_an_earlier_post_does_not_resume_an_account_paused_since(kit: Kit) -> None:
    """Reconciling a send made before a pause proves nothing about the account now: it stays
    paused, and the posts waiting on it are not sent into a refusal (and a second pause)."""
    earlier = kit.schedule("Sent just before the credits ran out.", DUE)
    claimed = kit.publisher.claim(kit.posts.due(DUE)[0], DUE)
    assert claimed is not None
    kit.network.publish(claimed.outgoing)  # ... and the function dies here
    retry_at = DUE + timedelta(hours=1)
    kit.account_states.pause("x", "cohort", "The API credits are used up.", DUE, retry_at)
    after_lease = DUE + LEASE + timedelta(minutes=1)
    waiting = kit.schedule("Due while the account is paused.", after_lease)

    kit.tick(after_lease)

    assert kit.target(earlier.id).status is PostStatus.POSTED
    assert kit.account_states.state("x", "cohort").paused_until(after_lease) == retry_at
    assert kit.target(waiting.id).status is PostStatus.QUEUED
    assert kit.publish_calls() == 1
