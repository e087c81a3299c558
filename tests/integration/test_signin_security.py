"""Signing in through the web function, as an attacker would try it (issue 10's findings), with
moto server's DynamoDB and SES: a stranger asking for a member's links neither locks out a
browser that signed in before nor gets the address more than its day's emails, the answer never
changing; only the newest link works; the confirm page names the account and refuses, changing
nothing, in a browser signed in as another member."""

import re
from datetime import timedelta
from email import message_from_string
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

import pytest

from chatdeck.domain.members import Member
from chatdeck.services.membership import EMAILS_PER_DAY_FROM_ANYONE, LINK_REQUESTS_ALLOWED
from chatdeck.web.pages import SESSION_COOKIE
from chatdeck.web.signin import KNOWN_BROWSER_COOKIE
from devstack.runtime import describe_email
from tests.integration.deployment import ADMIN, Deployment
from tests.integration.web_kit import SAMPLE_NOW, event_as, invoke, signed_in

pytestmark = pytest.mark.integration

TEACHER = "rivera@school.example"
CSRF = "sample-csrf-token-kept-in-the-cookie-0001"  # the sample events' cookie


@pytest.fixture(autouse=True)
def teacher(deployment: Deployment) -> None:
    deployment.services.membership.members.add(Member(email=TEACHER, name="Ms. Rivera"), SAMPLE_NOW)


def ask(web: ModuleType, email: str, known: str = "") -> dict[str, Any]:
    event = event_as("web_signin_request", None)
    event["body"] = urlencode({"csrf_token": CSRF, "email": email})
    if known:
        event["cookies"].append(f"{KNOWN_BROWSER_COOKIE}={known}")
    return invoke(web, event)


def newest_token(deployment: Deployment, address: str) -> str:
    *_, mail = deployment.emails_to(address)
    text = describe_email("mail", message_from_string(mail))["text"]
    found = re.search(r"/signin/confirm\?token=([A-Za-z0-9_-]+)", text)
    assert found, text
    return found.group(1)


def confirm_page(web: ModuleType, token: str, session: str | None = None) -> dict[str, Any]:
    event = event_as("web_signin_confirm_page", session)
    event["rawQueryString"] = f"token={token}"
    event["queryStringParameters"] = {"token": token}
    return invoke(web, event)


def confirm(web: ModuleType, token: str, session: str | None = None) -> dict[str, Any]:
    event = event_as("web_signin_confirm", session)
    event["body"] = urlencode({"csrf_token": CSRF, "token": token})
    return invoke(web, event)


def set_cookie(answer: dict[str, Any], name: str) -> str | None:
    found = [c for c in answer.get("cookies", []) if c.startswith(f"{name}=")]
    return found[0] if found else None


def value(cookie: str) -> str:
    return cookie.split(";")[0].partition("=")[2]


def test_a_browser_that_signed_in_before_gets_its_link_while_a_stranger_floods_the_address(
    web: ModuleType, deployment: Deployment
) -> None:
    ask(web, TEACHER)
    signed = confirm(web, newest_token(deployment, TEACHER))
    known = set_cookie(signed, KNOWN_BROWSER_COOKIE)
    assert signed["statusCode"] == 303 and known
    for attribute in ("HttpOnly", "Secure", "SameSite=Lax", "Path=/", "Max-Age=34560000"):
        assert attribute in known
    assert "rivera" not in known.lower() and "school" not in known.lower()

    web.services.clock.instant = SAMPLE_NOW + timedelta(minutes=1)
    stranger = [ask(web, TEACHER) for _ in range(LINK_REQUESTS_ALLOWED + 2)]
    flooded = len(deployment.emails_to(TEACHER))
    mine = ask(web, TEACHER, known=value(known))

    assert len(deployment.emails_to(TEACHER)) == flooded + 1
    assert {a["statusCode"] for a in [*stranger, mine]} == {200}
    assert len({a["body"] for a in [*stranger, mine]}) == 1  # nobody learns what happened
    assert confirm(web, newest_token(deployment, TEACHER))["statusCode"] == 303


def test_past_the_days_emails_the_answer_is_the_same_and_nothing_is_sent(
    web: ModuleType, deployment: Deployment
) -> None:
    answers = []
    for turn in range(EMAILS_PER_DAY_FROM_ANYONE + 2):  # a stranger, each 11 minutes
        web.services.clock.instant = SAMPLE_NOW + timedelta(minutes=11 * turn)
        answers.append(ask(web, TEACHER))

    assert len(deployment.emails_to(TEACHER)) == EMAILS_PER_DAY_FROM_ANYONE
    assert {a["statusCode"] for a in answers} == {200}
    assert len({a["body"] for a in answers}) == 1
    assert "Check your email" in answers[-1]["body"]


def test_only_the_newest_link_works(web: ModuleType, deployment: Deployment) -> None:
    ask(web, TEACHER)
    first = newest_token(deployment, TEACHER)
    ask(web, TEACHER)
    second = newest_token(deployment, TEACHER)

    assert confirm_page(web, first)["statusCode"] == 400
    assert confirm(web, first)["statusCode"] == 400
    assert confirm(web, second)["statusCode"] == 303


def test_the_confirm_page_names_the_account_in_full(
    web: ModuleType, deployment: Deployment
) -> None:
    ask(web, TEACHER)
    page = confirm_page(web, newest_token(deployment, TEACHER))

    assert page["statusCode"] == 200
    assert TEACHER in page["body"]
    assert set_cookie(page, SESSION_COOKIE) is None


def test_a_link_for_another_member_refuses_in_a_signed_in_browser_and_changes_nothing(
    web: ModuleType, deployment: Deployment
) -> None:
    victim = signed_in(deployment, ADMIN)
    ask(web, TEACHER)  # the sender asks for their own link, and sends it to the victim
    token = newest_token(deployment, TEACHER)

    page = confirm_page(web, token, victim)
    pressed = confirm(web, token, victim)

    for refused in (page, pressed):
        assert refused["statusCode"] == 409
        assert TEACHER in refused["body"] and ADMIN in refused["body"]
        assert 'action="/signout"' in refused["body"]
        assert set_cookie(refused, SESSION_COOKIE) is None
    membership = deployment.services.membership
    still = membership.member_for_session(victim, SAMPLE_NOW)
    assert still is not None and still.email == ADMIN  # the victim's session is untouched
    assert membership.link_account(token, SAMPLE_NOW) == TEACHER  # the link is still usable


def test_signing_out_from_the_refusal_comes_back_to_the_link(
    web: ModuleType, deployment: Deployment
) -> None:
    victim = signed_in(deployment, ADMIN)
    ask(web, TEACHER)
    token = newest_token(deployment, TEACHER)
    event = event_as("web_signin_confirm", victim)
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/signout"
    following = f"/signin/confirm?token={token}"
    event["body"] = urlencode({"csrf_token": CSRF, "next": following})
    out = invoke(web, event)

    assert out["statusCode"] == 303 and out["headers"]["Location"] == following
    assert deployment.services.membership.member_for_session(victim, SAMPLE_NOW) is None
    assert confirm_page(web, token)["statusCode"] == 200


@pytest.mark.parametrize("elsewhere", ["https://evil.example/", "//evil.example", "/posts"])
def test_sign_out_goes_nowhere_else(
    web: ModuleType, deployment: Deployment, elsewhere: str
) -> None:
    event = event_as("web_signin_confirm", signed_in(deployment, ADMIN))
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/signout"
    event["body"] = urlencode({"csrf_token": CSRF, "next": elsewhere})
    assert invoke(web, event)["headers"]["Location"] == "/signin"
