"""Fault injection on AWS, at the adapters' edge: botocore event hooks (botocore_faults.py) on
the Services' own DynamoDB and SESv2 clients answer chosen calls with DynamoDB's throttling,
500s and conditional-check failures, and SES's MessageRejected and throttling; every other call
goes to moto server, and the posts go to the sandboxes over HTTP. A throttle that botocore's
bounded retries absorb changes nothing; one that outlasts them stops the invocation, and later
ticks finish the work without sending anything twice (fault_kit.check_invariants). A notice that
could not be sent is visible to admins and never retried blind."""

from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from chatdeck.domain.posts import PostStatus
from tests.integration import botocore_faults as faults
from tests.integration.bluesky_fixtures import bluesky_server, bluesky_url
from tests.integration.deployment import ADMIN
from tests.integration.fault_kit import AUTHOR, Stack, check_invariants, stack
from tests.integration.mastodon_kit import mastodon_url

pytestmark = pytest.mark.integration
__all__ = ["bluesky_server", "bluesky_url", "mastodon_url", "stack"]

ALL = (("x", "cohort"), ("bluesky", "cohort"), ("mastodon", "cohort"))
THROTTLES = ["ProvisionedThroughputExceededException", "ThrottlingException"]


def dynamodb(stack: Stack) -> Any:
    return stack.services._dynamodb


def ses(stack: Stack) -> Any:
    """The SESv2 client inside the Services' notices (Notices -> SesMailer -> client)."""
    return getattr(getattr(stack.services.notices, "_mailer"), "client")  # noqa: B009


def is_due_query(body: faults.Body) -> bool:
    return body.get("IndexName") == "work"


# DynamoDB: what botocore's retries absorb


@pytest.mark.parametrize("code", [*THROTTLES, "InternalServerError"])
def test_a_brief_throttle_or_500_on_the_claim_is_absorbed_by_bounded_retries(
    stack: Stack, code: str
) -> None:
    due = stack.deployment.minute
    post = stack.deployment.schedule("Through a brief throttle.", due, targets=ALL)
    with faults.flaky(dynamodb(stack), "UpdateItem", code, when=faults.claims, times=2) as hook:
        report = stack.deployment.tick(due)

    assert hook.failed == 2
    assert report.outcomes["posted"] == 3
    for net in stack.nets.values():
        assert net.creates() == 1
    check_invariants(stack, [post], due)


# DynamoDB: faults that outlast the retries stop the invocation; later ticks finish the work


@pytest.mark.parametrize("code", THROTTLES)
def test_a_throttled_due_query_sends_nothing_and_the_next_tick_catches_up(
    stack: Stack, code: str
) -> None:
    due = stack.deployment.minute
    post = stack.deployment.schedule("Due while the table throttles.", due, targets=ALL)

    with faults.fail(dynamodb(stack), "Query", code, when=is_due_query), pytest.raises(ClientError):
        stack.deployment.tick(due)
    assert sum(net.creates() for net in stack.nets.values()) == 0

    stack.deployment.tick(due + timedelta(minutes=1))
    for net in stack.nets.values():
        assert net.texts() == [post.text]
    check_invariants(stack, [post], due + timedelta(minutes=1))


@pytest.mark.parametrize("code", ["ThrottlingException", "ConditionalCheckFailedException"])
def test_when_the_result_cannot_be_recorded_the_post_is_reconciled_not_resent(
    stack: Stack, code: str
) -> None:
    # Throttled: the invocation fails after the network call. A failed condition: the claim
    # reads as lost. Either way the targets stay PUBLISHING until their lease ends.
    due = stack.deployment.minute
    post = stack.deployment.schedule("Sent, but not written down.", due, targets=ALL)
    record = faults.records_status(PostStatus.POSTED.value)
    with faults.fail(dynamodb(stack), "UpdateItem", code, when=record, times=3) as hook:
        try:
            report = stack.deployment.tick(due)
            assert report.outcomes["lost"] == 3
        except ClientError as error:
            assert error.response["Error"]["Code"] == code
    assert hook.failed == 3
    during = stack.deployment.tick(due + timedelta(minutes=1))
    assert during.due == 0  # within the lease: nothing is asked again

    lease = stack.services.publisher.lease
    end = due + lease + timedelta(minutes=1)
    stack.deployment.tick(end)

    for net in stack.nets.values():
        assert net.creates() == 1, net.name
        assert net.texts() == [post.text]
    assert {t.status for t in stack.deployment.post(post.id).targets} == {PostStatus.POSTED}
    check_invariants(stack, [post], end)


