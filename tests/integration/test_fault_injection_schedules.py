"""Fault injection on the scheduled functions besides the publisher (test_fault_injection.py):
reminders before a chat, polling during it, digests after it, against moto server and the X
sandbox: each schedule event delivered twice, two invocations at once, a crash after an email
went out but before it was marked sent or the session moved on, DynamoDB throttling, X's search
failing, and SES refusing one email (botocore hooks on the Services' own clients,
botocore_faults.py; the sandbox's POST /sandbox/faults). Invariants: no member gets a reminder or
a digest twice for one session; one that could not be sent is listed for admins and never
retried blind, and the others still go; the archive keeps each post of a session once."""

import contextlib
import json
import threading
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError

from chatdeck.domain.chats import Subscription
from chatdeck.domain.members import Member
from chatdeck.services.digests import Digests
from chatdeck.services.polling import Poller
from chatdeck.services.reminders import Reminders
from tests.contract.builders import SESSION_START, a_chat, a_session, an_archived_post
from tests.integration import botocore_faults as faults
from tests.integration.deployment import Deployment

pytestmark = pytest.mark.integration

MEMBERS = ["ana@school.example", "ben@school.example", "cy@school.example"]
REMIND_AT = SESSION_START - timedelta(minutes=30)
DIGEST_AT = SESSION_START + timedelta(hours=2)  # the window (and its counts) are done
OCCURRENCE = "edtechchat#2026-11-03T01:00:00Z"


@pytest.fixture
def cohort(deployment: Deployment) -> Deployment:
    services = deployment.services
    services.chats.save(a_chat())
    for address in MEMBERS:
        services.membership.members.add(
            Member(email=address, name=address.split("@")[0].title(), zone="UTC"), REMIND_AT
        )
        services.subscriptions.subscribe(
            Subscription(
                chat_id="edtechchat", email=address, reminders=True, digests=True, lead_minutes=30
            )
        )
    session = services.archive.start(a_session(status="counted"))
    services.archive.add_posts(session, [an_archived_post()], read_on=date(2026, 11, 3))
    return deployment


def mail_counts(deployment: Deployment) -> dict[str, int]:
    """How many emails each member got in this test (each test sends one kind)."""
    return {address: len(deployment.emails_to(address)) for address in MEMBERS}


def once_each(deployment: Deployment) -> None:
    assert mail_counts(deployment) == dict.fromkeys(MEMBERS, 1)


def dynamodb(deployment: Deployment) -> Any:
    return deployment.services._dynamodb


def ses(deployment: Deployment) -> Any:
    return getattr(getattr(deployment.services.notices, "_mailer"), "client")  # noqa: B009


def to_address(address: str) -> Callable[[faults.Body], bool]:
    def test(body: faults.Body) -> bool:
        return address in list(body.get("Destination", {}).get("ToAddresses", []))

    return test


def marks_sent(body: faults.Body) -> bool:
    """The notice log's `mark_sent`, after SES took the email."""
    values: dict[str, object] = body.get("ExpressionAttributeValues", {})
    return values.get(":status") == {"S": "SENT"}


def second_reminders(deployment: Deployment) -> Reminders:
    first = deployment.services.reminders
    return Reminders(first.chats, first.subscriptions, first.membership, first.notices)


def second_digests(deployment: Deployment) -> Digests:
    first = deployment.services.digests
    return Digests(first.archive, first.chats, first.subscriptions, first.membership, first.notices)


