"""The sign-in limits' conditional writes on moto server: races, retries, TTLs, the guard.

moto serialises each DynamoDB request but not a store's read-then-write, so a race is scripted:
the table here runs another request's whole call at a chosen point of this one's (between its
read and its write), and records which calls it made. Its reads that do not ask for consistency
miss every item, as DynamoDB's eventually consistent reads may. What is checked is what a user
(or whoever pays for the table) would: which requests are let through, how many are counted, the
TTL that deletes the counters (the attribute named in template.yaml), and how many writes a
refused request spends.
"""

from collections.abc import Callable
from typing import Any

import pytest

from chatdeck.adapters.dynamodb import Table
from chatdeck.adapters.signin import DynamoSignInLinkStore
from tests.contract.backends import DynamoBackend, MotoAws

pytestmark = pytest.mark.integration

NOW = 1_793_649_600  # 2026-11-02T20:00:00Z
DAY, NEXT_DAY = "2026-11-02", "2026-11-03"
END_OF_DAY = NOW + 4 * 3600  # 2026-11-03T00:00:00Z
TTL = END_OF_DAY + 86_400  # what Membership passes: the day's end and a day's margin
NEXT_TTL = TTL + 86_400
WINDOW = 600
TEACHER = "rivera@school.example"


class Scripted(Table):
    """The real table, running scripted calls of other requests just before this one's calls
    (`before["put_item"]` is a queue: its first entry runs before the next conditional put),
    and remembering which calls it made. Reads not asking for consistency miss every item."""

    def __init__(self, client: Any, name: str) -> None:
        super().__init__(client, name)
        self.before: dict[str, list[Callable[[], object]]] = {}
        self.calls: list[str] = []

    def get_item(self, **params: Any) -> dict[str, Any]:
        self._step("get_item")
        if params.get("ConsistentRead") is not True:
            return {}
        return super().get_item(**params)

    def write_if(self, operation: str, **params: Any) -> dict[str, Any] | None:
        self._step(operation)
        return super().write_if(operation, **params)

    def _step(self, operation: str) -> None:
        self.calls.append(operation)
        queue = self.before.get(operation)
        if queue:
            queue.pop(0)()


@pytest.fixture
def plain(moto_aws: MotoAws) -> Table:
    return DynamoBackend(moto_aws).table("StateTable")


@pytest.fixture
def table(moto_aws: MotoAws, plain: Table) -> Scripted:
    return Scripted(moto_aws.dynamodb, plain.name)


@pytest.fixture
def ttl_attribute(moto_aws: MotoAws) -> str:
    """The attribute the StateTable's TTL deletes items by, as template.yaml names it."""
    return str(moto_aws.tables["StateTable"]["TimeToLiveSpecification"]["AttributeName"])


def _item(table: Table, sk: str) -> dict[str, Any]:
    key = {"pk": f"SIGNIN-RATE#{TEACHER}", "sk": sk}
    return dict(table.get_item(Key=key, ConsistentRead=True)["Item"])


# ----- requests in a window: one optimistic write ------------------------------------------------


def test_a_request_racing_another_for_the_address_loses_and_neither_is_lost(
    table: Scripted, plain: Table
) -> None:
    mine, theirs = DynamoSignInLinkStore(table), DynamoSignInLinkStore(plain)
    assert mine.allow_request(TEACHER, NOW, WINDOW, 3)
    table.before["put_item"] = [lambda: theirs.allow_request(TEACHER, NOW + 1, WINDOW, 3)]

    # read by this request, the other's whole request, then this one's write
    assert not mine.allow_request(TEACHER, NOW + 1, WINDOW, 3)  # the other request won

    assert table.calls == ["get_item", "put_item", "get_item", "put_item"]
    assert _item(plain, "RATE")["requests"] == [NOW, NOW + 1]  # theirs kept, counted once
    assert mine.allow_request(TEACHER, NOW + 2, WINDOW, 3)  # the third of three
    assert not mine.allow_request(TEACHER, NOW + 3, WINDOW, 3)


def test_the_first_request_of_an_address_racing_another_loses(
    table: Scripted, plain: Table
) -> None:
    mine, theirs = DynamoSignInLinkStore(table), DynamoSignInLinkStore(plain)
    table.before["put_item"] = [lambda: theirs.allow_request(TEACHER, NOW, WINDOW, 2)]

    assert not mine.allow_request(TEACHER, NOW, WINDOW, 2)

    assert _item(plain, "RATE")["requests"] == [NOW]
    assert mine.allow_request(TEACHER, NOW + 1, WINDOW, 2)
    assert not mine.allow_request(TEACHER, NOW + 2, WINDOW, 2)


