"""Removing a member ends their own Bluesky connection at Bluesky and deletes it (issue 10):
the web function as Lambda runs it, the Bluesky sandbox over real HTTP, moto's DynamoDB."""

from collections.abc import Callable
from datetime import timedelta
from types import ModuleType
from urllib.parse import quote

import pytest
import requests

from chatdeck.domain.posts import PostStatus
from devstack.bluesky.accounts import MEMBER_APP_PASSWORD, MEMBER_HANDLE
from tests.integration.bluesky_fixtures import bluesky_server, bluesky_url
from tests.integration.deployment import Deployment, deployment
from tests.integration.web_kit import (
    SAMPLE_NOW,
    admin_session,
    function,
    post_form,
    teacher_session,
)
from tests.posts import form_post

pytestmark = pytest.mark.integration
__all__ = [
    "admin_session",
    "bluesky_server",
    "bluesky_url",
    "deployment",
    "function",
    "teacher_session",
]

TEACHER = "rivera@school.example"  # web_kit's teacher_session
DELETE_SESSION = "POST /xrpc/com.atproto.server.deleteSession"


@pytest.fixture
def web(
    function: Callable[[str], ModuleType], bluesky_url: str, monkeypatch: pytest.MonkeyPatch
) -> ModuleType:
    monkeypatch.setenv("BLUESKY_SERVICE_URL", bluesky_url)
    return function("web")


def ended_sessions(url: str) -> int:
    logged = requests.get(f"{url}/sandbox/requests", timeout=5).json()
    return sum(1 for entry in logged if entry["endpoint"] == DELETE_SESSION)


def test_removal_with_queued_posts_kept_ends_the_members_bluesky_session_and_their_posts(
    web: ModuleType,
    admin_session: str,
    teacher_session: str,
    bluesky_url: str,
    deployment: Deployment,
) -> None:
    connected = post_form(
        web,
        teacher_session,
        "/accounts/bluesky/connect",
        {"account": "mine", "handle": MEMBER_HANDLE, "app_password": MEMBER_APP_PASSWORD},
    )
    assert connected["statusCode"] == 303
    own = f"member:{TEACHER}"
    assert web.services.bluesky_connections.get(own).tokens is not None
    due = SAMPLE_NOW + timedelta(days=1)
    personal = form_post("form-0000aaaa", "Mine.", due, TEACHER, targets=(("bluesky", own),))
    cohort = form_post("form-0000bbbb", "The cohort's.", due, TEACHER)
    for post in (personal, cohort):
        assert deployment.services.posts.add(post)

    removed = post_form(web, admin_session, f"/members/{quote(TEACHER)}/remove", {"queued": "keep"})

    assert removed["statusCode"] == 303
    stored = web.services.bluesky_connections.get(own)
    assert stored is not None and not stored.connected and stored.tokens is None
    assert ended_sessions(bluesky_url) == 1  # ended at Bluesky too
    kept = deployment.services.posts.get(cohort.id)
    ended = deployment.services.posts.get(personal.id)
    assert kept is not None and kept.status is PostStatus.QUEUED
    assert ended is not None and ended.status is PostStatus.CANCELLED
    assert "was removed from the cohort" in (ended.targets[0].reason or "")
