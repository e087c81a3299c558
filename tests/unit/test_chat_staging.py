"""Staging a chat transcript (devstack/sandbox/staging.py), as every sandbox's POST /sandbox/chats
does: relative times kept, ids given back, references resolved, clear refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest

from devstack.sandbox.demo import demo_chat_body
from devstack.sandbox.staging import ChatStage, StagingError
from devstack.sandbox.x_chats import x_post_id

NOW = datetime(2026, 3, 2, 19, 42, 30, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def make_id(author: str, moment: datetime) -> str:
    return f"{author}/{int(moment.timestamp() * 1000)}"


def transcript(**extra: Any) -> dict[str, Any]:
    return {
        "hashtag": "#EduSkyChat",
        "posts": [
            {"id": "q1", "author": "mod", "text": "Q1 what works? #eduskychat",
             "created_at": "2026-01-05T20:05:00Z", "likes": 12, "reposts": 3, "replies": 2},
            {"id": "a1", "author": "ana", "text": "A1 stations", "reply_to": "q1",
             "created_at": "2026-01-05T20:07:30Z"},
            {"author": "ben", "text": "love this", "quote_of": "a1",
             "created_at": "2026-01-05T15:09:00-05:00"},
        ],
        **extra,
    }  # fmt: skip


def test_the_first_post_is_placed_at_start_and_the_others_keep_their_distance() -> None:
    stage = ChatStage(Clock(), make_id)
    stage.stage(transcript(start="2026-03-02T20:00:00+00:00"))
    times = [post.created_at for post in stage.all()]
    start = datetime(2026, 3, 2, 20, tzinfo=UTC)
    assert times == [start, start + timedelta(seconds=150), start + timedelta(minutes=4)]
    assert all(moment.tzinfo is not None for moment in times)


def test_without_start_the_first_post_comes_at_the_clocks_next_minute() -> None:
    stage = ChatStage(Clock(), make_id)
    stage.stage(transcript())
    assert stage.all()[0].created_at == datetime(2026, 3, 2, 19, 43, tzinfo=UTC)


def test_ids_are_given_back_in_order_and_references_become_network_ids() -> None:
    stage = ChatStage(Clock(), make_id)
    ids = stage.stage(transcript(start="2026-03-02T20:00:00Z"))
    question, answer, quote = stage.all()
    assert ids == [question.id, answer.id, quote.id]
    assert question.id == make_id("mod", datetime(2026, 3, 2, 20, tzinfo=UTC))
    assert answer.reply_to == question.id
    assert quote.quote_of == answer.id
    assert (question.likes, question.reposts, question.replies) == (12, 3, 2)
    assert (answer.likes, answer.reposts, answer.replies) == (None, None, None)
    assert {post.hashtag for post in stage.all()} == {"eduskychat"}


def test_posts_show_only_once_the_clock_has_passed_them_oldest_first() -> None:
    clock = Clock()
    stage = ChatStage(clock, make_id)
    stage.stage(transcript(start="2026-03-02T20:00:00Z"))
    assert stage.visible("eduskychat") == []
    clock.now = datetime(2026, 3, 2, 20, 2, 30, tzinfo=UTC)
    assert [post.author for post in stage.visible("#EduSkyChat")] == ["mod", "ana"]
    clock.now += timedelta(hours=1)
    assert [post.author for post in stage.visible("eduskychat")] == ["mod", "ana", "ben"]
    assert stage.visible("otherchat") == []


def test_staging_again_appends_and_may_reply_to_posts_staged_before() -> None:
    stage = ChatStage(Clock(), make_id)
    first = stage.stage(transcript(start="2026-03-02T20:00:00Z"))
    later = {
        "hashtag": "eduskychat",
        "start": "2026-03-02T20:30:00Z",
        "posts": [
            {"author": "cy", "text": "late A1", "created_at": "2026-01-01T00:00:00Z",
             "reply_to": "q1"},
            {"author": "di", "text": "+1", "created_at": "2026-01-01T00:01:00Z",
             "reply_to": first[1]},
        ],
    }  # fmt: skip
    stage.stage(later)
    posts = stage.all()
    assert len(posts) == 5
    assert posts[3].reply_to == first[0] and posts[4].reply_to == first[1]


def test_two_posts_of_the_same_instant_get_two_ids() -> None:
    stage = ChatStage(Clock(), make_id)
    same = {"author": "ana", "text": "hi", "created_at": "2026-01-05T20:00:00Z"}
    ids = stage.stage({"hashtag": "edchat", "posts": [same, {**same, "text": "again"}]})
    assert len(set(ids)) == 2
    assert stage.all()[0].created_at == stage.all()[1].created_at


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"posts": []}, "body: 'hashtag' is a required field"),
        ({"hashtag": "ed chat", "posts": [{}]}, "hashtag: 'ed chat' is not a hashtag"),
        (
            {"hashtag": "edchat", "posts": [{"author": "ana", "text": "hi"}]},
            "posts[0]: 'created_at' is a required field",
        ),
        (
            {"hashtag": "edchat", "posts": [
                {"author": "ana", "text": "hi", "created_at": "yesterday"}]},
            "posts[0].created_at: 'yesterday' is not an ISO 8601 instant with its offset",
        ),
        (
            {"hashtag": "edchat", "start": "2026-03-02 20:00", "posts": [
                {"author": "ana", "text": "hi", "created_at": "2026-03-02T20:00:00Z"}]},
            "start: '2026-03-02 20:00' is not an ISO 8601 instant with its offset",
        ),
        (
            {"hashtag": "edchat", "posts": [
                {"author": "@ana", "text": "hi", "created_at": "2026-03-02T20:00:00Z"}]},
            "posts[0].author: '@ana' is not a handle (without @)",
        ),
        (
            {"hashtag": "edchat", "posts": [
                {"author": "ana", "text": "hi", "created_at": "2026-03-02T20:00:00Z",
                 "reply_to": "nope"}]},
            "posts[0].reply_to: 'nope' is no post's id in this body, nor of a post staged before",
        ),
        (
            {"hashtag": "edchat", "posts": [
                {"id": "a", "author": "ana", "text": "hi", "created_at": "2026-03-02T20:00:00Z",
                 "quote_of": "b"},
                {"id": "b", "author": "ben", "text": "yo", "created_at": "2026-03-02T20:01:00Z"}]},
            "posts[0].quote_of: 'b' (posts[1]) is written after it",
        ),
        (
            {"hashtag": "edchat", "posts": [
                {"id": "a", "author": "ana", "text": "hi", "created_at": "2026-03-02T20:00:00Z"},
                {"id": "a", "author": "ben", "text": "yo", "created_at": "2026-03-02T20:01:00Z"}]},
            "posts[1].id: 'a' is also the id of posts[0]",
        ),
        (
            {"hashtag": "edchat", "posts": [
                {"author": "ana", "text": "hi", "created_at": "2026-03-02T20:00:00Z",
                 "likes": -1}]},
            "posts[0].likes: -1 is less than the minimum of 0",
        ),
        ([], "body: [] is not of type 'object'"),
    ],
)  # fmt: skip
def test_a_bad_body_is_refused_with_what_is_wrong_and_nothing_is_staged(
    body: Any, message: str
) -> None:
    stage = ChatStage(Clock(), make_id)
    with pytest.raises(StagingError) as refused:
        stage.stage(body)
    assert message in str(refused.value)
    assert stage.all() == []


def test_clear_forgets_everything() -> None:
    stage = ChatStage(Clock(), make_id)
    stage.stage(transcript())
    stage.clear()
    assert stage.all() == []
    with pytest.raises(StagingError):
        late = {"author": "a", "text": "x", "created_at": "2026-01-01T00:00:00Z", "reply_to": "q1"}
        stage.stage({"hashtag": "eduskychat", "posts": [late]})


def test_the_x_sandboxs_demo_chat_stages_whole_without_reposts() -> None:
    start = datetime(2026, 3, 3, 1, tzinfo=UTC)
    body = demo_chat_body(start)
    stage = ChatStage(Clock(start - timedelta(hours=1)), x_post_id)

    ids = stage.stage(body)

    posts = stage.all()
    assert len(ids) == len(set(ids)) == len(posts) >= 300
    assert not any(post.text.startswith("RT @") for post in posts)
    assert any(post.reply_to for post in posts) and any(post.quote_of for post in posts)
    assert {post.id for post in posts} >= {p.reply_to for p in posts if p.reply_to}
    questions = [p for p in posts if p.author == "edtechmod" and p.text.startswith("Q1")]
    assert questions and start < questions[0].created_at < start + timedelta(minutes=10)
    later = [(a, b) for a, b in pairwise(posts) if a.created_at < b.created_at]
    assert all(int(a.id) < int(b.id) for a, b in later)  # since_id means "after", as on X
