"""Fault injection on the counts refresh (services/counts.py), the companion's step after a chat:
X's and Bluesky's lookups answering 5xx or 429 (the sandboxes' POST /sandbox/faults), and
DynamoDB throttling the archive's writes (a botocore hook on the archive store's own client),
against moto server and the sandboxes over HTTP, through the real tweepy and atproto clients.

What must hold: a failed refresh leaves the session `ended` with its counts as read during the
chat and tries again on a later minute; a 429's reset is waited for (no lookup before it); the
session is counted once, with the counts X shows then, and no read is billed twice.
"""

from datetime import date, time, timedelta
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError

from chatdeck.bootstrap import Services
from chatdeck.domain.chats import Chat, Recurrence
from tests.integration import botocore_faults as faults
from tests.integration.bluesky_fixtures import bluesky_server, bluesky_url
from tests.integration.deployment import Deployment
from tests.integration.mastodon_kit import mastodon_url
from tests.integration.test_chat_across_networks import (
    BLUESKY_TRANSCRIPT,
    START,
    X_TRANSCRIPT,
    at,
    services,
    stage,
)
from tests.integration.test_polling import (
    LOOKUP,
    OCCURRENCE,
    WINDOW_END,
    Archive,
    archive,
    follow_the_chat,
    likes_at,
)

pytestmark = pytest.mark.integration
__all__ = ["archive", "bluesky_server", "bluesky_url", "mastodon_url", "services"]

AFTER = WINDOW_END + timedelta(minutes=2)  # the same UTC day: X bills no second read
TWO_NETWORKS = "twochat#2026-03-03T01:00:00Z"


def ended_chat(archive: Archive) -> tuple[Any, dict[str, int], int]:
    """A chat followed to its end: the poller, each post's likes as stored, X's reads so far."""
    archive.seed_chat()
    poller = archive.poller()
    follow_the_chat(archive, poller)
    likes = {s.post.id: s.post.likes for s in archive.store.stored_posts(OCCURRENCE)}
    return poller, likes, int(archive.meta()["reads"])


def fault_lookup(archive: Archive, **spec: Any) -> None:
    body = {"endpoint": LOOKUP, **spec} if spec else {}
    answer = requests.post(f"{archive.sandbox}/sandbox/faults", json=body, timeout=5)
    assert answer.status_code < 300, answer.text


def stored_likes(archive: Archive) -> dict[str, int]:
    return {s.post.id: s.post.likes for s in archive.store.stored_posts(OCCURRENCE)}


def assert_counted_once_with_fresh_counts(archive: Archive, at: Any, reads: int) -> None:
    meta = archive.meta()
    assert meta["status"] == "counted"
    assert int(meta["reads"]) == reads  # nothing billed again
    expected = likes_at(1, at)
    assert stored_likes(archive) == {i: expected[i] for i in stored_likes(archive)}


@pytest.mark.parametrize("status", [500, 503])
def test_a_5xx_lookup_leaves_the_session_ended_and_the_next_minute_counts_it(
    archive: Archive, status: int
) -> None:
    poller, before, reads = ended_chat(archive)
    fault_lookup(archive, status=status, count=1)

    failed = poller.refresh_counts(archive.clock(AFTER))
    assert failed.counted == 0 and failed.errors
    assert archive.meta()["status"] == "ended"
    assert stored_likes(archive) == before  # as read during the chat, nothing half-updated

    later = archive.clock(AFTER + timedelta(minutes=1))
    assert poller.refresh_counts(later).counted == 1
    assert_counted_once_with_fresh_counts(archive, later, reads)
    assert poller.refresh_counts(later + timedelta(minutes=1)).counted == 0


def test_a_429_is_waited_out_until_its_reset_then_counted_once(archive: Archive) -> None:
    poller, before, reads = ended_chat(archive)
    reset = AFTER + timedelta(minutes=5)
    fault_lookup(archive, status=429, count=100, reset=int(reset.timestamp()))

    assert poller.refresh_counts(archive.clock(AFTER)).counted == 0
    asked = len(archive.requests(LOOKUP))
    for minute in range(1, 5):  # before the reset: X is not asked again
        report = poller.refresh_counts(archive.clock(AFTER + timedelta(minutes=minute)))
        assert report.counted == 0
    assert len(archive.requests(LOOKUP)) == asked
    assert archive.meta()["status"] == "ended" and stored_likes(archive) == before

    fault_lookup(archive)
    assert poller.refresh_counts(archive.clock(reset)).counted == 1
    assert_counted_once_with_fresh_counts(archive, reset, reads)


