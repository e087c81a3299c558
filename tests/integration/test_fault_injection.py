"""Fault injection on every network, over real HTTP: each sandbox's `POST /sandbox/faults` on its
create endpoint (X `POST /2/tweets`, Bluesky `createRecord`, Mastodon `POST /api/v1/statuses`),
and the publisher stopped at each step boundary, run twice for one event, and run as two
interleaved invocations. Nothing of the domain is replaced: the real tweepy, atproto and
Mastodon.py clients, the DynamoDB post store in moto server. Every case ends by checking
fault_kit.check_invariants: nothing twice on a network, every target ended or waiting with a
reason, at most one email to the author per failed target. The AWS faults (DynamoDB, SES) are in
test_fault_injection_aws.py."""

import threading
from datetime import datetime, timedelta

import pytest

from chatdeck.domain.posts import PostStatus
from tests.integration.bluesky_fixtures import bluesky_server, bluesky_url
from tests.integration.deployment import ADMIN
from tests.integration.fault_kit import AUTHOR, Net, Stack, check_invariants, stack
from tests.integration.mastodon_kit import mastodon_url

pytestmark = pytest.mark.integration
__all__ = ["bluesky_server", "bluesky_url", "mastodon_url", "stack"]

NETWORKS = ["x", "bluesky", "mastodon"]
ALL = (("x", "cohort"), ("bluesky", "cohort"), ("mastodon", "cohort"))


def ticks(stack: Stack, start: datetime, minutes: range) -> datetime:
    """A tick at each of `minutes` after `start`; the last tick's time."""
    at = start
    for minute in minutes:
        at = start + timedelta(minutes=minute)
        stack.deployment.tick(at)
    return at


# Each network's faults on its create endpoint


@pytest.mark.parametrize("network", NETWORKS)
def test_a_429_waits_for_its_reset_then_goes_out_once(stack: Stack, network: str) -> None:
    net, due = stack.nets[network], stack.deployment.minute
    reset = due + timedelta(minutes=15)
    post = stack.deployment.schedule(f"Rate limited on {network}.", due, targets=(net.target,))
    net.fault(status=429, count=1, reset=net.reset_value(reset))

    stack.deployment.tick(due)
    waiting = stack.deployment.target(post.id)
    before = stack.deployment.tick(reset - timedelta(seconds=1))

    assert waiting.status is PostStatus.QUEUED and waiting.reason
    assert "rate limit" in waiting.reason
    assert waiting.next_action_at == reset
    assert before.due == 0 and net.creates() == 1
    stack.deployment.tick(reset)
    assert net.texts() == [post.text]
    check_invariants(stack, [post], reset)


@pytest.mark.parametrize("network", NETWORKS)
def test_a_5xx_before_the_post_was_made_is_tried_again_once(stack: Stack, network: str) -> None:
    net, due = stack.nets[network], stack.deployment.minute
    post = stack.deployment.schedule(f"{network} was down a moment.", due, targets=(net.target,))
    net.fault(status=503, count=1)

    end = ticks(stack, due, range(0, 6))

    assert net.texts() == [post.text]
    assert stack.deployment.target(post.id).status is PostStatus.POSTED
    check_invariants(stack, [post], end)


@pytest.mark.parametrize("network", NETWORKS)
@pytest.mark.parametrize(
    "failure", [{"status": 500}, {"status": "timeout", "latency_ms": 1500}], ids=["500", "timeout"]
)
def test_a_lost_answer_after_the_post_was_made_is_reconciled_not_resent(
    stack: Stack, network: str, failure: dict[str, object]
) -> None:
    net, due = stack.nets[network], stack.deployment.minute
    post = stack.deployment.schedule(
        f"Saved on {network}, answer lost.", due, targets=(net.target,)
    )
    net.fault(count=1, after_create=True, **failure)

    end = ticks(stack, due, range(0, 6))

    assert net.creates() == 1  # reconciled against the account, never sent again
    assert net.texts() == [post.text]
    assert stack.deployment.target(post.id).status is PostStatus.POSTED
    check_invariants(stack, [post], end)


@pytest.mark.parametrize("network", NETWORKS)
def test_a_read_timeout_before_the_post_was_made_goes_out_once(stack: Stack, network: str) -> None:
    net, due = stack.nets[network], stack.deployment.minute
    post = stack.deployment.schedule(f"Nothing saved on {network}.", due, targets=(net.target,))
    net.fault(status="timeout", latency_ms=1200, count=1)

    end = ticks(stack, due, range(0, 8))

    assert net.texts() == [post.text]
    assert stack.deployment.target(post.id).status in (PostStatus.POSTED, PostStatus.UNCONFIRMED)
    check_invariants(stack, [post], end)


