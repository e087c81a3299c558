"""Reminders before a chat, against moto server: at the chosen lead time, once, unsubscribable."""

from datetime import UTC, date, datetime, time, timedelta
from email import message_from_string

import pytest
import requests

from chatdeck.domain.chats import Chat, Recurrence, Subscription
from chatdeck.domain.members import Member
from devstack.runtime import describe_email
from tests.integration.deployment import PUBLIC_URL, Deployment

pytestmark = pytest.mark.integration

# Mondays 20:00 in New York; 2026-12-07 is a Monday, 20:00 EST = 01:00 UTC on the 8th.
START = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)
TEACHER = "rivera@school.example"


@pytest.fixture
def chat(deployment: Deployment) -> Chat:
    chat = Chat(
        id="edtechchat",
        name="EdTech Chat",
        hashtag="#edtechchat",
        network="x",
        recurrence=Recurrence(
            weekday=0,
            start=time(20, 0),
            zone="America/New_York",
            duration_minutes=60,
            first_date=date(2026, 9, 7),
        ),
        moderators=["edtechmod"],
        questions={date(2026, 12, 7): ["What feedback works?", "How do you give it?"]},
    )
    services = deployment.services
    services.chats.save(chat)
    services.membership.members.add(
        Member(email=TEACHER, name="Ms. Rivera", zone="Europe/London"), START
    )
    services.subscriptions.subscribe(
        Subscription(chat_id=chat.id, email=TEACHER, reminders=True, digests=True, lead_minutes=30)
    )
    return chat


def reminders_sent(deployment: Deployment) -> list[dict[str, object]]:
    return [describe_email("m", message_from_string(raw)) for raw in deployment.emails_to(TEACHER)]


def test_the_reminder_comes_at_the_lead_time_once_in_the_members_zone(
    deployment: Deployment, chat: Chat
) -> None:
    reminders = deployment.services.reminders
    assert reminders.send_due(START - timedelta(minutes=31)) == 0
    assert reminders.send_due(START - timedelta(minutes=30)) == 1
    assert reminders.send_due(START - timedelta(minutes=29)) == 0  # the schedule fires again
    assert reminders.send_due(START - timedelta(minutes=30)) == 0  # or is replayed

    (mail,) = reminders_sent(deployment)
    assert "EdTech Chat" in str(mail["subject"]) and "01:00" in str(mail["subject"])
    text = str(mail["text"])
    assert "Tuesday 08 December at 01:00 your time (Europe/London)" in text
    assert "#edtechchat" in text and "What feedback works?" in text
    headers = mail["headers"]
    assert isinstance(headers, dict)
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["List-Unsubscribe"].startswith(f"<{PUBLIC_URL}/unsubscribe/")


def test_no_reminder_for_a_skipped_session_or_without_a_subscription(
    deployment: Deployment, chat: Chat
) -> None:
    deployment.services.chats.skip(chat.id, date(2026, 12, 7))
    assert deployment.services.reminders.send_due(START - timedelta(minutes=30)) == 0
    deployment.services.subscriptions.unsubscribe(chat.id, TEACHER, "reminders")
    assert deployment.services.reminders.send_due(START + timedelta(days=7, minutes=-30)) == 0


def test_the_one_click_unsubscribe_link_works_without_signing_in(
    deployment: Deployment, chat: Chat
) -> None:
    deployment.services.reminders.send_due(START - timedelta(minutes=30))
    (mail,) = reminders_sent(deployment)
    url = str(mail["headers"]["List-Unsubscribe"]).strip("<>")  # type: ignore[index]
    token = url.rsplit("/", 1)[1]

    subject = deployment.services.email_actions.verify(token, "unsubscribe", START)
    assert subject == {"email": TEACHER, "chat": "edtechchat", "what": "reminders"}
    assert requests.utils.quote(token, safe="-_.") == token  # safe in a URL as it is
