"""Publishing once, against moto server and the sandbox over HTTP through the real tweepy client."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests

from chatdeck.adapters.posts import DynamoPostStore
from chatdeck.domain.posts import PostStatus
from chatdeck.services.publishing import Publisher
from tests.integration.deployment import ADMIN, Deployment

pytestmark = pytest.mark.integration


def texts_on_network(deployment: Deployment) -> list[str]:
    return [p["text"] for p in deployment.sandbox_posts()]


def test_a_due_post_goes_out_once_and_is_linked(deployment: Deployment) -> None:
    due = deployment.minute
    post = deployment.schedule("Tonight at 8 ET: #edtechchat on feedback. Bring a question!", due)

    report = deployment.tick(due)
    deployment.tick(due + timedelta(minutes=1))

    assert report.outcomes["posted"] == 1
    assert texts_on_network(deployment) == [post.text]
    stored = deployment.target(post.id)
    assert stored.status is PostStatus.POSTED
    assert stored.remote_id == deployment.sandbox_posts()[0]["id"]
    assert (
        stored.url
        == f"https://x.com/{deployment.sandbox_posts()[0]['author']}/status/{stored.remote_id}"
    )
    assert stored.next_action_at is None


def test_a_post_is_not_sent_before_its_minute(deployment: Deployment) -> None:
    due = deployment.minute + timedelta(minutes=3)
    post = deployment.schedule("Not yet, please.", due)

    early = deployment.tick(due - timedelta(seconds=1))

    assert early.due == 0
    assert texts_on_network(deployment) == []
    assert deployment.target(post.id).status is PostStatus.QUEUED


@pytest.fixture
def claim_condition_removed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def anything_goes(
        self: DynamoPostStore, post: object, now: datetime
    ) -> tuple[str, dict[str, str], dict[str, str]]:
        return ("attribute_exists(id)", {}, {})

    monkeypatch.setattr(DynamoPostStore, "claim_condition", anything_goes)
    yield


def second_publisher(deployment: Deployment) -> Publisher:
    first = deployment.services.publisher
    return Publisher(first.posts, first.networks, first.accounts, first.notices, first.lease, 1)


def interleave_two_publishers(deployment: Deployment) -> int:
    """Both find the post due, both try to claim before either sends, then each sends."""
    due = deployment.minute
    post = deployment.schedule("Two publishers, one post.", due)
    a, b = deployment.services.publisher, second_publisher(deployment)

    seen_by_a, seen_by_b = a.posts.due(due), b.posts.due(due)
    claimed_by_a = a.claim(seen_by_a[0], due)
    claimed_by_b = b.claim(seen_by_b[0], due)
    for publisher, claimed in ((a, claimed_by_a), (b, claimed_by_b)):
        if claimed is not None:
            publisher.send(claimed, due)

    assert [j.post.id for j in seen_by_a] == [j.post.id for j in seen_by_b] == [post.id]
    assert texts_on_network(deployment) == [post.text]
    return create_requests(deployment)


def test_two_interleaved_publishers_publish_a_post_once(deployment: Deployment) -> None:
    assert interleave_two_publishers(deployment) == 1


@pytest.mark.usefixtures("claim_condition_removed")
def test_without_the_claim_condition_the_same_interleaving_publishes_twice(
    deployment: Deployment,
) -> None:
    # The same steps with the claim's condition gone: both publishers send. Only X's own
    # duplicate check keeps the second copy off the account; the requests show both were sent.
    assert interleave_two_publishers(deployment) == 2


def create_requests(deployment: Deployment) -> int:
    answer = requests.get(f"{deployment.sandbox_url}/sandbox/requests", timeout=5)
    return sum(1 for r in answer.json() if r["endpoint"] == "POST /2/tweets")


def test_a_crash_after_the_network_call_is_reconciled_not_resent(deployment: Deployment) -> None:
    due = deployment.minute
    post = deployment.schedule("Crash right after sending.", due)
    publisher = deployment.services.publisher
    claimed = publisher.claim(publisher.posts.due(due)[0], due)
    assert claimed is not None
    publisher.networks["x"].publish(claimed.outgoing)  # ... and the function dies here

    during_lease = deployment.tick(due + timedelta(seconds=60))
    after_lease = deployment.tick(due + publisher.lease + timedelta(seconds=1))

    assert during_lease.due == 0
    assert after_lease.outcomes["posted"] == 1
    assert texts_on_network(deployment) == [post.text]
    stored = deployment.target(post.id)
    assert stored.status is PostStatus.POSTED
    assert stored.remote_id == deployment.sandbox_posts()[0]["id"]


def test_a_read_timeout_after_the_post_was_created_ends_posted_once(deployment: Deployment) -> None:
    due = deployment.minute
    post = deployment.schedule("The answer to this one gets lost.", due)
    deployment.fault(
        endpoint="POST /2/tweets", status="timeout", latency_ms=3000, count=1, after_create=True
    )

    deployment.tick(due)
    for minute in range(1, 6):
        deployment.tick(due + timedelta(minutes=minute))

    assert texts_on_network(deployment) == [post.text]
    assert deployment.target(post.id).status in (PostStatus.POSTED, PostStatus.UNCONFIRMED)
    assert deployment.target(post.id).status is PostStatus.POSTED


def test_a_503_after_the_post_was_created_ends_posted_once(deployment: Deployment) -> None:
    due = deployment.minute
    post = deployment.schedule("X fell over after saving this.", due)
    deployment.fault(endpoint="POST /2/tweets", status=503, count=1, after_create=True)

    deployment.tick(due)
    deployment.tick(due + timedelta(minutes=3))

    assert texts_on_network(deployment) == [post.text]
    assert deployment.target(post.id).status is PostStatus.POSTED


def test_a_503_before_anything_was_created_is_retried_and_goes_out_once(
    deployment: Deployment,
) -> None:
    due = deployment.minute
    post = deployment.schedule("X was down for a moment.", due)
    deployment.fault(endpoint="POST /2/tweets", status=503, count=1)

    first = deployment.tick(due)
    assert first.outcomes["requeued"] == 1
    assert "tried again" in (deployment.target(post.id).reason or "")

    deployment.tick(due + timedelta(minutes=3))

    assert texts_on_network(deployment) == [post.text]
    assert deployment.target(post.id).status is PostStatus.POSTED


def test_429_requeues_at_the_reset_time_and_asks_nothing_before_it(deployment: Deployment) -> None:
    due = deployment.minute
    reset = due + timedelta(minutes=15)
    post = deployment.schedule("Rate limited, patiently.", due)
    deployment.fault(endpoint="POST /2/tweets", status=429, count=1, reset=int(reset.timestamp()))

    deployment.tick(due)
    queued = deployment.target(post.id)
    before_reset = deployment.tick(reset - timedelta(seconds=1))

    assert queued.status is PostStatus.QUEUED
    assert queued.next_action_at == reset
    assert "rate limit" in (queued.reason or "")
    assert before_reset.due == 0
    assert texts_on_network(deployment) == []

    deployment.tick(reset)
    assert texts_on_network(deployment) == [post.text]


def test_after_a_429_the_rest_of_the_tick_waits_for_the_reset_without_asking(
    deployment: Deployment,
) -> None:
    due = deployment.minute
    reset = due + timedelta(minutes=15)
    posts = [deployment.schedule(f"Burst post {n}.", due) for n in range(5)]
    deployment.fault(endpoint="POST /2/tweets", status=429, count=1, reset=int(reset.timestamp()))

    report = second_publisher(deployment).publish_due_posts(due)  # one post at a time

    assert report.outcomes["requeued"] == 5
    assert create_requests(deployment) == 1
    assert {deployment.target(p.id).next_action_at for p in posts} == {reset}


@pytest.mark.parametrize(
    ("status", "words"),
    [(401, "credentials"), (402, "credits")],
)
def test_an_account_failure_pauses_the_queue_and_tells_admins_once(
    deployment: Deployment, status: int, words: str
) -> None:
    due = deployment.minute
    posts = [deployment.schedule(f"Post {n} while the account is broken.", due) for n in range(3)]
    deployment.fault(endpoint="POST /2/tweets", status=status, count=50)

    report = deployment.tick(due)
    later = deployment.tick(due + timedelta(minutes=5))

    assert report.outcomes["failed"] == 0
    assert later.due == 0  # paused posts wait for the pause to end, not every minute
    for post in posts:
        stored = deployment.target(post.id)
        assert stored.status is PostStatus.QUEUED
        assert words in (stored.reason or "")
    assert len(deployment.emails_to(ADMIN)) == 1
    assert deployment.emails_to("teacher@school.example") == []

    deployment.fault()  # the admin fixed it
    resumed_at = deployment.target(posts[0].id).next_action_at
    assert resumed_at is not None
    deployment.tick(resumed_at)
    assert sorted(texts_on_network(deployment)) == sorted(p.text for p in posts)


def test_a_duplicate_on_the_first_attempt_fails_and_the_author_is_told_why(
    deployment: Deployment,
) -> None:
    due = deployment.minute
    first = deployment.schedule("Same words, twice.", due)
    deployment.tick(due)
    again = deployment.schedule(
        "Same words, twice.", due + timedelta(minutes=1), author="other@school.example"
    )

    deployment.tick(due + timedelta(minutes=1))

    assert deployment.target(first.id).status is PostStatus.POSTED
    failed = deployment.target(again.id)
    assert failed.status is PostStatus.FAILED
    assert "duplicate" in (failed.reason or "")
    mails = deployment.emails_to("other@school.example")
    assert len(mails) == 1 and "duplicate" in mails[0]
    assert texts_on_network(deployment) == ["Same words, twice."]


def test_a_duplicate_on_a_retry_is_reconciled_to_our_own_earlier_post(
    deployment: Deployment,
) -> None:
    due = deployment.minute
    post = deployment.schedule("Did the first try land?", due)
    # The create times out and X saves the post only after we looked: then our retry is refused
    # as a duplicate, and reconciling finds the post.
    deployment.fault(endpoint="POST /2/tweets", status="timeout", latency_ms=1500, count=1)

    deployment.tick(due)
    requests.post(f"{deployment.sandbox_url}/sandbox/faults", json={}, timeout=5)
    for minute in range(1, 8):
        deployment.tick(due + timedelta(minutes=minute))

    assert texts_on_network(deployment).count(post.text) == 1
    assert deployment.target(post.id).status in (PostStatus.POSTED, PostStatus.UNCONFIRMED)


def test_a_post_that_x_rejects_fails_with_a_reason_and_one_email(deployment: Deployment) -> None:
    due = deployment.minute
    scheduled = deployment.schedule("Placeholder.", due)
    # Where our counter and X's disagree, X has the last word: store a text X refuses.
    post = scheduled.model_copy(update={"id": scheduled.id + "-long", "text": "x" * 281})
    assert deployment.services.posts.add(post)
    assert deployment.services.posts.cancel(scheduled.id)

    deployment.tick(due)
    deployment.tick(due + timedelta(minutes=1))

    failed = deployment.target(post.id)
    assert failed.status is PostStatus.FAILED
    assert failed.reason
    assert len(deployment.emails_to("teacher@school.example")) == 1


def test_300_posts_due_in_the_same_minute_all_go_out_in_that_minute(deployment: Deployment) -> None:
    due = deployment.minute
    posts = [
        deployment.schedule(f"Conference session {n}: slides at the link in bio.", due)
        for n in range(300)
    ]

    report = deployment.tick(due)

    assert report.due == 300
    assert report.outcomes["posted"] == 300
    assert sorted(texts_on_network(deployment)) == sorted(p.text for p in posts)
    assert {deployment.target(p.id).status for p in posts[:10]} == {PostStatus.POSTED}


def test_the_publisher_never_reads_posts_that_are_not_due(deployment: Deployment) -> None:
    due = deployment.minute
    deployment.schedule("Due now.", due)
    for n in range(20):
        deployment.schedule(f"Later {n}.", due + timedelta(days=n + 1))
    posted = deployment.schedule("Already out.", due - timedelta(minutes=1))
    deployment.tick(due - timedelta(minutes=1))
    assert deployment.target(posted.id).status is PostStatus.POSTED

    assert [j.post.text for j in deployment.services.posts.due(due)] == ["Due now."]


def test_scheduled_time_from_the_past_never_acts_in_the_past(deployment: Deployment) -> None:
    late = datetime(2020, 1, 1, tzinfo=UTC)
    assert deployment.services.effective_now(late) > late + timedelta(days=365)


def test_a_lost_answer_for_a_post_with_a_bare_link_is_reconciled_not_resent(
    deployment: Deployment,
) -> None:
    # X stores "example.org/slides" as an http:// link: reconciling must still recognise it.
    due = deployment.minute
    post = deployment.schedule("Slides for tonight: example.org/slides #edchat", due)
    deployment.fault(
        endpoint="POST /2/tweets", status="timeout", latency_ms=1500, count=1, after_create=True
    )

    for minute in range(0, 9, 3):
        deployment.tick(due + timedelta(minutes=minute))

    assert create_requests(deployment) == 1
    assert deployment.target(post.id).status is PostStatus.POSTED
