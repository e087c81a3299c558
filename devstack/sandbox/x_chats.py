"""Staged chat transcripts on the X sandbox (`POST /sandbox/chats`): staging.py's StagedPosts as
the X posts the store serves.

- Ids are snowflakes of each post's placed time (so `since_id` means "after", as on X), plus a
  few low bits from the author's handle, which keep two authors' posts of one millisecond apart.
- Authors are X handles (letters, digits and _, at most 15); a transcript from another network
  (handles with dots or a server) is refused with the post named, before anything is staged.
- A post is served to the chat's searches, which on X match the text: one whose text lacks the
  transcript's hashtag gets it at the end, as its author would have typed it.
- A reply names its parent and its parent's author, and shares its thread's `conversation_id`; a
  quote names the quoted post. Counts staged are its `public_metrics` (like, retweet and reply
  counts); a post staged with none (an imported transcript) is served without `public_metrics`
  (the staging contract: a transcript has no counts), which X itself never does, so Chatdeck's
  reader keeps its counts unknown instead of showing a made-up 0.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from devstack.sandbox.models import snowflake, x_time
from devstack.sandbox.staging import StagedPost, StagingError
from devstack.sandbox.store import stable_id

X_HANDLE = re.compile(r"[A-Za-z0-9_]{1,15}")


def x_post_id(author: str, moment: datetime) -> str:
    """A snowflake of the moment, its low bits from the author."""
    return str(snowflake(moment) + int(stable_id(f"@{author.casefold()}")) % 4096)


def check_x_authors(body: Any) -> None:
    """Refuse a transcript whose authors are not X handles (the schema checks the rest)."""
    posts = body.get("posts") if isinstance(body, dict) else None
    for n, post in enumerate(posts if isinstance(posts, list) else []):
        author = post.get("author") if isinstance(post, dict) else None
        if isinstance(author, str) and not X_HANDLE.fullmatch(author):
            raise StagingError(
                f"posts[{n}].author: {author!r} is not an X handle (letters, digits and _, at "
                "most 15, without @)"
            )


def seed_items(staged: list[StagedPost], every: list[StagedPost]) -> list[dict[str, Any]]:
    """The staged posts as control.SEED_SCHEMA items; `every` staged post, to find parents."""
    by_id = {post.id: post for post in every}

    def root(post: StagedPost) -> StagedPost:
        seen = set()
        while post.reply_to in by_id and post.id not in seen:
            seen.add(post.id)
            post = by_id[post.reply_to]
        return post

    items = []
    for post in staged:
        text = post.text
        if f"#{post.hashtag}" not in {tag.casefold() for tag in re.findall(r"#\w+", text)}:
            text = f"{text} #{post.hashtag}"
        item: dict[str, Any] = {
            "id": post.id,
            "text": text,
            "author_id": stable_id(f"@{post.author.casefold()}"),
            "username": post.author,
            "created_at": x_time(post.created_at),
            "conversation_id": root(post).id,
            "lang": "en",
            "public_metrics": None,  # a post staged without counts is served without them
        }
        if (post.likes, post.reposts, post.replies) != (None, None, None):
            item["public_metrics"] = {
                "like_count": post.likes or 0,
                "retweet_count": post.reposts or 0,
                "reply_count": post.replies or 0,
            }
        references = []
        if post.reply_to:
            references.append({"type": "replied_to", "id": post.reply_to})
            parent = by_id.get(post.reply_to)
            if parent is not None:
                item["in_reply_to_user_id"] = stable_id(f"@{parent.author.casefold()}")
        if post.quote_of:
            references.append({"type": "quoted", "id": post.quote_of})
        if references:
            item["referenced_tweets"] = references
        items.append(item)
    return items
