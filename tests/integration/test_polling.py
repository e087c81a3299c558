"""Archiving a live chat: the Poller against moto server and the sandbox over HTTP, through the
real tweepy client, with the sandbox's clock set to each instant the companion would run at.

(Long on purpose: one session's life, from the first poll to the counts, shares its fixtures
and sandbox clock; split, each part would rebuild the same live chat.)"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

import boto3
import pytest
import requests
from werkzeug.datastructures import MultiDict

from chatdeck.adapters.archive import DynamoArchiveStore
from chatdeck.adapters.dynamodb import Table
from chatdeck.adapters.x.reading import search_query
from chatdeck.domain.chats import Chat, Recurrence
from chatdeck.services.polling import Poller
from devstack.sandbox.chat_session import plan_session
from devstack.sandbox.models import Growth
from tests.integration.deployment import Deployment
from tests.integration.test_x_adapter_contract import official_description, operation_for

pytestmark = pytest.mark.integration

# Monday 2 March 2026, 20:00 in New York (EST) is 01:00 UTC on Tuesday 3 March.
MONDAY = date(2026, 3, 2)
START = datetime(2026, 3, 3, 1, 0, tzinfo=UTC)
END = START + timedelta(hours=1)
WINDOW_START = START - timedelta(minutes=15)
WINDOW_END = END + timedelta(minutes=30)
OCCURRENCE = "edtechchat#2026-03-03T01:00:00Z"
MODERATOR = "edtechmod"
SEARCH = "GET /2/tweets/search/recent"
LOOKUP = "GET /2/tweets"
REFRESH_AT_ONCE = 600.0  # seconds: a whole count refresh in one call (see Archive.poller)


def a_chat(**fields: Any) -> Chat:
    values: dict[str, Any] = {
        "id": "edtechchat",
        "name": "EdTech Chat",
        "hashtag": "#edtechchat",
        "network": "x",
        "recurrence": Recurrence(
            weekday=0,
            start=time(20, 0),
            zone="America/New_York",
            duration_minutes=60,
            first_date=MONDAY,
        ),
        "moderators": [MODERATOR],
        **fields,
    }
    return Chat.model_validate(values)


class Chats:
    """The cohort's calendar, in memory: the Poller only lists it."""

    def __init__(self, *chats: Chat) -> None:
        self.chats = list(chats)

    def all(self) -> list[Chat]:
        return self.chats


@dataclass
class Archive:
    deployment: Deployment
    table: Table
    store: DynamoArchiveStore

    @property
    def sandbox(self) -> str:
        return self.deployment.sandbox_url

    def poller(self, *chats: Chat, budget_reads: int = 2000) -> Poller:
        return Poller(
            Chats(*(chats or (a_chat(),))),
            self.store,
            {"x": self.deployment.services.reader},
            budget_reads=budget_reads,
            retention=timedelta(days=180),
            # each refresh here finishes in one call, however slow the machine: the per-tick
            # budget is tests/unit/services/test_counts_over_ticks.py's
            refresh_seconds=REFRESH_AT_ONCE,
        )

    def clock(self, now: datetime) -> datetime:
        """The sandbox's clock at `now`, as X's would be when the companion runs then."""
        answer = requests.post(
            f"{self.sandbox}/sandbox/clock", json={"now": now.isoformat()}, timeout=5
        )
        answer.raise_for_status()
        return now

    def seed_chat(
        self, seed: int = 1, hashtag: str = "edtechchat", start: datetime = START
    ) -> dict[str, Any]:
        """A made-up hour of the chat (chat_session.py), seeded through POST /sandbox/seed."""
        session = plan_session(hashtag, [MODERATOR], start, seed)
        return {
            "ids": self.seed(*session.posts),
            "questions": {str(n): post_id for n, post_id in session.questions.items()},
        }

    def seed(self, *posts: dict[str, Any]) -> list[str]:
        answer = requests.post(
            f"{self.sandbox}/sandbox/seed", json={"posts": list(posts)}, timeout=10
        )
        assert answer.status_code == 201, answer.text
        ids: list[str] = answer.json()["ids"]
        return ids

    def requests(self, endpoint: str) -> list[dict[str, Any]]:
        logged: list[dict[str, Any]] = requests.get(
            f"{self.sandbox}/sandbox/requests", timeout=5
        ).json()
        return [entry for entry in logged if entry["endpoint"] == endpoint]

    def items(self, occurrence_id: str = OCCURRENCE) -> list[dict[str, Any]]:
        answer = self.table.query(
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": f"SESSION#{occurrence_id}"},
        )
        items: list[dict[str, Any]] = answer["Items"]
        return items

    def meta(self, occurrence_id: str = OCCURRENCE) -> dict[str, Any]:
        [meta] = [item for item in self.items(occurrence_id) if item["sk"] == "META"]
        return meta

    def post_ids(self, occurrence_id: str = OCCURRENCE) -> list[str]:
        return [
            i["sk"].removeprefix("POST#") for i in self.items(occurrence_id) if i["sk"] != "META"
        ]


