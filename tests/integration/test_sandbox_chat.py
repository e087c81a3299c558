"""The sandbox's made-up chats, its clock and its OR queries, driven over HTTP by the real tweepy
client as Chatdeck drives X."""

import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
import requests
import tweepy

from devstack.sandbox.chat_session import MIN_POSTS, generate_session, plan_session
from tests.integration.test_sandbox import x_client

pytestmark = pytest.mark.integration

START = datetime(2026, 3, 3, 1, 0, tzinfo=UTC)
MODS = ["edtechmod", "cohost_amy"]
FIELDS: dict[str, Any] = {
    "tweet_fields": ["created_at", "public_metrics", "entities", "referenced_tweets", "author_id"],
    "expansions": ["author_id"],
    "user_fields": ["username", "name"],
    "user_auth": True,
}


@pytest.fixture(autouse=True)
def fresh_sandbox(sandbox_url: str) -> Iterator[None]:
    requests.delete(f"{sandbox_url}/sandbox/posts", timeout=5).raise_for_status()
    yield
    requests.delete(f"{sandbox_url}/sandbox/posts", timeout=5).raise_for_status()


@pytest.fixture
def client(sandbox_url: str) -> tweepy.Client:
    return x_client(sandbox_url)


def set_clock(sandbox_url: str, **spec: Any) -> dict[str, Any]:
    answer = requests.post(f"{sandbox_url}/sandbox/clock", json=spec, timeout=5)
    assert answer.status_code == 200, answer.text
    state: dict[str, Any] = answer.json()
    return state


def seed_chat(sandbox_url: str, seed: int = 1, **extra: Any) -> dict[str, Any]:
    """A made-up hour of #edtechchat (chat_session.py), seeded through POST /sandbox/seed."""
    session = plan_session("#edtechchat", MODS, START, seed, **extra)
    answer = requests.post(f"{sandbox_url}/sandbox/seed", json={"posts": session.posts}, timeout=10)
    assert answer.status_code == 201, answer.text
    return {
        "ids": answer.json()["ids"],
        "questions": {str(n): post_id for n, post_id in session.questions.items()},
        "participants": session.participants,
        "topic": session.topic,
    }


def stage(sandbox_url: str, body: Any) -> requests.Response:
    return requests.post(f"{sandbox_url}/sandbox/chats", json=body, timeout=10)


def every_page(client: tweepy.Client, query: str, **params: Any) -> list[Any]:
    found: list[Any] = []
    for page in tweepy.Paginator(client.search_recent_tweets, query, max_results=100, **params):
        found.extend(page.data or [])
    return found


def at(minutes: float) -> str:
    return (START + timedelta(minutes=minutes)).isoformat()


# The made-up hour


def test_a_session_is_the_same_for_the_same_seed_and_differs_for_another() -> None:
    first = generate_session("edtechchat", MODS, START, seed=7)
    again = generate_session("#edtechchat", ["@edtechmod", "cohost_amy"], START, seed=7)
    other = generate_session("edtechchat", MODS, START, seed=8)

    assert first == again
    assert [p["text"] for p in first] != [p["text"] for p in other]


def test_a_session_is_a_busy_hour_of_about_25_people() -> None:
    for seed in range(1, 6):
        session = plan_session("edtechchat", MODS, START, seed)
        posts = session.posts
        authors = {p["username"] for p in posts}
        times = [datetime.fromisoformat(p["created_at"]) for p in posts]

        assert len(posts) >= MIN_POSTS == 300
        assert len(session.participants) == 25
        assert authors <= {*session.participants, *MODS} and len(authors) >= 25
        assert times == sorted(times)
        assert START - timedelta(minutes=15) <= times[0] and times[-1] < START + timedelta(
            minutes=90
        )
        ids = [p["id"] for p in posts]
        assert len(set(ids)) == len(ids) and ids == sorted(ids, key=int)  # later posts, higher ids