def test_a_request_just_after_another_reads_it_and_is_let_through(table: Scripted) -> None:
    links = DynamoSignInLinkStore(table)  # a read not asking for consistency would miss it

    assert links.allow_request(TEACHER, NOW, WINDOW, 5)
    assert links.allow_request(TEACHER, NOW + 1, WINDOW, 5)
    assert links.allow_request(TEACHER, NOW + 2, WINDOW, 5, "known")
    assert links.allow_request(TEACHER, NOW + 3, WINDOW, 5, "known")


def test_the_requests_are_deleted_when_the_newest_leaves_the_window(
    plain: Table, ttl_attribute: str
) -> None:
    links = DynamoSignInLinkStore(plain)
    assert links.allow_request(TEACHER, NOW, WINDOW, 5)
    assert links.allow_request(TEACHER, NOW + 10, WINDOW, 5)

    assert _item(plain, "RATE")[ttl_attribute] == NOW + 10 + WINDOW


# ----- the day's emails: conditional counters, retried -------------------------------------------


def test_a_day_begun_by_a_racing_request_counts_both(table: Scripted, plain: Table) -> None:
    mine, theirs = DynamoSignInLinkStore(table), DynamoSignInLinkStore(plain)
    table.before["put_item"] = [lambda: theirs.allow_email(TEACHER, DAY, "anyone", 3, 3, TTL)]

    assert mine.allow_email(TEACHER, DAY, "anyone", 3, 3, TTL)  # counted in, not starting over

    assert _item(plain, "DAY")["sent"] == 2
    assert mine.allow_email(TEACHER, DAY, "anyone", 3, 3, TTL)
    assert not mine.allow_email(TEACHER, DAY, "anyone", 3, 3, TTL)


def test_the_days_counter_is_deleted_a_day_after_the_day_ends(
    plain: Table, ttl_attribute: str
) -> None:
    links = DynamoSignInLinkStore(plain)
    assert links.allow_email(TEACHER, DAY, "anyone", 10, 6, TTL)
    assert links.allow_email(TEACHER, DAY, "known", 10, 10, TTL)
    assert _item(plain, "DAY")[ttl_attribute] == TTL

    assert links.allow_email(TEACHER, NEXT_DAY, "anyone", 10, 6, NEXT_TTL)
    day = _item(plain, "DAY")
    assert (day[ttl_attribute], day["sent"], day["sent_anyone"]) == (NEXT_TTL, 1, 1)
    assert "sent_known" not in day  # the new day's counts start over, both allowances'


def test_a_limit_of_nothing_lets_no_email_through(plain: Table) -> None:
    links = DynamoSignInLinkStore(plain)

    assert not links.allow_email(TEACHER, DAY, "anyone", 0, 6, TTL)
    assert not links.allow_email(TEACHER, DAY, "anyone", 10, 0, TTL)

    assert links.allow_email(TEACHER, DAY, "anyone", 1, 1, TTL)  # the refusals counted nothing
    assert not links.allow_email(TEACHER, DAY, "anyone", 1, 1, TTL)


def test_a_request_over_the_limit_is_refused_in_one_turn(table: Scripted) -> None:
    """Each conditional write is paid for, failed or not: a refusal costs two and a read."""
    links = DynamoSignInLinkStore(table)
    assert links.allow_email(TEACHER, DAY, "anyone", 2, 1, TTL)
    table.calls.clear()

    assert not links.allow_email(TEACHER, DAY, "anyone", 2, 1, TTL)  # the allowance's share
    assert table.calls == ["put_item", "update_item", "get_item"]


def test_a_request_kept_losing_to_others_gives_up_after_three_turns(
    table: Scripted, plain: Table
) -> None:
    """Each turn, another request begins the day just before this one would, and the address
    is forgotten just before this one counts itself in: this one is refused after three turns
    (never an endless loop, never an error), though a fourth would have gone through."""
    mine, theirs = DynamoSignInLinkStore(table), DynamoSignInLinkStore(plain)
    table.before["put_item"] = [
        lambda: theirs.allow_email(TEACHER, DAY, "anyone", 5, 5, TTL) for _ in range(3)
    ]
    table.before["update_item"] = [lambda: theirs.forget_requests(TEACHER) for _ in range(3)]

    assert not mine.allow_email(TEACHER, DAY, "anyone", 5, 5, TTL)

    assert table.calls == ["put_item", "update_item", "get_item"] * 3
    assert mine.allow_email(TEACHER, DAY, "anyone", 5, 5, TTL)  # no race now: let through
