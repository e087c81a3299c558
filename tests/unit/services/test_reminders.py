"""Reminders before a chat, on the fakes: at each member's lead time, once per member and session,
never for a skipped session or a removed member, and with a one-click way to stop them."""

from datetime import date, datetime, timedelta

import pytest

from chatdeck.domain.email import Email
from tests.unit.services.kit import ADMIN, OTHER_TEACHER, START, TEACHER, Kit, a_chat

SESSION_DATE = date(2026, 11, 2)  # the Monday in New York; 01:00 UTC on Tuesday


@pytest.fixture
def chat_kit(kit: Kit) -> Kit:
    kit.follow(a_chat(questions={SESSION_DATE: ["What feedback works?", "How do you give it?"]}))
    kit.add_member(TEACHER, "Ana Rivera", zone="Europe/London")
    kit.subscribe(TEACHER, lead_minutes=30)
    return kit


def minute_by_minute(kit: Kit, since: datetime, until: datetime) -> dict[str, list[datetime]]:
    """Run the reminders every minute, as the companion does: when each address got one."""
    when: dict[str, list[datetime]] = {}
    now = since
    while now <= until:
        before = len(kit.mailer.sent)
        kit.reminders.send_due(now)
        for email in kit.mailer.sent[before:]:
            for address in email.to:
                when.setdefault(address, []).append(now)
        now += timedelta(minutes=1)
    return when


def test_the_reminder_comes_at_the_lead_time_once_in_the_members_zone(chat_kit: Kit) -> None:
    kit = chat_kit
    reminders = kit.reminders

    assert reminders.send_due(START - timedelta(minutes=31)) == 0
    assert reminders.send_due(START - timedelta(minutes=30)) == 1
    assert reminders.send_due(START - timedelta(minutes=29)) == 0  # the schedule fires again
    assert reminders.send_due(START - timedelta(minutes=30)) == 0  # or is replayed

    [mail] = kit.emails_to(TEACHER)
    assert mail.to == [TEACHER]
    assert mail.subject == "EdTech Chat starts at 01:00: #edtechchat"
    assert "Tuesday 03 November at 01:00 your time (Europe/London)" in mail.text
    assert "Q1. What feedback works?" in mail.text and "Q2. How do you give it?" in mail.text
    assert "@edtechmod" in mail.text


def test_each_member_is_reminded_at_their_own_lead_time(chat_kit: Kit) -> None:
    kit = chat_kit
    kit.add_member(OTHER_TEACHER, "Ngozi Okafor", zone="America/Chicago")
    kit.subscribe(OTHER_TEACHER, lead_minutes=90)
    kit.subscribe(ADMIN, lead_minutes=5)  # a deploy-time admin with no profile yet

    sent = minute_by_minute(kit, START - timedelta(hours=3), START + timedelta(minutes=5))

    assert sent == {
        OTHER_TEACHER: [START - timedelta(minutes=90)],
        TEACHER: [START - timedelta(minutes=30)],
        ADMIN: [START - timedelta(minutes=5)],
    }
    [chicago] = kit.emails_to(OTHER_TEACHER)
    assert "Monday 02 November at 19:00 your time (America/Chicago)" in chicago.text


def test_the_longest_lead_a_subscription_allows_is_kept_to_the_minute(chat_kit: Kit) -> None:
    kit = chat_kit
    kit.subscribe(TEACHER, lead_minutes=24 * 60)

    sent = minute_by_minute(
        kit, START - timedelta(hours=24, minutes=2), START - timedelta(hours=23)
    )

    assert sent == {TEACHER: [START - timedelta(hours=24)]}


def test_no_reminder_for_a_skipped_session(chat_kit: Kit) -> None:
    kit = chat_kit
    kit.chats.skip("edtechchat", SESSION_DATE)

    assert kit.reminders.send_due(START - timedelta(minutes=30)) == 0
    assert kit.reminders.send_due(START + timedelta(days=7, minutes=-30)) == 1  # next week's
    assert kit.mailer.sent[0].subject.startswith("EdTech Chat starts")


def test_no_reminder_to_a_member_removed_since_subscribing(chat_kit: Kit) -> None:
    kit = chat_kit
    kit.membership.remove(kit.admin(), TEACHER, cancel_queued=False)

    assert kit.reminders.send_due(START - timedelta(minutes=30)) == 0
    assert kit.mailer.sent == []


def test_no_reminder_for_digests_only_or_a_chat_no_longer_followed(chat_kit: Kit) -> None:
    kit = chat_kit
    kit.add_member(OTHER_TEACHER, "Ngozi Okafor")
    kit.subscribe(OTHER_TEACHER, reminders=False)

    assert kit.reminders.send_due(START - timedelta(minutes=30)) == 1
    kit.chats.remove("edtechchat")
    assert kit.reminders.send_due(START + timedelta(days=7, minutes=-30)) == 0
    assert [email.to for email in kit.mailer.sent] == [[TEACHER]]


def one_click_token(email: Email) -> str:
    header = email.headers["List-Unsubscribe"]
    assert header.startswith("<https://chatdeck.example/unsubscribe/") and header.endswith(">")
    return header.strip("<>").rsplit("/", 1)[1]


def test_a_reminder_can_be_stopped_with_one_click_and_digests_keep_coming(chat_kit: Kit) -> None:
    kit = chat_kit
    kit.reminders.send_due(START - timedelta(minutes=30))
    [mail] = kit.emails_to(TEACHER)

    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = one_click_token(mail)
    assert f"/unsubscribe/{token}" in mail.text

    link = kit.calendar.unsubscribe(token, START)

    assert (link.chat_id, link.email, link.what) == ("edtechchat", TEACHER, "reminders")
    after = kit.subscriptions.subscription("edtechchat", TEACHER)
    assert after is not None and not after.reminders and after.digests
    assert kit.reminders.send_due(START + timedelta(days=7, minutes=-30)) == 0