@pytest.fixture
def archive(deployment: Deployment) -> Iterator[Archive]:
    # The deployment made the template's ArchiveTable for this test.
    table = Table(boto3.client("dynamodb"), deployment.services.settings.archive_table)
    yield Archive(deployment, table, DynamoArchiveStore(table))
    requests.post(f"{deployment.sandbox_url}/sandbox/clock", json={}, timeout=5)


def query_of(entry: dict[str, Any]) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(entry["path"]).query).items()}


def on_the_hashtag(text: str, tag: str = "edtechchat") -> bool:
    return re.search(rf"(?<![\w&])#{tag}(?!\w)", text, re.IGNORECASE) is not None


def expected_ids(seed: int, since: datetime, until: datetime) -> set[str]:
    """The chat's posts a `#edtechchat -is:retweet` search finds between two instants."""
    session = plan_session("edtechchat", [MODERATOR], START, seed)
    return {
        post["id"]
        for post in session.posts
        if on_the_hashtag(post["text"])
        and not any(r["type"] == "retweeted" for r in post.get("referenced_tweets", []))
        and since <= datetime.fromisoformat(post["created_at"]) <= until
    }


def burst(count: int, start: datetime, seconds: float) -> list[dict[str, Any]]:
    return [
        {
            "text": f"A2 idea number {n} from the back row #edtechchat",
            "author_id": str(5000 + n % 30),
            "username": f"teacher{n % 30}",
            "created_at": (start + timedelta(seconds=seconds * n / count)).isoformat(),
        }
        for n in range(count)
    ]


# Polling


def test_outside_every_window_nothing_calls_x(archive: Archive) -> None:
    archive.seed_chat()
    poller = archive.poller()

    before = poller.poll(archive.clock(WINDOW_START - timedelta(seconds=1)))
    after = poller.poll(archive.clock(WINDOW_END + timedelta(minutes=5)))
    next_day = poller.poll(archive.clock(START + timedelta(days=1)))

    assert (before.polled, after.polled, next_day.polled) == (0, 0, 0)
    assert requests.get(f"{archive.sandbox}/sandbox/requests", timeout=5).json() == []
    assert archive.items() == []


def test_the_first_poll_reads_from_the_window_start_and_stores_each_post_once(
    archive: Archive,
) -> None:
    archive.seed_chat()
    poller = archive.poller()

    first = poller.poll(archive.clock(START + timedelta(minutes=10)))
    newest_then = archive.meta()["since_id"]
    again = poller.poll(archive.clock(START + timedelta(minutes=10)))
    later = poller.poll(archive.clock(START + timedelta(minutes=25)))

    seen_first = expected_ids(1, WINDOW_START, START + timedelta(minutes=10))
    seen_by_25 = expected_ids(1, WINDOW_START, START + timedelta(minutes=25))
    assert first.added == first.reads == len(seen_first) > 30
    assert (again.reads, again.added) == (0, 0)
    assert first.added + later.added == len(seen_by_25)
    assert sorted(archive.post_ids()) == sorted(seen_by_25)  # each once, and no repost
    searches = [query_of(entry) for entry in archive.requests(SEARCH)]
    assert searches[0]["query"] == "#edtechchat -is:retweet"
    assert searches[0]["start_time"] == "2026-03-03T00:45:00Z"
    assert "since_id" not in searches[0]
    assert searches[0]["max_results"] == "100"
    assert newest_then == max(seen_first, key=int)
    assert [s.get("since_id") for s in searches[-2:]] == [newest_then, newest_then]
    assert all("start_time" not in s for s in searches[-2:])


