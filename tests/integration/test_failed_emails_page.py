"""An email SES refuses is never silently lost: the members page lists it for admins (when, what,
to whom, why), through the real web handler against moto server, while the sign-in page answers
members and strangers alike."""

import re
from collections.abc import Callable
from datetime import timedelta
from types import ModuleType

import pytest

from chatdeck.domain.email import Email
from chatdeck.domain.members import Member
from tests.integration.deployment import Deployment
from tests.integration.web_kit import SAMPLE_NOW, call, signed_in

pytestmark = pytest.mark.integration

TEACHER = "rivera@school.example"
STRANGER = "stranger@elsewhere.example"
UNVERIFIED_SENDER = "nobody-verified-this@unverified.example"
CSRF = "sample-csrf-token-kept-in-the-cookie-0001"  # the sample events' cookie and field


@pytest.fixture
def web_without_a_verified_sender(
    function: Callable[[str], ModuleType], monkeypatch: pytest.MonkeyPatch
) -> ModuleType:
    """The web function sending as an address SES never verified: SES refuses every email."""
    monkeypatch.setenv("SENDER_EMAIL", UNVERIFIED_SENDER)
    return function("web")


def members_page(web: ModuleType, session: str) -> str:
    page = call(web, "web_get_form", session, rawPath="/members")
    assert page["statusCode"] == 200, page["body"]
    body: str = page["body"]
    return body


def failed_section(page: str) -> str:
    found = re.search(r'<h2 id="failed-emails">.*?(?=<h2|\Z)', page, re.S)
    assert found, page
    return found.group(0)


def test_a_refused_sign_in_email_is_listed_for_admins_and_the_page_says_the_same(
    web_without_a_verified_sender: ModuleType, deployment: Deployment
) -> None:
    web = web_without_a_verified_sender
    deployment.services.membership.members.add(Member(email=TEACHER, name="Ms. Rivera"), SAMPLE_NOW)
    answers = [
        call(web, "web_signin_request", None, body=f"csrf_token={CSRF}&email={address}")
        for address in (TEACHER, STRANGER)
    ]
    bodies = [
        a["body"].replace(address, "ADDRESS")
        for a, address in zip(answers, (TEACHER, STRANGER), strict=True)
    ]
    assert [a["statusCode"] for a in answers] == [200, 200]
    assert bodies[0] == bodies[1]
    assert deployment.emails_to(TEACHER) == []

    section = failed_section(members_page(web, signed_in(deployment)))

    assert "Emails that could not be sent" in section
    assert TEACHER in section and STRANGER not in section
    assert "Sign-in link" in section
    assert "SES refused the message." in section
    assert re.search(r'<time datetime="[^"]+">\d{4}-\d\d-\d\d \d\d:\d\d UTC</time>', section)


def test_the_list_is_newest_first(web: ModuleType, deployment: Deployment) -> None:
    log = deployment.services.notice_log
    for n, address in enumerate(["first@school.example", "second@school.example"]):
        email = Email([address], f"Email {n}", "text", "<p>html</p>")
        log.record(f"invitation#{address}#2026-12-03", email, SAMPLE_NOW)
        at = SAMPLE_NOW + timedelta(minutes=n)
        log.mark_failed(f"invitation#{address}#2026-12-03", email, "MessageRejected", at)

    section = failed_section(members_page(web, signed_in(deployment)))

    assert section.index("second@school.example") < section.index("first@school.example")
    assert "Invitation" in section


def test_with_nothing_failed_the_page_says_so(web: ModuleType, deployment: Deployment) -> None:
    section = failed_section(members_page(web, signed_in(deployment)))
    assert "None: every email Chatdeck tried to send went out." in section


def test_members_who_are_not_admins_see_no_addresses(
    web: ModuleType, deployment: Deployment, teacher_session: str
) -> None:
    email = Email([STRANGER], "Invitation", "text", "<p>html</p>")
    deployment.services.notice_log.record("invitation#x", email, SAMPLE_NOW)
    deployment.services.notice_log.mark_failed("invitation#x", email, "MessageRejected", SAMPLE_NOW)

    page = call(web, "web_get_form", teacher_session, rawPath="/members")

    assert page["statusCode"] == 403
    assert STRANGER not in page["body"]


def test_a_refused_email_in_the_web_function_is_counted_for_its_alarm(
    web_without_a_verified_sender: ModuleType,
    deployment: Deployment,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # EmailsFailedAlarm watches the emails_failed metric: the web function must write it out
    # at the end of the request, as the scheduled functions do, not keep it in memory.
    web = web_without_a_verified_sender
    deployment.services.membership.members.add(Member(email=TEACHER, name="Ms. Rivera"), SAMPLE_NOW)
    capsys.readouterr()

    call(web, "web_signin_request", None, body=f"csrf_token={CSRF}&email={TEACHER}")

    printed = capsys.readouterr().out
    assert '"emails_failed"' in printed and '"CloudWatchMetrics"' in printed
