"""Archiving a live chat on the fakes: when the Poller reads X, from where, what it keeps, what it
costs, and when it stops. tests/integration/test_polling.py runs the same life against the
sandbox; here X is a FakeNetwork whose posts each test stages."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from chatdeck.domain.archive import ArchivedPost, ArchiveSession
from chatdeck.domain.outcomes import ReadFailed
from tests.unit.services.kit import (
    OCCURRENCE,
    START,
    WINDOW_END,
    WINDOW_START,
    Kit,
    a_chat,
    a_tweet,
    build_kit,
)


@pytest.fixture
def chat_kit(kit: Kit) -> Kit:
    kit.follow()
    return kit


def burst(count: int, first_serial: int = 100, minute: float = 5) -> list[ArchivedPost]:
    """`count` answers within a minute, ids growing with time."""
    return [
        a_tweet(first_serial + n, f"A2 idea number {n} #edtechchat", by="ben", minute=minute)
        for n in range(count)
    ]


def session(kit: Kit) -> ArchiveSession:
    found = kit.archive.get(OCCURRENCE)
    assert found is not None
    return found


def archived_ids(kit: Kit) -> list[str]:
    archive = kit.archive.session(OCCURRENCE)
    return [] if archive is None else [post.id for post in archive.posts]


def searches(kit: Kit) -> list[dict[str, Any]]:
    return kit.network.calls_to("search_recent")


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


# ----- when it polls ----------------------------------------------------------------------------


def test_outside_every_window_nothing_calls_x(chat_kit: Kit) -> None:
    kit = chat_kit
    kit.network.stage(a_tweet(1, "Early bird #edtechchat", minute=-30))

    before = kit.poller.poll(WINDOW_START - timedelta(seconds=1))
    after = kit.poller.poll(WINDOW_END + timedelta(minutes=5))
    next_day = kit.poller.poll(START + timedelta(days=1))

    assert (before.polled, after.polled, next_day.polled) == (0, 0, 0)
    assert kit.network.calls == []
    assert kit.archive.get(OCCURRENCE) is None


def test_a_skipped_session_is_not_polled(chat_kit: Kit) -> None:
    kit = chat_kit
    kit.chats.skip("edtechchat", START.astimezone(UTC).date() - timedelta(days=1))

    report = kit.poller.poll(at(10))

    assert report.polled == 0
    assert kit.network.calls == []


# ----- what it reads and keeps ------------------------------------------------------------------


def test_the_first_poll_reads_from_the_window_start_then_from_the_newest_post(
    chat_kit: Kit,
) -> None:
    kit = chat_kit
    kit.network.stage(
        a_tweet(1, "Last week's #edtechchat was great", by="cy", minute=-60),
        a_tweet(2, "Welcome to #edtechchat!", by="edtechmod", minute=0),
        a_tweet(3, "Q1 What feedback works? #edtechchat", by="edtechmod", minute=2),
        a_tweet(4, "A1 Timely feedback #edtechchat", by="ana", minute=4),
    )

    first = kit.poller.poll(at(5))
    again = kit.poller.poll(at(5))
    kit.network.stage(
        a_tweet(5, "A1 Feedback they can act on #edtechchat", by="ben", minute=6),
        a_tweet(6, "RT @ana: A1 Timely feedback #edtechchat", by="cy", minute=7),
    )
    later = kit.poller.poll(at(8))

    assert (first.polled, first.reads, first.added) == (1, 3, 3)
    assert (again.reads, again.added) == (0, 0)
    assert (later.reads, later.added) == (1, 1)
    assert archived_ids(kit) == [a_tweet(n, "").id for n in (2, 3, 4, 5)]  # no repost
    calls = searches(kit)
    assert calls[0]["hashtags"] == ["#edtechchat"]
    assert calls[0]["start_time"] == WINDOW_START
    assert calls[0]["since_id"] is None
    assert calls[0]["max_results"] == 100
    newest_then = a_tweet(4, "").id
    assert [c["since_id"] for c in calls[1:]] == [newest_then, newest_then]
    assert all(c["start_time"] is None for c in calls[1:])
    assert session(kit).since_id == a_tweet(5, "").id


def test_two_hashtags_are_searched_together_without_reposts(kit: Kit) -> None:
    kit.follow(a_chat(extra_tags=["#EdChat"]))
    kit.network.stage(
        a_tweet(1, "A1 #edtechchat start with why", by="ana"),
        a_tweet(2, "A1 #edchat same here", by="ben"),
        a_tweet(3, "A1 quoting Ana #edtechchat", by="cy", repost_of=a_tweet(1, "").id),
        a_tweet(4, "unrelated #maths", by="ben"),
    )

    kit.poller.poll(at(10))

    assert searches(kit)[0]["hashtags"] == ["#edtechchat", "#EdChat"]
    assert archived_ids(kit) == [a_tweet(1, "").id, a_tweet(2, "").id]


def test_a_burst_between_two_polls_is_kept_whole_by_following_next_token(chat_kit: Kit) -> None:
    kit = chat_kit
    kit.network.stage(a_tweet(1, "Welcome to #edtechchat!", by="edtechmod", minute=0))
    kit.poller.poll(at(1))
    posts = burst(150)
    kit.network.stage(*posts)

    report = kit.poller.poll(at(2))

    assert report.added == report.reads == 150
    pages = searches(kit)[1:]
    assert [p["next_token"] is None for p in pages] == [True, False]
    assert [p["since_id"] for p in pages] == [a_tweet(1, "").id] * 2
    assert len(archived_ids(kit)) == 151
    assert session(kit).since_id == posts[-1].id


def test_a_search_that_fails_midway_is_read_again_and_each_post_stored_once(
    chat_kit: Kit, monkeypatch: pytest.MonkeyPatch
) -> None:
    kit = chat_kit
    kit.network.stage(*burst(150))
    read = kit.network.search_recent

    def first_page_then_503(*args: Any, **kwargs: Any) -> Any:
        page = read(*args, **kwargs)
        kit.network.read_failures.append(ReadFailed("X answered 503."))
        return page

    monkeypatch.setattr(kit.network, "search_recent", first_page_then_503)
    failed = kit.poller.poll(at(10))
    monkeypatch.undo()
    stopped_at = session(kit)
    again = kit.poller.poll(at(11))

    assert failed.errors == [f"{OCCURRENCE} (X): X answered 503."]
    assert (failed.reads, failed.added) == (100, 100)
    assert stopped_at.since_id is None  # not every page was read: start from the same point
    assert stopped_at.last_error == "X answered 503."
    assert (again.reads, again.added) == (150, 50)
    assert len(archived_ids(kit)) == 150 == len(set(archived_ids(kit)))
    meta = session(kit)
    assert (meta.posts, meta.reads, meta.polls) == (150, 250, 2)
    assert meta.cost_usd == Decimal("0.005") * 250  # the re-read is billed again
    assert meta.last_error is None


def test_the_session_records_what_it_read_and_cost(chat_kit: Kit) -> None:
    kit = chat_kit
    kit.network.stage(*burst(30, minute=-10))
    kit.poller.poll(at(-15))
    kit.network.stage(*burst(12, first_serial=200, minute=6))
    kit.poller.poll(at(7))
    kit.poller.poll(at(20))

    meta = session(kit)
    assert (meta.reads, meta.posts, meta.polls) == (42, 42, 3)
    assert meta.cost_usd == Decimal("0.210")
    assert meta.status == "polling"
    assert meta.budget_reads == 2000
    assert meta.expires_at == START + timedelta(hours=1, days=180)


# ----- when it stops ----------------------------------------------------------------------------


def test_the_read_budget_stops_polling_and_says_why() -> None:
    kit = build_kit(budget_reads=120)
    kit.follow()
    kit.network.stage(*burst(150))

    first = kit.poller.poll(at(30))
    kit.network.stage(*burst(5, first_serial=500, minute=31))
    second = kit.poller.poll(at(31))
    ended = kit.poller.poll(WINDOW_END + timedelta(minutes=1))

    assert first.reads == 120  # a page of 100, then one of 20
    assert [c["max_results"] for c in searches(kit)] == [100, 20]
    assert second.polled == 0
    assert ended.ended == 1
    assert len(searches(kit)) == 2  # nothing more, and no last search either
    meta = session(kit)
    assert (meta.reads, meta.posts) == (120, 120)
    assert meta.cost_usd == Decimal("0.600")
    assert meta.stop_reason is not None and "budget is 120 posts" in meta.stop_reason
    assert meta.status == "ended"


@pytest.mark.parametrize(
    ("failure", "retry_at"),
    [
        (ReadFailed("X's rate limit was reached.", retry_at=at(9)), at(9)),
        (ReadFailed("The API credits are used up.", account_wide=True), at(5 + 15)),
    ],
    ids=["rate-limited", "account-wide"],
)
def test_a_failed_read_waits_until_it_may_try_again_without_calling(
    chat_kit: Kit, failure: ReadFailed, retry_at: datetime
) -> None:
    kit = chat_kit
    kit.network.stage(a_tweet(1, "A1 #edtechchat", minute=4))
    kit.network.read_failures.append(failure)

    failed = kit.poller.poll(at(5))
    waiting = kit.poller.poll(retry_at - timedelta(minutes=1))
    retried = kit.poller.poll(retry_at)

    assert failed.errors == [f"{OCCURRENCE} (X): {failure.reason}"]
    assert waiting.polled == 0
    assert retried.added == 1
    assert len(searches(kit)) == 2
    assert archived_ids(kit) == [a_tweet(1, "").id]


def test_a_read_that_fails_without_a_time_is_tried_at_the_next_poll(chat_kit: Kit) -> None:
    kit = chat_kit
    kit.network.stage(a_tweet(1, "A1 #edtechchat", minute=4))
    kit.network.read_failures.append(ReadFailed("X answered 503."))

    kit.poller.poll(at(5))
    kit.poller.poll(at(6))

    assert len(searches(kit)) == 2
    assert archived_ids(kit) == [a_tweet(1, "").id]


def test_after_the_window_a_last_search_up_to_its_end_then_the_session_ends(
    chat_kit: Kit,
) -> None:
    kit = chat_kit
    kit.network.stage(a_tweet(1, "A1 #edtechchat", minute=5))
    kit.poller.poll(WINDOW_END - timedelta(minutes=1))
    late = a_tweet(2, "So late to #edtechchat", by="cy", start=WINDOW_END, minute=-1 / 60)
    next_week = a_tweet(3, "Next week's #edtechchat is on games", by="dee", start=WINDOW_END)
    kit.network.stage(late, next_week)

    too_soon = kit.poller.poll(WINDOW_END + timedelta(seconds=5))
    ended = kit.poller.poll(WINDOW_END + timedelta(seconds=30))
    afterwards = kit.poller.poll(WINDOW_END + timedelta(minutes=1))

    assert (too_soon.ended, ended.ended, afterwards.ended) == (0, 1, 0)
    assert [c["end_time"] for c in searches(kit)] == [None, WINDOW_END]
    assert archived_ids(kit) == [a_tweet(1, "").id, late.id]
    assert session(kit).status == "ended"


def test_a_last_search_that_keeps_failing_is_given_up_after_six_hours(chat_kit: Kit) -> None:
    kit = chat_kit
    kit.poller.poll(at(10))
    kit.network.read_failures.extend(ReadFailed("X answered 503.") for _ in range(3))

    kit.poller.poll(WINDOW_END + timedelta(minutes=1))
    kit.poller.poll(WINDOW_END + timedelta(hours=3))
    still = session(kit).status
    gave_up = kit.poller.poll(WINDOW_END + timedelta(hours=6))

    assert still == "polling"
    assert gave_up.ended == 1
    meta = session(kit)
    assert meta.status == "ended"
    assert meta.note is not None and "could not be read" in meta.note


# ----- counts -----------------------------------------------------------------------------------


def follow_the_chat(kit: Kit, posts: list[ArchivedPost]) -> None:
    kit.network.stage(*posts)
    for minutes in range(-15, 90, 10):
        kit.poller.poll(at(minutes))
    kit.poller.poll(WINDOW_END + timedelta(minutes=1))
    assert session(kit).status == "ended"


def likes(kit: Kit) -> dict[str, int]:
    return {s.post.id: s.post.likes for s in kit.archive.stored_posts(OCCURRENCE)}


def liked(posts: list[ArchivedPost], more: Callable[[int], int]) -> list[ArchivedPost]:
    return [p.model_copy(update={"likes": more(n)}) for n, p in enumerate(posts)]


def test_counts_are_refreshed_once_the_same_utc_day_in_batches_of_100_for_free(
    chat_kit: Kit,
) -> None:
    kit = chat_kit
    posts = burst(130)
    follow_the_chat(kit, posts)
    reads_before = session(kit).reads
    kit.network.stage(*liked(posts, lambda n: n % 7))
    kit.network.unstage(posts[0].id)  # deleted since: it keeps its counts
    refreshed_at = WINDOW_END + timedelta(minutes=2)

    report = kit.poller.refresh_counts(refreshed_at)
    again = kit.poller.refresh_counts(refreshed_at + timedelta(minutes=1))

    batches = [call["ids"] for call in kit.network.calls_to("lookup_posts")]
    assert [len(batch) for batch in batches] == [100, 30]
    assert sorted(i for batch in batches for i in batch) == sorted(p.id for p in posts)
    assert (report.counted, report.reads, report.updated) == (1, 0, 111)
    assert again.counted == 0 and len(kit.network.calls_to("lookup_posts")) == 2
    assert likes(kit) == {p.id: (n % 7 if n else 0) for n, p in enumerate(posts)}
    meta = session(kit)
    assert meta.status == "counted"
    assert meta.reads == reads_before  # every post was read earlier the same UTC day


def test_counts_are_not_refreshed_once_the_utc_day_has_passed(chat_kit: Kit) -> None:
    kit = chat_kit
    posts = burst(20)
    follow_the_chat(kit, posts)
    kit.network.stage(*liked(posts, lambda n: 9))

    report = kit.poller.refresh_counts(datetime(2026, 11, 4, 0, 1, tzinfo=UTC))

    assert (report.counted, report.not_refreshed) == (1, 1)
    assert kit.network.calls_to("lookup_posts") == []
    assert set(likes(kit).values()) == {0}
    meta = session(kit)
    assert meta.status == "counted"
    assert meta.note is not None and "billed again" in meta.note


def test_a_lookup_that_fails_is_tried_again_the_next_minute(chat_kit: Kit) -> None:
    kit = chat_kit
    posts = burst(3)
    follow_the_chat(kit, posts)
    kit.network.stage(*liked(posts, lambda n: 4))
    kit.network.read_failures.append(ReadFailed("X answered 503."))

    failed = kit.poller.refresh_counts(WINDOW_END + timedelta(minutes=2))
    waiting = session(kit)
    retried = kit.poller.refresh_counts(WINDOW_END + timedelta(minutes=3))

    assert failed.counted == 0 and failed.errors == [f"{OCCURRENCE} (X): X answered 503."]
    assert (waiting.status, waiting.last_error) == ("ended", "X answered 503.")
    assert retried.counted == 1
    assert set(likes(kit).values()) == {4}
