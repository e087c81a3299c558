"""ArchiveStore: chat sessions as polled, their posts, and the steps from polling to digested."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chatdeck.adapters.archive import DynamoArchiveStore
from chatdeck.domain.archive import (
    ArchivedPost,
    ArchiveSession,
    PollResult,
    SessionStatus,
    StoredPost,
)
from chatdeck.ports import ArchiveStore
from tests.contract.backends import Backend, DynamoBackend, MotoAws
from tests.contract.builders import SESSION_START, a_session, an_archived_post

PRICE = Decimal("0.005")
DAY = date(2026, 11, 3)
OCCURRENCE = "edtechchat#2026-11-03T01:00:00Z"
WINDOW_END = SESSION_START + timedelta(minutes=90)


@pytest.fixture
def store(backend: Backend) -> ArchiveStore:
    return backend.archive()


def read(store: ArchiveStore, occurrence_id: str = OCCURRENCE) -> ArchiveSession:
    found = store.get(occurrence_id)
    assert found is not None
    return found


# ----- sessions ---------------------------------------------------------------------------------


def test_a_started_session_reads_back_the_same(store: ArchiveStore) -> None:
    session = a_session(since_id="1850", note="Started late.", cost_usd=Decimal("0.010"))
    assert store.start(session) == session
    assert store.get(OCCURRENCE) == session


def test_starting_a_session_again_answers_the_one_stored(store: ArchiveStore) -> None:
    first = store.start(a_session())
    again = store.start(a_session(hashtags=("#edtechchat",), budget_reads=10))
    assert again == first
    assert read(store) == first


def test_an_unknown_session_is_none(store: ArchiveStore) -> None:
    assert store.get("nothing#2026-11-03T01:00:00Z") is None
    assert store.session("nothing#2026-11-03T01:00:00Z") is None


def test_session_times_are_kept_to_the_second_in_utc(store: ArchiveStore) -> None:
    london = ZoneInfo("Europe/London")
    start = datetime(2026, 11, 3, 1, 0, 0, 999_999, tzinfo=UTC).astimezone(london)
    expires_at = SESSION_START + timedelta(days=180, microseconds=999_999)
    session = a_session(start=start, expires_at=expires_at)
    store.start(session)
    found = read(store)
    assert found.start_utc == SESSION_START and found.start_utc.utcoffset() == timedelta(0)
    assert found.window_end == WINDOW_END
    assert found.expires_at == SESSION_START + timedelta(days=180)


# ----- polls and reads --------------------------------------------------------------------------


def a_poll(**fields: object) -> PollResult:
    values: dict[str, object] = {
        "reads": 12,
        "added": 10,
        "newest_id": "1851000000000000012",
        "polled_at": SESSION_START + timedelta(minutes=1),
        **fields,
    }
    return PollResult(**values)  # type: ignore[arg-type]


def test_polls_add_up_on_the_session(store: ArchiveStore) -> None:
    session = store.start(a_session())
    second = SESSION_START + timedelta(minutes=2)

    store.record_poll(session, a_poll(), PRICE)
    store.record_poll(session, a_poll(reads=3, added=2, newest_id=None, polled_at=second), PRICE)

    found = read(store)
    assert (found.reads, found.cost_usd, found.posts, found.polls) == (15, Decimal("0.075"), 12, 2)
    assert found.since_id == "1851000000000000012"  # kept: the second poll had no newest
    assert found.last_polled_at == second


def test_a_failed_poll_says_why_and_when_to_try_again_until_one_succeeds(
    store: ArchiveStore,
) -> None:
    session = store.start(a_session())
    retry_at = SESSION_START + timedelta(minutes=15)
    failed = a_poll(reads=0, added=0, newest_id=None, error="Rate limited.", retry_at=retry_at)

    store.record_poll(session, failed, PRICE)
    assert (read(store).last_error, read(store).retry_at) == ("Rate limited.", retry_at)

    store.record_poll(session, a_poll(polled_at=retry_at), PRICE)
    found = read(store)
    assert (found.last_error, found.retry_at, found.polls) == (None, None, 2)


def test_a_poll_that_used_up_the_budget_says_so_for_good(store: ArchiveStore) -> None:
    session = store.start(a_session(budget_reads=12))
    store.record_poll(session, a_poll(stop_reason="Budget used up."), PRICE)
    store.record_poll(session, a_poll(reads=0, added=0), PRICE)
    assert read(store).stop_reason == "Budget used up."


def test_a_poll_is_not_recorded_once_the_session_moved_on(store: ArchiveStore) -> None:
    session = store.start(a_session())
    store.advance(session, "ended", WINDOW_END)
    ended = read(store)

    store.record_poll(session, a_poll(), PRICE)
    store.record_poll(ended, a_poll(), PRICE)
    store.record_poll(a_session("nothing#2026-11-03T01:00:00Z"), a_poll(), PRICE)

    assert read(store) == ended
    assert store.get("nothing#2026-11-03T01:00:00Z") is None


def test_reads_outside_a_poll_add_their_cost_and_keep_the_last_error(store: ArchiveStore) -> None:
    session = store.start(a_session(status="ended"))
    store.add_reads(session, 4, PRICE)
    store.add_reads(session, 0, PRICE, "X did not answer.")
    assert (read(store).reads, read(store).cost_usd, read(store).last_error) == (
        4,
        Decimal("0.020"),
        "X did not answer.",
    )
    store.add_reads(session, 1, PRICE)
    assert (read(store).reads, read(store).last_error) == (5, None)


@pytest.mark.parametrize("network", ["x", "bluesky"])
def test_a_failed_lookup_keeps_when_the_network_may_be_asked_again(
    store: ArchiveStore, network: str
) -> None:
    """A 429's reset during a count refresh (services/counts.py waits for it), per network;
    the next lookup, failed without one or answered, clears it."""
    session = store.start(a_session(status="ended", networks=("x", "bluesky")))
    reset = WINDOW_END + timedelta(minutes=15)
    store.add_reads(session, 0, PRICE, "Rate limited.", network, reset)
    assert (read(store).retry_on(network), read(store).error_on(network)) == (
        reset,
        "Rate limited.",
    )
    other = "bluesky" if network == "x" else "x"
    assert read(store).retry_on(other) is None
    store.add_reads(session, 2, PRICE, None, network)
    assert (read(store).retry_on(network), read(store).error_on(network)) == (None, None)


def test_how_far_each_networks_count_refresh_got_is_kept_with_its_reads(
    store: ArchiveStore,
) -> None:
    """services/counts.py refreshes a session's counts batch by batch over ticks: each batch's
    last post id is kept in the write that adds its reads, per network; a failed batch keeps
    where the refresh was."""
    session = store.start(a_session(status="ended", networks=("x", "bluesky", "mastodon")))
    assert read(store).refreshed == {}
    store.add_reads(session, 0, PRICE, None, "x", None, "1050")
    store.add_reads(session, 100, PRICE, None, "bluesky", None, "at://did:plc:a/post/3k")
    store.add_reads(session, 20, PRICE, None, "mastodon", None, "11320")
    store.add_reads(session, 0, PRICE, "Mastodon did not answer.", "mastodon")
    stored = read(store)
    assert stored.refreshed == {
        "x": "1050",
        "bluesky": "at://did:plc:a/post/3k",
        "mastodon": "11320",
    }
    assert (stored.reads_on("bluesky"), stored.reads_on("mastodon"), stored.cost_usd) == (
        100,
        20,
        Decimal(0),
    )
    store.add_reads(session, 1, PRICE, None, "x", None, "1099")
    assert read(store).refreshed["x"] == "1099"
    assert read(store).reads == 1


def test_a_session_keeps_how_far_its_count_refresh_got(store: ArchiveStore) -> None:
    store.start(
        replace(
            a_session(status="ended", networks=("x", "mastodon")),
            refreshed={"x": "7", "mastodon": "42"},
        )
    )
    assert read(store).refreshed == {"x": "7", "mastodon": "42"}


# ----- steps ------------------------------------------------------------------------------------


def test_reads_for_a_session_never_started_leave_no_half_session(store: ArchiveStore) -> None:
    # A count refresh racing a session that was never stored must not leave a META without
    # its session, which could then never be started or read.
    store.add_reads(a_session(), 3, PRICE, "X did not answer.")

    assert store.get(a_session().occurrence_id) is None
    assert store.start(a_session()) == a_session()


def test_a_session_moves_on_from_the_status_it_was_read_in(store: ArchiveStore) -> None:
    session = store.start(a_session())

    assert store.advance(session, "ended", WINDOW_END, "The last minutes could not be read.")
    assert not store.advance(session, "ended", WINDOW_END)  # from a stale read: moved already

    ended = read(store)
    assert (ended.status, ended.note) == ("ended", "The last minutes could not be read.")
    assert store.advance(ended, "counted", WINDOW_END)
    counted = read(store)
    assert (counted.status, counted.note) == ("counted", "The last minutes could not be read.")
    assert store.advance(counted, "digested", WINDOW_END, "Sent to 3.")
    assert (read(store).status, read(store).note) == ("digested", "Sent to 3.")


def test_an_unknown_session_does_not_move(store: ArchiveStore) -> None:
    assert not store.advance(a_session(), "ended", WINDOW_END)
    assert store.get(OCCURRENCE) is None


def test_sessions_needing_work_are_those_in_the_status_whose_window_ended(
    store: ArchiveStore,
) -> None:
    week = timedelta(days=7)
    ended_early = store.start(a_session("a#2026-10-27T01:00:00Z", start=SESSION_START - week))
    store.start(a_session(OCCURRENCE))
    store.start(a_session("b#2026-11-10T01:00:00Z", start=SESSION_START + week))
    store.start(a_session("c#2026-10-20T01:00:00Z", start=SESSION_START - 2 * week))
    store.advance(read(store, "c#2026-10-20T01:00:00Z"), "ended", SESSION_START)

    polling = store.needing_work(WINDOW_END, "polling")

    assert [s.occurrence_id for s in polling] == [ended_early.occurrence_id, OCCURRENCE]
    assert store.needing_work(WINDOW_END - timedelta(seconds=1), "polling") == [ended_early]
    assert [s.occurrence_id for s in store.needing_work(WINDOW_END, "ended")] == [
        "c#2026-10-20T01:00:00Z"
    ]


def test_a_digested_session_needs_no_more_work(store: ArchiveStore) -> None:
    session = store.start(a_session(status="counted"))
    store.start(a_session("done#2026-11-03T01:00:00Z", status="digested"))
    later = WINDOW_END + timedelta(days=1)
    assert store.needing_work(later, "counted") == [session]
    assert store.advance(session, "digested", later)
    statuses: tuple[SessionStatus, ...] = ("polling", "ended", "counted", "digested")
    for status in statuses:
        assert store.needing_work(later, status) == []


def test_sessions_needing_work_are_read_across_pages(backend: Backend) -> None:
    store = backend.archive(small_pages=True)
    starts = [SESSION_START - timedelta(days=7 * n) for n in range(5)]
    for n, start in enumerate(starts):
        session = store.start(a_session(f"c{n}#{start:%Y-%m-%dT%H:%M:%SZ}", start=start))
        if n % 2:
            store.advance(session, "ended", WINDOW_END)
    found = store.needing_work(WINDOW_END, "polling")
    assert [s.start_utc for s in found] == [starts[4], starts[2], starts[0]]


# ----- posts ------------------------------------------------------------------------------------


def test_only_posts_not_stored_yet_are_added_and_counted(store: ArchiveStore) -> None:
    session = store.start(a_session())
    first, second = an_archived_post("1851000000000000001"), an_archived_post("1851000000000000002")

    assert store.add_posts(session, [first, second], DAY) == 2
    seen_again = first.model_copy(update={"likes": 9, "text": "edited"})
    assert store.add_posts(session, [seen_again, an_archived_post("1851000000000000003")], DAY) == 1
    assert store.add_posts(session, [], DAY) == 0

    stored = {s.post.id: s.post for s in store.stored_posts(OCCURRENCE)}
    assert stored["1851000000000000001"] == first
    assert len(stored) == 3


def test_a_post_twice_in_one_batch_is_new_once(store: ArchiveStore) -> None:
    session = store.start(a_session())
    post = an_archived_post()
    assert store.add_posts(session, [post, post], DAY) == 1


def test_stored_posts_say_the_day_they_were_read(store: ArchiveStore) -> None:
    session = store.start(a_session())
    before, after = an_archived_post("1851000000000000001"), an_archived_post("1851000000000000002")
    store.add_posts(session, [before], DAY)
    store.add_posts(session, [after], DAY + timedelta(days=1))
    other = store.start(a_session("ukedchat#2026-11-03T01:00:00Z"))
    store.add_posts(other, [an_archived_post("1851000000000000003")], DAY)

    assert store.stored_posts(OCCURRENCE) == [
        StoredPost(before, DAY),
        StoredPost(after, DAY + timedelta(days=1)),
    ]
    assert store.stored_posts("nothing#2026-11-03T01:00:00Z") == []


def test_an_archived_post_reads_back_the_same(store: ArchiveStore) -> None:
    session = store.start(a_session())
    full = an_archived_post(
        reply_to="1850",
        quote_of="1849",
        likes=3,
        reposts=2,
        replies=1,
        quotes=4,
        created_at=datetime(2026, 11, 2, 20, 5, 1, 250_000, tzinfo=ZoneInfo("America/New_York")),
    )
    bare = an_archived_post("1851000000000000009", links=(), url=None, author_handle="x")
    store.add_posts(session, [full, bare], DAY)
    posts = [s.post for s in store.stored_posts(OCCURRENCE)]
    assert posts == [full, bare]
    assert posts[0].created_at.utcoffset() == timedelta(0)


def test_posts_are_read_across_pages(backend: Backend) -> None:
    store = backend.archive(small_pages=True)
    session = store.start(a_session())
    posts = [an_archived_post(f"185100000000000000{n}") for n in range(5)]
    store.add_posts(session, posts, DAY)
    assert [s.post for s in store.stored_posts(OCCURRENCE)] == posts
    archive = store.session(OCCURRENCE)
    assert archive is not None and archive.posts == posts


def test_counts_are_updated_only_for_posts_archived(store: ArchiveStore) -> None:
    session = store.start(a_session())
    post = an_archived_post()
    store.add_posts(session, [post], DAY)
    fresh = post.model_copy(update={"likes": 7, "reposts": 1, "replies": 2, "quotes": 3})
    never = an_archived_post("1851000000000000099", likes=5)

    store.update_counts(OCCURRENCE, [fresh, never], DAY + timedelta(days=1))

    assert store.stored_posts(OCCURRENCE) == [StoredPost(fresh, DAY + timedelta(days=1))]


def test_the_archive_of_a_session_is_its_posts_oldest_first(store: ArchiveStore) -> None:
    session = store.start(a_session())
    at = SESSION_START + timedelta(minutes=10)
    late = an_archived_post("1851000000000000005", created_at=at + timedelta(minutes=1))
    tie_high = an_archived_post("1851000000000000010", created_at=at)
    tie_low = an_archived_post("1851000000000000009", created_at=at)
    early = an_archived_post("1851000000000000100", created_at=at - timedelta(minutes=1))
    store.add_posts(session, [late, tie_high, tie_low, early], DAY)
    store.record_poll(session, a_poll(), PRICE)

    archive = store.session(OCCURRENCE)

    assert archive is not None
    assert archive.session == read(store)
    assert archive.posts == [early, tie_low, tie_high, late]


def test_the_archive_of_a_session_without_posts_is_empty(store: ArchiveStore) -> None:
    session = store.start(a_session())
    archive = store.session(OCCURRENCE)
    assert archive is not None and archive.session == session and archive.posts == []


def test_posts_without_a_session_are_no_archive(store: ArchiveStore) -> None:
    store.add_posts(a_session(), [an_archived_post()], DAY)
    assert store.session(OCCURRENCE) is None
    assert [s.post.id for s in store.stored_posts(OCCURRENCE)] == [an_archived_post().id]


# ----- several networks -------------------------------------------------------------------------


def test_each_networks_polls_are_kept_apart_and_only_x_costs(store: ArchiveStore) -> None:
    session = store.start(a_session(networks=("x", "bluesky", "mastodon")))
    retry_at = SESSION_START + timedelta(minutes=15)

    store.record_poll(session, a_poll(), PRICE)
    store.record_poll(session, a_poll(reads=4, added=4, newest_id="at://b/1", network="bluesky"),
                      PRICE)  # fmt: skip
    store.record_poll(session, a_poll(reads=0, added=0, newest_id=None, error="Refused.",
                                      retry_at=retry_at, network="mastodon"), PRICE)  # fmt: skip
    store.add_reads(read(store), 3, PRICE, None, "bluesky")

    found = read(store)
    assert found.networks == ("x", "bluesky", "mastodon")
    assert (found.reads, found.cost_usd) == (12, PRICE * 12)  # X's, billed
    assert (found.reads_on("bluesky"), found.reads_on("mastodon")) == (7, 0)
    assert (found.since("x"), found.since("bluesky"), found.since("mastodon")) == (
        "1851000000000000012", "at://b/1", None)  # fmt: skip
    assert found.failing == {"mastodon": "Refused."}
    assert found.retry_on("mastodon") == retry_at and found.retry_on("x") is None
    assert (found.posts, found.polls) == (14, 3)

    store.record_poll(found, a_poll(reads=0, added=0, newest_id=None, network="mastodon"), PRICE)
    assert read(store).failing == {}


def test_the_same_id_on_two_networks_is_two_posts(store: ArchiveStore) -> None:
    session = store.start(a_session(networks=("x", "mastodon")))
    on_x = an_archived_post("109000000000000001")
    on_mastodon = an_archived_post("109000000000000001", network="mastodon", text="A1 elsewhere")

    assert store.add_posts(session, [on_x, on_mastodon], DAY) == 2
    store.update_counts(OCCURRENCE, [on_mastodon.model_copy(update={"likes": 6})], DAY)

    archive = store.session(OCCURRENCE)
    assert archive is not None
    posts = {post.network: post for post in archive.posts}
    assert (posts["x"].text, posts["x"].likes) == (on_x.text, 0)
    assert (posts["mastodon"].text, posts["mastodon"].likes) == ("A1 elsewhere", 6)
    assert sorted(s.post.network for s in store.stored_posts(OCCURRENCE)) == ["mastodon", "x"]


def test_counts_unknown_stay_unknown_and_numbers_stay_numbers(store: ArchiveStore) -> None:
    session = store.start(a_session())
    unknown = an_archived_post(
        "1851000000000000001", likes=None, reposts=None, replies=None, quotes=None
    )
    some = an_archived_post("1851000000000000002", likes=3, reposts=0, replies=1, quotes=None)
    store.add_posts(session, [unknown, some], DAY)
    archive = store.session(OCCURRENCE)
    assert archive is not None
    found = {post.id: post.counts for post in archive.posts}
    assert found == {unknown.id: (None, None, None, None), some.id: (3, 0, 1, None)}

    # a lookup that now gives a count fills it in; one that gives none keeps the one known
    store.update_counts(OCCURRENCE, [unknown.model_copy(update={"likes": 2})], DAY)
    store.update_counts(OCCURRENCE, [some.model_copy(update={"likes": None, "replies": 4})], DAY)
    found = {stored.post.id: stored.post.counts for stored in store.stored_posts(OCCURRENCE)}
    assert found == {unknown.id: (2, None, None, None), some.id: (3, 0, 4, None)}


def test_a_session_and_posts_archived_before_networks_read_as_x(backend: Backend) -> None:
    if not isinstance(backend, DynamoBackend):
        pytest.skip("items as the DynamoDB adapter wrote them before sessions spanned networks")
    table = backend.table("ArchiveTable")
    pk = f"SESSION#{OCCURRENCE}"
    session = a_session()
    table.put_item(Item={
        "pk": pk, "sk": "META", "occurrence_id": OCCURRENCE, "chat_id": "edtechchat",
        "network": "x", "query": "(#edtechchat OR #edchat) -is:retweet", "status": "counted",
        "budget_reads": 2000, "reads": 3, "cost_usd": Decimal("0.015"), "posts": 1, "polls": 1,
        "since_id": "1851000000000000001", "expires_at": int(session.expires_at.timestamp()),
        **{name: getattr(session, name).isoformat().replace("+00:00", "Z")
           for name in ("start_utc", "end_utc", "window_start", "window_end")},
    })  # fmt: skip
    post = an_archived_post()
    old_item = {k: v for k, v in post.model_dump(mode="json").items() if k != "network"}
    table.put_item(Item={**old_item, "pk": pk, "sk": f"POST#{post.id}", "read_on": "2026-11-03",
                         "links": list(post.links), "expires_at": 1}, )  # fmt: skip
    store = DynamoArchiveStore(table)

    found = read(store)
    assert (found.networks, found.hashtags) == (("x",), ("#edtechchat", "#edchat"))
    assert (found.since("x"), found.reads_on("x")) == ("1851000000000000001", 3)
    archive = store.session(OCCURRENCE)
    assert archive is not None and [(p.network, p.id) for p in archive.posts] == [("x", post.id)]
    store.update_counts(OCCURRENCE, [post.model_copy(update={"likes": 4})], DAY)
    assert [s.post.likes for s in store.stored_posts(OCCURRENCE)] == [4]


# ----- moderators set by an admin ---------------------------------------------------------------


def test_moderators_set_by_an_admin_are_kept_with_the_session_until_cleared(
    store: ArchiveStore,
) -> None:
    store.start(a_session())
    assert read(store).moderator_override is None
    assert store.set_moderators(OCCURRENCE, ["guest_one", "guest.bsky.social"])
    assert read(store).moderator_override == ("guest_one", "guest.bsky.social")
    found = store.session(OCCURRENCE)
    assert found is not None and found.session.moderator_override == (
        "guest_one",
        "guest.bsky.social",
    )
    assert store.set_moderators(OCCURRENCE, [])  # nobody moderated: kept as said
    assert read(store).moderator_override == ()
    assert store.set_moderators(OCCURRENCE, None)
    assert read(store).moderator_override is None


def test_moderators_of_a_session_never_archived_are_not_kept(store: ArchiveStore) -> None:
    assert not store.set_moderators("nothing#2026-11-03T01:00:00Z", ["guest_one"])
    assert store.get("nothing#2026-11-03T01:00:00Z") is None


# ----- the count refresh's reads: past its cursor only ------------------------------------------


def three_networks(store: ArchiveStore) -> dict[str, list[ArchivedPost]]:
    """Five posts on each network in one session (ids equal across networks), in order of id,
    and posts of another session."""
    session = store.start(a_session(networks=("x", "bluesky", "mastodon")))
    posts = {
        network: [
            an_archived_post(f"10900000000000000{n}", network=network, text=f"A{n} {network}")
            for n in range(1, 6)
        ]
        for network in ("x", "bluesky", "mastodon")
    }
    for mine in posts.values():
        store.add_posts(session, list(reversed(mine)), DAY)
    other = store.start(a_session("ukedchat#2026-11-03T01:00:00Z"))
    store.add_posts(other, [an_archived_post("109000000000000009")], DAY)
    return posts


@pytest.mark.parametrize("small_pages", [False, True])
def test_posts_after_a_cursor_are_one_networks_later_posts_in_order(
    backend: Backend, small_pages: bool
) -> None:
    store = backend.archive(small_pages=small_pages)
    posts = three_networks(store)

    for network, mine in posts.items():
        ids = [post.id for post in mine]

        def after(
            cursor: str | None, limit: int | None = None, network: str = network
        ) -> list[str]:
            found = store.stored_posts_after(OCCURRENCE, network, cursor, limit)
            assert all(s.read_on == DAY and s.post.network == network for s in found)
            return [s.post.id for s in found]

        assert after(None) == ids
        assert [s.post for s in store.stored_posts_after(OCCURRENCE, network, None)] == mine
        assert after(ids[1]) == ids[2:]
        assert after(ids[1], 2) == ids[2:4]
        assert after(None, 3) == ids[:3]
        assert after(ids[3], 5) == ids[4:]
        assert after(ids[4]) == []
        assert after("109000000000000002x") == ids[2:]  # a cursor no post has: what follows
        assert after("0") == ids
    assert store.stored_posts_after("nothing#2026-11-03T01:00:00Z", "x", None, 10) == []


@pytest.mark.integration
def test_posts_after_a_cursor_are_read_without_the_ones_before(moto_aws: MotoAws) -> None:
    """What a tick of the count refresh pays for: the batch past its cursor, not the session."""
    table = DynamoBackend(moto_aws).table("ArchiveTable")
    store = DynamoArchiveStore(table)
    session = store.start(a_session(networks=("x", "mastodon")))
    for network in ("x", "mastodon"):
        store.add_posts(
            session,
            [an_archived_post(f"1090000000000{n:05d}", network=network) for n in range(100)],
            DAY,
        )
    answered: list[int] = []
    query = table.query

    def counted(**params: Any) -> dict[str, Any]:
        answer = query(**params)
        answered.append(len(answer["Items"]))
        return answer

    table.query = counted  # type: ignore[method-assign]
    found = store.stored_posts_after(OCCURRENCE, "mastodon", "109000000000000079", 10)

    assert [s.post.id for s in found] == [f"1090000000000{n:05d}" for n in range(80, 90)]
    assert sum(answered) <= 11  # the batch, and the cursor's own post at most
