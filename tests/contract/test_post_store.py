"""PostStore: scheduled posts and their targets, the publisher's work queue, every condition.

A post goes to one or more targets (`x:cohort`, `bluesky:cohort`, `mastodon:member:…`); the
publisher's work is a `Job` (the post's content and one target), and claims, outcomes and
deferrals touch only that target. Edits, approvals and declines rewrite the post and its targets
at once, and only while no target has started.

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
from chatdeck.domain.posts import (
    Job,
    Post,
    PostChange,
    PostStatus,
    Target,
    approve_post,
    decline_post,
)
from chatdeck.ports import PostStore
from tests.contract.backends import Backend

NOW = datetime(2026, 11, 2, 20, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)
TEACHER = "rivera@school.example"
OTHER = "okafor@school.example"
X, BLUESKY, MASTODON = "x:cohort", "bluesky:cohort", "mastodon:member:ann@school.org"
THREE = (X, BLUESKY, MASTODON)


def a_target(key: str, status: PostStatus = PostStatus.QUEUED, **fields: Any) -> Target:
    network, _, account = key.partition(":")
    return Target(network=network, account=account, status=status, **fields)


def a_post(
    post_id: str = "post-1",
    *,
    due: datetime = NOW,
    created: datetime = NOW - timedelta(hours=1),
    status: PostStatus = PostStatus.QUEUED,
    author: str = TEACHER,
    targets: tuple[str | Target, ...] = (X,),
    **fields: Any,
) -> Post:
    """A post to `targets` (keys, each then in `status`, or Targets as they are)."""
    next_action = due if status.needs_publisher else None
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
        "targets": tuple(
            t if isinstance(t, Target) else a_target(t, status, next_action_at=next_action)
            for t in targets
        ),
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


def target_of(store: PostStore, post_id: str, key: str = X) -> Target:
    found = stored(store, post_id).target(key)
    assert found is not None
    return found


def keys(post: Post) -> list[str]:
    return [t.key for t in post.targets]


def job_of(store: PostStore, post_id: str, key: str = X) -> Job:
    """The job as the publisher would hold it, read now."""
    return Job(stored(store, post_id), target_of(store, post_id, key))


def due_keys(store: PostStore, now: datetime) -> list[str]:
    """`<post id>#<target key>` of every due job, soonest first (ties in no particular order:
    DynamoDB's index gives no order among equal sort keys, so they are sorted here)."""
    jobs = store.due(now)
    when = {f"{j.post.id}#{j.target.key}": j.target.next_action_at or now for j in jobs}
    return sorted(when, key=lambda k: (when[k], k))


def claimed(store: PostStore, job: Job, claim_id: str = "claim-1", now: datetime = NOW) -> Job:
    taken = store.claim(job, claim_id, now, now + LEASE)
    assert taken is not None
    return taken


def content(post: Post) -> dict[str, Any]:
    """What a post says, without where it stands on each target."""
    return post.model_dump(exclude={"targets"})


# ----- add, get ---------------------------------------------------------------------------------


def test_a_post_to_three_targets_reads_back_the_same_targets_in_order(store: PostStore) -> None:
    post = a_post(
        targets=(
            a_target(X, next_action_at=NOW),
            a_target(BLUESKY, reason="Waiting for a slot", next_action_at=NOW),
            a_target(MASTODON, next_action_at=NOW + timedelta(minutes=1)),
        ),
        language="en",
        visibility="unlisted",
    )
    assert store.add(post)
    assert store.get(post.id) == post
    assert keys(stored(store, post.id)) == [X, BLUESKY, MASTODON]


def test_a_post_whose_id_exists_is_not_added_and_the_first_stays(store: PostStore) -> None:
    first = a_post(targets=THREE)
    assert store.add(first)
    assert not store.add(a_post(text="Another text, same submission", targets=(BLUESKY,)))
    assert store.get(first.id) == first


def test_an_unknown_post_is_none_and_a_target_is_not_a_post(store: PostStore) -> None:
    assert store.get("nothing") is None
    store.add(a_post(targets=THREE))
    assert store.get(f"post-1#{X}") is None


def test_instants_are_kept_to_the_second_in_utc(store: PostStore) -> None:
    new_york = ZoneInfo("America/New_York")
    post = a_post(
        due=datetime(2026, 11, 2, 15, 0, 0, 999_999, tzinfo=new_york),
        created=datetime(2026, 11, 2, 14, 0, 30, 123_456, tzinfo=new_york),
        targets=(X, a_target(BLUESKY, first_claimed_at=NOW + timedelta(microseconds=5))),
    )
    store.add(post)
    found = stored(store, post.id)
    assert found.due_utc == datetime(2026, 11, 2, 20, 0, 0, tzinfo=UTC)
    assert found.created_at == datetime(2026, 11, 2, 19, 0, 30, tzinfo=UTC)
    assert found.created_at.utcoffset() == timedelta(0)
    for target in found.targets:  # a target without a next action is due at the post's time
        assert target.next_action_at == datetime(2026, 11, 2, 20, 0, 0, tzinfo=UTC)
    assert target_of(store, post.id, BLUESKY).first_claimed_at == NOW
    assert found.local_date == date(2026, 11, 2) and found.local_time == time(15, 0, 0, 999_999)


def test_a_target_that_needs_no_publisher_keeps_no_next_action(store: PostStore) -> None:
    for n, status in enumerate((PostStatus.PENDING_APPROVAL, PostStatus.POSTED)):
        store.add(a_post(f"post-{n}", targets=(a_target(X, status, next_action_at=NOW),)))
        assert target_of(store, f"post-{n}").next_action_at is None
    assert store.due(NOW + timedelta(days=1)) == []


def test_the_targets_take_the_posts_version(store: PostStore) -> None:
    store.add(a_post(targets=(X, a_target(BLUESKY, version=7)), version=3))
    assert [t.version for t in stored(store, "post-1").targets] == [3, 3]


# ----- the post's own status --------------------------------------------------------------------


def test_a_post_is_posted_only_when_every_target_is(store: PostStore) -> None:
    store.add(a_post(targets=THREE))
    statuses = []
    for key in THREE:
        mine = claimed(store, job_of(store, "post-1", key), f"claim-{key}")
        store.record(mine, PostChange(PostStatus.POSTED, remote_id=key, url=f"https://{key}"))
        statuses.append(stored(store, "post-1").status)
    assert statuses == [PostStatus.QUEUED, PostStatus.QUEUED, PostStatus.POSTED]
    assert [t.remote_id for t in stored(store, "post-1").targets] == list(THREE)


def test_a_post_with_a_failed_target_says_so_with_its_reason(store: PostStore) -> None:
    store.add(a_post(targets=(X, BLUESKY)))
    mine = claimed(store, job_of(store, "post-1", X))
    store.record(mine, PostChange(PostStatus.POSTED, remote_id="1851"))
    mine = claimed(store, job_of(store, "post-1", BLUESKY))
    store.record(mine, PostChange(PostStatus.FAILED, "Bluesky refused the text."))
    post = stored(store, "post-1")
    assert (post.status, post.reason) == (PostStatus.FAILED, "Bluesky refused the text.")


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
    """post-0 is the newest; post-1 and post-3 are OTHER's; post-2 goes to three targets."""
    posts = [
        a_post(
            f"post-{n}",
            created=NOW - timedelta(minutes=n),
            author=OTHER if n % 2 else TEACHER,
            targets=THREE if n == 2 else (X,),
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


def test_one_page_can_hold_everything_each_post_with_its_targets(store: PostStore) -> None:
    posts = five_posts(store)
    page = store.page(None, 10)
    assert page.posts == posts
    assert keys(page.posts[2]) == [X, BLUESKY, MASTODON]
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
    posts = five_posts(store)
    assert list(store.by_author(TEACHER)) == [posts[0], posts[2], posts[4]]
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


def test_due_is_one_job_per_due_target_each_with_the_posts_content(store: PostStore) -> None:
    post = a_post(
        targets=(
            X,
            BLUESKY,
            a_target(MASTODON, next_action_at=NOW + timedelta(minutes=1)),
            a_target("x:member:ann@school.org", PostStatus.POSTED),
        ),
        language="en",
    )
    store.add(post)
    added = stored(store, post.id)

    jobs = store.due(NOW)

    assert sorted(j.target.key for j in jobs) == [BLUESKY, X]
    for job in jobs:
        assert content(job.post) == content(added)
        # The post's content and this one target (one Query, one BatchGet of the posts):
        # where it stands on its other targets is not read, so no job leans on it.
        assert job.post.targets == (job.target,)
        assert job.post.status is job.target.status
        assert job.target == added.target(job.target.key)
        assert job.outgoing.text == post.text and job.outgoing.target == job.target.key
    assert due_keys(store, NOW + timedelta(minutes=1)) == [
        f"post-1#{BLUESKY}",
        f"post-1#{X}",
        f"post-1#{MASTODON}",
    ]


def test_due_targets_are_the_queued_and_publishing_ones_whose_time_has_come(
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
    claimed(store, job_of(store, "leased"), now=NOW - timedelta(minutes=1))  # lease till 20:04

    assert due_keys(store, NOW) == [f"overdue#{X}", f"due-now#{X}"]
    assert due_keys(store, NOW + timedelta(minutes=4)) == [
        f"overdue#{X}",
        f"due-now#{X}",
        f"next-second#{X}",
        f"leased#{X}",
    ]


def test_due_compares_whole_seconds(store: PostStore) -> None:
    store.add(a_post(due=NOW))
    assert due_keys(store, NOW + timedelta(milliseconds=999)) == [f"post-1#{X}"]
    assert due_keys(store, NOW - timedelta(milliseconds=1)) == []


def test_due_reads_past_the_first_page(backend: Backend) -> None:
    store = backend.posts(small_pages=True)
    for n in range(4):
        store.add(a_post(f"post-{n}", due=NOW - timedelta(minutes=n)))
    store.add(a_post("three", due=NOW - timedelta(minutes=9), targets=THREE))
    store.add(a_post("later", due=NOW + timedelta(minutes=1), targets=THREE))
    due = due_keys(store, NOW)
    assert due[:3] == sorted(f"three#{key}" for key in THREE)
    assert due[3:] == [f"post-3#{X}", f"post-2#{X}", f"post-1#{X}", f"post-0#{X}"]
    assert all(job.post.id == job.outgoing.post_id for job in store.due(NOW))


# ----- claim ------------------------------------------------------------------------------------


def test_claiming_a_due_target_takes_it_for_one_publisher(store: PostStore) -> None:
    post = a_post(due=NOW - timedelta(minutes=2), targets=THREE)
    store.add(post)
    before = stored(store, post.id)
    job = next(j for j in store.due(NOW) if j.target.key == BLUESKY)

    taken = store.claim(job, "claim-1", NOW, NOW + LEASE)

    assert taken is not None
    assert taken.post == job.post
    assert taken.target == target_of(store, post.id, BLUESKY)
    target = taken.target
    assert (target.status, target.claim_id) == (PostStatus.PUBLISHING, "claim-1")
    assert (target.next_action_at, target.attempts, target.first_claimed_at) == (
        NOW + LEASE,
        1,
        NOW,
    )
    assert target.version == before.version  # a claim does not move the post's version
    assert [t for t in stored(store, post.id).targets if t.key != BLUESKY] == [
        t for t in before.targets if t.key != BLUESKY
    ]
    assert content(stored(store, post.id)) == content(before)
    assert due_keys(store, NOW + LEASE - timedelta(seconds=1)) == sorted(
        [f"post-1#{X}", f"post-1#{MASTODON}"]
    )


def test_a_target_not_due_yet_is_not_claimed(store: PostStore) -> None:
    post = a_post(due=NOW + timedelta(seconds=1))
    store.add(post)
    assert store.claim(job_of(store, post.id), "claim-1", NOW, NOW + LEASE) is None
    assert stored(store, post.id) == post


def test_only_one_of_two_publishers_that_saw_a_target_claims_it(store: PostStore) -> None:
    store.add(a_post(targets=(X, BLUESKY)))
    [seen_by_a], [seen_by_b] = ([j for j in store.due(NOW) if j.target.key == X] for _ in range(2))
    first = store.claim(seen_by_a, "claim-1", NOW, NOW + LEASE)
    second = store.claim(seen_by_b, "claim-2", NOW, NOW + LEASE)
    assert first is not None and second is None
    assert target_of(store, "post-1", X).claim_id == "claim-1"
    assert target_of(store, "post-1", BLUESKY).claim_id is None


def test_claiming_one_target_leaves_the_others_claimable(store: PostStore) -> None:
    store.add(a_post(targets=THREE))
    jobs = store.due(NOW)
    taken = [store.claim(job, f"claim-{job.target.key}", NOW, NOW + LEASE) for job in jobs]
    assert all(t is not None for t in taken)
    assert {t.key: t.claim_id for t in stored(store, "post-1").targets} == {
        key: f"claim-{key}" for key in THREE
    }


def test_a_target_that_changed_since_it_was_read_is_not_claimed(store: PostStore) -> None:
    store.add(a_post())
    job = job_of(store, "post-1")
    store.cancel("post-1")
    assert store.claim(job, "claim-1", NOW, NOW + LEASE) is None
    assert target_of(store, "post-1").status is PostStatus.CANCELLED


def test_an_unknown_post_or_target_is_not_claimed(store: PostStore) -> None:
    unknown = a_post()
    assert store.claim(Job(unknown, unknown.targets[0]), "claim-1", NOW, NOW + LEASE) is None
    assert store.get("post-1") is None
    store.add(a_post(targets=(X,)))
    post = stored(store, "post-1")
    bluesky = a_target(BLUESKY, next_action_at=NOW)
    assert store.claim(Job(post, bluesky), "claim-1", NOW, NOW + LEASE) is None
    assert stored(store, "post-1") == post


def test_a_claim_with_the_post_read_before_an_edit_is_refused(store: PostStore) -> None:
    store.add(a_post(targets=(X, BLUESKY)))
    [before_edit] = [j for j in store.due(NOW) if j.target.key == X]
    seen = stored(store, "post-1")
    assert store.replace(seen.model_copy(update={"text": "Edited: 8 PM ET"}), seen)

    assert store.claim(before_edit, "claim-1", NOW, NOW + LEASE) is None
    assert target_of(store, "post-1", X).status is PostStatus.QUEUED

    [after_edit] = [j for j in store.due(NOW) if j.target.key == X]
    taken = claimed(store, after_edit)
    assert taken.outgoing.text == "Edited: 8 PM ET"


def test_a_claim_holds_when_the_post_was_read_after_the_edit(store: PostStore) -> None:
    # The work index gave the target as it was before the edit, the post was read after it:
    # the post read is the edited one, the target is at its version, so the edit is what goes.
    store.add(a_post())
    stale_target = target_of(store, "post-1")
    seen = stored(store, "post-1")
    assert store.replace(seen.model_copy(update={"text": "Edited: 8 PM ET"}), seen)

    taken = claimed(store, Job(stored(store, "post-1"), stale_target))

    assert taken.outgoing.text == "Edited: 8 PM ET"
    assert taken.target.version == 1


def test_a_lapsed_lease_is_claimed_again_keeping_the_first_claim_time(store: PostStore) -> None:
    store.add(a_post())
    first = claimed(store, job_of(store, "post-1"), "claim-1")
    later = NOW + LEASE

    again = store.claim(first, "claim-2", later, later + LEASE)

    assert again is not None
    assert again.target.claim_id == "claim-2"
    assert again.target.attempts == 2
    assert again.target.first_claimed_at == NOW
    assert again.target.next_action_at == later + LEASE


def test_a_claim_on_a_view_from_before_someone_reclaimed_it_fails(store: PostStore) -> None:
    store.add(a_post())
    first = claimed(store, job_of(store, "post-1"), "claim-1")
    claimed(store, first, "claim-2", now=NOW + LEASE)  # lease till NOW + 2 LEASE
    much_later = NOW + 3 * LEASE

    assert store.claim(first, "claim-3", much_later, much_later + LEASE) is None
    assert target_of(store, "post-1").claim_id == "claim-2"


# ----- record -----------------------------------------------------------------------------------


def test_recording_a_posted_outcome_takes_the_target_off_the_queue(store: PostStore) -> None:
    store.add(a_post(targets=(X, BLUESKY)))
    mine = claimed(store, job_of(store, "post-1", X))
    change = PostChange(PostStatus.POSTED, remote_id="1851", url="https://x.com/c/status/1851")

    assert store.record(mine, change)

    target = target_of(store, "post-1", X)
    assert target.status is PostStatus.POSTED
    assert (target.remote_id, target.url) == ("1851", "https://x.com/c/status/1851")
    assert target.claim_id is None and target.next_action_at is None and target.reason is None
    assert target.attempts == 1 and target.first_claimed_at == NOW
    assert due_keys(store, NOW + timedelta(days=1)) == [f"post-1#{BLUESKY}"]


def test_a_failed_bluesky_target_leaves_x_queued_and_claimable(store: PostStore) -> None:
    store.add(a_post(targets=(X, BLUESKY)))
    x_before = target_of(store, "post-1", X)
    mine = claimed(store, job_of(store, "post-1", BLUESKY))

    assert store.record(mine, PostChange(PostStatus.FAILED, "Bluesky refused the text."))

    assert target_of(store, "post-1", X) == x_before
    assert due_keys(store, NOW) == [f"post-1#{X}"]
    taken = claimed(store, store.due(NOW)[0], "claim-2")
    assert (taken.target.key, taken.target.attempts) == (X, 1)
    bluesky = target_of(store, "post-1", BLUESKY)
    assert (bluesky.status, bluesky.reason) == (PostStatus.FAILED, "Bluesky refused the text.")


def test_requeueing_keeps_the_target_on_the_queue_with_its_reason(store: PostStore) -> None:
    store.add(a_post())
    mine = claimed(store, job_of(store, "post-1"))
    retry_at = NOW + timedelta(minutes=15)

    assert store.record(
        mine, PostChange(PostStatus.QUEUED, "Rate limited.", next_action_at=retry_at)
    )

    target = target_of(store, "post-1")
    assert (target.status, target.reason, target.next_action_at) == (
        PostStatus.QUEUED,
        "Rate limited.",
        retry_at,
    )
    assert target.claim_id is None
    assert due_keys(store, retry_at - timedelta(seconds=1)) == []
    assert due_keys(store, retry_at) == [f"post-1#{X}"]
    again = claimed(store, job_of(store, "post-1"), "claim-2", now=retry_at)
    assert again.target.attempts == 2


def test_a_requeue_that_certainly_sent_nothing_gives_the_attempt_back(store: PostStore) -> None:
    store.add(a_post())
    mine = claimed(store, job_of(store, "post-1"))
    retry_at = NOW + timedelta(minutes=15)
    change = PostChange(
        PostStatus.QUEUED, "Paused.", next_action_at=retry_at, certainly_unsent=True
    )

    assert store.record(mine, change)

    assert target_of(store, "post-1").attempts == 0
    again = claimed(store, job_of(store, "post-1"), "claim-2", now=retry_at)
    assert again.target.attempts == 1


def test_a_requeue_whose_try_may_have_gone_out_stays_unsettled_until_the_next_try(
    store: PostStore,
) -> None:
    store.add(a_post())
    mine = claimed(store, job_of(store, "post-1"))
    not_found = PostChange(PostStatus.QUEUED, "Not found yet.", next_action_at=NOW, unsettled=True)

    assert store.record(mine, not_found)
    assert target_of(store, "post-1").unsettled
    assert stored(store, "post-1").targets[0].unsettled  # as the edit page reads it

    again = claimed(store, job_of(store, "post-1"), "claim-2")
    store.record(again, PostChange(PostStatus.POSTED, remote_id="1", url="https://x.com/c/s/1"))
    assert not target_of(store, "post-1").unsettled


def test_an_outcome_without_a_reason_clears_the_last_one(store: PostStore) -> None:
    store.add(a_post())
    mine = claimed(store, job_of(store, "post-1"))
    store.record(mine, PostChange(PostStatus.QUEUED, "Not sent.", next_action_at=NOW))
    again = claimed(store, job_of(store, "post-1"), "claim-2")
    store.record(
        again, PostChange(PostStatus.POSTED, remote_id="1", url="https://x.com/c/status/1")
    )
    assert target_of(store, "post-1").reason is None


def test_a_failure_is_recorded_with_its_reason(store: PostStore) -> None:
    store.add(a_post())
    mine = claimed(store, job_of(store, "post-1"))
    assert store.record(mine, PostChange(PostStatus.FAILED, "X refused the text."))
    target = target_of(store, "post-1")
    assert (target.status, target.reason, target.next_action_at) == (
        PostStatus.FAILED,
        "X refused the text.",
        None,
    )


def test_an_outcome_is_not_recorded_by_a_publisher_that_lost_its_claim(store: PostStore) -> None:
    store.add(a_post())
    first = claimed(store, job_of(store, "post-1"), "claim-1")
    second = claimed(store, first, "claim-2", now=NOW + LEASE)

    assert not store.record(first, PostChange(PostStatus.FAILED, "Too late."))

    assert target_of(store, "post-1") == second.target


def test_an_outcome_needs_a_claim_on_that_very_target(store: PostStore) -> None:
    post = a_post(targets=(X, BLUESKY))
    store.add(post)
    assert not store.record(job_of(store, post.id), PostChange(PostStatus.POSTED, remote_id="1"))
    unknown = a_post("unknown", targets=(a_target(X, claim_id="c"),))
    assert not store.record(Job(unknown, unknown.targets[0]), PostChange(PostStatus.POSTED))
    # X's claim does not stand for Bluesky, though both are targets of one post.
    mine = claimed(store, job_of(store, post.id, X))
    bluesky = target_of(store, post.id, BLUESKY).model_copy(update={"claim_id": "claim-1"})
    assert not store.record(Job(mine.post, bluesky), PostChange(PostStatus.POSTED))
    assert target_of(store, post.id, BLUESKY) == stored(store, post.id).targets[1]
    assert target_of(store, post.id, BLUESKY).status is PostStatus.QUEUED
    assert store.get("unknown") is None


def test_an_outcome_is_recorded_once(store: PostStore) -> None:
    store.add(a_post())
    mine = claimed(store, job_of(store, "post-1"))
    assert store.record(mine, PostChange(PostStatus.POSTED, remote_id="1"))
    assert not store.record(mine, PostChange(PostStatus.FAILED, "again"))
    assert target_of(store, "post-1").status is PostStatus.POSTED


# ----- defer ------------------------------------------------------------------------------------


def test_a_deferred_target_waits_with_a_visible_reason(store: PostStore) -> None:
    store.add(a_post(targets=(X, BLUESKY)))
    bluesky_before = target_of(store, "post-1", BLUESKY)
    until = NOW + timedelta(hours=1)

    assert store.defer(job_of(store, "post-1", X), until, "The account is paused.")

    found = target_of(store, "post-1", X)
    assert (found.status, found.next_action_at, found.reason) == (
        PostStatus.QUEUED,
        until,
        "The account is paused.",
    )
    assert target_of(store, "post-1", BLUESKY) == bluesky_before
    assert due_keys(store, until - timedelta(seconds=1)) == [f"post-1#{BLUESKY}"]
    assert due_keys(store, until) == [f"post-1#{BLUESKY}", f"post-1#{X}"]


def test_a_target_deferred_by_someone_else_meanwhile_is_not_deferred_again(
    store: PostStore,
) -> None:
    store.add(a_post())
    job = job_of(store, "post-1")
    assert store.defer(job, NOW + timedelta(hours=1), "first")
    assert not store.defer(job, NOW + timedelta(hours=2), "second")
    assert target_of(store, "post-1").reason == "first"
    assert store.defer(job_of(store, "post-1"), NOW + timedelta(hours=2), "second")


def test_only_a_queued_target_is_deferred(store: PostStore) -> None:
    store.add(a_post())
    mine = claimed(store, job_of(store, "post-1"))
    assert not store.defer(mine, NOW + timedelta(hours=1), "paused")
    store.add(a_post("pending", status=PostStatus.PENDING_APPROVAL))
    assert not store.defer(job_of(store, "pending"), NOW + timedelta(hours=1), "paused")
    unknown = a_post("unknown")
    assert not store.defer(Job(unknown, unknown.targets[0]), NOW + timedelta(hours=1), "paused")
    assert target_of(store, "post-1") == mine.target
    assert target_of(store, "pending").status is PostStatus.PENDING_APPROVAL
    assert store.get("unknown") is None


# ----- cancel -----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [PostStatus.QUEUED, PostStatus.PENDING_APPROVAL])
def test_a_post_not_started_is_cancelled_on_every_target(
    store: PostStore, status: PostStatus
) -> None:
    store.add(a_post(status=status, targets=THREE))
    if status is PostStatus.QUEUED:
        store.defer(job_of(store, "post-1", BLUESKY), NOW + timedelta(hours=1), "paused")

    cancelled = store.cancel("post-1")

    assert cancelled is not None
    assert cancelled == stored(store, "post-1")
    assert cancelled.status is PostStatus.CANCELLED
    for target in cancelled.targets:
        assert target.status is PostStatus.CANCELLED
        assert target.next_action_at is None and target.reason is None
    assert store.due(NOW + timedelta(days=1)) == []


def test_cancelling_leaves_the_targets_that_started_or_posted_alone(store: PostStore) -> None:
    store.add(a_post(targets=THREE))
    claimed(store, job_of(store, "post-1", X))
    posted = claimed(store, job_of(store, "post-1", BLUESKY), "claim-2")
    store.record(posted, PostChange(PostStatus.POSTED, remote_id="at://b", url="https://b"))
    before = stored(store, "post-1")

    cancelled = store.cancel("post-1")

    assert cancelled is not None and cancelled == stored(store, "post-1")
    assert cancelled.targets[:2] == before.targets[:2]
    assert cancelled.targets[2].status is PostStatus.CANCELLED
    assert cancelled.status is PostStatus.PUBLISHING
    assert due_keys(store, NOW + timedelta(days=1)) == [f"post-1#{X}"]
    assert store.cancel("post-1") is None
    assert stored(store, "post-1") == cancelled


def test_a_post_none_of_whose_targets_can_be_cancelled_is_not(store: PostStore) -> None:
    store.add(a_post("publishing"))
    claimed(store, job_of(store, "publishing"))
    for status in (PostStatus.POSTED, PostStatus.FAILED, PostStatus.DECLINED):
        store.add(a_post(status.value, status=status, targets=(X, BLUESKY)))
    store.add(a_post("cancelled"))
    store.cancel("cancelled")
    before = {post.id: post for post in store.page(None, 10).posts}

    for post_id in [*before, "unknown"]:
        assert store.cancel(post_id) is None

    assert {post.id: post for post in store.page(None, 10).posts} == before


# ----- cancelling one target, with a reason ----------------------------------------------------

REMOVED = "The author was removed from the cohort, so this post to their own account was cancelled."


@pytest.mark.parametrize("status", [PostStatus.QUEUED, PostStatus.PENDING_APPROVAL])
def test_one_target_not_started_is_cancelled_with_its_reason_and_the_others_are_not(
    store: PostStore, status: PostStatus
) -> None:
    store.add(a_post(status=status, targets=THREE))
    before = stored(store, "post-1")

    assert store.cancel_target("post-1", MASTODON, REMOVED)

    after = stored(store, "post-1")
    assert after.targets[:2] == before.targets[:2]
    cancelled = after.targets[2]
    assert cancelled.status is PostStatus.CANCELLED
    assert cancelled.reason == REMOVED and cancelled.next_action_at is None
    expected = [f"post-1#{BLUESKY}", f"post-1#{X}"] if status is PostStatus.QUEUED else []
    assert sorted(due_keys(store, NOW + timedelta(days=1))) == expected


def test_a_target_that_started_ended_or_is_not_there_is_not_cancelled(store: PostStore) -> None:
    store.add(a_post(targets=THREE))
    publishing = claimed(store, job_of(store, "post-1", X))
    posted = claimed(store, job_of(store, "post-1", BLUESKY), "claim-2")
    store.record(posted, PostChange(PostStatus.POSTED, remote_id="at://b", url="https://b"))
    assert store.cancel_target("post-1", MASTODON, REMOVED)
    before = stored(store, "post-1")

    for key in (X, BLUESKY, MASTODON, "x:member:nobody@school.example"):
        assert not store.cancel_target("post-1", key, "again")
    assert not store.cancel_target("unknown", X, REMOVED)

    assert stored(store, "post-1") == before
    assert before.targets[0] == publishing.target
    assert store.get("unknown") is None
    assert due_keys(store, NOW + timedelta(days=1)) == [f"post-1#{X}"]


# ----- replace ----------------------------------------------------------------------------------


def test_an_edit_is_stored_one_version_past_the_one_seen(store: PostStore) -> None:
    store.add(a_post(targets=(X, BLUESKY)))
    seen = stored(store, "post-1")
    edited = seen.model_copy(update={"text": "Edited: 8 PM ET, #edtechchat"})

    assert store.replace(edited, seen)

    expected = edited.model_copy(update={"version": 1})
    assert stored(store, "post-1") == expected.model_copy(
        update={"targets": tuple(t.model_copy(update={"version": 1}) for t in edited.targets)}
    )
    again = stored(store, "post-1")
    assert store.replace(again.model_copy(update={"text": "Third"}), again)
    assert stored(store, "post-1").version == 2
    assert [t.version for t in stored(store, "post-1").targets] == [2, 2]


def test_an_edit_rewrites_the_targets_removed_gone_added_queued(store: PostStore) -> None:
    store.add(a_post(targets=(X, BLUESKY)))
    seen = stored(store, "post-1")
    [bluesky_job] = [j for j in store.due(NOW) if j.target.key == BLUESKY]
    later = NOW + timedelta(hours=1)
    edited = seen.model_copy(
        update={
            "text": "Now on Mastodon too, an hour later",
            "due_utc": later,
            "targets": (a_target(MASTODON), a_target(X)),
        }
    )

    assert store.replace(edited, seen)

    post = stored(store, "post-1")
    assert keys(post) == [MASTODON, X]
    assert post.text == "Now on Mastodon too, an hour later"
    for target in post.targets:
        assert (target.status, target.next_action_at, target.version) == (
            PostStatus.QUEUED,
            later,
            1,
        )
    assert due_keys(store, NOW) == []
    assert due_keys(store, later) == [f"post-1#{MASTODON}", f"post-1#{X}"]
    assert store.claim(bluesky_job, "claim-1", later, later + LEASE) is None
    assert post.target(BLUESKY) is None and keys(stored(store, "post-1")) == [MASTODON, X]


def test_a_target_edited_away_and_added_back_is_queued_again_once(store: PostStore) -> None:
    store.add(a_post(targets=(X, BLUESKY)))
    first = stored(store, "post-1")
    assert store.replace(first.model_copy(update={"targets": (a_target(X),)}), first)
    second = stored(store, "post-1")

    assert store.replace(
        second.model_copy(update={"targets": (a_target(X), a_target(BLUESKY))}), second
    )

    post = stored(store, "post-1")
    assert keys(post) == [X, BLUESKY]
    assert [t.status for t in post.targets] == [PostStatus.QUEUED, PostStatus.QUEUED]
    assert due_keys(store, NOW) == sorted([f"post-1#{X}", f"post-1#{BLUESKY}"])


@pytest.mark.parametrize("started", [PostStatus.PUBLISHING, PostStatus.POSTED])
def test_an_edit_of_a_post_with_a_started_target_is_refused_and_changes_nothing(
    store: PostStore, started: PostStatus
) -> None:
    store.add(a_post(targets=(X, BLUESKY)))
    seen = stored(store, "post-1")
    mine = claimed(store, job_of(store, "post-1", X))
    if started is PostStatus.POSTED:
        store.record(mine, PostChange(PostStatus.POSTED, remote_id="1851"))
    before = stored(store, "post-1")
    assert before.version == seen.version  # a claim does not move the version: its target does
    edits = [
        seen.model_copy(update={"text": "Too late"}),
        seen.model_copy(update={"targets": (a_target(BLUESKY),)}),  # drops the started X
        before.model_copy(update={"targets": (*before.targets, a_target(MASTODON))}),
    ]

    for edited in edits:
        assert not store.replace(edited, before)

    assert stored(store, "post-1") == before
    assert target_of(store, "post-1", X).status is started


def test_of_two_edits_from_the_same_view_only_the_first_is_stored(store: PostStore) -> None:
    store.add(a_post(targets=(X, BLUESKY)))
    seen = stored(store, "post-1")
    assert store.replace(seen.model_copy(update={"text": "First"}), seen)
    first = stored(store, "post-1")
    second = seen.model_copy(update={"text": "Second", "targets": (a_target(MASTODON),)})

    assert not store.replace(second, seen)

    assert stored(store, "post-1") == first
    assert due_keys(store, NOW) == [f"post-1#{BLUESKY}", f"post-1#{X}"]


def test_an_edit_read_before_a_claim_and_a_retry_is_not_stored(store: PostStore) -> None:
    # The edit page was read; meanwhile the publisher claimed the target and re-queued it (a
    # rate limit): the edit must not write back the attempts and first claim time it read.
    store.add(a_post())
    seen = stored(store, "post-1")
    mine = claimed(store, job_of(store, "post-1"))
    store.record(mine, PostChange(PostStatus.QUEUED, "Later.", next_action_at=NOW + LEASE))
    edited = seen.model_copy(update={"text": "Edited meanwhile."})

    assert not store.replace(edited, seen)

    assert target_of(store, "post-1").attempts == 1
    assert stored(store, "post-1").text == seen.text


def test_an_edit_read_after_a_claim_and_a_retry_is_stored_keeping_its_history(
    store: PostStore,
) -> None:
    store.add(a_post(targets=(X, BLUESKY)))
    mine = claimed(store, job_of(store, "post-1"))
    store.record(mine, PostChange(PostStatus.QUEUED, "Later.", next_action_at=NOW + LEASE))
    seen = stored(store, "post-1")
    edited = seen.model_copy(update={"text": "Edited after the retry."})

    assert store.replace(edited, seen)

    x, bluesky = stored(store, "post-1").targets
    assert (x.attempts, x.first_claimed_at, x.version) == (1, NOW, 1)
    assert (bluesky.attempts, bluesky.first_claimed_at) == (0, None)
    assert stored(store, "post-1").text == "Edited after the retry."


def test_approving_queues_every_target_and_declining_ends_them(store: PostStore) -> None:
    store.add(a_post("approved", status=PostStatus.PENDING_APPROVAL, targets=(X, BLUESKY)))
    store.add(a_post("declined", status=PostStatus.PENDING_APPROVAL, targets=(X, BLUESKY)))
    approved, declined = stored(store, "approved"), stored(store, "declined")
    assert store.due(NOW + timedelta(days=1)) == []

    assert store.replace(approve_post(approved, NOW - timedelta(minutes=1)), approved)
    assert store.replace(decline_post(declined, "Off topic."), declined)

    assert due_keys(store, NOW) == [f"approved#{BLUESKY}", f"approved#{X}"]
    assert [t.next_action_at for t in stored(store, "approved").targets] == [NOW, NOW]
    found = stored(store, "declined")
    assert (found.status, found.reason, found.version) == (PostStatus.DECLINED, "Off topic.", 1)
    assert {t.status for t in found.targets} == {PostStatus.DECLINED}


def test_an_unknown_post_is_not_replaced(store: PostStore) -> None:
    post = a_post(targets=(X, BLUESKY))
    assert not store.replace(post, post)
    assert store.get(post.id) is None
    assert store.due(NOW) == []