def test_a_post_seen_again_changes_nothing(archive: Archive) -> None:
    [post_id] = archive.seed(
        {
            "text": "A1 exit tickets every day #edtechchat",
            "author_id": "777",
            "username": "ana",
            "created_at": "2026-03-03T01:06:00Z",
            "public_metrics": {"like_count": 1},
        }
    )
    poller = archive.poller()
    poller.poll(archive.clock(START + timedelta(minutes=7)))
    store = archive.store
    session = store.get(OCCURRENCE)
    assert session is not None
    [stored] = [s.post for s in store.stored_posts(OCCURRENCE)]
    liked_more = stored.model_copy(update={"likes": 40, "text": "changed"})

    assert store.add_posts(session, [liked_more], START.date()) == 0

    [kept] = [s.post for s in store.stored_posts(OCCURRENCE)]
    assert (kept.id, kept.likes, kept.text) == (post_id, 1, "A1 exit tickets every day #edtechchat")


def test_the_session_records_what_it_read_and_cost(archive: Archive) -> None:
    archive.seed_chat()
    poller = archive.poller()

    reports = [
        poller.poll(archive.clock(START + timedelta(minutes=minute))) for minute in (-15, 5, 20)
    ]

    meta = archive.meta()
    reads = sum(report.reads for report in reports)
    assert reads == len(expected_ids(1, WINDOW_START, START + timedelta(minutes=20)))
    assert meta["reads"] == reads
    assert meta["cost_usd"] == Decimal("0.005") * reads
    assert meta["polls"] == 3
    assert meta["posts"] == len(archive.post_ids())
    assert meta["status"] == "polling"
    assert meta["budget_reads"] == 2000
    assert (meta["networks"], meta["hashtags"]) == (["x"], ["#edtechchat"])
    assert meta["since_id"] == max(archive.post_ids(), key=int)


def test_a_burst_of_150_posts_between_two_polls_is_kept_whole(archive: Archive) -> None:
    [welcome] = archive.seed(
        {"text": "Welcome to #edtechchat!", "author_id": "4000", "username": MODERATOR,
         "created_at": "2026-03-03T01:00:00Z"},
    )  # fmt: skip
    poller = archive.poller()
    poller.poll(archive.clock(START + timedelta(minutes=1)))
    ids = archive.seed(*burst(150, START + timedelta(minutes=1, seconds=5), seconds=50))

    report = poller.poll(archive.clock(START + timedelta(minutes=2)))

    assert report.added == report.reads == 150
    assert sorted(archive.post_ids()) == sorted([welcome, *ids])
    pages = [query_of(entry) for entry in archive.requests(SEARCH)][1:]
    assert len(pages) == 2
    assert [page["since_id"] for page in pages] == [welcome, welcome]
    assert "next_token" not in pages[0] and "next_token" in pages[1]
    assert archive.meta()["since_id"] == max(ids, key=int)


def test_the_read_budget_stops_polling_and_says_why(archive: Archive) -> None:
    archive.seed_chat()
    poller = archive.poller(budget_reads=120)

    first = poller.poll(archive.clock(START + timedelta(minutes=30)))
    searches_then = len(archive.requests(SEARCH))
    second = poller.poll(archive.clock(START + timedelta(minutes=31)))

    assert first.reads == 120  # a page of 100, then one of 20
    assert [query_of(e)["max_results"] for e in archive.requests(SEARCH)] == ["100", "20"]
    assert second.polled == 0
    assert len(archive.requests(SEARCH)) == searches_then
    meta = archive.meta()
    assert meta["reads"] == 120
    assert meta["cost_usd"] == Decimal("0.600")
    assert "budget is 120 posts" in meta["stop_reason"]
    assert meta["status"] == "polling"

    poller.poll(archive.clock(WINDOW_END + timedelta(minutes=1)))
    assert archive.meta()["status"] == "ended"
    assert len(archive.requests(SEARCH)) == searches_then  # no last search either


def test_two_hashtags_are_searched_together_without_reposts(archive: Archive) -> None:
    archive.seed(
        {"text": "A1 #edtechchat start with why", "author_id": "11", "username": "ana",
         "created_at": "2026-03-03T01:06:00Z"},
        {"text": "A1 #edchat same here", "author_id": "12", "username": "ben",
         "created_at": "2026-03-03T01:07:00Z"},
        {"text": "RT @ana: A1 #edtechchat start with why", "author_id": "13", "username": "cy",
         "created_at": "2026-03-03T01:08:00Z",
         "referenced_tweets": [{"type": "retweeted", "id": "1"}]},
        {"text": "unrelated #maths", "author_id": "12", "username": "ben",
         "created_at": "2026-03-03T01:08:00Z"},
    )  # fmt: skip
    chat = a_chat(extra_tags=["#EdChat"])

    archive.poller(chat).poll(archive.clock(START + timedelta(minutes=10)))

    tags = [chat.hashtag, *chat.extra_tags]
    assert search_query(tags) == "(#edtechchat OR #EdChat) -is:retweet"
    assert query_of(archive.requests(SEARCH)[0])["query"] == search_query(tags)
    texts = sorted(i["text"] for i in archive.items() if i["sk"] != "META")
    assert texts == ["A1 #edchat same here", "A1 #edtechchat start with why"]


