"""A chat on several networks, on the fakes: one session read on each network with its own reader,
cursor and reads, budgets and cost on X only, one network's failure never stopping another's,
counts refreshed on each network, and one digest that says where each post came from."""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from chatdeck.domain.archive import ArchivedPost, ArchiveSession
from chatdeck.domain.outcomes import ReadFailed
from tests.unit.services.kit import (
    OCCURRENCE,
    START,
    TEACHER,
    WINDOW_END,
    Kit,
    a_chat,
    a_tweet,
    build_kit,
)


def on(network: str, serial: int, text: str, by: str = "ana", minute: float = 5,
       **fields: Any) -> ArchivedPost:  # fmt: skip
    """A post on Bluesky or Mastodon, as their readers give it: the network's own id and link."""
    if network == "bluesky":
        post_id = f"at://did:plc:{by}/app.bsky.feed.post/3l{serial:011d}"
        handle, url = (
            f"{by}.bsky.social",
            f"https://bsky.app/profile/{by}.bsky.social/post/{serial}",
        )
    else:  # Mastodon's ids are digits, like X's: the same id may be on both
        post_id = str(1_851_000_000_000_000_000 + serial)
        handle, url = f"{by}@mastodon.example", f"https://mastodon.example/@{by}/{post_id}"
    values: dict[str, Any] = {
        "id": post_id,
        "author_id": f"{by}-{network}",
        "author_handle": handle,
        "author_name": by.title(),
        "text": text,
        "created_at": START + timedelta(minutes=minute),
        "url": url,
        "network": network,
        **fields,
    }
    return ArchivedPost.model_validate(values)


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def session(kit: Kit) -> ArchiveSession:
    found = kit.archive.get(OCCURRENCE)
    assert found is not None
    return found


def archived(kit: Kit) -> list[tuple[str, str]]:
    archive = kit.archive.session(OCCURRENCE)
    return [] if archive is None else [(p.network, p.author_handle) for p in archive.posts]


def x_and_bluesky(kit: Kit, **fields: Any) -> None:
    kit.follow(
        a_chat(networks=["x", "bluesky"], moderators=["edtechmod", "edtechmod.bsky.social"],
               **fields)
    )  # fmt: skip


def test_a_chat_on_two_networks_is_one_session_read_on_each_with_its_own_cursor(kit: Kit) -> None:
    x_and_bluesky(kit)
    kit.network.stage(a_tweet(1, "Q1 What works? #edtechchat", by="edtechmod", minute=1))
    kit.bluesky.stage(on("bluesky", 1, "A1 stations #edtechchat", minute=2))

    first = kit.poller.poll(at(3))
    kit.bluesky.stage(on("bluesky", 2, "A1 exit tickets #edtechchat", by="ben", minute=4))
    later = kit.poller.poll(at(5))

    assert (first.polled, first.added, first.reads) == (1, 2, 1)  # reads: X's, billed
    assert first.reads_by_network == {"x": 1, "bluesky": 1}
    assert (later.added, later.reads_by_network) == (1, {"x": 0, "bluesky": 1})
    meta = session(kit)
    assert meta.networks == ("x", "bluesky")
    assert (meta.reads, meta.reads_on("bluesky"), meta.cost_usd) == (1, 2, Decimal("0.005"))
    assert meta.since("x") == a_tweet(1, "").id
    assert meta.since("bluesky") == on("bluesky", 2, "", by="ben").id
    bluesky_calls = kit.bluesky.calls_to("search_recent")
    assert bluesky_calls[0]["hashtags"] == ["#edtechchat"]
    assert bluesky_calls[1]["since_id"] == on("bluesky", 1, "").id
    assert archived(kit) == [("x", "edtechmod"), ("bluesky", "ana.bsky.social"),
                             ("bluesky", "ben.bsky.social")]  # fmt: skip


def test_the_same_id_on_x_and_mastodon_is_two_posts(kit: Kit) -> None:
    kit.follow(a_chat(networks=["x", "mastodon"]))
    kit.network.stage(a_tweet(7, "A1 on X #edtechchat", minute=2))
    kit.mastodon.stage(on("mastodon", 7, "A1 on Mastodon #edtechchat", minute=2))

    kit.poller.poll(at(3))

    assert a_tweet(7, "").id == on("mastodon", 7, "").id
    assert sorted(archived(kit)) == [("mastodon", "ana@mastodon.example"), ("x", "ana")]


