"""Members and sign-in links against moto server: what a member, an admin and a stranger see."""

import re
from datetime import UTC, datetime, timedelta
from email import message_from_string
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from chatdeck.domain.errors import InvalidLink, NotAllowed
from chatdeck.domain.members import Member, Role
from chatdeck.domain.posts import FieldErrors, PostStatus
from chatdeck.services.membership import Membership
from devstack.runtime import describe_email
from tests.integration.deployment import ADMIN, Deployment
from tests.integration.web_kit import post_form

pytestmark = pytest.mark.integration

NOW = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
BASE = "https://chatdeck.example"
TEACHER = "rivera@school.example"


@pytest.fixture
def membership(deployment: Deployment) -> Membership:
    found: Membership = deployment.services.membership
    found.members.add(Member(email=TEACHER, name="Ms. Rivera", zone="America/New_York"), NOW)
    return found


def link_in(deployment: Deployment, address: str) -> str:
    *_, mail = deployment.emails_to(address)
    text = describe_email("mail", message_from_string(mail))["text"]
    found = re.search(r"https://chatdeck\.example/signin/confirm\?token=([A-Za-z0-9_-]+)", text)
    assert found, text
    return found.group(1)


def test_a_member_gets_a_link_that_signs_in_once(
    membership: Membership, deployment: Deployment
) -> None:
    membership.request_link("Rivera@School.example ", BASE, NOW)
    token = link_in(deployment, TEACHER)

    signed = membership.sign_in(token, NOW + timedelta(minutes=14))

    assert signed.member.email == TEACHER
    assert membership.member_for_session(signed.session_token, NOW) == signed.member
    with pytest.raises(InvalidLink):
        membership.sign_in(token, NOW + timedelta(minutes=14))


def test_a_link_expires_after_15_minutes(membership: Membership, deployment: Deployment) -> None:
    membership.request_link(TEACHER, BASE, NOW)
    with pytest.raises(InvalidLink):
        membership.sign_in(link_in(deployment, TEACHER), NOW + timedelta(minutes=15, seconds=1))


def test_tokens_and_sessions_are_stored_only_as_hashes(
    membership: Membership, deployment: Deployment
) -> None:
    membership.request_link(TEACHER, BASE, NOW)
    token = link_in(deployment, TEACHER)
    session = membership.sign_in(token, NOW).session_token

    items = boto3.client("dynamodb").scan(TableName=deployment.services.settings.state_table)[
        "Items"
    ]
    stored = repr(items)
    assert token not in stored and session not in stored
    assert len(token) >= 22 and len(session) >= 22  # at least 128 random bits, base64url


def test_a_stranger_gets_the_same_answer_and_no_email(
    membership: Membership, deployment: Deployment
) -> None:
    membership.request_link("stranger@elsewhere.example", BASE, NOW)
    assert deployment.emails_to("stranger@elsewhere.example") == []


def test_at_most_five_links_per_address_per_ten_minutes(
    membership: Membership, deployment: Deployment
) -> None:
    for minute in range(7):
        membership.request_link(TEACHER, BASE, NOW + timedelta(seconds=minute * 30))
    assert len(deployment.emails_to(TEACHER)) == 5

    membership.request_link(TEACHER, BASE, NOW + timedelta(minutes=10, seconds=1))
    assert len(deployment.emails_to(TEACHER)) == 6


def test_a_bad_address_is_a_field_error(membership: Membership) -> None:
    with pytest.raises(FieldErrors):
        membership.request_link("not an address", BASE, NOW)


def test_sign_out_and_removal_end_sessions_at_once(
    membership: Membership, deployment: Deployment
) -> None:
    membership.request_link(TEACHER, BASE, NOW)
    first = membership.sign_in(link_in(deployment, TEACHER), NOW).session_token
    membership.request_link(TEACHER, BASE, NOW)
    second = membership.sign_in(link_in(deployment, TEACHER), NOW).session_token

    membership.sign_out(first)
    assert membership.member_for_session(first, NOW) is None
    assert membership.member_for_session(second, NOW) is not None

    membership.remove(membership.member(ADMIN), TEACHER, cancel_queued=False)  # type: ignore[arg-type]
    assert membership.member_for_session(second, NOW) is None


def test_a_session_in_use_lasts_30_days(membership: Membership, deployment: Deployment) -> None:
    membership.request_link(TEACHER, BASE, NOW)
    session = membership.sign_in(link_in(deployment, TEACHER), NOW).session_token
    for day in (10, 20):  # used now and then (one unused for 14 days is over)
        assert membership.member_for_session(session, NOW + timedelta(days=day)) is not None
    assert membership.member_for_session(session, NOW + timedelta(days=29, hours=23)) is not None
    assert membership.member_for_session(session, NOW + timedelta(days=30, seconds=1)) is None


def test_a_session_unused_for_14_days_is_over(
    membership: Membership, deployment: Deployment
) -> None:
    membership.request_link(TEACHER, BASE, NOW)
    session = membership.sign_in(link_in(deployment, TEACHER), NOW).session_token
    assert membership.member_for_session(session, NOW + timedelta(days=14)) is None


