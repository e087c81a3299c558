"""Accounts and posts as the sandbox keeps them, and as X renders them (`fields` chosen by the
caller through `tweet.fields` / `user.fields`; `id`, `text` and `edit_history_tweet_ids`, or `id`,
`name` and `username`, always).

A seeded post's `public_metrics` can grow with time (`Growth`): rendered at the sandbox's now, an
early read sees a few likes and a later lookup more, the same numbers for the same instant."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from devstack.sandbox.entities import StoredText

TWITTER_EPOCH_MS = 1288834974657  # the snowflake epoch
DEFAULT_PROFILE_IMAGE = (
    "https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png"
)
EMPTY_POST_METRICS = {
    "retweet_count": 0,
    "reply_count": 0,
    "like_count": 0,
    "quote_count": 0,
    "bookmark_count": 0,
    "impression_count": 0,
}


def x_time(moment: datetime) -> str:
    """X's timestamps: UTC, milliseconds, `Z`."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def snowflake(moment: datetime) -> int:
    """The smallest X id that could have been issued at `moment`."""
    return (int(moment.timestamp() * 1000) - TWITTER_EPOCH_MS) << 22


@dataclass(frozen=True)
class Account:
    id: str
    username: str
    name: str
    created_at: datetime

    def render(self, fields: Collection[str] = ()) -> dict[str, Any]:
        rendered: dict[str, Any] = {"id": self.id, "name": self.name, "username": self.username}
        for name in fields:
            value = _USER_FIELDS[name](self) if name in _USER_FIELDS else None
            if value is not None:
                rendered[name] = value
        return rendered


@dataclass(frozen=True)
class Growth:
    """A count that climbs after posting towards `to` more, half of what is left every
    `half_life`: deterministic in the post's age."""

    to: int
    half_life: timedelta

    def at(self, age: timedelta) -> int:
        if age <= timedelta(0):
            return 0
        return int(self.to * (1 - 0.5 ** (age / self.half_life)))


@dataclass(frozen=True)
class Post:
    id: str
    author_id: str
    created_at: datetime
    stored: StoredText
    submitted_text: str
    via_api: bool
    # None: a transcript's post staged without counts, served without `public_metrics`
    public_metrics: Mapping[str, int] | None = field(
        default_factory=lambda: dict(EMPTY_POST_METRICS)
    )
    referenced_tweets: tuple[Mapping[str, str], ...] = ()
    in_reply_to_user_id: str | None = None
    conversation_id: str | None = None
    lang: str | None = None
    growth: Mapping[str, Growth] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.stored.text

    def metrics_at(self, now: datetime | None) -> dict[str, int]:
        """The public metrics as of `now` (the seeded counts alone when no time is given)."""
        metrics = dict(self.public_metrics or {})
        if now is not None:
            age = now - self.created_at
            for name, growth in self.growth.items():
                metrics[name] = metrics.get(name, 0) + growth.at(age)
        return metrics

    def references(self, kind: str) -> bool:
        return any(reference.get("type") == kind for reference in self.referenced_tweets)

    def render(self, fields: Collection[str] = (), now: datetime | None = None) -> dict[str, Any]:
        rendered: dict[str, Any] = {
            "edit_history_tweet_ids": [self.id],
            "id": self.id,
            "text": self.text,
        }
        for name in fields:
            if name == "public_metrics":
                if self.public_metrics is not None:
                    rendered[name] = self.metrics_at(now)
                continue
            value = _POST_FIELDS[name](self) if name in _POST_FIELDS else None
            if value is not None:
                rendered[name] = value
        return rendered


_POST_FIELDS: dict[str, Callable[[Post], Any]] = {
    "author_id": lambda post: post.author_id,
    "conversation_id": lambda post: post.conversation_id or post.id,
    "created_at": lambda post: x_time(post.created_at),
    "display_text_range": lambda post: [0, len(post.text)],
    "edit_controls": lambda post: {
        "edits_remaining": 5,
        "is_edit_eligible": True,
        "editable_until": x_time(post.created_at + timedelta(hours=1)),
    },
    "entities": lambda post: post.stored.entities or None,
    "in_reply_to_user_id": lambda post: post.in_reply_to_user_id,
    "lang": lambda post: post.lang,
    "possibly_sensitive": lambda post: False,
    "referenced_tweets": lambda post: [dict(r) for r in post.referenced_tweets] or None,
    "reply_settings": lambda post: "everyone",
}

_USER_FIELDS: dict[str, Callable[[Account], Any]] = {
    "created_at": lambda account: x_time(account.created_at),
    "description": lambda account: "",
    "profile_image_url": lambda account: DEFAULT_PROFILE_IMAGE,
    "protected": lambda account: False,
    "public_metrics": lambda account: {
        "followers_count": 0,
        "following_count": 0,
        "tweet_count": 0,
        "listed_count": 0,
        "like_count": 0,
        "media_count": 0,
    },
    "verified": lambda account: False,
    "verified_type": lambda account: "none",
}
