"""Posts stored by the release before targets existed (one item: the post and its one X target)
are read, listed, found due, claimed and recorded after an update, each rewritten once as a post
and its target the first time it is touched. DynamoDB only: the fake never held the old shape."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chatdeck.adapters.posts import DynamoPostStore
from chatdeck.domain.posts import PostChange, PostStatus
from tests.contract.backends import Backend

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
ISO = "%Y-%m-%dT%H:%M:%SZ"


def old_item(post_id: str, status: str = "QUEUED", **fields: Any) -> dict[str, Any]:
    """An item exactly as the previous release's post_to_item wrote it."""
    item: dict[str, Any] = {
        "id": post_id,
        "text": f"Queued before the update ({post_id}). #edchat",
        "author_name": "A Teacher",
        "author_email": "teacher@school.example",
        "local_date": "2026-11-02",
        "local_time": "12:00:00",
        "zone": "UTC",
        "utc_offset": "+00:00",
        "due_utc": NOW.strftime(ISO),
        "created_at": (NOW - timedelta(hours=1)).strftime(ISO),
        "status": status,
        "network": "x",
        "account": "cohort",
        "attempts": 0,
        "version": 0,
        "list_pk": "POSTS",
        **fields,
    }
    if status in ("QUEUED", "PUBLISHING"):
        item.setdefault("work_pk", "WORK")
        item.setdefault("next_action_at", NOW.strftime(ISO))
    return item


@pytest.fixture
def store(backend: Backend) -> DynamoPostStore:
    found = backend.posts()
    if not isinstance(found, DynamoPostStore):
        pytest.skip("only DynamoDB ever held posts in the old shape")
    return found


def test_a_queued_old_post_is_due_claimed_and_posted_once(store: DynamoPostStore) -> None:
    store.table.put_item(Item=old_item("old-1"))

    [job] = store.due(NOW)
    claimed = store.claim(job, "claim-1", NOW, NOW + timedelta(minutes=2))
    assert claimed is not None
    assert store.record(claimed, PostChange(PostStatus.POSTED, remote_id="1", url="https://x"))

    post = store.get("old-1")
    assert post is not None and post.text == "Queued before the update (old-1). #edchat"
    [target] = post.targets
    assert (target.key, target.status, target.url, target.attempts) == (
        "x:cohort",
        PostStatus.POSTED,
        "https://x",
        1,
    )
    assert store.due(NOW + timedelta(days=1)) == []


def test_old_posts_are_listed_and_read_with_their_state(store: DynamoPostStore) -> None:
    store.table.put_item(Item=old_item("old-2", "POSTED", remote_id="9", url="https://x/9"))
    store.table.put_item(Item=old_item("old-3", "FAILED", reason="X refused the text.", attempts=1))

    page = store.page(None, 10)

    by_id = {p.id: p for p in page.posts}
    assert by_id["old-2"].status is PostStatus.POSTED
    assert by_id["old-2"].targets[0].url == "https://x/9"
    assert (by_id["old-3"].status, by_id["old-3"].reason) == (
        PostStatus.FAILED,
        "X refused the text.",
    )
    assert store.cancel("old-2") is None  # posted: nothing to cancel


def test_a_post_claimed_before_the_update_is_reconciled_after_its_lease(
    store: DynamoPostStore,
) -> None:
    lease_end = NOW + timedelta(minutes=2)
    store.table.put_item(
        Item=old_item(
            "old-4",
            "PUBLISHING",
            claim_id="old-claim",
            attempts=1,
            version=1,
            first_claimed_at=NOW.strftime(ISO),
            next_action_at=lease_end.strftime(ISO),
        )
    )

    assert store.due(NOW) == []
    [job] = store.due(lease_end)
    assert (job.target.status, job.target.claim_id, job.target.attempts) == (
        PostStatus.PUBLISHING,
        "old-claim",
        1,
    )
    assert store.claim(job, "claim-2", lease_end, lease_end + timedelta(minutes=2)) is not None
