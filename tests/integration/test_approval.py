"""Approval through the web handler: posts to the cohort's account wait for an admin, who
approves or declines each as they saw it (the version on their page)."""

from datetime import UTC, datetime, timedelta
from email import message_from_string
from types import ModuleType

import boto3
import pytest

from chatdeck.domain.posts import PostStatus
from devstack.runtime import describe_email
from tests.integration.deployment import Deployment
from tests.integration.web_kit import call, post_form, signed_in

SEEN = {"version": "0"}  # the version of the post an admin saw in the queue

pytestmark = pytest.mark.integration


def test_with_approval_on_a_members_post_waits_until_an_admin_approves(
    web: ModuleType, deployment: Deployment, admin_session: str, teacher_session: str
) -> None:
    deployment.services.cohort_settings.set_require_approval(True)

    assert call(web, "web_schedule_post", teacher_session)["statusCode"] == 201
    waiting = deployment.post("sample-submission-0001")
    assert waiting.status is PostStatus.PENDING_APPROVAL
    assert deployment.services.posts.due(waiting.due_utc + timedelta(days=1)) == []
    assert (
        post_form(web, teacher_session, "/posts/sample-submission-0001/approve", SEEN)["statusCode"]
        == 403
    )

    approved = post_form(web, admin_session, "/posts/sample-submission-0001/approve", SEEN)

    assert approved["statusCode"] == 303
    queued = deployment.post("sample-submission-0001")
    assert queued.status is PostStatus.QUEUED
    assert queued.targets[0].next_action_at == queued.due_utc


def test_a_post_approved_after_its_time_goes_out_at_once(
    web: ModuleType, deployment: Deployment, admin_session: str, teacher_session: str
) -> None:
    deployment.services.cohort_settings.set_require_approval(True)
    call(web, "web_schedule_post", teacher_session)
    late = deployment.post("sample-submission-0001").due_utc + timedelta(hours=3)
    web.services.clock.instant = late

    approved = post_form(
        web, signed_in(deployment, at=late), "/posts/sample-submission-0001/approve", SEEN
    )

    assert approved["statusCode"] == 303
    assert deployment.target("sample-submission-0001").next_action_at == late


def test_an_admin_can_approve_for_a_new_time(
    web: ModuleType, deployment: Deployment, admin_session: str, teacher_session: str
) -> None:
    deployment.services.cohort_settings.set_require_approval(True)
    call(web, "web_schedule_post", teacher_session)

    post_form(
        web,
        admin_session,
        "/posts/sample-submission-0001/approve",
        {**SEEN, "local_date": "2027-06-08", "local_time": "19:00", "zone": "America/New_York"},
    )

    post = deployment.post("sample-submission-0001")
    assert post.status is PostStatus.QUEUED
    assert post.due_utc == datetime(2027, 6, 8, 23, 0, tzinfo=UTC)


def test_a_post_edited_after_the_admin_looked_is_not_approved_unseen(
    web: ModuleType, deployment: Deployment, admin_session: str, teacher_session: str
) -> None:
    deployment.services.cohort_settings.set_require_approval(True)
    call(web, "web_schedule_post", teacher_session)
    seen = deployment.post("sample-submission-0001")
    edit = {
        "text": "Changed after the admin looked.",
        "local_date": seen.local_date.isoformat(),
        "local_time": f"{seen.local_time:%H:%M}",
        "zone": seen.zone,
    }
    assert (
        post_form(web, teacher_session, "/posts/sample-submission-0001", edit)["statusCode"] == 303
    )

    approve = {"version": str(seen.version)}
    approved = post_form(web, admin_session, "/posts/sample-submission-0001/approve", approve)
    declined = post_form(
        web, admin_session, "/posts/sample-submission-0001/decline", {**approve, "reason": "No."}
    )

    assert approved["statusCode"] == declined["statusCode"] == 409
    assert "changed since you looked" in approved["body"]
    post = deployment.post("sample-submission-0001")
    assert (post.status, post.text) == (PostStatus.PENDING_APPROVAL, edit["text"])
    assert deployment.emails_to("rivera@school.example") == []
    fresh = {"version": str(post.version)}
    assert (
        post_form(web, admin_session, "/posts/sample-submission-0001/approve", fresh)["statusCode"]
        == 303
    )
    assert deployment.post("sample-submission-0001").status is PostStatus.QUEUED


def test_approving_without_the_version_seen_changes_nothing(
    web: ModuleType, deployment: Deployment, admin_session: str, teacher_session: str
) -> None:
    deployment.services.cohort_settings.set_require_approval(True)
    call(web, "web_schedule_post", teacher_session)

    for version in ({}, {"version": "x"}, {"version": "-1"}):
        answer = post_form(web, admin_session, "/posts/sample-submission-0001/approve", version)
        assert answer["statusCode"] == 400

    assert deployment.post("sample-submission-0001").status is PostStatus.PENDING_APPROVAL


def test_a_declined_post_tells_its_author_why(
    web: ModuleType, deployment: Deployment, admin_session: str, teacher_session: str
) -> None:
    deployment.services.cohort_settings.set_require_approval(True)
    call(web, "web_schedule_post", teacher_session)

    no_reason = post_form(
        web, admin_session, "/posts/sample-submission-0001/decline", {**SEEN, "reason": " "}
    )
    declined = post_form(
        web,
        admin_session,
        "/posts/sample-submission-0001/decline",
        {**SEEN, "reason": "Add the chat tag."},
    )

    assert no_reason["statusCode"] == 400
    assert declined["statusCode"] == 303
    post = deployment.post("sample-submission-0001")
    assert (post.status, post.reason) == (PostStatus.DECLINED, "Add the chat tag.")
    (mail,) = deployment.emails_to("rivera@school.example")
    assert "Add the chat tag." in describe_email("m", message_from_string(mail))["text"]


def test_a_post_stored_before_versions_were_kept_is_approved_as_version_0(
    web: ModuleType, deployment: Deployment, admin_session: str, teacher_session: str
) -> None:
    deployment.services.cohort_settings.set_require_approval(True)
    call(web, "web_schedule_post", teacher_session)
    boto3.client("dynamodb").update_item(  # as an older release stored it: no version
        TableName=deployment.services.settings.posts_table,
        Key={"id": {"S": "sample-submission-0001"}},
        UpdateExpression="REMOVE version",
    )

    approved = post_form(web, admin_session, "/posts/sample-submission-0001/approve", SEEN)

    assert approved["statusCode"] == 303
    post = deployment.post("sample-submission-0001")
    assert (post.status, post.version) == (PostStatus.QUEUED, 1)
