"""The posts of a made-up chat as chat_session.py plans them, and how they become seed posts.

A `PlannedPost` knows its author, moment, text and what it replies to, quotes or reposts. `render`
turns the chat's planned posts into seed posts (control.SEED_SCHEMA items), oldest first:

- ids follow the posts' moments as X's snowflakes do (a later post has the larger id), plus an
  offset drawn from the seed that keeps two seeds' ids apart;
- a reply names the post it answers and its author, and shares its thread's `conversation_id`; a
  quote names the quoted post, whose link its text ends with; a repost names only what it reposts;
- every post but a repost gets `growth`: extra likes, reposts, bookmarks and impressions that grow
  with the post's quality (a moderator's likes and reposts doubled; reposts at least the chat's
  own), its replies and quotes in the chat (now and then one more reply, from someone who left off
  the tag), each approached half the way every 8 to 38 minutes.

It draws on the chat's random generator after the planning, in post order, so the same seed
renders the same counts.
"""

from __future__ import annotations

import random
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from devstack.sandbox.chat_script import Person
from devstack.sandbox.entities import MAX_WEIGHTED_LENGTH as MAX_LENGTH
from devstack.sandbox.entities import weighted_length
from devstack.sandbox.models import snowflake, x_time

SeedPost = dict[str, Any]


@dataclass
class PlannedPost:
    author: Person
    at: datetime
    text: str  # a quote's ends with its quoted post's link, `{quoted}` standing for its id
    reply_to: PlannedPost | None = None
    quote_of: PlannedPost | None = None
    repost_of: PlannedPost | None = None
    kind: str = "conversation"  # question, answer, intro, conversation, retweet
    quality: float = 0.0
    unwound: dict[str, str] = field(default_factory=dict)
    children: list[PlannedPost] = field(default_factory=list)
    quotes: list[PlannedPost] = field(default_factory=list)
    reposts: list[PlannedPost] = field(default_factory=list)
    id: str = ""

    @property
    def root(self) -> PlannedPost:
        return self.reply_to.root if self.reply_to else self


def render(
    posts: list[PlannedPost], moderators: Collection[Person], rng: random.Random
) -> list[SeedPost]:
    """Sort the posts oldest first, give each its id, and answer them as seed posts."""
    posts.sort(key=lambda post: post.at)
    base = int(rng.randrange(1 << 10)) << 12  # keeps two seeds' ids apart
    for index, post in enumerate(posts):
        post.id = str(snowflake(post.at) + base + index)
    return [_seed_post(post, moderators, rng) for post in posts]


def _seed_post(post: PlannedPost, moderators: Collection[Person], rng: random.Random) -> SeedPost:
    text = post.text.replace("{quoted}", post.quote_of.id) if post.quote_of else post.text
    if weighted_length(text) > MAX_LENGTH:
        raise AssertionError(f"a generated post is too long for X: {text!r}")
    item: SeedPost = {
        "id": post.id,
        "text": text,
        "author_id": post.author.author_id,
        "username": post.author.handle,
        "name": post.author.name,
        "created_at": x_time(post.at),
        "conversation_id": post.root.id,
        "lang": "en",
        "growth": _growth(post, moderators, rng),
    }
    references = []
    if post.reply_to:
        references.append({"type": "replied_to", "id": post.reply_to.id})
        item["in_reply_to_user_id"] = post.reply_to.author.author_id
    if post.quote_of:
        references.append({"type": "quoted", "id": post.quote_of.id})
    if post.repost_of:
        references = [{"type": "retweeted", "id": post.repost_of.id}]
        item["conversation_id"] = post.id
    if references:
        item["referenced_tweets"] = references
    if post.unwound:
        item["unwound_urls"] = post.unwound
    return item


def _growth(
    post: PlannedPost, moderators: Collection[Person], rng: random.Random
) -> dict[str, dict[str, float]]:
    """Final extra counts and how fast they come: the better the post, the more it gets."""
    if post.kind == "retweet":
        return {}
    q = post.quality
    boost = 2.0 if post.author in moderators else 1.0
    likes = round((1 + 34 * q**1.5) * boost + rng.random() * 2)
    reposts = round((7 * q**2.5) * boost)
    reposts = max(reposts, len(post.reposts))
    bookmarks = round(5 * q**2)
    impressions = round(40 + 400 * q + 25 * len(post.children) + rng.random() * 30)
    minutes = 8 + 30 * rng.random()
    counts = {
        "like_count": likes,
        "retweet_count": reposts,
        # Replies and quotes in the chat itself, and a few from people who left off the tag.
        "reply_count": len(post.children) + (1 if rng.random() < 0.1 else 0),
        "quote_count": len(post.quotes),
        "bookmark_count": bookmarks,
        "impression_count": impressions,
    }
    return {
        name: {"to": count, "half_life_minutes": round(minutes, 1)}
        for name, count in counts.items()
        if count
    }