def test_questions_come_every_eight_minutes_in_varied_forms() -> None:
    session = plan_session("edtechchat", MODS, START, 1)
    posts = {p["id"]: p for p in session.posts}

    questions = [posts[session.questions[n]] for n in range(1, 7)]

    assert [q["username"] for q in questions] == [MODS[0]] * 6
    prefixes = [re.findall(r"^Q\d\S*(?: [-–])?", q["text"])[0] for q in questions]
    assert prefixes == ["Q1:", "Q2.", "Q3 -", "Q4)", "Q5 –", "Q6"]
    asked = [datetime.fromisoformat(q["created_at"]) for q in questions]
    gaps = [(b - a).total_seconds() / 60 for a, b in pairwise(asked)]
    assert all(7 <= gap <= 9 for gap in gaps)


def test_answers_come_in_every_form_people_type() -> None:
    texts = [
        p["text"] for seed in (1, 2, 3) for p in generate_session("edtechchat", MODS, START, seed)
    ]
    bare = [re.sub(r"^(@\w+ )+", "", text) for text in texts]  # a reply's leading mentions

    forms = {
        "A1 …": r"^A\d [A-Za-z]",
        "A1: …": r"^A\d: ",
        "A1 - …": r"^A\d - ",
        "A1) …": r"^A\d\) ",
        "a1 …": r"^a\d ",
        "A1. …": r"^A\d\. ",
        "A1/A2 …": r"^A\d/A\d ",
        "A1 & A2: …": r"^A\d & A\d: ",
        "A1, A2: …": r"^A\d, A\d: ",
    }
    for form, pattern in forms.items():
        assert any(re.search(pattern, text) for text in bare), form


def test_the_hour_has_threads_quotes_reposts_links_and_emoji() -> None:
    session = plan_session("edtechchat", MODS, START, 1)
    posts = {p["id"]: p for p in session.posts}
    questions = set(session.questions.values())

    def references(post: dict[str, Any], kind: str) -> list[str]:
        return [r["id"] for r in post.get("referenced_tweets", []) if r["type"] == kind]

    to_questions = [p for p in posts.values() if set(references(p, "replied_to")) & questions]
    unnumbered = [p for p in to_questions if not re.search(r"\b[Aa]\d", p["text"])]
    between_people = [
        p
        for p in posts.values()
        if references(p, "replied_to")
        and not set(references(p, "replied_to")) & questions
        and posts[references(p, "replied_to")[0]]["username"] != p["username"]
    ]
    two_deep = [
        p for p in between_people if references(posts[references(p, "replied_to")[0]], "replied_to")
    ]
    quotes = [p for p in posts.values() if references(p, "quoted")]
    reposts = [p for p in posts.values() if references(p, "retweeted")]
    texts = " ".join(p["text"] for p in posts.values())

    assert len(to_questions) > 20 and unnumbered
    assert all(p["text"].startswith(f"@{MODS[0]} ") for p in to_questions)
    assert len(between_people) > 50 and two_deep
    assert all(
        p["conversation_id"] == posts[references(p, "replied_to")[0]]["conversation_id"]
        for p in between_people
    )
    assert quotes and all(
        p["text"].endswith(f"/status/{references(p, 'quoted')[0]}") for p in quotes
    )
    assert len(reposts) >= 6 and all(p["text"].startswith(f"RT @{MODS[0]}: Q") for p in reposts)
    assert (
        "utm_source=" in texts
        and "https://bit.ly/" in texts
        and "https://www.edutopia.org/" in texts
    )
    assert any(p.get("unwound_urls") for p in posts.values())
    assert {"🙌", "💡"} & set(texts)
    tags = Counter(re.findall(r"#edtechchat", texts, re.IGNORECASE))
    assert len(tags) >= 3  # as announced, and in other cases
    assert any("#" not in re.sub(r"https?://\S+", "", p["text"]) for p in posts.values())


# Seeded through HTTP, read through tweepy


