"""The readers keep a count the payload does not give as unknown (None), never 0, and a count
it gives (0 included) as given: X's `public_metrics`, Mastodon's `*_count` (older instances send
no `quotes_count`). Bluesky's are in test_bluesky_reading.py."""

from types import SimpleNamespace
from typing import Any

import pytest

from chatdeck.adapters.mastodon.reading import archived
from chatdeck.adapters.x.reading import _archived_posts

STATUS: dict[str, Any] = {
    "id": "109000000000000001",
    "created_at": "2026-03-03T01:05:00.000Z",
    "content": "<p>A1 Conferences #TwoChat</p>",
    "url": "https://mastodon.example/@maya/109000000000000001",
    "account": {"id": "1", "acct": "maya", "username": "maya", "display_name": "Maya"},
}
COUNTS = {"favourites_count": 5, "reblogs_count": 0, "replies_count": 2, "quotes_count": 1}


def test_a_mastodon_status_without_counts_keeps_them_unknown() -> None:
    assert archived(STATUS).counts == (None, None, None, None)


def test_a_mastodon_status_from_before_quotes_keeps_only_quotes_unknown() -> None:
    status = STATUS | {k: v for k, v in COUNTS.items() if k != "quotes_count"}
    assert archived(status).counts == (5, 0, 2, None)
    assert archived(STATUS | COUNTS).counts == (5, 0, 2, 1)


def x_response(metrics: dict[str, int] | None) -> Any:
    raw: dict[str, Any] = {
        "id": "1851000000000000001",
        "author_id": "42",
        "text": "A1 Timely feedback #twochat",
        "created_at": "2026-03-03T01:03:00.000Z",
    }
    if metrics is not None:
        raw["public_metrics"] = metrics
    user = SimpleNamespace(id="42", username="ben_teaches", name="Ben")
    return SimpleNamespace(data=[SimpleNamespace(data=raw)], includes={"users": [user]})


@pytest.mark.parametrize(
    ("metrics", "counts"),
    [
        (None, (None, None, None, None)),
        ({"like_count": 3, "retweet_count": 0, "reply_count": 1}, (3, 0, 1, None)),
        (
            {"like_count": 0, "repost_count": 2, "reply_count": 0, "quote_count": 0},
            (0, 2, 0, 0),
        ),
    ],
)
def test_an_x_post_keeps_the_counts_it_gives_and_no_others(
    metrics: dict[str, int] | None, counts: tuple[int | None, ...]
) -> None:
    [post] = _archived_posts(x_response(metrics))
    assert post.counts == counts
