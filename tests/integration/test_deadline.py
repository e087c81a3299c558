"""A call the invocation has no time left for is never started: the post is queued again."""

import pytest
import requests

from chatdeck import deadline
from chatdeck.domain.posts import PostStatus
from chatdeck.services.publishing import RETRY_AFTER_NOT_SENT
from tests.conftest import InvocationContext
from tests.integration.deployment import Deployment

pytestmark = pytest.mark.integration


def logged_endpoints(deployment: Deployment) -> list[str]:
    answer = requests.get(f"{deployment.sandbox_url}/sandbox/requests", timeout=5)
    return [r["endpoint"] for r in answer.json()]


def test_a_post_is_not_sent_when_the_invocation_is_about_to_end(deployment: Deployment) -> None:
    due = deployment.minute
    post = deployment.schedule("Too late in this tick; the next one sends it.", due)

    deadline.start(InvocationContext(remaining_ms=int((deadline.SAFETY_MARGIN + 0.5) * 1000)))
    report = deployment.tick(due)

    assert report.outcomes["requeued"] == 1
    assert "POST /2/tweets" not in logged_endpoints(deployment)
    assert deployment.sandbox_posts() == []
    stored = deployment.target(post.id)
    assert stored.status is PostStatus.QUEUED
    assert stored.next_action_at == due + RETRY_AFTER_NOT_SENT

    deadline.start(InvocationContext(remaining_ms=60_000))  # the next tick has its whole minute
    later = deployment.tick(due + RETRY_AFTER_NOT_SENT)

    assert later.outcomes["posted"] == 1
    assert [p["text"] for p in deployment.sandbox_posts()] == [post.text]
    assert logged_endpoints(deployment).count("POST /2/tweets") == 1
