"""An email that could not be sent is never silently lost: admins see it on the members page
(when, what, to whom, why), newest first, while the sign-in page still says the same to members
and strangers."""

from datetime import timedelta

import pytest

from chatdeck.domain.errors import NotAllowed
from chatdeck.domain.members import Role
from chatdeck.services.membership import FAILED_EMAILS_SHOWN
from tests.unit.services.kit import ADMIN, NOW, PUBLIC_URL, TEACHER, Kit


class MessageRejected(Exception):
    """What boto3's SESv2 client raises when SES refuses a message (its class name)."""


class EndpointConnectionError(Exception):
    """What botocore raises when SES cannot be reached (its class name)."""


def test_a_sign_in_email_that_fails_is_listed_for_admins(kit: Kit) -> None:
    kit.add_member(TEACHER)
    kit.mailer.fail_with = MessageRejected("Email address is not verified.")

    kit.membership.request_link(TEACHER, PUBLIC_URL, NOW)

    (failed,) = kit.membership.failed_emails(kit.admin())
    assert failed.to == (TEACHER,)
    assert failed.failed_at == NOW
    assert failed.what == "Sign-in link"
    assert failed.why.startswith("SES refused the message.")
    assert failed.subject  # the email's own subject line
    assert kit.notice_log.notices[failed.notice_id].status == "FAILED"


def test_the_sign_in_page_says_the_same_when_the_email_fails(kit: Kit) -> None:
    kit.add_member(TEACHER)
    kit.mailer.fail_with = MessageRejected("Email address is not verified.")

    answers = [
        kit.membership.request_link(address, PUBLIC_URL, NOW)
        for address in (TEACHER, "stranger@elsewhere.example")
    ]

    assert answers == [None, None]  # no refusal, no hint: the page renders the same answer
    assert [n.to for n in kit.membership.failed_emails(kit.admin())] == [(TEACHER,)]


def test_failures_are_newest_first_and_capped(kit: Kit) -> None:
    kit.mailer.fail_with = EndpointConnectionError("https://email.us-east-1.amazonaws.com")
    for n in range(FAILED_EMAILS_SHOWN + 3):
        kit.add_member(f"teacher{n:02}@school.example")
        kit.clock.set(NOW + timedelta(minutes=n))
        kit.membership.request_link(f"teacher{n:02}@school.example", PUBLIC_URL, kit.clock.now())

    listed = kit.membership.failed_emails(kit.admin())

    assert len(listed) == FAILED_EMAILS_SHOWN
    assert listed[0].to == (f"teacher{FAILED_EMAILS_SHOWN + 2:02}@school.example",)
    assert [n.failed_at for n in listed] == sorted((n.failed_at for n in listed), reverse=True)
    assert listed[0].why == "SES could not be reached."


def test_times_are_in_the_admins_zone(kit: Kit) -> None:
    kit.add_member(ADMIN, name="Admin", zone="America/New_York", role=Role.ADMIN)
    kit.add_member(TEACHER)
    kit.mailer.fail_with = MessageRejected()
    kit.membership.request_link(TEACHER, PUBLIC_URL, NOW)

    (failed,) = kit.membership.failed_emails(kit.admin())

    assert failed.failed_at == NOW
    assert failed.failed_at.utcoffset() == timedelta(hours=-5)


def test_emails_sent_are_not_listed(kit: Kit) -> None:
    kit.add_member(TEACHER)
    kit.membership.request_link(TEACHER, PUBLIC_URL, NOW)

    assert kit.emails_to(TEACHER) != []
    assert kit.membership.failed_emails(kit.admin()) == []


def test_every_kind_of_email_that_fails_is_listed(kit: Kit) -> None:
    kit.mailer.fail_with = MessageRejected()
    post = kit.schedule("A post X will refuse.", NOW + timedelta(minutes=5))
    kit.notices.post_failed(post)
    kit.membership.invite(
        kit.admin(), {"name": "Ben", "email": "ben@school.example"}, PUBLIC_URL, NOW
    )

    listed = {n.what for n in kit.membership.failed_emails(kit.admin())}

    assert listed == {"A post could not be sent", "Invitation"}


def test_only_admins_see_them(kit: Kit) -> None:
    teacher = kit.add_member(TEACHER)
    with pytest.raises(NotAllowed):
        kit.membership.failed_emails(teacher)
    with pytest.raises(NotAllowed):
        kit.membership.members_page(teacher, None)


def test_the_members_page_carries_them(kit: Kit) -> None:
    kit.add_member(TEACHER)
    kit.mailer.fail_with = MessageRejected()
    kit.membership.request_link(TEACHER, PUBLIC_URL, NOW)

    page = kit.membership.members_page(kit.admin(), None)

    assert [m.email for m in page.members] == [ADMIN, TEACHER]
    assert [n.to for n in page.failed_emails] == [(TEACHER,)]


def test_the_logs_name_neither_the_address_nor_the_error_message(
    kit: Kit, caplog: pytest.LogCaptureFixture
) -> None:
    kit.add_member(TEACHER)
    kit.mailer.fail_with = MessageRejected(f"The identities failed the check: {TEACHER}")

    with caplog.at_level("INFO", logger="chatdeck"):
        kit.membership.request_link(TEACHER, PUBLIC_URL, NOW)

    (record,) = [r for r in caplog.records if r.getMessage() == "notice could not be sent"]
    assert (getattr(record, "kind", None), getattr(record, "error", None)) == (
        "signin",
        "MessageRejected",
    )
    assert TEACHER not in repr([vars(r) for r in caplog.records]) + caplog.text
