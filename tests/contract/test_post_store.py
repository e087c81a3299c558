"""PostStore: scheduled posts, the publisher's work queue, and every condition on a change.

(Long on purpose: the port's every condition has its case here, each run on the fake and on
DynamoDB, so a fake that drifts fails beside the case it drifted from.)
"""

import base64
import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chatdeck.domain.errors import InvalidCursor
from chatdeck.domain.posts import Post, PostChange, PostStatus, approve_post, decline_post
from chatdeck.ports import PostStore
from tests.contract.backends import Backend

NOW = datetime(2026, 11, 2, 20, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)
TEACHER = "rivera@school.example"
OTHER = "okafor@school.example"


def a_post(
    post_id: str = "post-1",
    *,
    due: datetime = NOW,
    created: datetime = NOW - timedelta(hours=1),
    status: PostStatus = PostStatus.QUEUED,
    author: str = TEACHER,
    **fields: Any,
) -> Post:
    values: dict[str, Any] = {
        "id": post_id,
        "text": "Tonight at 8: #edtechchat on feedback. Bring a question!",
        "author_name": "A Teacher",
        "author_email": author,
        "local_date": due.date(),
        "local_time": due.time().replace(tzinfo=None),
        "zone": "UTC",
        "utc_offset": "+00:00",
        "due_utc": due,
        "created_at": created,
        "status": status,
        "next_action_at": due if status.needs_publisher else None,
        **fields,
    }
    return Post(**values)


@pytest.fixture
def store(backend: Backend) -> PostStore:
    return backend.posts()


def stored(store: PostStore, post_id: str) -> Post:
    found = store.get(post_id)
    assert found is not None
    return found


def due_ids(store: PostStore, now: datetime) -> list[str]:
    return [post.id for post in store.due(now)]


def claimed(store: PostStore, post: Post, claim_id: str = "claim-1", now: datetime = NOW) -> Post:
    taken = store.claim(post, claim_id, now, now + LEASE)
    assert taken is not None
    return taken


# ----- add, get ---------------------------------------------------------------------------------


def test_an_added_post_reads_back_the_same(store: PostStore) -> None:
    post = a_post(reason="Waiting for a slot", account="member:rivera@school.example")
    assert store.add(post)
    assert store.get(post.id) == post


def test_a_post_whose_id_exists_is_not_added_and_the_first_stays(store: PostStore) -> None:
    first = a_post()
    assert store.add(first)
    assert not store.add(a_post(text="Another text, same submission"))
    assert store.get(first.id) == first


def test_an_unknown_post_is_none(store: PostStore) -> None:
    assert store.get("nothing") is None


def test_instants_are_kept_to_the_second_in_utc(store: PostStore) -> None:
    new_york = ZoneInfo("America/New_York")
    post = a_post(
        due=datetime(2026, 11, 2, 15, 0, 0, 999_999, tzinfo=new_york),
        created=datetime(2026, 11, 2, 14, 0, 30, 123_456, tzinfo=new_york),
    )
    store.add(post)
    found = stored(store, post.id)
    assert found.due_utc == datetime(2026, 11, 2, 20, 0, 0, tzinfo=UTC)
    assert found.created_at == datetime(2026, 11, 2, 19, 0, 30, tzinfo=UTC)
    assert found.next_action_at == datetime(2026, 11, 2, 20, 0, 0, tzinfo=UTC)
    assert found.created_at.utcoffset() == timedelta(0)
    assert found.local_date == date(2026, 11, 2) and found.local_time == time(15, 0, 0, 999_999)


def test_a_post_that_needs_no_publisher_keeps_no_next_action(store: PostStore) -> None:
    for n, status in enumerate((PostStatus.PENDING_APPROVAL, PostStatus.POSTED)):
        store.add(a_post(f"post-{n}", status=status, next_action_at=NOW))
        assert stored(store, f"post-{n}").next_action_at is None
    assert store.due(NOW + timedelta(days=1)) == []


# ----- pages ------------------------------------------------------------------------------------