def test_a_chat_on_a_network_without_a_reader_never_calls_x(archive: Archive) -> None:
    chat = a_chat(network="mastodon", moderators=["mod@mastodon.social"])

    report = archive.poller(chat).poll(archive.clock(START + timedelta(minutes=10)))

    assert report.errors == [
        f"{OCCURRENCE} (Mastodon): Chatdeck has no connection to read Mastodon."
    ]
    assert archive.meta()["last_error_mastodon"] == "Chatdeck has no connection to read Mastodon."
    assert requests.get(f"{archive.sandbox}/sandbox/requests", timeout=5).json() == []


def test_a_failed_search_is_read_again_from_the_same_point(archive: Archive) -> None:
    archive.seed_chat()
    poller = archive.poller()
    poller.poll(archive.clock(START + timedelta(minutes=5)))
    since = archive.meta()["since_id"]
    archive.deployment.fault(endpoint=SEARCH, status=503, count=1)

    failed = poller.poll(archive.clock(START + timedelta(minutes=10)))

    assert failed.errors and "503" in failed.errors[0]
    assert archive.meta()["since_id"] == since
    assert "503" in archive.meta()["last_error"]

    poller.poll(archive.clock(START + timedelta(minutes=11)))

    assert archive.meta()["since_id"] != since
    assert "last_error" not in archive.meta()
    assert sorted(archive.post_ids()) == sorted(
        expected_ids(1, WINDOW_START, START + timedelta(minutes=11))
    )


def test_a_rate_limit_waits_for_its_reset_without_calling(archive: Archive) -> None:
    archive.seed_chat()
    poller = archive.poller()
    now = archive.clock(START + timedelta(minutes=5))
    reset = int((now + timedelta(minutes=4)).timestamp())
    archive.deployment.fault(endpoint=SEARCH, status=429, count=1, reset=reset)

    poller.poll(now)
    poller.poll(archive.clock(START + timedelta(minutes=6)))

    assert len(archive.requests(SEARCH)) == 1
    assert archive.meta()["retry_at"] == "2026-03-03T01:09:00Z"
    poller.poll(archive.clock(START + timedelta(minutes=9)))
    assert len(archive.requests(SEARCH)) == 2
    assert archive.post_ids()


def test_after_the_window_a_last_search_up_to_its_end_then_the_session_ends(
    archive: Archive,
) -> None:
    archive.seed_chat()
    late = archive.seed(
        {"text": "So late to #edtechchat 🙈", "author_id": "91", "username": "late",
         "created_at": "2026-03-03T02:29:59Z"},
        {"text": "Next week's #edtechchat is on games", "author_id": "92", "username": "next",
         "created_at": "2026-03-03T02:30:01Z"},
    )  # fmt: skip
    poller = archive.poller()
    poller.poll(archive.clock(WINDOW_END - timedelta(minutes=1)))

    too_soon = poller.poll(archive.clock(WINDOW_END + timedelta(seconds=5)))
    ended = poller.poll(archive.clock(WINDOW_END + timedelta(seconds=30)))
    afterwards = poller.poll(archive.clock(WINDOW_END + timedelta(minutes=1)))

    assert (too_soon.ended, ended.ended, afterwards.ended) == (0, 1, 0)
    bounded = [query_of(e) for e in archive.requests(SEARCH) if "end_time" in query_of(e)]
    assert [q["end_time"] for q in bounded] == ["2026-03-03T02:30:00Z"]
    assert query_of(archive.requests(SEARCH)[-1]) == bounded[0]  # and nothing after it
    assert late[0] in archive.post_ids() and late[1] not in archive.post_ids()
    assert archive.meta()["status"] == "ended"


# Counts


def follow_the_chat(archive: Archive, poller: Poller) -> None:
    """Poll every ten minutes of the window, then end the session."""
    minute = WINDOW_START
    while minute < WINDOW_END:
        poller.poll(archive.clock(minute))
        minute += timedelta(minutes=10)
    poller.poll(archive.clock(WINDOW_END + timedelta(minutes=1)))
    assert archive.meta()["status"] == "ended"


