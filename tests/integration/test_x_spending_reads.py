"""Every X read Chatdeck makes is counted against the cohort's X spending cap and stops before it
would pass it: the count refresh's lookups of a chat's posts and the publisher's reading of the
account's own posts (to settle an unknown outcome), through the real X adapter and tweepy
against the X sandbox, counted in moto server's DynamoDB. And the day's read sets: a full one
(DynamoDB's 400 KB an item) never fails a count. Polling's searches are
tests/integration/test_x_spending_cap.py's."""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError

from chatdeck.adapters.dynamodb import Table
from chatdeck.adapters.spending import DynamoSpendingStore, _by_shard
from chatdeck.domain.outcomes import CannotTell, ReadFailed
from chatdeck.domain.outgoing import Outgoing
from chatdeck.domain.posts import PostStatus
from chatdeck.domain.spending import XSpending, day_of, month_of
from chatdeck.services.counts import READING_ACCOUNT
from chatdeck.services.polling import Poller
from chatdeck.services.x_spending import RECHECK
from tests.integration import test_polling
from tests.integration.deployment import Deployment
from tests.integration.test_polling import (
    LOOKUP,
    REFRESH_AT_ONCE,
    START,
    WINDOW_END,
    WINDOW_START,
    Archive,
    Chats,
    a_chat,
    burst,
)
from tests.integration.test_x_spending_cap import cap_subjects

pytestmark = pytest.mark.integration
archive = test_polling.archive  # the fixture: moto server's tables and the X sandbox's clock


def at(archive: Archive, now: datetime) -> datetime:
    """The deployment's clock and X's both at `now`."""
    archive.deployment.clock.instant = now
    return archive.clock(now)


def spent(deployment: Deployment, now: datetime) -> XSpending:
    return deployment.services.x_spending.summary(now).spending


def own_posts_requests(archive: Archive) -> list[dict[str, Any]]:
    """The sandbox's log of GET /2/users/:id/tweets (the account's own posts)."""
    logged: list[dict[str, Any]] = requests.get(
        f"{archive.sandbox}/sandbox/requests", timeout=5
    ).json()
    return [entry for entry in logged if entry["endpoint"].startswith("GET /2/users/")]


# The count refresh's lookups


def test_a_lookup_is_counted_once_per_post_per_utc_day(archive: Archive) -> None:
    deployment = archive.deployment
    now = at(archive, START + timedelta(hours=2))
    ids = archive.seed(*burst(5, START, 60))
    reader = deployment.services.reader

    assert len(reader.lookup_posts(READING_ACCOUNT, ids)) == 5
    assert spent(deployment, now) == XSpending(month_of(now), reads=5)
    assert len(reader.lookup_posts(READING_ACCOUNT, ids)) == 5  # the same UTC day: no charge

    assert spent(deployment, now) == XSpending(month_of(now), reads=5)
    assert len(archive.requests(LOOKUP)) == 2


def test_a_lookup_that_would_pass_the_cap_is_not_made_but_one_of_posts_read_today_is(
    archive: Archive,
) -> None:
    deployment = archive.deployment
    now = at(archive, START + timedelta(hours=2))
    store = deployment.services.x_spending.store
    store.set_cap(Decimal("0.50"))
    store.count_reads(day_of(now), [f"other-{n}" for n in range(98)])  # $0.49: 2 reads left
    ids = archive.seed(*burst(5, START, 60))
    reader = deployment.services.reader

    with pytest.raises(ReadFailed) as stopped:
        reader.lookup_posts(READING_ACCOUNT, ids)

    assert "monthly X spending cap of $0.50" in stopped.value.reason
    assert "5 of them not read yet today" in stopped.value.reason
    assert stopped.value.retry_at == now + RECHECK
    assert archive.requests(LOOKUP) == []
    assert len(cap_subjects(deployment)) == 1
    # Two of them fit: read (and counted) first, then the cap is exactly reached, and looking
    # them up again the same day costs nothing, so it goes ahead.
    assert len(reader.lookup_posts(READING_ACCOUNT, ids[:2])) == 2
    assert spent(deployment, now).mills == 500
    assert len(reader.lookup_posts(READING_ACCOUNT, ids[:2])) == 2
    assert spent(deployment, now).mills == 500
    with pytest.raises(ReadFailed):
        reader.lookup_posts(READING_ACCOUNT, ids[:3])
    assert len(archive.requests(LOOKUP)) == 2
    assert len(cap_subjects(deployment)) == 1


def test_a_lookup_whose_cap_cannot_be_read_is_not_made(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployment = archive.deployment
    at(archive, START + timedelta(hours=2))
    ids = archive.seed(*burst(2, START, 60))
    table = deployment.services._state_table
    throttled = ClientError(
        {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}},
        "GetItem",
    )

    def refuse(**params: object) -> object:
        raise throttled

    monkeypatch.setattr(table.client, "get_item", refuse)
    with pytest.raises(ReadFailed) as failed:
        deployment.services.reader.lookup_posts(READING_ACCOUNT, ids)

    assert "could not check the cohort's X spending cap" in failed.value.reason
    assert archive.requests(LOOKUP) == []


