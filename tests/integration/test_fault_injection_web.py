"""Fault injection on the web function: DynamoDB throttling and 500s, injected at the edge of the
web function's own client (botocore hooks, botocore_faults.py), while a member schedules a post
and while someone asks for a sign-in link and confirms it, through the real handler against
moto server.

What must hold: a fault that botocore's bounded retries absorb changes nothing a member sees; one
that outlasts them answers 503 with a sentence saying nothing was done and to try again (never a
500 or a traceback), leaves nothing half-written, and the same request sent again works: the
post is stored once, the link still signs in.
"""

from collections.abc import Callable
from types import ModuleType
from typing import Any

import boto3
import pytest

from chatdeck.services.membership import _hash as link_hash
from chatdeck.web.pages import SESSION_COOKIE
from tests.integration import botocore_faults as faults
from tests.integration.bad_input_catalogue import POST, Case
from tests.integration.deployment import Deployment
from tests.integration.test_bad_input_catalogue import TEACHER, World, event_for, make_world
from tests.integration.web_kit import SAMPLE_NOW, invoke

pytestmark = pytest.mark.integration

THROTTLES = ["ThrottlingException", "ProvisionedThroughputExceededException"]
FAULTS = [*THROTTLES, "InternalServerError"]
LINK = "fault-injection-link-0001"


@pytest.fixture
def world(deployment: Deployment) -> World:
    return make_world(deployment)


def dynamodb(web: ModuleType) -> Any:
    return web.services._dynamodb


def send(web: ModuleType, world: World, case: Case) -> dict[str, Any]:
    answer: dict[str, Any] = invoke(web, event_for(case, world))
    return answer


def schedule(submission: str) -> Case:
    fields = {**POST, "submission_id": submission}
    return Case("schedule", "POST /posts", "/posts", frozenset({201}), fields=fields)


def assert_busy(answer: dict[str, Any]) -> None:
    """A 503 page that says nothing was done and to try again; no trace of the error."""
    assert answer["statusCode"] == 503, answer.get("body", "")[:500]
    body = str(answer["body"])
    assert "try again" in body and "nothing" in body.lower()
    for leak in ("Traceback", "Exception", "botocore", "Throttl", "InternalServerError"):
        assert leak not in body, leak


def state_items(deployment: Deployment, prefix: str) -> list[dict[str, Any]]:
    table = deployment.services.settings.state_table
    pages = boto3.client("dynamodb").get_paginator("scan").paginate(TableName=table)
    return [
        item for page in pages for item in page["Items"] if str(item["pk"]["S"]).startswith(prefix)
    ]


def posts_by(deployment: Deployment, submission: str) -> int:
    """How many items (the post and its targets) the submission left in PostsTable."""
    table = deployment.services.settings.posts_table
    pages = boto3.client("dynamodb").get_paginator("scan").paginate(TableName=table)
    return sum(1 for page in pages for item in page["Items"] if submission in str(item["id"]["S"]))


# scheduling a post


@pytest.mark.parametrize("code", FAULTS)
def test_a_throttled_schedule_answers_503_stores_nothing_and_works_when_sent_again(
    web: ModuleType, deployment: Deployment, world: World, code: str
) -> None:
    case = schedule("fault-schedule-0001")
    with faults.fail(dynamodb(web), "TransactWriteItems", code) as hook:
        assert_busy(send(web, world, case))
    assert hook.failed == 1
    assert posts_by(deployment, "fault-schedule-0001") == 0

    assert send(web, world, case)["statusCode"] == 201
    assert posts_by(deployment, "fault-schedule-0001") == 2  # the post and its one target
    assert deployment.post("fault-schedule-0001").text == POST["text"]


@pytest.mark.parametrize("code", FAULTS)
def test_a_brief_throttle_while_scheduling_is_absorbed(
    web: ModuleType, deployment: Deployment, world: World, code: str
) -> None:
    case = schedule("fault-schedule-0002")
    with faults.flaky(dynamodb(web), "TransactWriteItems", code, times=2) as hook:
        assert send(web, world, case)["statusCode"] == 201
    assert hook.failed == 2
    assert posts_by(deployment, "fault-schedule-0002") == 2