def likes_at(seed: int, now: datetime) -> dict[str, int]:
    """What the sandbox shows as each chat post's likes at `now` (see chat_session.py)."""
    likes = {}
    for post in plan_session("edtechchat", [MODERATOR], START, seed).posts:
        growth = post["growth"].get("like_count")
        age = now - datetime.fromisoformat(post["created_at"])
        likes[post["id"]] = (
            Growth(growth["to"], timedelta(minutes=growth["half_life_minutes"])).at(age)
            if growth
            else 0
        )
    return likes


def test_counts_are_refreshed_the_same_utc_day_in_batches_of_100_for_free(
    archive: Archive,
) -> None:
    archive.seed_chat()
    poller = archive.poller()
    follow_the_chat(archive, poller)
    stored_before = {s.post.id: s.post.likes for s in archive.store.stored_posts(OCCURRENCE)}
    reads_before = archive.meta()["reads"]
    refreshed_at = archive.clock(WINDOW_END + timedelta(minutes=2))

    report = poller.refresh_counts(refreshed_at)

    lookups = archive.requests(LOOKUP)
    batches = [query_of(entry)["ids"].split(",") for entry in lookups]
    assert all(len(batch) <= 100 for batch in batches)
    assert sorted(i for batch in batches for i in batch) == sorted(stored_before)
    assert len(batches) == -(-len(stored_before) // 100)
    assert report.counted == 1
    meta = archive.meta()
    assert meta["status"] == "counted"
    assert meta["reads"] == reads_before  # every post was read earlier the same UTC day
    expected = likes_at(1, refreshed_at)
    after = {s.post.id: s.post.likes for s in archive.store.stored_posts(OCCURRENCE)}
    assert after == {post_id: expected[post_id] for post_id in after}
    assert sum(after.values()) > sum(stored_before.values())
    assert poller.refresh_counts(refreshed_at + timedelta(minutes=1)).counted == 0
    assert len(archive.requests(LOOKUP)) == len(lookups)


def test_counts_are_not_refreshed_once_the_utc_day_has_passed(archive: Archive) -> None:
    archive.seed_chat()
    poller = archive.poller()
    follow_the_chat(archive, poller)
    before = {s.post.id: s.post.likes for s in archive.store.stored_posts(OCCURRENCE)}

    report = poller.refresh_counts(archive.clock(datetime(2026, 3, 4, 0, 1, tzinfo=UTC)))

    assert (report.counted, report.not_refreshed) == (1, 1)
    assert archive.requests(LOOKUP) == []
    meta = archive.meta()
    assert meta["status"] == "counted"
    assert "billed again" in meta["note"]
    assert {s.post.id: s.post.likes for s in archive.store.stored_posts(OCCURRENCE)} == before


def test_a_chat_across_midnight_refreshes_only_what_was_read_the_same_day(
    archive: Archive,
) -> None:
    # 19:00 in New York is midnight UTC: the window opens on 2 March and closes on 3 March.
    chat = a_chat(
        recurrence=Recurrence(
            weekday=0, start=time(19, 0), zone="America/New_York", duration_minutes=60,
            first_date=MONDAY,
        )
    )  # fmt: skip
    midnight = datetime(2026, 3, 3, tzinfo=UTC)
    occurrence = "edtechchat#2026-03-03T00:00:00Z"
    archive.seed_chat(seed=2, start=midnight)
    poller = archive.poller(chat)
    for minute in (-10, -1, 20, 40, 60, 89, 91):
        poller.poll(archive.clock(midnight + timedelta(minutes=minute)))
    stored = archive.store.stored_posts(occurrence)
    before_midnight = {s.post.id for s in stored if s.read_on == date(2026, 3, 2)}
    reads_before = archive.meta(occurrence)["reads"]

    report = poller.refresh_counts(archive.clock(midnight + timedelta(minutes=92)))

    looked_up = {i for e in archive.requests(LOOKUP) for i in query_of(e)["ids"].split(",")}
    assert before_midnight and looked_up
    assert looked_up == {s.post.id for s in stored} - before_midnight
    assert report.counted == 1 and report.reads == 0
    meta = archive.meta(occurrence)
    assert meta["status"] == "counted" and meta["reads"] == reads_before
    assert f"{len(before_midnight)} posts read before 03 Mar" in meta["note"]


# The digest's side


def test_counted_sessions_are_ready_for_the_digest_until_marked(archive: Archive) -> None:
    archive.seed_chat()
    poller = archive.poller()
    follow_the_chat(archive, poller)
    now = archive.clock(WINDOW_END + timedelta(minutes=3))
    assert poller.sessions_ready_for_digest(now) == []
    poller.refresh_counts(now)

    [ready] = poller.sessions_ready_for_digest(now)
    archived = poller.session(ready.occurrence_id)

    assert ready.occurrence_id == OCCURRENCE and ready.status == "counted"
    assert archived is not None
    assert [p.created_at for p in archived.posts] == sorted(p.created_at for p in archived.posts)
    assert len(archived.posts) == archived.session.posts
    assert poller.mark_digested(ready, now)
    assert not poller.mark_digested(ready, now)
    assert poller.sessions_ready_for_digest(now + timedelta(minutes=1)) == []
    assert "open_pk" not in archive.meta()


def test_archived_posts_keep_authors_threads_and_where_links_lead(archive: Archive) -> None:
    seeded = archive.seed_chat()
    poller = archive.poller()
    follow_the_chat(archive, poller)
    archived = poller.session(OCCURRENCE)
    assert archived is not None
    posts = {post.id: post for post in archived.posts}
    session = plan_session("edtechchat", [MODERATOR], START, 1)
    by_id = {post["id"]: post for post in session.posts}

    q1 = posts[seeded["questions"]["1"]]
    assert q1.author_handle == MODERATOR and q1.text.startswith("Q1")
    replies = [p for p in posts.values() if p.reply_to == q1.id]
    assert replies and all(p.text.startswith(f"@{MODERATOR} ") for p in replies)
    quotes = [p for p in posts.values() if p.quote_of]
    assert quotes and all(p.quote_of in by_id for p in quotes)
    linked = [p for p in posts.values() if p.links]
    assert linked and all("https://t.co/" in p.text for p in linked)
    assert not any(link.startswith("https://t.co/") for p in linked for link in p.links)
    assert any(
        link == "https://www.cultofpedagogy.com/retrieval-practice/"
        and "bit.ly" in by_id[p.id]["text"]
        for p in posts.values()
        for link in p.links
    )  # a shortened link is kept where it leads
    for post in posts.values():
        assert post.author_name == by_id[post.id]["name"]
        assert post.url == f"https://x.com/{post.author_handle}/status/{post.id}"


def test_every_item_expires_180_days_after_the_session_ends(archive: Archive) -> None:
    archive.seed_chat()
    archive.poller().poll(archive.clock(START + timedelta(minutes=10)))

    expires = int((END + timedelta(days=180)).timestamp())
    items = archive.items()
    assert len(items) > 1
    assert {int(item["expires_at"]) for item in items} == {expires}
    ttl = boto3.client("dynamodb").describe_time_to_live(TableName=archive.table.name)
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expires_at"


# The reads themselves


def test_the_reads_are_valid_x_api_v2_requests(archive: Archive) -> None:
    network = archive.deployment.services.reader
    captured: list[requests.PreparedRequest] = []

    def capture(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        captured.append(response.request)

    archive.deployment.services._x_clients.client("cohort").session.hooks["response"].append(
        capture
    )
    ids = archive.seed(*burst(12, START, seconds=60))
    archive.clock(START + timedelta(minutes=5))

    page = network.search_recent(
        "cohort", ["#edtechchat", "#edchat"], start_time=WINDOW_START, max_results=10
    )
    rest = network.search_recent(
        "cohort", ["#edtechchat"], start_time=WINDOW_START, next_token=page.next_token
    )
    later = network.search_recent(
        "cohort", ["#edtechchat"], since_id=ids[3], end_time=START + timedelta(minutes=1)
    )
    looked_up = network.lookup_posts("cohort", ids[:5])

    assert (page.reads, rest.reads, len(later.posts)) == (10, 2, 8)
    assert page.newest_id == ids[-1] and page.next_token and rest.next_token is None
    assert [p.id for p in looked_up] == ids[:5]
    description = official_description()
    for request in captured:
        url = urlsplit(request.url or "")
        template, path_values = operation_for(description, request.method or "", url.path)
        operation = description.operation((request.method or "").lower(), template)
        query = MultiDict(parse_qsl(url.query, keep_blank_values=True))
        assert operation.check_query(query) + operation.check_path(path_values) == []
        assert (request.headers.get("Authorization") or "").startswith("OAuth ")
    assert {request.path_url.split("?")[0] for request in captured} == {
        "/2/tweets/search/recent",
        "/2/tweets",
    }
