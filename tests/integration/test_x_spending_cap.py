"""The X spending cap in the local stack: moto server's DynamoDB and SES, the X sandbox over HTTP
through the real tweepy client (issue 12: "with a cap of $0.50, the post that would pass it
waits with a reason and the admins get one email")."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from botocore.exceptions import ClientError

from chatdeck.adapters.spending import DynamoSpendingStore
from chatdeck.domain.posts import PostStatus
from chatdeck.domain.spending import XSpending, month_of
from chatdeck.ports import SpendingStore
from chatdeck.services.polling import Poller
from chatdeck.services.x_spending import COUNT_FAILED
from tests.fakes.spending import FakeSpendingStore
from tests.integration import test_polling
from tests.integration.deployment import ADMIN, Deployment
from tests.integration.test_polling import SEARCH, START, Archive, Chats, a_chat, query_of

pytestmark = pytest.mark.integration
archive = test_polling.archive  # the fixture: a live chat's archive on X, with its sandbox clock

LINK = "Slides for tonight: https://example.org/slides/{n} #edtechchat"


def cap_subjects(deployment: Deployment) -> list[str]:
    return [raw for raw in deployment.emails_to(ADMIN) if "X spending cap" in raw]


def test_with_a_cap_of_50_cents_the_post_that_would_pass_it_waits_and_admins_get_one_email(
    deployment: Deployment,
) -> None:
    spending = deployment.services.x_spending
    spending.store.set_cap(Decimal("0.50"))
    due = deployment.minute
    posts = [deployment.schedule(LINK.format(n=n), due) for n in range(3)]

    deployment.tick(due)
    deployment.tick(due + timedelta(minutes=1))  # the waiting post is not due again yet

    statuses = [deployment.target(p.id).status for p in posts]
    assert statuses.count(PostStatus.POSTED) == 2
    [held] = [p for p in posts if deployment.target(p.id).status is PostStatus.QUEUED]
    waiting = deployment.target(held.id)
    assert waiting.reason is not None
    assert "monthly X spending cap of $0.50" in waiting.reason
    assert len(deployment.sandbox_posts()) == 2
    # and the handle for their links: GET /2/users/me once, the account's own data ($0.001)
    assert spending.summary(due).spending == XSpending(month_of(due), link_posts=2, own_reads=1)
    assert len(cap_subjects(deployment)) == 1

    deployment.tick(waiting.next_action_at or due)  # checked again: still over, no new email

    assert deployment.target(held.id).status is PostStatus.QUEUED
    assert len(cap_subjects(deployment)) == 1


def test_two_publishers_at_once_cannot_both_pass_the_cap(deployment: Deployment) -> None:
    store = DynamoSpendingStore(deployment.services._state_table)
    month = month_of(deployment.minute)
    answers: list[str] = []

    def charge(n: int) -> None:
        answers.append(store.charge_post(month, f"post-{n}#x:cohort", "link_post", 500))

    threads = [threading.Thread(target=charge, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answers) == ["charged", "charged", "over", "over", "over", "over"]
    assert store.month(month) == XSpending(month, link_posts=2)
    assert store.charge_post(month, "post-0#x:cohort", "link_post", 500) in ("already", "over")


def test_reads_are_counted_once_per_post_per_utc_day(deployment: Deployment) -> None:
    store = deployment.services.x_spending.store
    day = deployment.minute.date()

    assert store.count_reads(day, ["1", "2", "3"]) == 3
    assert store.count_reads(day, ["3", "4"]) == 1
    assert store.count_reads(day + timedelta(days=1), ["1"]) == 1

    months = {day.strftime("%Y-%m"), (day + timedelta(days=1)).strftime("%Y-%m")}
    assert sum(store.month(month).reads for month in months) == 5


def test_a_refused_counter_write_keeps_the_post_off_x(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = deployment.services._state_table
    real = table.client.transact_write_items

    def throttled(**params: object) -> object:
        raise ClientError(
            {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}},
            "TransactWriteItems",
        )

    due = deployment.minute
    post = deployment.schedule("Counted or not sent. #edtechchat", due)
    monkeypatch.setattr(table.client, "transact_write_items", throttled)
    deployment.tick(due)

    target = deployment.target(post.id)
    assert target.status is PostStatus.QUEUED
    assert target.reason == COUNT_FAILED
    assert deployment.sandbox_posts() == []

    monkeypatch.setattr(table.client, "transact_write_items", real)
    deployment.tick(due + timedelta(minutes=1))

    assert deployment.target(post.id).status is PostStatus.POSTED
    assert deployment.services.x_spending.summary(due).spending.posts == 1


@pytest.mark.parametrize("backend", ["dynamodb", "fake"])
def test_the_store_and_its_fake_agree_on_charges_refunds_and_the_cap(
    deployment: Deployment, backend: str
) -> None:
    store: SpendingStore = (
        DynamoSpendingStore(deployment.services._state_table)
        if backend == "dynamodb"
        else FakeSpendingStore()
    )
    month = "2026-11"
    assert store.cap() is None
    store.set_cap(Decimal("0.25"))
    assert store.cap() == Decimal("0.25")

    assert store.charge_post(month, "a#x:cohort", "link_post", 250) == "charged"
    assert store.charge_post(month, "a#x:cohort", "link_post", 250) == "already"
    assert store.charge_post(month, "b#x:cohort", "link_post", 250) == "over"
    assert store.charge_post(month, "b#x:cohort", "post", 250) == "charged"  # $0.215
    assert store.month(month) == XSpending(month, posts=1, link_posts=1)

    assert store.refund_post("a#x:cohort") is True
    assert store.refund_post("a#x:cohort") is False
    assert store.refund_post("never#x:cohort") is False
    assert store.month(month) == XSpending(month, posts=1)
    assert store.charge_post(month, "a#x:cohort", "link_post", 250) == "charged"  # counted anew
    assert store.month(month).usd == Decimal("0.215")

    store.set_cap(None)
    assert store.cap() is None
    assert store.charge_post(month, "c#x:cohort", "link_post", None) == "charged"
    assert store.charge_post(month, "d#x:cohort", "post", 0) == "over"


def test_polling_x_stops_at_the_cap_with_the_reason_on_the_session(archive: Archive) -> None:
    deployment = archive.deployment
    spending = deployment.services.x_spending
    spending.store.set_cap(Decimal("0.60"))
    month = START.strftime("%Y-%m")
    spending.store.charge_post(month, "earlier#x:cohort", "post", None)  # 117 reads left
    archive.seed_chat()
    poller = Poller(
        Chats(a_chat()),  # type: ignore[arg-type]  # the Poller only lists chats
        archive.store,
        {"x": deployment.services.reader},
        budget_reads=2000,
        retention=timedelta(days=180),
        spending=spending,
    )

    first = poller.poll(archive.clock(START + timedelta(minutes=30)))
    second = poller.poll(archive.clock(START + timedelta(minutes=31)))

    assert first.reads == 117
    assert [query_of(e)["max_results"] for e in archive.requests(SEARCH)] == ["100", "17"]
    assert second.polled == 0
    meta = archive.meta()
    assert "monthly X spending cap of $0.60 is reached" in meta["stop_reason"]
    assert spending.store.month(month) == XSpending(month, posts=1, reads=117)
    assert len(cap_subjects(deployment)) == 1
