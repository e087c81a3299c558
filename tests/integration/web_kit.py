"""The web handler as Lambda runs it, for tests: this deployment's environment, a fixed clock,
sessions made through real sign-in links, and the sample events of events/ to send."""

import importlib
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

import pytest

from chatdeck.domain.members import Member
from chatdeck.services.membership import _hash as link_hash
from chatdeck.settings import get_settings
from chatdeck.web.pages import SESSION_COOKIE
from devstack.runtime import LambdaContext
from tests.conftest import load_event
from tests.integration.deployment import ADMIN, Deployment, InjectedClock

SAMPLE_NOW = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)  # when the sample events were "sent"


def as_environment(deployment: Deployment) -> dict[str, str]:
    settings = deployment.services.settings
    return {
        name.upper(): str(value)
        for name, value in settings.model_dump().items()
        if value is not None
    }


@pytest.fixture
def function(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[str], ModuleType]]:
    """Import a function's module as Lambda would, with this deployment's environment."""
    for name, value in as_environment(deployment).items():
        monkeypatch.setenv(name, value)

    def load(name: str) -> ModuleType:
        get_settings.cache_clear()
        module = importlib.reload(importlib.import_module(f"functions.{name}.app"))
        monkeypatch.setattr(module.services, "clock", InjectedClock(SAMPLE_NOW))
        return module

    yield load
    get_settings.cache_clear()


def invoke(module: ModuleType, event: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = module.handler(event, LambdaContext("test", "request-1"))
    return result


def signed_in(deployment: Deployment, email: str = ADMIN, at: datetime = SAMPLE_NOW) -> str:
    """A session for a member (the deploy-time admin by default), through a real sign-in link."""
    token = f"handler-test-link-{email}-{at.timestamp()}"
    membership = deployment.services.membership
    membership.links.add(link_hash(token), email, int(at.timestamp()) + 900)
    return str(membership.sign_in(token, at).session_token)


@pytest.fixture
def web(function: Callable[[str], ModuleType], deployment: Deployment) -> ModuleType:
    return function("web")


@pytest.fixture
def admin_session(deployment: Deployment) -> str:
    return signed_in(deployment)


def call(web: ModuleType, name: str, session: str | None, **changes: Any) -> dict[str, Any]:
    event = event_as(name, session)
    event.update(changes)
    return invoke(web, event)


def event_as(name: str, session: str | None) -> dict[str, Any]:
    event = load_event(name)
    cookies = [c for c in event.get("cookies", []) if not c.startswith(SESSION_COOKIE)]
    if session:
        cookies.append(f"{SESSION_COOKIE}={session}")
    event["cookies"] = cookies
    return event


def post_form(web: ModuleType, session: str, path: str, data: dict[str, str]) -> dict[str, Any]:
    """A same-site form POST to any route, built from the sample cancel event."""
    event = event_as("web_cancel_post", session)
    csrf = "sample-csrf-token-kept-in-the-cookie-0001"
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["body"] = urlencode({"csrf_token": csrf, **data})
    return invoke(web, event)


def get_json(web: ModuleType, session: str) -> list[dict[str, Any]]:
    posts: list[dict[str, Any]] = json.loads(call(web, "web_list_posts_json", session)["body"])[
        "posts"
    ]
    return posts


@pytest.fixture
def teacher_session(deployment: Deployment) -> str:
    deployment.services.membership.members.add(
        Member(email="rivera@school.example", name="Ms. Rivera"), SAMPLE_NOW
    )
    return signed_in(deployment, "rivera@school.example")
