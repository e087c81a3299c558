"""The metrics the alarms watch (docs/operations.md): an email that could not be sent, a chat
session whose searches all failed; only the names in METRICS; and the SES configuration set every
email goes through."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from chatdeck.adapters.ses import SesMailer
from chatdeck.domain.email import Email
from chatdeck.domain.outcomes import ReadFailed
from chatdeck.observability import METRICS, count, metrics
from tests.unit.services.kit import NOW, PUBLIC_URL, TEACHER, WINDOW_END, Kit


@pytest.fixture
def counted() -> Iterator[dict[str, Any]]:
    """The metrics counted so far in this test (Powertools' unflushed set)."""
    metrics.clear_metrics()
    yield metrics.metric_set
    metrics.clear_metrics()


def value(counted: dict[str, Any], name: str) -> float:
    return sum(counted[name]["Value"]) if name in counted else 0


def test_only_the_listed_metrics_can_be_counted(counted: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        count("something_new")
    assert len(METRICS) <= 10
    count("emails_failed", 0)  # zero is not emitted
    assert counted == {}


class MessageRejected(Exception):
    """What boto3's SESv2 client raises when SES refuses a message (its class name)."""


def test_an_email_that_could_not_be_sent_is_counted(kit: Kit, counted: dict[str, Any]) -> None:
    kit.add_member(TEACHER)
    kit.mailer.fail_with = MessageRejected("Email address is not verified.")

    kit.membership.request_link(TEACHER, PUBLIC_URL, NOW)

    assert value(counted, "emails_failed") == 1


def test_an_email_sent_is_not_counted_as_failed(kit: Kit, counted: dict[str, Any]) -> None:
    kit.add_member(TEACHER)
    kit.membership.request_link(TEACHER, PUBLIC_URL, NOW)
    assert value(counted, "emails_failed") == 0


def test_a_session_whose_searches_all_failed_is_counted_once(
    kit: Kit, counted: dict[str, Any]
) -> None:
    kit.follow()
    kit.network.read_failures.extend(ReadFailed("X answered 503.") for _ in range(20))

    kit.poller.poll(WINDOW_END - timedelta(minutes=20))  # the session starts; its search fails
    for hours in (0, 3, 6, 7):
        kit.poller.poll(WINDOW_END + timedelta(minutes=1, hours=hours))

    assert value(counted, "sessions_unread") == 1


def test_a_session_read_normally_is_not_counted(kit: Kit, counted: dict[str, Any]) -> None:
    kit.follow()
    kit.poller.poll(WINDOW_END - timedelta(minutes=20))
    kit.poller.poll(WINDOW_END + timedelta(minutes=1))
    assert kit.poller.poll(WINDOW_END + timedelta(minutes=2)).ended == 0  # already ended
    assert value(counted, "sessions_unread") == 0


class RecordingSesv2:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def send_email(self, **kwargs: Any) -> dict[str, str]:
        self.calls.append(kwargs)
        return {"MessageId": "m-1"}


EMAIL = Email(to=["ana@school.example"], subject="Hi", text="Hi", html="<p>Hi</p>")


def test_every_email_goes_through_the_configuration_set() -> None:
    client = RecordingSesv2()
    SesMailer(client, "chatdeck@school.example", "chatdeck-emails").send(EMAIL)
    (call,) = client.calls
    assert call["ConfigurationSetName"] == "chatdeck-emails"
    assert call["FromEmailAddress"] == "chatdeck@school.example"


def test_without_a_configuration_set_none_is_named() -> None:
    client = RecordingSesv2()
    SesMailer(client, "chatdeck@school.example").send(EMAIL)
    assert "ConfigurationSetName" not in client.calls[0]
