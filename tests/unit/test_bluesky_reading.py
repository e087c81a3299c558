"""Bluesky's post views as the archive keeps them: a real searchPosts answer (tests/unit/data/
bluesky_search_posts.json, recorded on bsky.social) read through atproto's own response model,
as the adapter reads it."""

import json
from pathlib import Path
from typing import Any

import pytest
from atproto_client import models
from atproto_client.models.utils import get_model_as_dict

from chatdeck.adapters.bluesky.reading import archived

RECORDED = json.loads(
    (Path(__file__).parent / "data" / "bluesky_search_posts.json").read_text(encoding="utf-8")
)["response"]


def views() -> list[dict[str, Any]]:
    answer = models.AppBskyFeedSearchPosts.Response.model_validate(RECORDED)
    return [get_model_as_dict(view) for view in answer.posts]


def test_every_recorded_post_is_archived_with_its_author_link_and_counts() -> None:
    posts = [archived(view) for view in views()]
    assert len(posts) == len(RECORDED["posts"]) == 25
    for post, raw in zip(posts, RECORDED["posts"], strict=True):
        rkey = raw["uri"].rsplit("/", 1)[1]
        assert post.network == "bluesky" and post.id == raw["uri"]
        assert post.url == f"https://bsky.app/profile/{raw['author']['handle']}/post/{rkey}"
        assert (post.author_id, post.author_handle) == (
            raw["author"]["did"],
            raw["author"]["handle"],
        )
        assert post.author_name == (raw["author"].get("displayName") or raw["author"]["handle"])
        assert post.text == raw["record"]["text"]
        assert (post.likes, post.reposts, post.replies, post.quotes) == (
            raw["likeCount"],
            raw["repostCount"],
            raw["replyCount"],
            raw["quoteCount"],
        )
        assert post.created_at.isoformat().startswith(raw["record"]["createdAt"][:19])


def test_replies_quotes_and_links_come_from_the_record() -> None:
    by_uri = {post.id: post for post in (archived(view) for view in views())}
    for raw in RECORDED["posts"]:
        post, record = by_uri[raw["uri"]], raw["record"]
        assert post.reply_to == ((record.get("reply") or {}).get("parent") or {}).get("uri")
        embed = record.get("embed") or {}
        if embed.get("$type") == "app.bsky.embed.record":
            assert post.quote_of == embed["record"]["uri"]
        else:
            assert post.quote_of is None
        facet_links = [
            f["uri"] for facet in record.get("facets", []) for f in facet["features"] if "uri" in f
        ]
        card = (embed.get("external") or {}).get("uri")
        assert set(post.links) == set(facet_links) | ({card} if card else set())
    assert sum(1 for p in by_uri.values() if p.reply_to) == 12
    assert sum(1 for p in by_uri.values() if p.quote_of) == 2


@pytest.mark.parametrize("missing", ["likeCount", "repostCount", "replyCount", "quoteCount"])
def test_a_count_bluesky_leaves_out_is_unknown_not_zero(missing: str) -> None:
    view = dict(views()[1])
    view.pop(missing)
    post = archived(view)
    counts = {
        "likeCount": post.likes,
        "repostCount": post.reposts,
        "replyCount": post.replies,
        "quoteCount": post.quotes,
    }
    assert counts[missing] is None  # unknown: the digest shows no count, never a 0
    assert all(isinstance(n, int) for name, n in counts.items() if name != missing)
