"""The seeded live demo chat of the Mastodon sandbox, staged through `POST /sandbox/chats`.

data/demo_chat.json is made up (no real people or posts): a one-hour demo ed chat under
#mastoedchatdemo, five questions from its moderator and answers to each, times in minutes from
the start. `demo_chat_body(start)` turns it into the staging body, the first post at `start`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from devstack.mastodon.entities import DATA

DEMO = json.loads((DATA / "demo_chat.json").read_text())
DEMO_HASHTAG: str = DEMO["hashtag"]


def demo_chat_body(start: datetime) -> dict[str, Any]:
    """The `POST /sandbox/chats` body of the demo chat, starting at `start`."""
    begin = start.astimezone(UTC)
    posts = []
    for post in DEMO["posts"]:
        item: dict[str, Any] = {
            "id": post["id"],
            "author": post["author"],
            "text": post["text"],
            "created_at": (begin + timedelta(minutes=post["minute"])).isoformat(),
        }
        for name in ("likes", "reposts", "replies", "reply_to"):
            if name in post:
                item[name] = post[name]
        posts.append(item)
    return {"hashtag": DEMO_HASHTAG, "start": begin.isoformat(), "posts": posts}
