"""The members page in a real browser (Chromium) on a phone (375 px): an email that could not be
sent shows under "Emails that could not be sent", with when, what, to whom and why, and the page
still passes axe-core and does not scroll sideways.

Nothing makes the local stack's SES (moto) refuse one email, so the failure is written into the
notice log as the functions write it, through the same adapter, on the stack's own table.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from chatdeck.adapters.dynamodb import Table
from chatdeck.adapters.notices import DynamoNoticeLog
from chatdeck.domain.email import Email
from devstack.provision import aws_client
from tests.e2e.browser.helpers import ADMIN, checked_page, nav, sign_in
from tests.e2e.conftest import LocalStack

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def failed_invitation(stack: LocalStack, address: str, at: datetime) -> None:
    environment = json.loads((stack.state_dir / "stack.json").read_text())["environment"]
    table = Table(aws_client("dynamodb", stack.moto), environment["STATE_TABLE"])
    log = DynamoNoticeLog(table)
    notice_id = f"invitation#{address}#{at.date().isoformat()}"
    email = Email([address], "Ana invited you to Chatdeck", "text", "<p>html</p>")
    assert log.record(notice_id, email, at)
    log.mark_failed(notice_id, email, "MessageRejected", at)


def test_the_admin_sees_the_emails_that_could_not_be_sent(
    page: Page, local_stack: LocalStack
) -> None:
    older = f"unreachable-{uuid.uuid4().hex[:8]}@school.example"
    newer = f"unreachable-{uuid.uuid4().hex[:8]}@school.example"
    now = datetime.now(UTC).replace(microsecond=0)
    failed_invitation(local_stack, older, now - timedelta(minutes=1))
    failed_invitation(local_stack, newer, now)

    sign_in(page, local_stack, ADMIN)
    nav(page, "Members")

    heading = page.get_by_role("heading", name="Emails that could not be sent")
    expect(heading).to_be_visible()
    table = page.get_by_role("table", name="Emails that could not be sent, newest first")
    rows = table.get_by_role("row").filter(has_text="unreachable-")
    expect(rows.first).to_contain_text(newer)
    expect(rows.nth(1)).to_contain_text(older)
    expect(rows.first).to_contain_text("Invitation")
    expect(rows.first).to_contain_text("SES refused the message.")
    checked_page(page, "Members with emails that could not be sent")