def test_a_seeded_chat_appears_as_the_sandbox_clock_passes(
    client: tweepy.Client, sandbox_url: str
) -> None:
    seeded = seed_chat(sandbox_url)
    plan = plan_session("#edtechchat", MODS, START, 1)
    q6 = seeded["questions"]["6"]

    set_clock(sandbox_url, now=at(10))
    early = every_page(client, "#edtechchat -is:retweet", **FIELDS)
    not_yet = client.get_tweets([q6], **FIELDS)
    set_clock(sandbox_url, now=at(90))
    late = every_page(client, "#edtechchat -is:retweet", **FIELDS)

    assert seeded["ids"] == [p["id"] for p in plan.posts]
    assert seeded["questions"] == {str(n): i for n, i in plan.questions.items()}
    assert seeded["topic"] == plan.topic and seeded["participants"] == plan.participants
    assert all(t.created_at <= START + timedelta(minutes=10) for t in early)
    assert len(late) > len(early) > 30
    assert not_yet.data is None and not_yet.errors[0]["resource_id"] == q6
    assert not any(t.text.startswith("RT @") for t in late)


def test_likes_grow_with_time_and_are_the_same_at_the_same_instant(
    client: tweepy.Client, sandbox_url: str
) -> None:
    seeded = seed_chat(sandbox_url)
    answers_to_q1 = seeded["ids"][20:120]

    def likes(minutes: float) -> dict[str, int]:
        set_clock(sandbox_url, now=at(minutes))
        found = client.get_tweets(answers_to_q1, **FIELDS)
        return {str(t.id): t.public_metrics["like_count"] for t in found.data}

    during, after, again = likes(20), likes(95), likes(95)

    assert set(after) == set(answers_to_q1)
    assert all(after[i] >= during.get(i, 0) for i in after)
    assert sum(after.values()) > 2 * sum(during.values())
    assert after == again


def test_the_same_seed_reads_back_identically(client: tweepy.Client, sandbox_url: str) -> None:
    def read() -> list[dict[str, Any]]:
        seed_chat(sandbox_url, seed=3)
        set_clock(sandbox_url, now=at(70))
        return [t.data for t in every_page(client, "#edtechchat", **FIELDS)]

    first = read()
    requests.delete(f"{sandbox_url}/sandbox/posts", timeout=5).raise_for_status()
    second = read()

    assert first == second
    links = [u for t in first for u in t.get("entities", {}).get("urls", [])]
    assert links and all(u["url"].startswith("https://t.co/") for u in links)
    assert any(u.get("unwound_url") for u in links)


# Staged transcripts (POST /sandbox/chats, as on every sandbox)

TRANSCRIPT: dict[str, Any] = {
    "hashtag": "EdTechChat",
    "start": "2026-03-03T01:00:00Z",
    "posts": [
        {"id": "q1", "author": "edtechmod", "text": "Q1 What feedback works? #edtechchat",
         "created_at": "2020-01-01T20:00:00-05:00", "likes": 14, "reposts": 3, "replies": 1},
        {"id": "a1", "author": "ana_teaches", "text": "A1 timely feedback", "reply_to": "q1",
         "created_at": "2020-01-01T20:02:00-05:00"},
        {"author": "ben", "text": "So true #EDTECHCHAT", "quote_of": "a1",
         "created_at": "2020-01-01T20:30:00-05:00"},
    ],
}  # fmt: skip


def test_a_staged_transcript_is_served_as_its_times_come(
    client: tweepy.Client, sandbox_url: str
) -> None:
    staged = stage(sandbox_url, TRANSCRIPT)
    assert staged.status_code == 201, staged.text
    question, answer, quote = staged.json()["ids"]

    set_clock(sandbox_url, now=at(10))
    early = every_page(client, "#edtechchat -is:retweet", **FIELDS)
    set_clock(sandbox_url, now=at(45))
    late = {str(t.id): t for t in every_page(client, "#edtechchat -is:retweet", **FIELDS)}

    assert [str(t.id) for t in early] == [answer, question]  # newest first
    assert set(late) == {question, answer, quote}
    assert late[question].created_at == START
    assert late[quote].created_at == START + timedelta(minutes=30)
    assert late[question].public_metrics["like_count"] == 14
    assert late[answer].public_metrics is None  # staged without counts: served without them
    assert late[answer].text == "A1 timely feedback #edtechchat"  # found by the chat's search
    replied = {r.type: str(r.id) for r in late[answer].referenced_tweets}
    quoted = {r.type: str(r.id) for r in late[quote].referenced_tweets}
    assert (replied, quoted) == ({"replied_to": question}, {"quoted": answer})
    assert int(question) < int(answer) < int(quote)


