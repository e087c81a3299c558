"""The sign-in link and session stores read with ConsistentRead, on moto server.

DynamoDB's default, eventually consistent read may miss a write made a moment before: a link
just sent would not sign in, a session just begun would not be found, and a member who just
signed out everywhere could still be signed in. moto server is always consistent, so the table
here answers a read that does not ask for consistency as if the latest write had not arrived,
which is what DynamoDB is allowed to do. Also: a session stored before its last use was kept
(no `last_used_at`) reads as last used when it began.
"""

from typing import Any

import pytest

from chatdeck.adapters.dynamodb import Table
from chatdeck.adapters.signin import DynamoSessionStore, DynamoSignInLinkStore
from tests.contract.backends import DynamoBackend, MotoAws

pytestmark = pytest.mark.integration

NOW = 1_793_649_600  # 2026-11-02T20:00:00Z
DAYS_30 = 30 * 24 * 3600
TEACHER = "rivera@school.example"


class EventuallyConsistent(Table):
    """The real table, whose reads that do not ask for consistency miss every item."""

    def get_item(self, **params: Any) -> dict[str, Any]:
        if params.get("ConsistentRead") is not True:
            return {}
        return super().get_item(**params)


@pytest.fixture
def table(moto_aws: MotoAws) -> Table:
    real = DynamoBackend(moto_aws).table("StateTable")
    return EventuallyConsistent(moto_aws.dynamodb, real.name)


def test_a_link_just_sent_signs_in(table: Table) -> None:
    links = DynamoSignInLinkStore(table)
    links.add("link-1", TEACHER, NOW + 900)

    assert links.peek("link-1", NOW) == TEACHER


def test_a_session_just_begun_is_found_and_one_ended_everywhere_is_over(table: Table) -> None:
    sessions = DynamoSessionStore(table)
    sessions.add("session-1", TEACHER, NOW, NOW + DAYS_30)
    assert sessions.get("session-1", NOW) == (TEACHER, NOW, NOW)

    sessions.end_all(TEACHER, NOW + 60, NOW + DAYS_30)

    assert sessions.get("session-1", NOW + 60) is None


def test_a_session_stored_without_its_last_use_reads_as_used_when_it_began(table: Table) -> None:
    table.put_item(
        Item={
            "pk": "SESSION#old",
            "sk": "SESSION",
            "email": TEACHER,
            "created_at": NOW,
            "expires_at": NOW + DAYS_30,
        }
    )

    assert DynamoSessionStore(table).get("old", NOW + 10) == (TEACHER, NOW, NOW)
