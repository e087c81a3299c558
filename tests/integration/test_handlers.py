"""The deployed handlers, fed the sample events in events/, against moto server and the sandbox."""

import base64
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from email import message_from_string
from types import ModuleType

import pytest

from chatdeck.domain.members import Member
from chatdeck.domain.posts import PostStatus
from chatdeck.web.pages import SESSION_COOKIE
from devstack.runtime import describe_email
from tests.conftest import load_event
from tests.integration.deployment import ADMIN, PUBLIC_URL, Deployment
from tests.integration.web_kit import (
    SAMPLE_NOW,
    call,
    event_as,
    get_json,
    invoke,
    post_form,
    signed_in,
)

pytestmark = pytest.mark.integration


def test_the_form_event_gets_the_form(web: ModuleType, admin_session: str) -> None:
    result = call(web, "web_get_form", admin_session)
    assert result["statusCode"] == 200
    assert 'action="/posts"' in result["body"]
    assert result["headers"]["Content-Type"].startswith("text/html")


def test_without_a_session_the_form_and_the_queue_send_you_to_sign_in(web: ModuleType) -> None:
    assert call(web, "web_get_form", None)["statusCode"] == 303
    assert call(web, "web_get_form", None)["headers"]["Location"] == "/signin"
    assert call(web, "web_list_posts_json", None)["statusCode"] == 401


def test_without_a_session_nothing_is_scheduled(web: ModuleType, deployment: Deployment) -> None:
    result = call(web, "web_schedule_post", None)
    assert result["statusCode"] == 401
    assert deployment.services.posts.get("sample-submission-0001") is None


def test_a_session_for_someone_removed_no_longer_works(
    web: ModuleType, deployment: Deployment
) -> None:
    membership = deployment.services.membership
    teacher = Member(email="rivera@school.example", name="Ms. Rivera")
    membership.members.add(teacher, SAMPLE_NOW)
    session = signed_in(deployment, teacher.email)
    assert call(web, "web_get_form", session)["statusCode"] == 200

    admin = membership.member(ADMIN)
    membership.remove(admin, teacher.email, cancel_queued=True)

    assert call(web, "web_get_form", session)["statusCode"] == 303


@pytest.mark.parametrize(
    "forgery",
    [
        {"origin": "https://evil.example"},
        {"origin": None, "referer": "https://evil.example/page"},
        {"origin": None, "referer": None},
        # Origins that merely start with ours are other sites (a prefix check would pass them).
        {"origin": f"{PUBLIC_URL}.evil.example"},
        {"origin": f"{PUBLIC_URL}:8443"},
        {"origin": None, "referer": f"{PUBLIC_URL}.evil.example/page"},
    ],
)
def test_a_cross_site_post_gets_403_and_changes_nothing(
    web: ModuleType, admin_session: str, deployment: Deployment, forgery: dict[str, str | None]
) -> None:
    event = event_as("web_schedule_post", admin_session)
    for name, value in forgery.items():
        if value is None:
            event["headers"].pop(name, None)
        else:
            event["headers"][name] = value

    result = invoke(web, event)

    assert result["statusCode"] == 403
    assert deployment.services.posts.get("sample-submission-0001") is None


def test_a_post_without_the_pages_token_gets_403(
    web: ModuleType, admin_session: str, deployment: Deployment
) -> None:
    event = event_as("web_schedule_post", admin_session)
    event["body"] = event["body"].replace("csrf_token=sample-csrf", "csrf_token=forged-csrf")

    assert invoke(web, event)["statusCode"] == 403
    assert deployment.services.posts.get("sample-submission-0001") is None


def test_the_schedule_event_stores_a_queued_post(
    web: ModuleType, admin_session: str, deployment: Deployment
) -> None:
    result = call(web, "web_schedule_post", admin_session)

    assert result["statusCode"] == 201
    assert "2027-06-08T00:00:00Z" in result["body"]  # 20:00 in New York in June is 00:00 UTC
    stored = deployment.post("sample-submission-0001")
    assert stored.status is PostStatus.QUEUED
    assert stored.zone == "America/New_York" and stored.utc_offset == "-04:00"
    assert stored.author_email == ADMIN