def every_page(store: PostStore, limit: int, author: str | None = None) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        page = store.page(cursor, limit, author)
        pages.append([post.id for post in page.posts])
        if page.next is None:
            return pages
        assert len(pages) < 20, "the cursors go round in circles"
        cursor = page.next


def flat(pages: list[list[str]]) -> list[str]:
    return [post_id for page in pages for post_id in page]


def five_posts(store: PostStore) -> list[Post]:
    """post-0 is the newest; post-1 and post-3 are OTHER's."""
    posts = [
        a_post(
            f"post-{n}",
            created=NOW - timedelta(minutes=n),
            author=OTHER if n % 2 else TEACHER,
        )
        for n in range(5)
    ]
    for post in reversed(posts):
        assert store.add(post)
    return posts


def test_pages_are_newest_first_and_each_post_comes_once(store: PostStore) -> None:
    five_posts(store)
    pages = every_page(store, 2)
    assert flat(pages) == ["post-0", "post-1", "post-2", "post-3", "post-4"]
    assert all(len(page) == 2 for page in pages[:-1])  # (DynamoDB may end on an empty page)


def test_one_page_can_hold_everything(store: PostStore) -> None:
    posts = five_posts(store)
    page = store.page(None, 10)
    assert page.posts == posts
    assert page.next is None


def test_an_authors_pages_hold_only_their_posts_newest_first(store: PostStore) -> None:
    five_posts(store)
    assert flat(every_page(store, 2, author=TEACHER)) == ["post-0", "post-2", "post-4"]
    assert flat(every_page(store, 1, author=OTHER)) == ["post-1", "post-3"]
    assert store.page(None, 2, author="nobody@school.example").posts == []


def test_an_empty_store_has_one_empty_page(store: PostStore) -> None:
    page = store.page(None, 10)
    assert page.posts == [] and page.next is None


def test_a_cursor_goes_on_after_its_page_whatever_was_added_since(store: PostStore) -> None:
    five_posts(store)
    first = store.page(None, 2)
    store.add(a_post("newest", created=NOW))
    assert first.next is not None
    second = store.page(first.next, 2)
    assert [post.id for post in second.posts] == ["post-2", "post-3"]


def test_by_author_is_every_post_of_theirs_newest_first(store: PostStore) -> None:
    five_posts(store)
    assert [post.id for post in store.by_author(OTHER)] == ["post-1", "post-3"]
    assert list(store.by_author("nobody@school.example")) == []