def test_a_conditional_check_failure_on_the_claim_leaves_the_post_to_the_next_tick(
    stack: Stack,
) -> None:
    due = stack.deployment.minute
    post = stack.deployment.schedule("Someone else touched it.", due, targets=ALL)
    refused = "ConditionalCheckFailedException"
    with faults.fail(dynamodb(stack), "UpdateItem", refused, when=faults.claims, times=3):
        skipped = stack.deployment.tick(due)
    stack.deployment.tick(due + timedelta(minutes=1))

    assert skipped.outcomes["skipped"] == 3
    for net in stack.nets.values():
        assert net.texts() == [post.text] and net.creates() == 1
    check_invariants(stack, [post], due + timedelta(minutes=1))


def test_a_failure_that_could_not_be_recorded_still_emails_the_author_once(stack: Stack) -> None:
    due = stack.deployment.minute
    placeholder = stack.deployment.schedule("Placeholder.", due)
    post = placeholder.model_copy(update={"id": placeholder.id + "-long", "text": "x" * 281})
    assert stack.services.posts.add(post)  # X refuses it (too long), every time
    assert stack.services.posts.cancel(placeholder.id)

    record = faults.records_status(PostStatus.FAILED.value)
    throttled = faults.fail(dynamodb(stack), "UpdateItem", "ThrottlingException", when=record)
    with throttled, pytest.raises(ClientError):
        stack.deployment.tick(due)
    end = due + stack.services.publisher.lease
    for minute in range(1, 6):
        end = due + stack.services.publisher.lease + timedelta(minutes=minute)
        stack.deployment.tick(end)

    assert stack.deployment.target(post.id).status is PostStatus.FAILED
    assert len(stack.deployment.emails_to(AUTHOR)) == 1
    check_invariants(stack, [post], end)


# SES


def test_a_rejected_failure_notice_is_shown_to_admins_and_never_retried(stack: Stack) -> None:
    due = stack.deployment.minute
    placeholder = stack.deployment.schedule("Placeholder.", due)
    post = placeholder.model_copy(update={"id": placeholder.id + "-long", "text": "y" * 281})
    assert stack.services.posts.add(post)
    assert stack.services.posts.cancel(placeholder.id)

    with faults.fail(ses(stack), "SendEmail", "MessageRejected", times=5) as hook:
        for minute in range(0, 4):
            stack.deployment.tick(due + timedelta(minutes=minute))

    assert hook.seen == 1  # one try, never again
    assert stack.deployment.target(post.id).status is PostStatus.FAILED
    assert stack.deployment.emails_to(AUTHOR) == []
    [failed] = stack.services.notices.failed(10)
    assert failed.error == "MessageRejected" and failed.to == (AUTHOR,)
    check_invariants(stack, [post], due + timedelta(minutes=3))


@pytest.mark.parametrize(
    ("injector", "emails", "visible"),
    [(faults.flaky, 1, 0), (faults.fail, 0, 1)],
    ids=["absorbed", "outlasting-retries"],
)
def test_a_throttled_pause_notice_is_sent_once_or_shown_as_failed(
    stack: Stack, injector: Any, emails: int, visible: int
) -> None:
    net, due = stack.nets["x"], stack.deployment.minute
    posts = [stack.deployment.schedule(f"Paused post {n}.", due) for n in range(2)]
    net.fault(status=401, count=50)

    with injector(ses(stack), "SendEmail", "TooManyRequestsException", times=2) as hook:
        for minute in range(0, 3):
            stack.deployment.tick(due + timedelta(minutes=minute))

    assert hook.failed >= 1
    assert len(stack.deployment.emails_to(ADMIN)) == emails
    assert len(stack.services.notices.failed(10)) == visible
    for post in posts:
        assert stack.deployment.target(post.id).status is PostStatus.QUEUED
    check_invariants(stack, posts, due + timedelta(minutes=2))


def test_a_notice_whose_record_is_throttled_is_shown_to_admins_and_never_sent_late(
    stack: Stack,
) -> None:
    due = stack.deployment.minute
    placeholder = stack.deployment.schedule("Placeholder.", due)
    post = placeholder.model_copy(update={"id": placeholder.id + "-long", "text": "z" * 281})
    assert stack.services.posts.add(post)
    assert stack.services.posts.cancel(placeholder.id)

    def is_notice(body: faults.Body) -> bool:
        return str(body.get("Item", {}).get("pk", {}).get("S", "")).startswith("NOTICE#")

    with faults.fail(dynamodb(stack), "PutItem", "ThrottlingException", when=is_notice) as hook:
        report = stack.deployment.tick(due)  # the post's FAILED is recorded; its email is not
    for minute in range(1, 4):
        stack.deployment.tick(due + timedelta(minutes=minute))
    stack.services.notices.post_failed(stack.deployment.post(post.id))  # asked again: no

    assert hook.failed == 1 and report.outcomes["failed"] == 1
    assert stack.deployment.emails_to(AUTHOR) == []
    [failed] = stack.services.notices.failed(10)
    assert failed.error == "ThrottlingException" and failed.to == (AUTHOR,)
    check_invariants(stack, [post], due + timedelta(minutes=3))