def test_a_failure_on_one_network_never_stops_the_other(kit: Kit) -> None:
    x_and_bluesky(kit)
    kit.network.stage(a_tweet(1, "A1 on X #edtechchat", minute=1))
    kit.bluesky.stage(on("bluesky", 1, "A1 on Bluesky #edtechchat", minute=1))
    kit.bluesky.read_failures.append(ReadFailed("Bluesky refused the account.", account_wide=True))

    report = kit.poller.poll(at(3))

    assert report.added == 1 and archived(kit) == [("x", "ana")]
    assert report.errors == [f"{OCCURRENCE} (Bluesky): Bluesky refused the account."]
    meta = session(kit)
    assert meta.error_on("bluesky") == "Bluesky refused the account."
    assert meta.error_on("x") is None
    assert meta.retry_on("bluesky") == at(3) + timedelta(minutes=15)
    kit.poller.poll(at(4))  # X goes on; Bluesky waits its 15 minutes
    assert len(kit.network.calls_to("search_recent")) == 2
    assert len(kit.bluesky.calls_to("search_recent")) == 1


def test_a_network_without_a_reader_is_an_error_there_and_the_others_are_read() -> None:
    kit = build_kit()
    del kit.poller.readers["mastodon"]
    kit.follow(a_chat(networks=["x", "mastodon"]))
    kit.network.stage(a_tweet(1, "A1 on X #edtechchat", minute=1))

    report = kit.poller.poll(at(3))

    assert archived(kit) == [("x", "ana")]
    assert session(kit).error_on("mastodon") == "Chatdeck has no connection to read Mastodon."
    assert report.errors == [
        f"{OCCURRENCE} (Mastodon): Chatdeck has no connection to read Mastodon."
    ]
    # It never holds the session open: the window ends on time.
    assert kit.poller.poll(WINDOW_END + timedelta(minutes=1)).ended == 1


def test_the_read_budget_stops_x_only() -> None:
    kit = build_kit(budget_reads=10)
    x_and_bluesky(kit)
    kit.network.stage(*(a_tweet(n, f"A1 idea {n} #edtechchat", minute=1) for n in range(15)))
    kit.bluesky.stage(on("bluesky", 1, "A1 on Bluesky #edtechchat", minute=1))

    kit.poller.poll(at(3))
    kit.bluesky.stage(on("bluesky", 2, "A2 on Bluesky #edtechchat", minute=4))
    kit.poller.poll(at(5))

    meta = session(kit)
    assert meta.stop_reason is not None and "Polling X stopped" in meta.stop_reason
    assert len(kit.network.calls_to("search_recent")) == 1
    assert len(kit.bluesky.calls_to("search_recent")) == 2
    assert meta.reads_on("bluesky") == 2


def test_counts_are_refreshed_on_each_network_and_the_x_day_rule_is_x_only(kit: Kit) -> None:
    x_and_bluesky(kit)
    tweet = a_tweet(1, "A1 on X #edtechchat", minute=1)
    skeet = on("bluesky", 1, "A1 on Bluesky #edtechchat", minute=1)
    kit.network.stage(tweet)
    kit.bluesky.stage(skeet)
    kit.poller.poll(at(3))
    kit.poller.poll(WINDOW_END + timedelta(minutes=1))
    kit.network.stage(tweet.model_copy(update={"likes": 9}))
    kit.bluesky.stage(skeet.model_copy(update={"likes": 7, "reposts": 2}))

    next_day = WINDOW_END.replace(hour=0, minute=5) + timedelta(days=1)
    report = kit.poller.refresh_counts(next_day)

    archive = kit.archive.session(OCCURRENCE)
    assert archive is not None and archive.session.status == "counted"
    counts = {p.network: (p.likes, p.reposts) for p in archive.posts}
    assert counts == {"x": (0, 0), "bluesky": (7, 2)}  # X's day had passed; Bluesky's never does
    assert kit.network.calls_to("lookup_posts") == []
    assert report.reads == 0 and report.not_refreshed == 1
    assert archive.session.note is not None and archive.session.note.startswith("X's likes")


