"""The deployed handlers, fed the sample events in events/, against moto server and the sandbox."""

import importlib
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import pytest

from chatdeck.domain.posts import PostStatus
from chatdeck.settings import get_settings
from devstack.runtime import LambdaContext
from tests.conftest import load_event
from tests.integration.deployment import Deployment

pytestmark = pytest.mark.integration

SAMPLE_NOW = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)  # when the sample events were "sent"


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.instant = now

    def now(self) -> datetime:
        return self.instant


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
        monkeypatch.setattr(module.services, "clock", FixedClock(SAMPLE_NOW))
        return module

    yield load
    get_settings.cache_clear()


def invoke(module: ModuleType, event: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = module.handler(event, LambdaContext("test", "request-1"))
    return result


def test_the_form_event_gets_the_form(function: Callable[[str], ModuleType]) -> None:
    result = invoke(function("web"), load_event("web_get_form"))
    assert result["statusCode"] == 200
    assert 'action="/posts"' in result["body"]
    assert result["headers"]["Content-Type"].startswith("text/html")


def test_the_schedule_event_stores_a_queued_post(
    function: Callable[[str], ModuleType], deployment: Deployment
) -> None:
    result = invoke(function("web"), load_event("web_schedule_post"))

    assert result["statusCode"] == 201
    assert "2027-06-08T00:00:00Z" in result["body"]  # 20:00 in New York in June is 00:00 UTC
    stored = deployment.post("sample-submission-0001")
    assert stored.status is PostStatus.QUEUED
    assert stored.zone == "America/New_York" and stored.utc_offset == "-04:00"


def test_submitting_the_same_form_twice_stores_one_post(
    function: Callable[[str], ModuleType], deployment: Deployment
) -> None:
    web = function("web")
    first = invoke(web, load_event("web_schedule_post"))
    again = invoke(web, load_event("web_schedule_post"))

    assert first["statusCode"] == 201 and again["statusCode"] == 201
    listing = json.loads(invoke(web, load_event("web_list_posts_json"))["body"])
    assert [p["id"] for p in listing["posts"]] == ["sample-submission-0001"]


def test_the_invalid_event_gets_422_with_messages_and_stores_nothing(
    function: Callable[[str], ModuleType],
) -> None:
    web = function("web")
    result = invoke(web, load_event("web_schedule_post_invalid"))

    assert result["statusCode"] == 422
    assert 'id="local_time-error"' in result["body"]
    listing = json.loads(invoke(web, load_event("web_list_posts_json"))["body"])
    assert listing == {"posts": [], "next": None}


def test_the_json_listing_has_the_documented_shape(function: Callable[[str], ModuleType]) -> None:
    web = function("web")
    invoke(web, load_event("web_schedule_post"))

    listing = json.loads(invoke(web, load_event("web_list_posts_json"))["body"])

    assert listing["next"] is None
    (post,) = listing["posts"]
    assert post == {
        "id": "sample-submission-0001",
        "text": post["text"],
        "status": "QUEUED",
        "reason": None,
        "due_utc": "2027-06-08T00:00:00Z",
        "local_time": "2027-06-07T20:00-04:00",
        "zone": "America/New_York",
        "targets": [
            {"network": "x", "account": "cohort", "status": "QUEUED", "url": None, "reason": None}
        ],
    }


def test_cancelling_a_queued_post_takes_it_off_the_work_index(
    function: Callable[[str], ModuleType], deployment: Deployment
) -> None:
    web = function("web")
    invoke(web, load_event("web_schedule_post"))

    result = invoke(web, load_event("web_cancel_post"))
    again = invoke(web, load_event("web_cancel_post"))

    assert result["statusCode"] == 303
    assert deployment.post("sample-submission-0001").status is PostStatus.CANCELLED
    assert deployment.services.posts.due(datetime(2028, 1, 1, tzinfo=UTC)) == []
    assert again["statusCode"] == 409


def test_the_queue_pages_newest_first(function: Callable[[str], ModuleType]) -> None:
    web = function("web")
    event = load_event("web_schedule_post")
    for n in range(30):
        event["body"] = event["body"].replace(
            event["body"].split("&")[0], f"submission_id=sample-submission-{n:04d}"
        )
        web.services.clock.instant = SAMPLE_NOW.replace(minute=n)
        assert invoke(web, event)["statusCode"] == 201

    first = json.loads(invoke(web, load_event("web_list_posts_json"))["body"])
    following = load_event("web_list_posts_json")
    following["rawQueryString"] = f"after={first['next']}"
    following["queryStringParameters"] = {"after": first["next"]}
    second = json.loads(invoke(web, following)["body"])

    ids = [p["id"] for p in first["posts"] + second["posts"]]
    assert ids == [f"sample-submission-{n:04d}" for n in reversed(range(30))]
    assert second["next"] is None


def test_a_forged_page_cursor_is_a_400_not_a_500(function: Callable[[str], ModuleType]) -> None:
    event = load_event("web_list_posts_json")
    event["rawQueryString"] = "after=bm90LWEtY3Vyc29y"
    event["queryStringParameters"] = {"after": "bm90LWEtY3Vyc29y"}
    assert invoke(function("web"), event)["statusCode"] == 400


def test_the_publisher_event_runs_a_tick(function: Callable[[str], ModuleType]) -> None:
    result = invoke(function("publisher"), load_event("publisher"))
    assert result["due"] == 0
    assert result["now"] >= "2026-12-01T20:00:00Z"