@pytest.mark.parametrize(
    ("network", "status"),
    [("x", 401), ("x", 402), ("bluesky", 401), ("mastodon", 401), ("mastodon", 403)],
)
def test_refused_credentials_or_used_up_credits_wait_with_a_reason(
    stack: Stack, network: str, status: int
) -> None:
    net, due = stack.nets[network], stack.deployment.minute
    posts = [
        stack.deployment.schedule(f"Post {n} to a refused {network}.", due, targets=(net.target,))
        for n in range(2)
    ]
    net.fault(status=status, count=50)
    stack.deployment.tick(due)
    asked = net.creates()
    later = stack.deployment.schedule(
        f"Due while {network} is paused.", due + timedelta(minutes=2), targets=(net.target,)
    )
    posts.append(later)

    end = ticks(stack, due, range(1, 5))

    assert net.creates() == asked  # a post due during the pause waits without asking
    assert net.texts() == []
    for post in posts:  # the cohort's account is paused: its posts wait, none fails
        stored = stack.deployment.target(post.id)
        assert stored.status is PostStatus.QUEUED
        assert f"the {network.upper()} account is paused" in (stored.reason or "")
        assert stored.next_action_at is not None and stored.next_action_at > end
    assert len(stack.deployment.emails_to(ADMIN)) == 1  # one pause, one email
    assert stack.deployment.emails_to(AUTHOR) == []
    check_invariants(stack, posts, end)


def test_a_duplicate_refusal_on_x_fails_that_target_only_and_tells_the_author_once(
    stack: Stack,
) -> None:
    due = stack.deployment.minute
    first = stack.deployment.schedule("Same words everywhere.", due, targets=(ALL[0],))
    stack.deployment.tick(due)
    again = stack.deployment.schedule(
        "Same words everywhere.", due + timedelta(minutes=1), targets=ALL
    )

    end = ticks(stack, due, range(1, 4))

    stored = stack.deployment.post(again.id)
    assert {t.key: t.status for t in stored.targets} == {
        "x:cohort": PostStatus.FAILED,
        "bluesky:cohort": PostStatus.POSTED,
        "mastodon:cohort": PostStatus.POSTED,
    }
    assert len(stack.deployment.emails_to(AUTHOR)) == 1
    check_invariants(stack, [first, again], end)


# A crash at each step boundary of the publisher, then later ticks


def test_a_crash_before_the_claim_leaves_the_post_to_the_next_tick(stack: Stack) -> None:
    due = stack.deployment.minute
    post = stack.deployment.schedule("Crash before the claim.", due, targets=ALL)
    assert len(stack.services.publisher.posts.due(due)) == 3  # ... and the function dies here

    end = ticks(stack, due, range(1, 2))

    for net in stack.nets.values():
        assert net.texts() == [post.text] and net.creates() == 1
    check_invariants(stack, [post], end)


def test_a_crash_after_the_claim_waits_for_the_lease_then_goes_out_once(stack: Stack) -> None:
    due = stack.deployment.minute
    post = stack.deployment.schedule("Crash after the claim.", due, targets=ALL)
    publisher = stack.services.publisher
    for job in publisher.posts.due(due):
        assert publisher.claim(job, due) is not None  # ... and the function dies here

    during = stack.deployment.tick(due + timedelta(seconds=30))
    after = due + publisher.lease + timedelta(seconds=1)
    end = ticks(stack, after, range(0, 5))

    assert during.due == 0
    for net in stack.nets.values():
        assert net.texts() == [post.text] and net.creates() == 1
    assert {t.status for t in stack.deployment.post(post.id).targets} == {PostStatus.POSTED}
    check_invariants(stack, [post], end)


def test_a_crash_after_the_network_call_is_reconciled_on_every_network(stack: Stack) -> None:
    due = stack.deployment.minute
    post = stack.deployment.schedule("Crash after sending.", due, targets=ALL)
    publisher = stack.services.publisher
    for job in publisher.posts.due(due):
        claimed = publisher.claim(job, due)
        assert claimed is not None
        publisher.networks[job.target.network].publish(claimed.outgoing)  # ... then it dies

    end = ticks(stack, due + publisher.lease + timedelta(seconds=1), range(0, 4))

    for net in stack.nets.values():
        assert net.creates() == 1, net.name
        assert net.texts() == [post.text]
    assert {t.status for t in stack.deployment.post(post.id).targets} == {PostStatus.POSTED}
    check_invariants(stack, [post], end)