def test_admins_invite_promote_and_remove_members(
    membership: Membership, deployment: Deployment
) -> None:
    admin = membership.member(ADMIN)
    assert admin is not None and admin.is_admin
    invited = membership.invite(
        admin,
        {"name": "Mr. Okafor", "email": "Okafor@School.example", "zone": "Europe/London"},
        BASE,
        NOW,
    )
    assert invited.email == "okafor@school.example"
    assert "/signin" in deployment.emails_to("okafor@school.example")[0]

    promoted = membership.set_role(admin, invited.email, Role.ADMIN)
    assert promoted.is_admin and membership.member(invited.email) == promoted

    with pytest.raises(FieldErrors):
        membership.invite(admin, {"name": "Again", "email": invited.email}, BASE, NOW)
    teacher = membership.member(TEACHER)
    assert teacher is not None
    with pytest.raises(NotAllowed):
        membership.invite(teacher, {"name": "Sneaky", "email": "x@y.example"}, BASE, NOW)
    with pytest.raises(NotAllowed):
        membership.remove(promoted, ADMIN, cancel_queued=True)


@pytest.mark.parametrize(
    ("cancel", "left"), [(True, PostStatus.CANCELLED), (False, PostStatus.QUEUED)]
)
def test_the_admin_decides_what_happens_to_a_removed_members_queued_posts(
    membership: Membership, deployment: Deployment, cancel: bool, left: PostStatus
) -> None:
    due = deployment.minute + timedelta(days=1)
    posts = [deployment.schedule(f"Queued {n}", due, author=TEACHER) for n in range(3)]

    cancelled = membership.remove(membership.member(ADMIN), TEACHER, cancel_queued=cancel)  # type: ignore[arg-type]

    assert cancelled == (3 if cancel else 0)
    assert {deployment.post(p.id).status for p in posts} == {left}


def test_the_member_list_is_paged_and_starts_with_the_deploy_time_admin(
    membership: Membership,
) -> None:
    for n in range(60):
        membership.members.add(Member(email=f"t{n:02d}@school.example", name=f"T {n}"), NOW)

    first, after = membership.page(membership.member(ADMIN), None)
    second, end = membership.page(membership.member(ADMIN), after)

    assert first[0].email == ADMIN and first[0].is_admin
    assert after is not None and end is None
    emails = [m.email for m in first + second]
    assert len(emails) == len(set(emails)) == 62  # the admin, the teacher, sixty more


def test_a_removed_member_invited_again_needs_a_new_link(
    membership: Membership, deployment: Deployment
) -> None:
    membership.request_link(TEACHER, BASE, NOW)
    old_session = membership.sign_in(link_in(deployment, TEACHER), NOW).session_token
    admin = membership.member(ADMIN)
    assert admin is not None

    membership.remove(admin, TEACHER, cancel_queued=False)
    later = NOW + timedelta(minutes=5)
    membership.invite(admin, {"name": "Ms. Rivera", "email": TEACHER}, BASE, later)

    assert membership.member_for_session(old_session, later) is None


def test_a_member_who_signs_in_the_second_they_are_invited_stays_signed_in(
    membership: Membership, deployment: Deployment
) -> None:
    admin = membership.member(ADMIN)
    assert admin is not None
    joined = NOW + timedelta(minutes=1, microseconds=900_000)
    membership.invite(admin, {"name": "Mr. Silva", "email": "silva@school.example"}, BASE, joined)

    membership.request_link("silva@school.example", BASE, joined)
    session = membership.sign_in(link_in(deployment, "silva@school.example"), joined)

    assert membership.member_for_session(session.session_token, joined) is not None


@pytest.fixture
def refuses_long_keys(web: ModuleType) -> None:
    """The web function's DynamoDB client refuses a sort key over 1,024 bytes in any request, as
    DynamoDB does; moto server checks only what put_item writes."""

    def check(params: dict[str, Any], model: Any, **_: Any) -> None:
        key = params.get("Key", {}).get("sk", {}).get("S", "")
        if len(key.encode()) > 1024:
            message = "Aggregated size of all range keys has exceeded the size limit of 1024 bytes"
            error = {"Error": {"Code": "ValidationException", "Message": message}}
            raise ClientError(error, model.name)

    web.services._dynamodb.meta.events.register("before-parameter-build.dynamodb", check)


@pytest.mark.usefixtures("refuses_long_keys")
@pytest.mark.parametrize(("action", "form"), [("remove", {"queued": "cancel"}), ("role", {})])
def test_an_address_too_long_to_be_a_member_is_not_a_member_in_the_admin_pages(
    membership: Membership, web: ModuleType, admin_session: str, action: str, form: dict[str, str]
) -> None:
    address = "a" * 1100 + "@school.example"  # over 254 characters: no member's
    admin = membership.member(ADMIN)
    assert admin is not None
    members_before = membership.page(admin, None)

    answer = post_form(web, admin_session, f"/members/{address}/{action}", form)

    assert answer["statusCode"] == 403, answer.get("body")
    assert "That person is not a member." in answer["body"]
    assert membership.page(admin, None) == members_before