def test_a_lookup_failing_on_one_network_is_tried_again_until_it_gives_up(kit: Kit) -> None:
    x_and_bluesky(kit)
    kit.bluesky.stage(on("bluesky", 1, "A1 on Bluesky #edtechchat", minute=1))
    kit.poller.poll(at(3))
    kit.poller.poll(WINDOW_END + timedelta(minutes=1))
    kit.bluesky.read_failures.extend(ReadFailed("Bluesky answered 502.") for _ in range(2))

    failed = kit.poller.refresh_counts(WINDOW_END + timedelta(minutes=2))
    gave_up = kit.poller.refresh_counts(WINDOW_END + timedelta(hours=7))

    assert failed.counted == 0
    assert failed.errors == [f"{OCCURRENCE} (Bluesky): Bluesky answered 502."]
    assert gave_up.counted == 1
    note = session(kit).note
    assert note is not None and "Bluesky kept failing. Bluesky answered 502." in note


def test_a_chat_on_two_networks_gets_one_digest_saying_where_each_post_was(kit: Kit) -> None:
    x_and_bluesky(kit)
    kit.add_member(TEACHER, "Ana Rivera")
    kit.subscribe(TEACHER)
    kit.network.stage(
        a_tweet(1, "Q1 What works? #edtechchat", by="edtechmod", minute=1),
        a_tweet(2, "A1 Timely feedback #edtechchat", by="ben", minute=2, likes=3),
    )
    kit.bluesky.stage(
        on("bluesky", 1, "Q1 What works? #edtechchat", by="edtechmod", minute=1),
        on("bluesky", 2, "A1 Stations on Bluesky #edtechchat", minute=2, likes=8),
    )
    for minute in (3, 30):
        kit.poller.poll(at(minute))
    kit.poller.poll(WINDOW_END + timedelta(minutes=1))
    kit.poller.refresh_counts(WINDOW_END + timedelta(minutes=2))
    kit.digests.send_ready(WINDOW_END + timedelta(minutes=3))

    (digest,) = [e for e in kit.emails_to(TEACHER) if e.subject.startswith("Highlights")]
    assert "#edtechchat (EdTech Chat) on X and Bluesky," in digest.text
    assert "Ana (@ana.bsky.social on Bluesky), 8 likes" in digest.text
    assert "Ben Okafor (@ben on X), 3 likes" in digest.text
    assert "https://bsky.app/profile/ana.bsky.social/post/2" in digest.text
    assert "View on Bluesky" in digest.html
    # Both moderators asked Q1: one question, answered on both networks.
    assert digest.text.count("Q1 What works?") == 1


def test_a_network_refusing_the_account_does_not_hold_the_session_open(kit: Kit) -> None:
    x_and_bluesky(kit)
    kit.network.stage(a_tweet(1, "A1 on X #edtechchat", minute=1))
    refused = ReadFailed("Chatdeck cannot read Bluesky as this account.", account_wide=True)
    kit.bluesky.read_failures.extend([refused, refused])

    kit.poller.poll(at(3))
    ended = kit.poller.poll(WINDOW_END + timedelta(minutes=20))  # its 15-minute pause is over

    assert ended.ended == 1 and session(kit).status == "ended"
    assert session(kit).error_on("bluesky") == refused.reason
    note = session(kit).note
    assert note is None or "Bluesky" not in note


def test_a_network_failing_at_the_end_holds_it_until_patience_runs_out(kit: Kit) -> None:
    x_and_bluesky(kit)
    kit.bluesky.read_failures.extend(ReadFailed("Bluesky answered 502.") for _ in range(4))

    kit.poller.poll(at(3))
    held = kit.poller.poll(WINDOW_END + timedelta(minutes=1))
    still = kit.poller.poll(WINDOW_END + timedelta(minutes=2))
    gave_up = kit.poller.poll(WINDOW_END + timedelta(hours=6))

    assert (held.ended, still.ended, gave_up.ended) == (0, 0, 1)
    note = session(kit).note
    assert note is not None and "could not be read on Bluesky" in note