def test_a_throttled_session_lookup_answers_503_not_500(
    web: ModuleType, deployment: Deployment, world: World
) -> None:
    def session_read(body: faults.Body) -> bool:
        return str(body.get("Key", {}).get("pk", {}).get("S", "")).startswith("SESSION#")

    case = Case("the queue", "GET /posts", "/posts", frozenset({200}))
    with faults.fail(dynamodb(web), "GetItem", "ThrottlingException", when=session_read):
        assert_busy(send(web, world, case))
    assert send(web, world, case)["statusCode"] == 200


# signing in


def ask_for_link() -> Case:
    return Case(
        "ask", "POST /signin", "/signin", frozenset({200}), who="nobody", fields={"email": TEACHER}
    )


@pytest.mark.parametrize("code", THROTTLES)
def test_a_throttled_link_request_answers_503_and_emails_nothing(
    web: ModuleType, deployment: Deployment, world: World, code: str
) -> None:
    links_before = state_items(deployment, "SIGNIN#")
    with faults.fail(dynamodb(web), "TransactWriteItems", code) as hook:
        assert_busy(send(web, world, ask_for_link()))
    assert hook.failed == 1
    assert deployment.emails_to(TEACHER) == []
    assert state_items(deployment, "SIGNIN#") == links_before  # no link stored

    assert send(web, world, ask_for_link())["statusCode"] == 200
    assert len(deployment.emails_to(TEACHER)) == 1


def confirm(token: str) -> Case:
    return Case(
        "confirm",
        "POST /signin/confirm",
        "/signin/confirm",
        frozenset({303}),
        who="nobody",
        fields={"token": token},
    )


def session_cookie(answer: dict[str, Any]) -> str | None:
    cookies = answer.get("cookies") or []
    return next((c for c in cookies if c.startswith(f"{SESSION_COOKIE}=")), None)


def writes_session(body: faults.Body) -> bool:
    return str(body.get("Item", {}).get("pk", {}).get("S", "")).startswith("SESSION#")


def uses_link(body: faults.Body) -> bool:
    return "used_at" in str(body.get("UpdateExpression", ""))


@pytest.mark.parametrize(
    ("operation", "when"),
    [("PutItem", writes_session), ("UpdateItem", uses_link)],
    ids=["the session's write", "the link's use"],
)
@pytest.mark.parametrize("code", ["ThrottlingException", "InternalServerError"])
def test_a_throttled_confirm_answers_503_and_the_link_still_signs_in(
    web: ModuleType,
    deployment: Deployment,
    world: World,
    operation: str,
    when: Callable[[faults.Body], bool],
    code: str,
) -> None:
    """Before: the link was marked used first, so a throttled session write spent it, and the
    member, told to try again, found their link refused."""
    epoch = int(SAMPLE_NOW.timestamp())
    deployment.services.membership.links.add(link_hash(LINK), TEACHER, epoch + 900)

    with faults.fail(dynamodb(web), operation, code, when=when) as hook:
        failed = send(web, world, confirm(LINK))
    assert hook.failed == 1
    assert_busy(failed)
    assert session_cookie(failed) is None

    again = send(web, world, confirm(LINK))
    assert again["statusCode"] == 303, again.get("body", "")[:300]
    assert session_cookie(again) is not None
    # and used once: a third try is refused
    assert send(web, world, confirm(LINK))["statusCode"] != 303


@pytest.mark.parametrize("timeout", ["read", "connect"])
def test_dynamodb_timing_out_answers_503_not_500(
    web: ModuleType, world: World, timeout: str
) -> None:
    """Every attempt times out (botocore retries read and connect timeouts, then raises)."""
    from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError

    def hook(request: Any, **_: Any) -> None:
        url = str(request.url)
        if timeout == "read":
            raise ReadTimeoutError(endpoint_url=url)
        raise ConnectTimeoutError(endpoint_url=url)

    client = dynamodb(web)
    client.meta.events.register("before-send.dynamodb.GetItem", hook)
    try:
        assert_busy(send(web, world, Case("queue", "GET /posts", "/posts", frozenset({200}))))
    finally:
        client.meta.events.unregister("before-send.dynamodb.GetItem", hook)
    assert (
        send(web, world, Case("queue", "GET /posts", "/posts", frozenset({200})))["statusCode"]
        == 200
    )
