"""Sessions end after 14 days unused, and a member can sign out everywhere (issue 10): the web
handler as Lambda runs it, against moto server."""

from datetime import timedelta
from types import ModuleType
from typing import Any

import pytest

from chatdeck.domain.members import Member
from chatdeck.web.pages import SESSION_COOKIE
from tests.integration.deployment import Deployment
from tests.integration.web_kit import SAMPLE_NOW, call, event_as, invoke, post_form, signed_in

pytestmark = pytest.mark.integration

TEACHER = "rivera@school.example"
OTHER = "okafor@school.example"


def get_page(web: ModuleType, session: str, path: str) -> dict[str, Any]:
    event = event_as("web_get_form", session)
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    return invoke(web, event)


def add_members(deployment: Deployment) -> None:
    for email, name in ((TEACHER, "Ms. Rivera"), (OTHER, "Mr. Okafor")):
        deployment.services.membership.members.add(
            Member(email=email, name=name), SAMPLE_NOW - timedelta(days=60)
        )


def test_sign_out_everywhere_ends_every_session_of_the_member_and_no_one_elses(
    web: ModuleType, deployment: Deployment
) -> None:
    add_members(deployment)
    earlier = SAMPLE_NOW - timedelta(days=2)
    phone, laptop = signed_in(deployment, TEACHER, earlier), signed_in(deployment, TEACHER)
    theirs = signed_in(deployment, OTHER, earlier)
    profile = get_page(web, laptop, "/me")
    assert profile["statusCode"] == 200
    assert "Sign out everywhere" in profile["body"]

    answer = post_form(web, laptop, "/me/signout-everywhere", {})

    assert answer["statusCode"] == 303 and answer["headers"]["Location"] == "/signin"
    assert any(c.startswith(f"{SESSION_COOKIE}=;") for c in answer["cookies"])
    for ended in (phone, laptop):
        assert call(web, "web_get_form", ended)["statusCode"] == 303  # to sign in
    assert call(web, "web_get_form", theirs)["statusCode"] == 200


def test_a_session_unused_for_14_days_is_over_and_one_in_use_goes_on(
    web: ModuleType, deployment: Deployment
) -> None:
    add_members(deployment)
    membership = deployment.services.membership
    began = SAMPLE_NOW - timedelta(days=20)
    unused, used = signed_in(deployment, TEACHER, began), signed_in(deployment, OTHER, began)
    for day in range(1, 20, 3):  # used every few days since
        assert membership.member_for_session(used, began + timedelta(days=day)) is not None

    assert call(web, "web_get_form", unused)["statusCode"] == 303
    assert call(web, "web_get_form", used)["statusCode"] == 200
