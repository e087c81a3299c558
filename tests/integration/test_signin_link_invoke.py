"""A sign-in link without email: the web function invoked directly (`aws lambda invoke`, which
only people who can deploy the stack may do) with {"chatdeck": "signin-link", "email": ...},
through the real handler against moto server."""

import json
import re
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from chatdeck.domain.members import Member
from chatdeck.services.membership import LINK_REQUESTS_ALLOWED
from chatdeck.web.pages import SESSION_COOKIE
from tests.conftest import load_event
from tests.integration.deployment import ADMIN, Deployment, sent_emails
from tests.integration.web_kit import SAMPLE_NOW, call, event_as, invoke

pytestmark = pytest.mark.integration

TEACHER = "rivera@school.example"
STRANGER = "stranger@elsewhere.example"
LINK_TEXT = re.compile(r"/signin/confirm\?token=")


def direct(web: ModuleType, email: str, **extra: Any) -> dict[str, Any]:
    return invoke(web, {"chatdeck": "signin-link", "email": email, **extra})


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


@pytest.fixture
def teacher(deployment: Deployment) -> str:
    deployment.services.membership.members.add(Member(email=TEACHER, name="Ms. Rivera"), SAMPLE_NOW)
    return TEACHER


def test_a_member_gets_a_link_on_the_public_url_and_no_email(
    web: ModuleType, deployment: Deployment, teacher: str
) -> None:
    emails_before = len(sent_emails(deployment.moto_url))

    answer = direct(web, teacher)

    public_url = deployment.services.settings.public_url.rstrip("/")
    assert set(answer) == {"link"}
    assert answer["link"].startswith(f"{public_url}/signin/confirm?token=")
    assert len(sent_emails(deployment.moto_url)) == emails_before


def test_a_deploy_time_admin_gets_a_link(web: ModuleType) -> None:
    assert set(direct(web, ADMIN.upper())) == {"link"}


def test_someone_who_is_not_a_member_gets_no_link(web: ModuleType) -> None:
    assert direct(web, STRANGER) == {"error": "not a member"}


@pytest.mark.parametrize(
    "event",
    [
        {"chatdeck": "signin-link"},
        {"chatdeck": "signin-link", "email": ""},
        {"chatdeck": "something-else", "email": ADMIN},
        {"chatdeck": "signin-link", "email": ADMIN, "base_url": "https://evil.example"},
        {"email": ADMIN},
        {},
    ],
)
def test_any_other_direct_event_gets_no_link(web: ModuleType, event: dict[str, Any]) -> None:
    answer = invoke(web, event)
    assert set(answer) == {"error"}
    assert "signin-link" in answer["error"]


def test_the_link_signs_in_once_through_the_button(
    web: ModuleType, deployment: Deployment, teacher: str
) -> None:
    token = token_of(direct(web, teacher)["link"])

    page = call(
        web,
        "web_signin_confirm_page",
        None,
        rawQueryString=f"token={token}",
        queryStringParameters={"token": token},
    )
    assert page["statusCode"] == 200
    assert f'value="{token}"' in page["body"]
    confirm = event_as("web_signin_confirm", None)
    confirm["body"] = confirm["body"].replace("sample-token-from-the-email", token)
    signed = invoke(web, confirm)
    again = invoke(web, confirm)

    assert signed["statusCode"] == 303
    assert any(c.startswith(SESSION_COOKIE) for c in signed["cookies"])
    assert again["statusCode"] == 400  # single use


def test_an_admin_whose_emailed_links_are_used_up_still_gets_one(
    web: ModuleType, deployment: Deployment
) -> None:
    for _ in range(LINK_REQUESTS_ALLOWED + 1):
        deployment.services.membership.request_link(ADMIN, "https://chatdeck.example", SAMPLE_NOW)

    answers = [direct(web, ADMIN) for _ in range(LINK_REQUESTS_ALLOWED + 1)]

    assert all(set(answer) == {"link"} for answer in answers)
    assert len({answer["link"] for answer in answers}) == len(answers)


@pytest.mark.parametrize("path", ["/", "/signin", "/signin/confirm", "/members", "/signin-link"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_no_http_request_gets_a_link(
    web: ModuleType, deployment: Deployment, path: str, method: str
) -> None:
    """What API Gateway sends is an HTTP event: the body stays a string under `body`, so a
    request whose body is the direct event never reaches it."""
    payload = json.dumps({"chatdeck": "signin-link", "email": ADMIN})
    event = load_event("web_signin_request")
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    event["headers"]["content-type"] = "application/json"
    event["body"] = payload
    emails_before = len(sent_emails(deployment.moto_url))

    answer = invoke(web, event)

    assert "statusCode" in answer and "link" not in answer
    assert not LINK_TEXT.search(json.dumps(answer))
    assert len(sent_emails(deployment.moto_url)) == emails_before


def test_an_http_event_carrying_the_direct_keys_is_still_an_http_request(
    web: ModuleType,
) -> None:
    event = {**load_event("web_get_form"), "chatdeck": "signin-link", "email": ADMIN}

    answer = invoke(web, event)

    assert "statusCode" in answer and "link" not in answer
    assert not LINK_TEXT.search(json.dumps(answer))


def test_the_logs_never_name_the_address(
    web: ModuleType, teacher: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("INFO", logger="chatdeck"):
        direct(web, teacher)
        direct(web, STRANGER)

    records = [r for r in caplog.records if r.getMessage() == "direct sign-in link request"]
    assert [getattr(r, "member", None) for r in records] == [True, False]
    logged = repr([vars(r) for r in caplog.records])
    assert teacher not in logged and STRANGER not in logged