def test_a_throttled_count_write_fails_the_step_and_the_next_minute_counts_once(
    archive: Archive,
) -> None:
    poller, _, reads = ended_chat(archive)

    def writes_counts(body: faults.Body) -> bool:
        return str(body.get("Key", {}).get("sk", {}).get("S", "")).startswith("POST#")

    hook = faults.fail(
        archive.table.client, "UpdateItem", "ThrottlingException", when=writes_counts
    )
    with hook, pytest.raises(ClientError):
        poller.refresh_counts(archive.clock(AFTER))
    assert hook.failed == 1
    assert archive.meta()["status"] == "ended"

    later = archive.clock(AFTER + timedelta(minutes=1))
    assert poller.refresh_counts(later).counted == 1
    assert_counted_once_with_fresh_counts(archive, later, reads)


def test_a_throttled_advance_is_counted_once_on_a_later_minute(archive: Archive) -> None:
    """The counts were written but the session's move to `counted` was throttled: the next
    minute finds every batch passed (the refresh's cursor on the META), looks nothing up again
    and counts it once, with the counts of the refresh."""
    poller, _, reads = ended_chat(archive)

    def advances(body: faults.Body) -> bool:
        return str(body.get("ExpressionAttributeValues", {}).get(":to", {}).get("S")) == "counted"

    throttle = "ProvisionedThroughputExceededException"
    with (
        faults.fail(archive.table.client, "UpdateItem", throttle, when=advances),
        pytest.raises(ClientError),
    ):
        poller.refresh_counts(archive.clock(AFTER))
    assert archive.meta()["status"] == "ended"
    asked = len(archive.requests(LOOKUP))

    later = archive.clock(AFTER + timedelta(minutes=1))
    assert poller.refresh_counts(later).counted == 1
    assert len(archive.requests(LOOKUP)) == asked
    assert_counted_once_with_fresh_counts(archive, AFTER, reads)
    assert poller.refresh_counts(later + timedelta(minutes=1)).counted == 0


# Bluesky beside X: one network failing holds the session; the other is not billed again


@pytest.mark.parametrize("status", [503, 429])
def test_bluesky_failing_its_lookup_holds_the_session_and_x_is_not_billed_twice(
    deployment: Deployment, services: Services, bluesky_url: str, status: int
) -> None:
    sandboxes = [deployment.sandbox_url, bluesky_url]
    stage(deployment.sandbox_url, X_TRANSCRIPT)
    stage(bluesky_url, BLUESKY_TRANSCRIPT)
    chat = Chat(
        id="twochat",
        name="Two Networks Chat",
        hashtag="#TwoChat",
        networks=["x", "bluesky"],
        recurrence=Recurrence(
            weekday=0,
            start=time(20),
            zone="America/New_York",
            duration_minutes=60,
            first_date=date(2026, 3, 2),
        ),
        moderators=["edtechmod"],
    )
    services.chats.save(chat)
    for minute in (1, 30):
        services.poller.poll(at(services, sandboxes, START + timedelta(minutes=minute)))
    end = START + timedelta(minutes=90)
    services.poller.poll(at(services, sandboxes, end + timedelta(seconds=30)))
    x_reads = services.archive.get(TWO_NETWORKS)
    assert x_reads is not None and x_reads.status == "ended"

    reset = end + timedelta(minutes=6)
    spec = {"endpoint": "GET /xrpc/app.bsky.feed.getPosts", "status": status, "count": 100}
    if status == 429:
        spec["reset"] = int(reset.timestamp())
    requests.post(f"{bluesky_url}/sandbox/faults", json=spec, timeout=5).raise_for_status()
    for minute in range(1, 6):
        report = services.poller.refresh_counts(
            at(services, sandboxes, end + timedelta(minutes=minute))
        )
        assert report.counted == 0
    session = services.archive.get(TWO_NETWORKS)
    assert session is not None and session.status == "ended"
    assert session.error_on("bluesky")
    asked = [
        r
        for r in requests.get(f"{bluesky_url}/sandbox/requests", timeout=5).json()
        if r["endpoint"] == "GET /xrpc/app.bsky.feed.getPosts"
    ]
    assert len(asked) == (1 if status == 429 else 5)  # a 429's reset is waited for

    requests.post(f"{bluesky_url}/sandbox/faults", json={}, timeout=5).raise_for_status()
    assert services.poller.refresh_counts(at(services, sandboxes, reset)).counted == 1
    counted = services.archive.get(TWO_NETWORKS)
    assert counted is not None and counted.status == "counted"
    assert counted.reads == x_reads.reads and counted.cost_usd == x_reads.cost_usd
    assert counted.failing == {}