def test_submitting_the_same_form_twice_stores_one_post(
    web: ModuleType, admin_session: str
) -> None:
    first = call(web, "web_schedule_post", admin_session)
    again = call(web, "web_schedule_post", admin_session)

    assert first["statusCode"] == 201 and again["statusCode"] == 201
    listing = json.loads(call(web, "web_list_posts_json", admin_session)["body"])
    assert [p["id"] for p in listing["posts"]] == ["sample-submission-0001"]


def test_the_invalid_event_gets_422_with_messages_and_stores_nothing(
    web: ModuleType, admin_session: str
) -> None:
    result = call(web, "web_schedule_post_invalid", admin_session)

    assert result["statusCode"] == 422
    assert 'id="local_time-error"' in result["body"]
    listing = json.loads(call(web, "web_list_posts_json", admin_session)["body"])
    assert listing == {"posts": [], "next": None}


def test_the_json_listing_has_the_documented_shape(web: ModuleType, admin_session: str) -> None:
    call(web, "web_schedule_post", admin_session)

    listing = json.loads(call(web, "web_list_posts_json", admin_session)["body"])

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
        "author": "admin",
        "version": 0,
        "targets": [
            {"network": "x", "account": "cohort", "status": "QUEUED", "url": None, "reason": None}
        ],
    }


def test_cancelling_a_queued_post_takes_it_off_the_work_index(
    web: ModuleType, admin_session: str, deployment: Deployment
) -> None:
    call(web, "web_schedule_post", admin_session)

    result = call(web, "web_cancel_post", admin_session)
    again = call(web, "web_cancel_post", admin_session)

    assert result["statusCode"] == 303
    assert deployment.post("sample-submission-0001").status is PostStatus.CANCELLED
    assert deployment.services.posts.due(datetime(2028, 1, 1, tzinfo=UTC)) == []
    assert again["statusCode"] == 409


def test_the_queue_pages_newest_first(web: ModuleType, admin_session: str) -> None:
    event = event_as("web_schedule_post", admin_session)
    for n in range(30):
        event["body"] = event["body"].replace(
            "sample-submission-" + event["body"].split("sample-submission-")[1][:4],
            f"sample-submission-{n:04d}",
        )
        web.services.clock.instant = SAMPLE_NOW.replace(minute=n)
        assert invoke(web, event)["statusCode"] == 201

    first = json.loads(call(web, "web_list_posts_json", admin_session)["body"])
    second = json.loads(
        call(
            web,
            "web_list_posts_json",
            admin_session,
            rawQueryString=f"after={first['next']}",
            queryStringParameters={"after": first["next"]},
        )["body"]
    )

    ids = [p["id"] for p in first["posts"] + second["posts"]]
    assert ids == [f"sample-submission-{n:04d}" for n in reversed(range(30))]
    assert second["next"] is None


def test_a_forged_page_cursor_is_a_400_not_a_500(web: ModuleType, admin_session: str) -> None:
    result = call(
        web,
        "web_list_posts_json",
        admin_session,
        rawQueryString="after=bm90LWEtY3Vyc29y",
        queryStringParameters={"after": "bm90LWEtY3Vyc29y"},
    )
    assert result["statusCode"] == 400


def test_the_sign_in_events_sign_in_only_through_the_button(
    web: ModuleType, deployment: Deployment
) -> None:
    membership = deployment.services.membership
    membership.members.add(Member(email="rivera@school.example", name="Ms. Rivera"), SAMPLE_NOW)
    asked = call(web, "web_signin_request", None)
    (mail,) = deployment.emails_to("rivera@school.example")
    text = describe_email("mail", message_from_string(mail))["text"]
    token = re.search(r"token=([A-Za-z0-9_-]+)", text)
    assert asked["statusCode"] == 200 and token

    page = call(
        web,
        "web_signin_confirm_page",
        None,
        rawQueryString=f"token={token.group(1)}",
        queryStringParameters={"token": token.group(1)},
    )
    assert page["statusCode"] == 200
    assert all(not c.startswith(SESSION_COOKIE) for c in page.get("cookies", []))

    confirm = event_as("web_signin_confirm", None)
    confirm["body"] = confirm["body"].replace("sample-token-from-the-email", token.group(1))
    signed = invoke(web, confirm)
    again = invoke(web, confirm)

    assert signed["statusCode"] == 303
    (session_cookie,) = [c for c in signed["cookies"] if c.startswith(SESSION_COOKIE)]
    for attribute in ("HttpOnly", "Secure", "SameSite=Lax", "Max-Age=2592000", "Path=/"):
        assert attribute in session_cookie
    assert again["statusCode"] == 400  # single use