def at_once(*runs: Callable[[], int]) -> int:
    """Run each at the same moment on its own thread; the emails they say they sent."""
    start, sent, lock = threading.Barrier(len(runs)), [], threading.Lock()

    def run(job: Callable[[], int]) -> None:
        start.wait()
        result = job()
        with lock:
            sent.append(result)

    threads = [threading.Thread(target=run, args=(job,)) for job in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sum(sent)


# Reminders


def test_a_reminder_event_twice_and_two_invocations_at_once_remind_each_member_once(
    cohort: Deployment,
) -> None:
    reminders, other = cohort.services.reminders, second_reminders(cohort)

    sent = at_once(lambda: reminders.send_due(REMIND_AT), lambda: other.send_due(REMIND_AT))
    replayed = reminders.send_due(REMIND_AT)
    next_minute = other.send_due(REMIND_AT + timedelta(minutes=1))

    assert (sent, replayed, next_minute) == (3, 0, 0)
    once_each(cohort)


def test_a_reminder_run_that_dies_after_an_email_went_out_is_replayed_without_a_second(
    cohort: Deployment,
) -> None:
    reminders = cohort.services.reminders
    throttled = faults.fail(dynamodb(cohort), "UpdateItem", "ThrottlingException", when=marks_sent)
    with throttled, pytest.raises(ClientError):
        reminders.send_due(REMIND_AT)  # the first email went out, then the function died
    assert sum(mail_counts(cohort).values()) == 1

    assert reminders.send_due(REMIND_AT) == 2  # the event again: the other two
    once_each(cohort)


def test_a_throttled_read_of_the_subscribers_is_caught_up_the_next_minute(
    cohort: Deployment,
) -> None:
    reminders = cohort.services.reminders

    def reads_subscribers(body: faults.Body) -> bool:
        return "SUB" in json_text(body) and body.get("KeyConditionExpression") is not None

    throttled = faults.fail(
        dynamodb(cohort), "Query", "ProvisionedThroughputExceededException", when=reads_subscribers
    )
    with throttled, pytest.raises(ClientError):
        reminders.send_due(REMIND_AT)
    assert throttled.failed == 1 and sum(mail_counts(cohort).values()) == 0

    assert reminders.send_due(REMIND_AT + timedelta(minutes=1)) == 3
    once_each(cohort)


def test_an_email_ses_refuses_is_listed_for_admins_and_the_others_still_go(
    cohort: Deployment,
) -> None:
    reminders, refused = cohort.services.reminders, MEMBERS[1]
    rejecting = faults.fail(
        ses(cohort), "SendEmail", "MessageRejected", when=to_address(refused), times=5
    )
    with rejecting:
        first = reminders.send_due(REMIND_AT)
        again = reminders.send_due(REMIND_AT + timedelta(minutes=1))

    assert (first, again, rejecting.seen) == (2, 0, 1)  # tried once, never again
    assert mail_counts(cohort) == {MEMBERS[0]: 1, refused: 0, MEMBERS[2]: 1}
    [failed] = cohort.services.notices.failed(10)
    assert failed.to == (refused,) and failed.error == "MessageRejected"


# Digests


def test_a_digest_event_twice_and_two_invocations_at_once_send_each_member_one(
    cohort: Deployment,
) -> None:
    digests, other = cohort.services.digests, second_digests(cohort)

    sent = at_once(lambda: digests.send_ready(DIGEST_AT), lambda: other.send_ready(DIGEST_AT))
    replayed = digests.send_ready(DIGEST_AT)

    assert (sent, replayed) == (3, 0)
    once_each(cohort)
    archived = cohort.services.archive.get(OCCURRENCE)
    assert archived is not None and archived.status == "digested"


@pytest.mark.parametrize("injector", [faults.flaky, faults.fail], ids=["absorbed", "outlasting"])
def test_a_digest_run_that_dies_before_the_session_moves_on_sends_no_second_digest(
    cohort: Deployment, injector: Any
) -> None:
    digests = cohort.services.digests
    archive_table = cohort.services.settings.archive_table

    def advances(body: faults.Body) -> bool:
        return body.get("TableName") == archive_table and "digested" in json_text(body)

    throttled = injector(
        dynamodb(cohort), "UpdateItem", "ThrottlingException", when=advances, times=2
    )
    with throttled, contextlib.suppress(ClientError):  # outlasting the retries: run again
        digests.send_ready(DIGEST_AT)
    digests.send_ready(DIGEST_AT + timedelta(minutes=1))

    assert throttled.failed >= 1

    once_each(cohort)
    archived = cohort.services.archive.get(OCCURRENCE)
    assert archived is not None and archived.status == "digested"


def json_text(body: faults.Body) -> str:
    return json.dumps(body)


# Polling during the chat


TRANSCRIPT = [
    ("tomwhitby", "Q1 What feedback works? #edtechchat", 0),
    ("ben_teaches", "A1 Timely feedback #edtechchat", 3),
    ("sue_teaches", "A1 Feedback they act on #edtechchat", 4),
]
SEARCH = "GET /2/tweets/search/recent"


@pytest.fixture
def live(deployment: Deployment) -> list[str]:
    """The chat on the calendar and its first minutes on X; the ids X gave them."""
    deployment.services.chats.save(a_chat())
    posts = [
        {
            "author": author,
            "text": text,
            "created_at": (SESSION_START + timedelta(minutes=m)).isoformat(),
        }
        for author, text, m in TRANSCRIPT
    ]
    body: dict[str, Any] = {
        "hashtag": "edtechchat",
        "start": SESSION_START.isoformat(),
        "posts": posts,
    }
    answer = requests.post(f"{deployment.sandbox_url}/sandbox/chats", json=body, timeout=10)
    assert answer.status_code == 201, answer.text
    ids: list[str] = answer.json()["ids"]
    return ids


def at(deployment: Deployment, minutes: int) -> Any:
    """X's clock and ours, `minutes` into the chat."""
    moment = SESSION_START + timedelta(minutes=minutes)
    answer = requests.post(
        f"{deployment.sandbox_url}/sandbox/clock", json={"now": moment.isoformat()}, timeout=5
    )
    answer.raise_for_status()
    deployment.clock.instant = moment
    return moment


def archived(deployment: Deployment) -> list[str]:
    found = deployment.services.poller.session(OCCURRENCE)
    assert found is not None
    return [post.id for post in found.posts]


def second_poller(deployment: Deployment) -> Poller:
    first = deployment.services.poller
    return Poller(first.chats, first.archive, first.readers, first.budget_reads, first.retention)


def test_a_poll_event_twice_and_two_pollers_at_once_archive_each_post_once(
    deployment: Deployment, live: list[str]
) -> None:
    poller, other = deployment.services.poller, second_poller(deployment)
    now = at(deployment, 10)

    at_once(lambda: poller.poll(now).added, lambda: other.poll(now).added)
    poller.poll(now)

    assert sorted(archived(deployment)) == sorted(live)


def test_a_failed_search_is_shown_on_the_session_and_caught_up_the_next_minute(
    deployment: Deployment, live: list[str]
) -> None:
    deployment.fault(endpoint=SEARCH, status=503, count=1)
    poller = deployment.services.poller

    failed = poller.poll(at(deployment, 10))
    poller.poll(at(deployment, 11))

    assert failed.errors and failed.added == 0
    assert sorted(archived(deployment)) == sorted(live)


def test_a_poll_that_dies_while_archiving_is_caught_up_without_doubles(
    deployment: Deployment, live: list[str]
) -> None:
    poller = deployment.services.poller
    archive_table = deployment.services.settings.archive_table

    def stores_a_post(body: faults.Body) -> bool:
        sort_key = str(body.get("Item", {}).get("sk", {}).get("S", ""))
        return body.get("TableName") == archive_table and sort_key != "META"

    throttled = faults.fail(
        dynamodb(deployment), "PutItem", "ThrottlingException", when=stores_a_post
    )
    with throttled, contextlib.suppress(ClientError):
        poller.poll(at(deployment, 10))
    poller.poll(at(deployment, 11))

    assert throttled.failed == 1
    assert sorted(archived(deployment)) == sorted(live)