def cursor_of(key: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


BAD_CURSORS = [
    "not a cursor",
    "%%%",
    cursor_of([]),
    cursor_of({}),
    cursor_of({"id": "post-1"}),
    cursor_of({"id": "post-1", "list_pk": "POSTS", "created_at": 5}),
    cursor_of({"id": "", "list_pk": "POSTS", "created_at": "2026-11-02T19:00:00Z"}),
    cursor_of({"id": "x" * 255, "list_pk": "POSTS", "created_at": "2026-11-02T19:00:00Z"}),
    cursor_of({"id": "p", "list_pk": "POSTS", "created_at": "2026", "extra": "x"}),
    cursor_of({"id": "p", "author_email": TEACHER, "created_at": "2026-11-02T19:00:00Z"}),
]


def test_a_bad_cursor_is_refused(store: PostStore) -> None:
    five_posts(store)
    for cursor in BAD_CURSORS:
        with pytest.raises(InvalidCursor):
            store.page(cursor, 2)


def test_a_cursor_of_everyones_list_is_refused_for_one_authors(store: PostStore) -> None:
    five_posts(store)
    everyone = store.page(None, 2).next
    mine = store.page(None, 1, author=TEACHER).next
    assert everyone is not None and mine is not None
    with pytest.raises(InvalidCursor):
        store.page(everyone, 2, author=TEACHER)
    with pytest.raises(InvalidCursor):
        store.page(mine, 2)


def test_a_cursor_of_another_list_is_refused(store: PostStore) -> None:
    # Real DynamoDB refuses a start key outside the queried partition with a ValidationException:
    # the page would fail with a 500 instead of saying the link is not valid.
    five_posts(store)
    others = store.page(None, 1, author=OTHER).next
    assert others is not None
    with pytest.raises(InvalidCursor):
        store.page(others, 2, author=TEACHER)
    elsewhere = cursor_of(
        {"id": "post-1", "list_pk": "ELSEWHERE", "created_at": "2026-11-02T19:00:00Z"}
    )
    with pytest.raises(InvalidCursor):
        store.page(elsewhere, 2)


# ----- due --------------------------------------------------------------------------------------


def test_due_posts_are_the_queued_and_publishing_ones_whose_time_has_come(
    store: PostStore,
) -> None:
    for post in (
        a_post("overdue", due=NOW - timedelta(minutes=5)),
        a_post("due-now", due=NOW),
        a_post("next-second", due=NOW + timedelta(seconds=1)),
        a_post("pending", status=PostStatus.PENDING_APPROVAL),
        a_post("posted", status=PostStatus.POSTED),
        a_post("failed", status=PostStatus.FAILED),
        a_post("unconfirmed", status=PostStatus.UNCONFIRMED),
        a_post("cancelled", status=PostStatus.CANCELLED),
        a_post("declined", status=PostStatus.DECLINED),
    ):
        store.add(post)
    store.add(a_post("leased", due=NOW - timedelta(minutes=1)))
    claimed(store, stored(store, "leased"), now=NOW - timedelta(minutes=1))  # lease till 20:04

    assert due_ids(store, NOW) == ["overdue", "due-now"]
    assert due_ids(store, NOW + timedelta(minutes=4)) == [
        "overdue",
        "due-now",
        "next-second",
        "leased",
    ]


def test_due_compares_whole_seconds(store: PostStore) -> None:
    store.add(a_post(due=NOW))
    assert due_ids(store, NOW + timedelta(milliseconds=999)) == ["post-1"]
    assert due_ids(store, NOW - timedelta(milliseconds=1)) == []


def test_due_reads_past_the_first_page(backend: Backend) -> None:
    store = backend.posts(small_pages=True)
    for n in range(5):
        store.add(a_post(f"post-{n}", due=NOW - timedelta(minutes=n)))
    store.add(a_post("later", due=NOW + timedelta(minutes=1)))
    assert due_ids(store, NOW) == ["post-4", "post-3", "post-2", "post-1", "post-0"]


# ----- claim ------------------------------------------------------------------------------------


def test_claiming_a_due_post_takes_it_for_one_publisher(store: PostStore) -> None:
    post = a_post(due=NOW - timedelta(minutes=2))
    store.add(post)

    taken = store.claim(post, "claim-1", NOW, NOW + LEASE)

    assert taken is not None
    assert taken == stored(store, post.id)
    assert taken.status is PostStatus.PUBLISHING
    assert taken.claim_id == "claim-1"
    assert taken.next_action_at == NOW + LEASE
    assert taken.attempts == 1
    assert taken.first_claimed_at == NOW
    assert taken.text == post.text and taken.version == post.version + 1
    assert due_ids(store, NOW + LEASE - timedelta(seconds=1)) == []


def test_an_edit_read_before_a_claim_and_a_retry_is_not_stored(store: PostStore) -> None:
    # The edit page was read; meanwhile the publisher claimed the post and re-queued it (a rate
    # limit): the edit must not write back the attempts and first claim time it read.
    store.add(a_post())
    seen = stored(store, "post-1")
    mine = claimed(store, seen)
    store.record(mine, PostChange(PostStatus.QUEUED, "Later.", next_action_at=NOW + LEASE))
    edited = seen.model_copy(update={"text": "Edited meanwhile."})

    assert not store.replace(edited, seen)

    assert stored(store, "post-1").attempts == 1
    assert stored(store, "post-1").text == seen.text


def test_a_post_not_due_yet_is_not_claimed(store: PostStore) -> None:
    post = a_post(due=NOW + timedelta(seconds=1))
    store.add(post)
    assert store.claim(post, "claim-1", NOW, NOW + LEASE) is None
    assert stored(store, post.id) == post


def test_only_one_of_two_publishers_that_saw_a_post_claims_it(store: PostStore) -> None:
    post = a_post()
    store.add(post)
    first = store.claim(post, "claim-1", NOW, NOW + LEASE)
    second = store.claim(post, "claim-2", NOW, NOW + LEASE)
    assert first is not None and second is None
    assert stored(store, post.id).claim_id == "claim-1"


def test_a_post_that_changed_since_it_was_read_is_not_claimed(store: PostStore) -> None:
    post = a_post()
    store.add(post)
    store.cancel(post.id)
    assert store.claim(post, "claim-1", NOW, NOW + LEASE) is None
    assert stored(store, post.id).status is PostStatus.CANCELLED


def test_an_unknown_post_is_not_claimed(store: PostStore) -> None:
    assert store.claim(a_post(), "claim-1", NOW, NOW + LEASE) is None
    assert store.get("post-1") is None


def test_a_lapsed_lease_is_claimed_again_keeping_the_first_claim_time(store: PostStore) -> None:
    store.add(a_post())
    first = claimed(store, stored(store, "post-1"), "claim-1")
    later = NOW + LEASE

    again = store.claim(first, "claim-2", later, later + LEASE)

    assert again is not None
    assert again.claim_id == "claim-2"
    assert again.attempts == 2
    assert again.first_claimed_at == NOW
    assert again.next_action_at == later + LEASE


def test_a_claim_on_a_view_from_before_someone_reclaimed_it_fails(store: PostStore) -> None:
    store.add(a_post())
    first = claimed(store, stored(store, "post-1"), "claim-1")
    claimed(store, first, "claim-2", now=NOW + LEASE)  # lease till NOW + 2 LEASE
    much_later = NOW + 3 * LEASE

    assert store.claim(first, "claim-3", much_later, much_later + LEASE) is None
    assert stored(store, "post-1").claim_id == "claim-2"


# ----- record -----------------------------------------------------------------------------------


def test_recording_a_posted_outcome_takes_the_post_off_the_queue(store: PostStore) -> None:
    store.add(a_post())
    mine = claimed(store, stored(store, "post-1"))
    change = PostChange(PostStatus.POSTED, remote_id="1851", url="https://x.com/c/status/1851")

    assert store.record(mine, change)

    post = stored(store, "post-1")
    assert post.status is PostStatus.POSTED
    assert (post.remote_id, post.url) == ("1851", "https://x.com/c/status/1851")
    assert post.claim_id is None and post.next_action_at is None and post.reason is None
    assert post.attempts == 1 and post.first_claimed_at == NOW
    assert store.due(NOW + timedelta(days=1)) == []


def test_requeueing_keeps_the_post_on_the_queue_with_its_reason(store: PostStore) -> None:
    store.add(a_post())
    mine = claimed(store, stored(store, "post-1"))
    retry_at = NOW + timedelta(minutes=15)

    assert store.record(
        mine, PostChange(PostStatus.QUEUED, "Rate limited.", next_action_at=retry_at)
    )

    post = stored(store, "post-1")
    assert (post.status, post.reason, post.next_action_at) == (
        PostStatus.QUEUED,
        "Rate limited.",
        retry_at,
    )
    assert post.claim_id is None
    assert due_ids(store, retry_at - timedelta(seconds=1)) == []
    assert due_ids(store, retry_at) == ["post-1"]
    again = claimed(store, post, "claim-2", now=retry_at)
    assert again.attempts == 2


def test_a_requeue_that_certainly_sent_nothing_gives_the_attempt_back(store: PostStore) -> None:
    store.add(a_post())
    mine = claimed(store, stored(store, "post-1"))
    retry_at = NOW + timedelta(minutes=15)
    change = PostChange(
        PostStatus.QUEUED, "Paused.", next_action_at=retry_at, certainly_unsent=True
    )

    assert store.record(mine, change)

    assert stored(store, "post-1").attempts == 0
    assert claimed(store, stored(store, "post-1"), "claim-2", now=retry_at).attempts == 1


def test_an_outcome_without_a_reason_clears_the_last_one(store: PostStore) -> None:
    store.add(a_post())
    mine = claimed(store, stored(store, "post-1"))
    store.record(mine, PostChange(PostStatus.QUEUED, "Not sent.", next_action_at=NOW))
    again = claimed(store, stored(store, "post-1"), "claim-2")
    store.record(
        again, PostChange(PostStatus.POSTED, remote_id="1", url="https://x.com/c/status/1")
    )
    assert stored(store, "post-1").reason is None


def test_a_failure_is_recorded_with_its_reason(store: PostStore) -> None:
    store.add(a_post())
    mine = claimed(store, stored(store, "post-1"))
    assert store.record(mine, PostChange(PostStatus.FAILED, "X refused the text."))
    post = stored(store, "post-1")
    assert (post.status, post.reason, post.next_action_at) == (
        PostStatus.FAILED,
        "X refused the text.",
        None,
    )


def test_an_outcome_is_not_recorded_by_a_publisher_that_lost_its_claim(store: PostStore) -> None:
    store.add(a_post())
    first = claimed(store, stored(store, "post-1"), "claim-1")
    second = claimed(store, first, "claim-2", now=NOW + LEASE)

    assert not store.record(first, PostChange(PostStatus.FAILED, "Too late."))

    assert stored(store, "post-1") == second


def test_an_outcome_needs_a_claim(store: PostStore) -> None:
    post = a_post()
    store.add(post)
    assert not store.record(post, PostChange(PostStatus.POSTED, remote_id="1"))
    assert not store.record(a_post("unknown", claim_id="c"), PostChange(PostStatus.POSTED))
    assert stored(store, "post-1") == post


def test_an_outcome_is_not_recorded_on_a_post_no_longer_publishing(store: PostStore) -> None:
    store.add(a_post())
    mine = claimed(store, stored(store, "post-1"))
    back_in_queue = mine.model_copy(update={"status": PostStatus.QUEUED})  # claim id and all
    assert store.replace(back_in_queue, mine)
    assert not store.record(mine, PostChange(PostStatus.POSTED, remote_id="1"))
    assert stored(store, "post-1").status is PostStatus.QUEUED


def test_an_outcome_is_recorded_once(store: PostStore) -> None:
    store.add(a_post())
    mine = claimed(store, stored(store, "post-1"))
    assert store.record(mine, PostChange(PostStatus.POSTED, remote_id="1"))
    assert not store.record(mine, PostChange(PostStatus.FAILED, "again"))
    assert stored(store, "post-1").status is PostStatus.POSTED


# ----- defer ------------------------------------------------------------------------------------


def test_a_deferred_post_waits_with_a_visible_reason(store: PostStore) -> None:
    post = a_post()
    store.add(post)
    until = NOW + timedelta(hours=1)

    assert store.defer(post, until, "The account is paused.")

    found = stored(store, post.id)
    assert (found.status, found.next_action_at, found.reason) == (
        PostStatus.QUEUED,
        until,
        "The account is paused.",
    )
    assert due_ids(store, until - timedelta(seconds=1)) == []
    assert due_ids(store, until) == [post.id]


def test_a_post_deferred_by_someone_else_meanwhile_is_not_deferred_again(
    store: PostStore,
) -> None:
    post = a_post()
    store.add(post)
    assert store.defer(post, NOW + timedelta(hours=1), "first")
    assert not store.defer(post, NOW + timedelta(hours=2), "second")
    assert stored(store, post.id).reason == "first"
    deferred = stored(store, post.id)
    assert store.defer(deferred, NOW + timedelta(hours=2), "second")


def test_only_a_queued_post_is_deferred(store: PostStore) -> None:
    store.add(a_post())
    mine = claimed(store, stored(store, "post-1"))
    assert not store.defer(mine, NOW + timedelta(hours=1), "paused")
    store.add(a_post("pending", status=PostStatus.PENDING_APPROVAL))
    assert not store.defer(stored(store, "pending"), NOW + timedelta(hours=1), "paused")
    assert not store.defer(a_post("unknown"), NOW + timedelta(hours=1), "paused")
    assert stored(store, "post-1") == mine
    assert store.get("unknown") is None


# ----- cancel -----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [PostStatus.QUEUED, PostStatus.PENDING_APPROVAL])
def test_a_post_not_started_is_cancelled(store: PostStore, status: PostStatus) -> None:
    store.add(a_post(status=status))
    if status is PostStatus.QUEUED:
        store.defer(stored(store, "post-1"), NOW + timedelta(hours=1), "paused")

    cancelled = store.cancel("post-1")

    assert cancelled is not None
    assert cancelled == stored(store, "post-1")
    assert cancelled.status is PostStatus.CANCELLED
    assert cancelled.next_action_at is None and cancelled.reason is None
    assert store.due(NOW + timedelta(days=1)) == []


def test_a_post_that_started_or_ended_is_not_cancelled(store: PostStore) -> None:
    store.add(a_post("publishing"))
    claimed(store, stored(store, "publishing"))
    for status in (PostStatus.POSTED, PostStatus.FAILED, PostStatus.DECLINED):
        store.add(a_post(status.value, status=status))
    store.add(a_post("cancelled"))
    store.cancel("cancelled")
    before = {post.id: post for post in store.page(None, 10).posts}

    for post_id in [*before, "unknown"]:
        assert store.cancel(post_id) is None

    assert {post.id: post for post in store.page(None, 10).posts} == before


# ----- replace ----------------------------------------------------------------------------------


def test_an_edit_is_stored_one_version_past_the_one_seen(store: PostStore) -> None:
    store.add(a_post())
    seen = stored(store, "post-1")
    edited = seen.model_copy(update={"text": "Edited: 8 PM ET, #edtechchat"})

    assert store.replace(edited, seen)

    assert stored(store, "post-1") == edited.model_copy(update={"version": 1})
    again = stored(store, "post-1")
    assert store.replace(again.model_copy(update={"text": "Third"}), again)
    assert stored(store, "post-1").version == 2


def test_of_two_edits_from_the_same_view_only_the_first_is_stored(store: PostStore) -> None:
    store.add(a_post())
    seen = stored(store, "post-1")
    assert store.replace(seen.model_copy(update={"text": "First"}), seen)
    assert not store.replace(seen.model_copy(update={"text": "Second"}), seen)
    assert stored(store, "post-1").text == "First"


def test_an_edit_of_a_post_whose_status_moved_on_is_refused(store: PostStore) -> None:
    store.add(a_post())
    seen = stored(store, "post-1")
    mine = claimed(store, seen)  # claiming moves the version on too
    assert mine.version == seen.version + 1
    assert not store.replace(seen.model_copy(update={"text": "Too late"}), seen)
    assert stored(store, "post-1") == mine


def test_approving_queues_the_post_and_declining_ends_it(store: PostStore) -> None:
    store.add(a_post("approved", status=PostStatus.PENDING_APPROVAL))
    store.add(a_post("declined", status=PostStatus.PENDING_APPROVAL))
    approved, declined = stored(store, "approved"), stored(store, "declined")

    assert store.replace(approve_post(approved, NOW - timedelta(minutes=1)), approved)
    assert store.replace(decline_post(declined, "Off topic."), declined)

    assert due_ids(store, NOW) == ["approved"]
    found = stored(store, "declined")
    assert (found.status, found.reason, found.version) == (PostStatus.DECLINED, "Off topic.", 1)
    assert stored(store, "approved").next_action_at == NOW


def test_an_unknown_post_is_not_replaced(store: PostStore) -> None:
    post = a_post()
    assert not store.replace(post, post)
    assert store.get(post.id) is None