def test_the_publisher_event_runs_a_tick(function: Callable[[str], ModuleType]) -> None:
    result = invoke(function("publisher"), load_event("publisher"))
    assert result["due"] == 0
    assert result["now"] >= "2026-12-01T20:00:00Z"


def test_members_see_their_own_posts_and_admins_see_all(
    web: ModuleType, deployment: Deployment, admin_session: str, teacher_session: str
) -> None:
    call(web, "web_schedule_post", teacher_session)
    event = event_as("web_schedule_post", admin_session)
    event["body"] = event["body"].replace("sample-submission-0001", "sample-submission-0002")
    invoke(web, event)

    assert [p["id"] for p in get_json(web, teacher_session)] == ["sample-submission-0001"]
    assert {p["id"] for p in get_json(web, admin_session)} == {
        "sample-submission-0001",
        "sample-submission-0002",
    }
    foreign = post_form(web, teacher_session, "/posts/sample-submission-0002/cancel", {})
    assert foreign["statusCode"] == 404
    assert deployment.post("sample-submission-0002").status is PostStatus.QUEUED


def test_a_member_reschedules_their_own_post(
    web: ModuleType, deployment: Deployment, teacher_session: str
) -> None:
    call(web, "web_schedule_post", teacher_session)

    saved = post_form(
        web,
        teacher_session,
        "/posts/sample-submission-0001",
        {
            "text": "Moved to Tuesday.",
            "local_date": "2027-06-08",
            "local_time": "20:00",
            "zone": "America/New_York",
            "account": "cohort",
        },
    )
    bad = post_form(
        web,
        teacher_session,
        "/posts/sample-submission-0001",
        {"text": "", "local_date": "2027-06-08", "local_time": "20:00", "zone": "UTC"},
    )

    assert saved["statusCode"] == 303
    post = deployment.post("sample-submission-0001")
    assert (post.text, post.due_utc) == (
        "Moved to Tuesday.",
        datetime(2027, 6, 9, 0, 0, tzinfo=UTC),
    )
    assert post.targets[0].next_action_at == post.due_utc
    assert bad["statusCode"] == 422
    assert deployment.post("sample-submission-0001").text == "Moved to Tuesday."


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (
            "/posts",
            {
                "text": "Far future",
                "local_date": "9999-12-31",
                "local_time": "23:59",
                "zone": "America/New_York",
                "submission_id": "far-future-0001",
            },
        ),
        (
            "/posts",
            {
                "text": "Year one",
                "local_date": "0001-01-01",
                "local_time": "00:00",
                "zone": "Asia/Tokyo",
                "submission_id": "year-one-00001",
            },
        ),
        ("/signin", {"email": "a" * 3000 + "@school.example"}),
        ("/posts/" + "x" * 3000 + "/cancel", {}),
    ],
)
def test_a_users_odd_input_gets_a_4xx_never_a_500(
    web: ModuleType, admin_session: str, path: str, body: dict[str, str]
) -> None:
    assert 400 <= post_form(web, admin_session, path, body)["statusCode"] < 500


@pytest.mark.parametrize(
    "cursor",
    [
        '{"id":"x","list_pk":"POSTS","created_at":1.5}',
        '{"id":"x","list_pk":"POSTS","created_at":null}',
    ],
)
def test_a_cursor_of_the_wrong_types_is_a_400(
    web: ModuleType, admin_session: str, cursor: str
) -> None:
    token = base64.urlsafe_b64encode(cursor.encode()).decode()
    result = call(
        web,
        "web_list_posts_json",
        admin_session,
        rawQueryString=f"after={token}",
        queryStringParameters={"after": token},
    )
    assert result["statusCode"] == 400