def test_staging_again_appends_to_the_hashtag(client: tweepy.Client, sandbox_url: str) -> None:
    first = stage(sandbox_url, TRANSCRIPT).json()["ids"]
    more = {"hashtag": "edtechchat", "start": "2026-03-03T01:40:00Z", "posts": [
        {"author": "cy", "text": "late A1 #edtechchat", "reply_to": "q1",
         "created_at": "2026-01-01T00:00:00Z"}]}  # fmt: skip
    later = stage(sandbox_url, more)
    set_clock(sandbox_url, now=at(50))
    found = [str(t.id) for t in every_page(client, "#edtechchat", **FIELDS)]

    assert later.status_code == 201, later.text
    assert set(found) == {*first, *later.json()["ids"]}


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({**TRANSCRIPT, "posts": [{"author": "ana", "text": "hi"}]},
         "posts[0]: 'created_at' is a required field"),
        ({**TRANSCRIPT, "posts": [{"author": "ana", "text": "hi", "created_at": "8pm"}]},
         "posts[0].created_at: '8pm' is not an ISO 8601 instant"),
        ({**TRANSCRIPT, "posts": [{"author": "ana", "text": "hi",
                                   "created_at": "2026-03-03T01:00:00Z", "reply_to": "zz"}]},
         "posts[0].reply_to: 'zz' is no post's id"),
        ({**TRANSCRIPT, "posts": [{"author": "ana.bsky.social", "text": "hi",
                                   "created_at": "2026-03-03T01:00:00Z"}]},
         "posts[0].author: 'ana.bsky.social' is not an X handle"),
        ({"posts": []}, "'hashtag' is a required field"),
    ],
)  # fmt: skip
def test_a_bad_transcript_is_refused_saying_why(
    client: tweepy.Client, sandbox_url: str, body: Any, error: str
) -> None:
    answer = stage(sandbox_url, body)
    set_clock(sandbox_url, now=at(90))

    assert answer.status_code == 400
    assert error in answer.json()["error"]
    assert every_page(client, "#edtechchat", **FIELDS) == []


def test_the_older_generator_route_is_gone(sandbox_url: str) -> None:
    spec = {"hashtag": "#edtechchat", "moderators": MODS, "start": "2026-03-03T01:00:00Z"}
    answer = requests.post(f"{sandbox_url}/sandbox/chat", json=spec, timeout=5)
    assert answer.status_code == 404


# The clock


def test_the_clock_is_real_time_until_set(sandbox_url: str) -> None:
    state = requests.get(f"{sandbox_url}/sandbox/clock", timeout=5).json()

    now = datetime.fromisoformat(state["now"])
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)
    assert (state["frozen"], state["offset_seconds"]) == (False, 0)


