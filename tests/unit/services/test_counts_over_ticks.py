"""The count refresh after a chat, spread over ticks (services/counts.py), on the fakes: a
1,500-post session is refreshed batch by batch, each tick within its budget of requests and
time; the digest waits for the last batch; a tick dying mid-batch repeats only that batch, its
reads (and X's bill) counted once."""

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from chatdeck import deadline
from chatdeck.domain.archive import ArchivedPost, ArchiveSession, StoredPost
from chatdeck.services.counts import (
    REQUESTS_PER_TICK,
    TICK_SECONDS,
    CountRefresher,
)
from tests.fakes.network import FakeNetwork
from tests.unit.services.kit import OCCURRENCE, TEACHER, WINDOW_END, Kit, a_chat, a_tweet, build_kit
from tests.unit.services.test_poller_networks import at, on

POSTS = 1500


class SlowClock:
    """The refresh's monotonic clock: every lookup takes `seconds`."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class SlowReader:
    """A reader whose lookups take `seconds` on the clock, as a network far away would."""

    def __init__(self, network: FakeNetwork, clock: SlowClock, seconds: float) -> None:
        self.network, self.clock, self.seconds = network, clock, seconds

    def __getattr__(self, name: str) -> Any:
        return getattr(self.network, name)

    def lookup_posts(self, account: str, ids: Sequence[str]) -> list[ArchivedPost]:
        self.clock.now += self.seconds
        return self.network.lookup_posts(account, ids)


def a_chat_of(kit: Kit, networks: Sequence[str], posts: int = POSTS) -> None:
    """A chat of `posts` posts on each network, polled and ended."""
    moderators = {
        "x": "edtechmod",
        "bluesky": "edtechmod.bsky.social",
        "mastodon": "edtechmod@mastodon.example",
    }
    kit.follow(a_chat(networks=list(networks), moderators=[moderators[n] for n in networks]))
    for serial in range(1, posts + 1):
        minute = 1 + 55 * serial / posts
        if "x" in networks:
            kit.network.stage(a_tweet(serial, f"A1 idea {serial} #edtechchat", minute=minute))
        for name in ("bluesky", "mastodon"):
            if name in networks:
                text = f"A1 idea {serial} #edtechchat"
                reader_of(kit, name).stage(on(name, serial, text, minute=minute))
    kit.poller.poll(at(58))
    kit.poller.poll(WINDOW_END + timedelta(minutes=1))
    assert session(kit).status == "ended"


def liked(kit: Kit, networks: Sequence[str], posts: int = POSTS) -> None:
    """Every post liked once since the chat: what the refresh is to find."""
    for serial in range(1, posts + 1):
        if "x" in networks:
            kit.network.stage(a_tweet(serial, f"A1 idea {serial} #edtechchat", likes=1))
        for name in ("bluesky", "mastodon"):
            if name in networks:
                text = f"A1 idea {serial} #edtechchat"
                reader_of(kit, name).stage(on(name, serial, text, likes=1))


def reader_of(kit: Kit, network: str) -> FakeNetwork:
    return {"x": kit.network, "bluesky": kit.bluesky, "mastodon": kit.mastodon}[network]


def session(kit: Kit) -> ArchiveSession:
    found = kit.archive.get(OCCURRENCE)
    assert found is not None
    return found


def looked_up(network: FakeNetwork) -> Counter[str]:
    return Counter(i for call in network.calls_to("lookup_posts") for i in call["ids"])


def ticks_after(minute: int) -> Iterator[datetime]:
    while True:
        yield WINDOW_END + timedelta(minutes=minute)
        minute += 1


def test_a_1500_post_chat_is_refreshed_over_several_ticks_each_within_its_budget() -> None:
    networks = ("x", "bluesky", "mastodon")
    kit = build_kit(budget_reads=10_000)
    kit.add_member(TEACHER, "Ana Rivera")
    kit.subscribe(TEACHER)
    a_chat_of(kit, networks)
    liked(kit, networks)
    x_reads, cost = session(kit).reads, session(kit).cost_usd

    reports, digests_sent = [], []
    for now in ticks_after(2):
        report = kit.poller.refresh_counts(now)
        reports.append(report)
        digests_sent.append(kit.digests.send_ready(now + timedelta(seconds=30)))
        if report.counted or len(reports) > 60:
            break

    # Mastodon (one post a request, 60 a tick) sets the pace: 1,500 posts in 25 ticks.
    assert len(reports) == -(-POSTS // REQUESTS_PER_TICK)
    for report in reports:
        assert all(used <= REQUESTS_PER_TICK for used in report.requests.values())
    assert [r.unfinished for r in reports] == [1] * (len(reports) - 1) + [0]
    # X (100 a request) and Bluesky (25) were done in the first ticks; the digest waited for
    # Mastodon's last batch, and went out once.
    assert reports[0].requests == {"x": 15, "bluesky": 60, "mastodon": 60}
    assert digests_sent == [0] * (len(reports) - 1) + [1]
    assert len([e for e in kit.emails_to(TEACHER) if e.subject.startswith("Highlights")]) == 1
    # Every post looked up once on its network, and its new count kept.
    for name in networks:
        counts = looked_up(reader_of(kit, name))
        assert len(counts) == POSTS and set(counts.values()) == {1}
    archive = kit.archive.session(OCCURRENCE)
    assert archive is not None and {p.likes for p in archive.posts} == {1}
    assert len(archive.posts) == 3 * POSTS
    # X billed nothing more: its posts were read that same UTC day.
    assert (session(kit).reads, session(kit).cost_usd) == (x_reads, cost)
    assert sum(r.reads for r in reports) == 0


def test_no_batch_is_started_once_the_ticks_time_is_spent(kit: Kit) -> None:
    clock = SlowClock()
    a_chat_of(kit, ["bluesky"], posts=1000)
    kit.poller.counts = CountRefresher(
        kit.archive, {"bluesky": SlowReader(kit.bluesky, clock, 0.7)}, clock=clock
    )

    spent = []
    for now in ticks_after(2):
        started = clock.now
        report = kit.poller.refresh_counts(now)
        spent.append(clock.now - started)
        if report.counted:
            break

    # 100 posts (4 requests) a batch, each 0.7 s: 3 batches a tick, the last started before
    # TICK_SECONDS; none after.
    assert spent == [pytest.approx(2.1)] * 3 + [pytest.approx(0.7)]
    assert max(spent) < TICK_SECONDS + 0.7 < 5
    assert set(looked_up(kit.bluesky).values()) == {1}
    assert session(kit).status == "counted"


@pytest.mark.parametrize(("remaining_ms", "lookups"), [(10_500, 1), (9_000, 0)])
def test_the_refresh_leaves_the_invocation_time_for_the_digests(
    kit: Kit, remaining_ms: int, lookups: int
) -> None:
    class Context:
        def get_remaining_time_in_millis(self) -> int:
            return remaining_ms

    clock = SlowClock()
    a_chat_of(kit, ["bluesky"], posts=300)
    kit.poller.counts = CountRefresher(
        kit.archive, {"bluesky": SlowReader(kit.bluesky, clock, 0.7)}, clock=clock
    )
    deadline.start(Context())
    try:
        report = kit.poller.refresh_counts(WINDOW_END + timedelta(minutes=2))
    finally:
        deadline.clear()

    assert len(kit.bluesky.calls_to("lookup_posts")) == lookups
    assert (report.counted, report.unfinished) == (0, 1)


@pytest.mark.parametrize("network", ["x", "mastodon"])
def test_a_tick_dying_mid_batch_repeats_only_that_batch_counted_once(network: str) -> None:
    kit = build_kit(budget_reads=10_000)
    a_chat_of(kit, [network], posts=250)
    liked(kit, [network], posts=250)
    before = session(kit)
    store_add_reads = kit.archive.add_reads
    batches: list[str] = []

    def dies_at_the_second_batch(*args: Any, **kwargs: Any) -> None:
        through = args[6] if len(args) > 6 else kwargs.get("refreshed_through")
        if through is not None:
            batches.append(through)
            if len(batches) == 2:  # counts written, then the Lambda timed out
                raise TimeoutError("Task timed out after 60.00 seconds")
        store_add_reads(*args, **kwargs)

    kit.archive.add_reads = dies_at_the_second_batch  # type: ignore[method-assign]
    with pytest.raises(TimeoutError):
        kit.poller.refresh_counts(WINDOW_END + timedelta(minutes=2))
    died = session(kit)
    for now in ticks_after(3):
        if kit.poller.refresh_counts(now).counted:
            break

    counts = looked_up(reader_of(kit, network))
    per_batch = 100 if network == "x" else 20
    twice = sorted(i for i, n in counts.items() if n == 2)
    assert len(counts) == 250 and len(twice) == per_batch and set(counts.values()) == {1, 2}
    assert died.refreshed == {network: batches[0]}  # where it was before the batch that died
    after = session(kit)
    assert after.status == "counted"
    archive = kit.archive.session(OCCURRENCE)
    assert archive is not None and {p.likes for p in archive.posts} == {1}
    if network == "x":  # read the same UTC day: billed no second time, and not counted again
        assert (after.reads, after.cost_usd) == (before.reads, before.cost_usd)
        assert before.cost_usd == Decimal("0.005") * 250
    else:  # each post's refresh read counted once
        assert after.reads_on(network) == before.reads_on(network) + 250
    assert date(2026, 11, 3) == WINDOW_END.date()


def test_once_the_ticks_time_is_spent_no_other_session_is_even_read(kit: Kit) -> None:
    """Reading a session's next posts is a Query: a tick whose refreshing time is up leaves the
    next session unread for the next tick, and each session gets its turn."""
    clock = SlowClock()
    kit.follow(a_chat("otherchat", networks=["bluesky"], moderators=["edtechmod.bsky.social"]))
    for serial in range(1, 101):
        kit.bluesky.stage(on("bluesky", 5000 + serial, f"A1 other {serial} #otherchat"))
    a_chat_of(kit, ["bluesky"], posts=100)
    kit.poller.counts = CountRefresher(
        kit.archive, {"bluesky": SlowReader(kit.bluesky, clock, TICK_SECONDS + 0.5)}, clock=clock
    )
    read_posts_of: list[str] = []
    stored_posts_after = kit.archive.stored_posts_after

    def reading(
        occurrence_id: str, network: str, after: str | None, limit: int | None = None
    ) -> list[StoredPost]:
        read_posts_of.append(occurrence_id)
        return stored_posts_after(occurrence_id, network, after, limit)

    kit.archive.stored_posts_after = reading  # type: ignore[method-assign]
    first = kit.poller.refresh_counts(WINDOW_END + timedelta(minutes=2))
    second = kit.poller.refresh_counts(WINDOW_END + timedelta(minutes=3))

    assert (first.counted, first.unfinished, second.counted, second.unfinished) == (1, 1, 1, 0)
    assert len(read_posts_of) == 2 and len(set(read_posts_of)) == 2
    assert len(kit.bluesky.calls_to("lookup_posts")) == 2