def follow_the_chat(archive: Archive, counted: bool) -> Poller:
    """A live chat polled every ten minutes of its window, then ended, with the deployment's
    clock and X's at each poll; its reads `counted` against the cap or not."""
    deployment = archive.deployment
    archive.seed_chat()
    poller = Poller(
        Chats(a_chat()),  # type: ignore[arg-type]  # the Poller only lists them
        archive.store,
        {"x": deployment.services.reader},
        budget_reads=2000,
        retention=timedelta(days=180),
        refresh_seconds=REFRESH_AT_ONCE,
        spending=deployment.services.x_spending if counted else None,
    )
    minute = WINDOW_START
    while minute < WINDOW_END:
        poller.poll(at(archive, minute))
        minute += timedelta(minutes=10)
    poller.poll(at(archive, WINDOW_END + timedelta(minutes=1)))
    assert archive.meta()["status"] == "ended"
    return poller


def test_the_count_refresh_looks_up_the_posts_polling_read_that_day_for_free_even_at_the_cap(
    archive: Archive,
) -> None:
    deployment = archive.deployment
    poller = follow_the_chat(archive, counted=True)
    polled = spent(deployment, WINDOW_END)
    assert polled.reads > 0
    cents = -(-polled.mills // 10)  # the cap at the cent above what polling spent
    deployment.services.x_spending.store.set_cap(Decimal(cents) / 100)

    report = poller.refresh_counts(at(archive, WINDOW_END + timedelta(minutes=2)))

    assert report.counted == 1
    assert len(archive.requests(LOOKUP)) > 0
    assert spent(deployment, WINDOW_END) == polled


def test_the_count_refresh_stops_before_a_lookup_that_would_pass_the_cap_until_it_is_raised(
    archive: Archive,
) -> None:
    deployment = archive.deployment
    poller = follow_the_chat(archive, counted=False)  # X would bill every post looked up
    store = deployment.services.x_spending.store
    store.set_cap(Decimal("0.10"))
    refreshed_at = at(archive, WINDOW_END + timedelta(minutes=2))
    store.count_reads(day_of(refreshed_at), [f"other-{n}" for n in range(20)])  # $0.10: reached

    report = poller.refresh_counts(refreshed_at)

    assert report.counted == 0
    assert archive.requests(LOOKUP) == []
    meta = archive.meta()
    assert meta["status"] == "ended"
    errors = [str(v) for k, v in meta.items() if k.startswith("last_error")]
    assert any("monthly X spending cap of $0.10" in error for error in errors), meta
    assert len(cap_subjects(deployment)) == 1

    store.set_cap(Decimal(100))  # an admin raises it; the refresh asks again after RECHECK
    report = poller.refresh_counts(at(archive, refreshed_at + RECHECK))

    assert report.counted == 1
    stored = len(archive.post_ids())
    assert spent(deployment, refreshed_at).reads == 20 + stored


# The publisher's reading of the account's own posts


def test_settling_an_unknown_outcome_counts_the_accounts_posts_read_and_stops_at_the_cap(
    archive: Archive,
) -> None:
    deployment = archive.deployment
    due = deployment.minute
    post = deployment.schedule("Tonight's questions are up. #edtechchat", due)
    deployment.tick(due)
    target = deployment.target(post.id)
    assert target.status is PostStatus.POSTED
    # the post's link names the account: GET /2/users/me, the account's own data, once
    assert spent(deployment, due) == XSpending(month_of(due), posts=1, own_reads=1)
    outgoing = Outgoing(post.id, "x", "cohort", post.text, due)
    network = deployment.services.network
    on_account = len(deployment.sandbox_posts())

    found = network.find_own_post(outgoing, due - timedelta(minutes=5))

    assert found is not None and found.remote_id == target.remote_id
    assert spent(deployment, due) == XSpending(month_of(due), posts=1, own_reads=1 + on_account)
    asked = len(own_posts_requests(archive))
    # $0.015 + $0.001 a post read: a cap of $0.02 leaves fewer than X's smallest page (5)
    assert on_account == 1
    deployment.services.x_spending.store.set_cap(Decimal("0.02"))
    with pytest.raises(CannotTell) as stopped:
        network.find_own_post(outgoing, due - timedelta(minutes=5))
    assert "monthly X spending cap of $0.02" in stopped.value.reason
    assert len(own_posts_requests(archive)) == asked
    assert len(cap_subjects(deployment)) == 1


# The day's read sets at DynamoDB's item limit


class FullSets(Table):
    """A StateTable where some of the day's read sets are at DynamoDB's 400 KB: growing them is
    refused as DynamoDB refuses it (moto server does not enforce the limit)."""

    full: frozenset[str] = frozenset()

    def update_item(self, **params: Any) -> dict[str, Any]:
        if params["Key"]["sk"] in self.full:
            raise ClientError(
                {"Error": {"Code": "ValidationException",
                           "Message": "Item size to update has exceeded the maximum allowed size"}},
                "UpdateItem",
            )  # fmt: skip
        return super().update_item(**params)


def test_a_full_read_set_still_counts_its_posts_and_never_fails_the_count(
    deployment: Deployment,
) -> None:
    base = deployment.services._state_table
    table = FullSets(base.client, base.name)
    store = DynamoSpendingStore(table)
    day = deployment.minute.date()
    posts = [str(1_990_000_000_000_000_000 + n) for n in range(40)]
    shards = _by_shard(set(posts))
    full_shard, in_full = min(shards.items())
    table.full = frozenset({f"READS#{day.isoformat()}#{full_shard}"})

    assert store.count_reads(day, posts) == 40
    # Read again the same day: the posts of the full set cannot be told apart from new ones, so
    # they are counted again (the cap stops early, never late); the rest count nothing.
    assert store.count_reads(day, posts) == len(in_full)
    assert store.month(day.strftime("%Y-%m")).reads == 40 + len(in_full)