def test_the_clock_freezes_runs_from_an_instant_shifts_and_resets(sandbox_url: str) -> None:
    frozen = set_clock(sandbox_url, now="2026-03-03T01:20:00Z")
    running = set_clock(sandbox_url, now="2026-03-03T01:20:00Z", running=True)
    later = requests.get(f"{sandbox_url}/sandbox/clock", timeout=5).json()
    shifted = set_clock(sandbox_url, offset_seconds=-3600)
    requests.delete(f"{sandbox_url}/sandbox/posts", timeout=5).raise_for_status()
    reset = requests.get(f"{sandbox_url}/sandbox/clock", timeout=5).json()

    assert frozen == {"now": "2026-03-03T01:20:00.000Z", "frozen": True, "offset_seconds": 0}
    assert running["frozen"] is False and later["now"] >= running["now"] >= "2026-03-03T01:20"
    assert later["now"] < "2026-03-03T01:21"
    assert abs(
        datetime.fromisoformat(shifted["now"]) - (datetime.now(UTC) - timedelta(hours=1))
    ) < timedelta(seconds=5)
    assert (reset["frozen"], reset["offset_seconds"]) == (False, 0)
    for spec in (
        {"now": "yesterday"},
        {"now": "2026-03-03T01:20:00Z", "offset_seconds": 5},
        {"speed": 2},
    ):
        assert (
            requests.post(f"{sandbox_url}/sandbox/clock", json=spec, timeout=5).status_code == 400
        )


def test_posts_created_and_searches_judged_at_the_sandbox_clock(
    client: tweepy.Client, sandbox_url: str
) -> None:
    set_clock(sandbox_url, now="2026-03-03T01:20:00Z")

    created = client.create_tweet(text="Q1 is up! #edtechchat", user_auth=True).data["id"]
    [listed] = requests.get(f"{sandbox_url}/sandbox/posts", timeout=5).json()
    with pytest.raises(tweepy.BadRequest, match="10 seconds prior"):
        client.search_recent_tweets("#edtechchat", end_time="2026-03-03T01:19:55Z", user_auth=True)
    found = client.search_recent_tweets(
        "#edtechchat", end_time="2026-03-03T01:19:50Z", user_auth=True
    )
    with pytest.raises(tweepy.BadRequest, match="start_time"):
        client.search_recent_tweets(
            "#edtechchat", start_time="2026-02-20T00:00:00Z", user_auth=True
        )
    [logged, *_] = requests.get(f"{sandbox_url}/sandbox/requests", timeout=5).json()

    assert listed["id"] == created and listed["created_at"] == "2026-03-03T01:20:00.000Z"
    assert found.data is None  # the post was created at 01:20, after the end_time
    assert logged["at"] == "2026-03-03T01:20:00.000Z"


# OR and groups


def test_or_and_parentheses_select_as_x_does(client: tweepy.Client, sandbox_url: str) -> None:
    posts = [
        ("A1 #edtechchat why", None),
        ("A1 #edchat same", None),
        ("RT @ana: A1 #edtechchat why", "retweeted"),
        ("RT @ben: A1 #edchat same", "retweeted"),
        ("#maths only", None),
    ]
    seeded = requests.post(
        f"{sandbox_url}/sandbox/seed",
        json={
            "posts": [
                {
                    "text": text,
                    "author_id": "31",
                    "username": "dee",
                    "created_at": (datetime.now(UTC) - timedelta(minutes=5 - n)).isoformat(),
                    **({"referenced_tweets": [{"type": kind, "id": "1"}]} if kind else {}),
                }
                for n, (text, kind) in enumerate(posts)
            ]
        },
        timeout=5,
    ).json()["ids"]

    def found(query: str) -> list[str]:
        answer = client.search_recent_tweets(query, user_auth=True)
        return sorted(str(t.id) for t in answer.data or [])

    assert found("(#edtechchat OR #edchat) -is:retweet") == sorted(seeded[:2])
    # AND binds tighter than OR: the reposts of the first tag slip through
    assert found("#edtechchat OR #edchat -is:retweet") == sorted(seeded[:3])
    assert found("#maths OR -(#edtechchat OR #edchat) #maths") == [seeded[4]]
    for query, problem in (
        ("(#edtechchat OR #edchat", "missing ')'"),
        ("#edtechchat OR", "no viable alternative"),
        ("#edtechchat OR -is:retweet", "non-negation"),
        ("#edtechchat )", "extraneous input"),
    ):
        with pytest.raises(tweepy.BadRequest, match=re.escape(problem)):
            client.search_recent_tweets(query, user_auth=True)