# One schedule event delivered twice, and two invocations at once


def test_the_same_event_delivered_twice_publishes_once(stack: Stack) -> None:
    due = stack.deployment.minute
    post = stack.deployment.schedule("One event, delivered twice.", due, targets=ALL)

    first = stack.deployment.tick(due)
    again = stack.deployment.tick(due)

    assert first.outcomes["posted"] == 3 and again.due == 0
    for net in stack.nets.values():
        assert net.creates() == 1
    check_invariants(stack, [post], due)


def test_two_invocations_at_once_publish_each_target_once(stack: Stack) -> None:
    due = stack.deployment.minute
    posts = [
        stack.deployment.schedule(f"Two invocations, post {n}.", due, targets=ALL) for n in range(4)
    ]
    publishers = [stack.services.publisher, stack.second_publisher()]
    start = threading.Barrier(2)
    reports = []

    def run(index: int) -> None:
        start.wait()
        reports.append(publishers[index].publish_due_posts(due))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sum(r.outcomes["posted"] for r in reports) == 12
    for net in stack.nets.values():
        assert net.creates() == 4, net.name
        assert sorted(net.texts()) == sorted(p.text for p in posts)
    check_invariants(stack, posts, due)


@pytest.mark.parametrize("network", NETWORKS)
def test_a_publisher_that_stalls_past_its_lease_loses_its_claim_and_nothing_doubles(
    stack: Stack, network: str
) -> None:
    net: Net = stack.nets[network]
    due = stack.deployment.minute
    post = stack.deployment.schedule(f"Slow invocation on {network}.", due, targets=(net.target,))
    slow, other = stack.services.publisher, stack.second_publisher()
    [job] = slow.posts.due(due)
    stalled = slow.claim(job, due)
    assert stalled is not None

    after_lease = due + slow.lease + timedelta(seconds=1)
    other.publish_due_posts(after_lease)  # reconciles: not on the network, so queued again
    late = slow.send(stalled, after_lease)  # the slow one wakes up and sends
    assert late == "lost"  # its claim was taken: it records nothing
    end = after_lease
    for minute in range(1, 6):
        end = after_lease + timedelta(minutes=minute)
        other.publish_due_posts(end)

    assert net.texts() == [post.text]  # the network's own idempotency (or X's duplicate check)
    assert stack.deployment.target(post.id).status is PostStatus.POSTED
    check_invariants(stack, [post], end)


def test_a_post_never_sent_after_its_tries_fails_once_without_promising_another(
    stack: Stack,
) -> None:
    # Bluesky refuses even the renewed session, every time: each try certainly made nothing.
    net, due = stack.nets["bluesky"], stack.deployment.minute
    post = stack.deployment.schedule("Refused session, every try.", due, targets=(net.target,))
    net.fault(status=400, count=50)

    end = ticks(stack, due, range(0, 6))

    failed = stack.deployment.target(post.id)
    assert failed.status is PostStatus.FAILED
    assert failed.reason == (
        "It was not sent after 3 attempts and will not be tried again:"
        " Bluesky refused the account's session."
    )
    assert net.texts() == []
    assert len(stack.deployment.emails_to(AUTHOR)) == 1
    check_invariants(stack, [post], end)


@pytest.mark.parametrize("network", NETWORKS)
def test_an_invocation_that_read_a_post_before_a_429_moved_it_does_not_claim_it(
    stack: Stack, network: str
) -> None:
    net, due = stack.nets[network], stack.deployment.minute
    reset = due + timedelta(minutes=15)
    post = stack.deployment.schedule(f"Moved by a 429 on {network}.", due, targets=(net.target,))
    net.fault(status=429, count=1, reset=net.reset_value(reset))
    reader, other = stack.services.publisher, stack.second_publisher()

    [seen] = reader.posts.due(due)  # one invocation reads the post as due ...
    other.publish_due_posts(due)  # ... another sends it first: 429, queued until the reset

    assert reader.claim(seen, due) is None
    assert net.creates() == 1 and net.texts() == []
    stack.deployment.tick(reset)
    assert net.texts() == [post.text]
    check_invariants(stack, [post], reset)
