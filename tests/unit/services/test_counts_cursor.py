"""The count refresh's reads and order (services/counts.py), on the fakes: each tick reads only
the posts past each network's cursor, a batch at a time (not the whole session again), and X's
posts are looked up before any other network's, so a tick's time goes first to X's lookups,
free only until the UTC day of the window's end ends."""

from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from chatdeck.domain.archive import StoredPost
from chatdeck.services.counts import READ_AHEAD, REQUESTS_PER_TICK, TICK_SECONDS, CountRefresher
from tests.unit.services.kit import WINDOW_END, Kit, a_chat, build_kit
from tests.unit.services.test_counts_over_ticks import (
    POSTS,
    SlowClock,
    SlowReader,
    a_chat_of,
    looked_up,
    session,
    ticks_after,
)
from tests.unit.services.test_poller_networks import on


def counting_reads(kit: Kit) -> Counter[str]:
    """How many stored posts the archive gave the refresh, by network (every read of them)."""
    given: Counter[str] = Counter()
    for name in ("stored_posts", "stored_posts_after"):
        real: Callable[..., Any] = getattr(kit.archive, name)

        def reading(*args: Any, real: Callable[..., Any] = real) -> Any:
            found = real(*args)
            given.update(kept.post.network for kept in found)
            return found

        setattr(kit.archive, name, reading)
    return given


def test_each_tick_reads_only_the_posts_past_its_cursor() -> None:
    """1,500 posts on each of three networks, refreshed over 25 ticks (Mastodon's pace): every
    stored post is read about once, not once a tick."""
    networks = ("x", "bluesky", "mastodon")
    kit = build_kit(budget_reads=10_000)
    a_chat_of(kit, networks)
    given = counting_reads(kit)

    ticks = 0
    for now in ticks_after(2):
        ticks += 1
        if kit.poller.refresh_counts(now).counted or ticks > 60:
            break

    assert ticks == 25 and session(kit).status == "counted"
    # each batch reads one post more (is there a next batch?): at most 15 X and Bluesky batches
    # of 100, and 75 of Mastodon's 20
    assert given["x"] <= POSTS + 15 and given["bluesky"] <= POSTS + 15
    assert given["mastodon"] <= POSTS + 75
    for reader in (kit.network, kit.bluesky, kit.mastodon):
        assert len(looked_up(reader)) == POSTS and set(looked_up(reader).values()) == {1}


def test_a_session_on_x_is_refreshed_before_the_others() -> None:
    """The other session sorts first (its chat's id): X's lookups still go first, and when
    they spend the tick's time the other waits for the next tick."""
    kit = build_kit(budget_reads=10_000)
    kit.follow(a_chat("achat", networks=["mastodon"], moderators=["edtechmod@mastodon.example"]))
    for serial in range(1, 101):
        kit.mastodon.stage(on("mastodon", 5000 + serial, f"A1 other {serial} #achat"))
    a_chat_of(kit, ["x"], posts=100)
    clock = SlowClock()
    kit.poller.counts = CountRefresher(
        kit.archive,
        {
            "x": SlowReader(kit.network, clock, TICK_SECONDS + 0.5),
            "mastodon": SlowReader(kit.mastodon, clock, TICK_SECONDS + 0.5),
        },
        clock=clock,
    )

    first = kit.poller.refresh_counts(WINDOW_END + timedelta(minutes=2))

    assert first.requests == {"x": 1}  # X's session, whole; the other's left for next tick
    assert (first.counted, first.unfinished) == (1, 1)
    assert session(kit).status == "counted"
    assert len(looked_up(kit.network)) == 100 and not kit.mastodon.calls_to("lookup_posts")


def test_a_tick_that_counts_a_session_leaves_the_rest_to_its_digest() -> None:
    """The session counted first has its digest sent in the same tick; the other, whose posts
    the tick's budget could have looked up too, waits for the next tick."""
    kit = build_kit(budget_reads=10_000)
    kit.follow(a_chat("otherchat", networks=["bluesky"], moderators=["edtechmod.bsky.social"]))
    for serial in range(1, 51):
        kit.bluesky.stage(on("bluesky", 5000 + serial, f"A1 other {serial} #otherchat"))
    a_chat_of(kit, ["x"], posts=50)

    first = kit.poller.refresh_counts(WINDOW_END + timedelta(minutes=2))
    second = kit.poller.refresh_counts(WINDOW_END + timedelta(minutes=3))

    assert (first.counted, first.unfinished, first.requests) == (1, 1, {"x": 1})
    assert session(kit).status == "counted"  # X's (sessions on X go first)
    assert (second.counted, second.unfinished, second.requests) == (1, 0, {"bluesky": 2})


def test_a_ticks_batches_are_read_together() -> None:
    """One read for as many posts as the tick may look up (at most READ_AHEAD), not one a batch:
    X's 1,500 posts (15 batches) in three reads, Mastodon's 60 a tick (three batches) in one."""
    kit = build_kit(budget_reads=10_000)
    a_chat_of(kit, ["x", "mastodon"], posts=POSTS)
    reads: list[tuple[str, int]] = []
    real = kit.archive.stored_posts_after

    def reading(
        occurrence_id: str, network: str, after: str | None, limit: int | None = None
    ) -> list[StoredPost]:
        found = real(occurrence_id, network, after, limit)
        reads.append((network, len(found)))
        return found

    kit.archive.stored_posts_after = reading  # type: ignore[method-assign]
    kit.poller.refresh_counts(WINDOW_END + timedelta(minutes=2))

    assert [n for network, n in reads if network == "x"] == [READ_AHEAD + 1] * 2 + [500]
    assert [n for network, n in reads if network == "mastodon"] == [REQUESTS_PER_TICK + 1]
    assert len(looked_up(kit.network)) == POSTS
    assert len(looked_up(kit.mastodon)) == REQUESTS_PER_TICK
