"""The X sandbox's demo chat, staged through `POST /sandbox/chats` by the local stack.

`demo_chat_body(start)` is a made-up hour of #chatdecklive (sandbox/chat_session.py, seed 1: its
welcome, six questions, answers in every form, replies, quotes and a wrap-up) as a staged
transcript: its reposts left out (a chat's search leaves them out too), each post's counts the
ones it ends the hour with, a quote without the link to the post it quotes (the sandbox gives the
posts new ids); every post at the time the plan gives it, `start` being the chat's start.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from devstack.sandbox.chat_session import ChatSession, plan_session

DEMO_HASHTAG = "chatdecklive"
DEMO_MODERATORS = ("edtechmod",)
_QUOTED_LINK = re.compile(r"\s*https://twitter\.com/\w+/status/\d+$")


def demo_chat_body(start: datetime) -> dict[str, Any]:
    """The `POST /sandbox/chats` body of the demo chat whose questions start at `start`."""
    if start.tzinfo is None:
        raise ValueError("start must be an aware datetime")
    session = plan_session(DEMO_HASHTAG, DEMO_MODERATORS, start.astimezone(UTC), seed=1)
    return transcript(session, DEMO_HASHTAG)


def transcript(session: ChatSession, hashtag: str) -> dict[str, Any]:
    """A made-up chat as a staged transcript (see the module's description)."""
    posts = []
    for seeded in session.posts:
        references = {r["type"]: r["id"] for r in seeded.get("referenced_tweets", ())}
        if "retweeted" in references:
            continue
        growth = seeded.get("growth", {})
        text = seeded["text"]
        if "quoted" in references:
            text = _QUOTED_LINK.sub("", text)
        post: dict[str, Any] = {
            "id": seeded["id"],
            "author": seeded["username"],
            "text": text,
            "created_at": seeded["created_at"],
            "likes": growth.get("like_count", {}).get("to", 0),
            "reposts": growth.get("retweet_count", {}).get("to", 0),
            "replies": growth.get("reply_count", {}).get("to", 0),
        }
        if "replied_to" in references:
            post["reply_to"] = references["replied_to"]
        if "quoted" in references:
            post["quote_of"] = references["quoted"]
        posts.append(post)
    # Staged from its earliest post, every post stays where the plan put it.
    first = min(datetime.fromisoformat(p["created_at"]) for p in posts)
    start = first.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return {"hashtag": hashtag.lstrip("#"), "start": start, "posts": posts}
