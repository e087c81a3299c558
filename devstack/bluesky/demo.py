"""The Bluesky sandbox's demo chat: a made-up hour of an ed chat, staged through
`POST /sandbox/chats` by the local stack.

data/demo_chat.json holds the transcript with times in minutes from the chat's start (Q1..Q5 by
the moderator, answers A1..A5, replies and a quote); `demo_chat_body(start)` turns it into the
body of `POST /sandbox/chats`, the first post at `start`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

DEMO_PATH = Path(__file__).parent / "data" / "demo_chat.json"
DEMO_HASHTAG = "skyedchatdemo"


def demo_transcript() -> dict[str, Any]:
    transcript: dict[str, Any] = json.loads(DEMO_PATH.read_text(encoding="utf-8"))
    return transcript


def demo_chat_body(start: datetime) -> dict[str, Any]:
    """The `POST /sandbox/chats` body of the demo chat, starting at `start` (aware)."""
    if start.tzinfo is None:
        raise ValueError("start must be an aware datetime")
    transcript = demo_transcript()
    posts = []
    for item in transcript["posts"]:
        post = {k: v for k, v in item.items() if k != "minute"}
        moment = start + timedelta(minutes=item["minute"])
        post["created_at"] = moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
        posts.append(post)
    return {
        "hashtag": transcript["hashtag"],
        "start": start.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "posts": posts,
    }
