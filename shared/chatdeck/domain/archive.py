"""A chat session as archived: its posts, and the record of polling it.

An archived post keeps its counts as of the last time they were read. A session's META says
how far polling got (`since_id`), what X billed for it (`reads`, `cost_usd`, at most), and why
a step stopped or was skipped (`stop_reason`, `note`).
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from urllib.parse import urlsplit

from pydantic import AwareDatetime, BaseModel, ConfigDict, NonNegativeInt, field_validator


class ArchivedPost(BaseModel):
    """One post of a session as archived; its counts are as of the last time they were read."""

    model_config = ConfigDict(frozen=True)

    id: str  # the network's own id: X's post id, a Bluesky AT URI, a Mastodon status id
    author_id: str
    author_handle: str
    author_name: str
    text: str
    created_at: AwareDatetime
    reply_to: str | None = None
    quote_of: str | None = None
    repost_of: str | None = None
    links: tuple[str, ...] = ()
    likes: NonNegativeInt = 0
    reposts: NonNegativeInt = 0
    replies: NonNegativeInt = 0
    quotes: NonNegativeInt = 0
    url: str | None = None
    network: str = "x"  # where it was posted: x, bluesky or mastodon

    @field_validator("author_handle")
    @classmethod
    def handle_without_at(cls, value: str) -> str:
        return value.strip().lstrip("@")

    @field_validator("url")
    @classmethod
    def web_address_only(cls, value: str | None) -> str | None:
        """The post's own page; anything but http(s) is dropped, as it is linked in emails."""
        if value is None or urlsplit(value).scheme.lower() not in ("http", "https"):
            return None
        return value

    @property
    def engagement(self) -> int:
        """likes + 2 * (reposts + quotes) + replies: what ranks the best answers."""
        return self.likes + 2 * (self.reposts + self.quotes) + self.replies

    @property
    def is_repost(self) -> bool:
        return self.repost_of is not None or self.text.startswith("RT @")


@dataclass(frozen=True)
class SearchPage:
    """One page of a recent search, newest first. `reads` is what X bills: the posts returned."""

    posts: list[ArchivedPost]
    next_token: str | None
    newest_id: str | None
    reads: int


SessionStatus = Literal["polling", "ended", "counted", "digested"]


@dataclass(frozen=True)
class ArchiveSession:
    """An archived chat session (the ArchiveTable's `META` item). `window_*` bound the polling;
    `reads` and `cost_usd` are what X billed for it (at most); `stop_reason` says why polling
    stopped early; `note` says why a step was skipped."""

    occurrence_id: str
    chat_id: str
    network: str
    query: str
    start_utc: datetime
    end_utc: datetime
    window_start: datetime
    window_end: datetime
    status: SessionStatus
    budget_reads: int
    expires_at: datetime
    since_id: str | None = None
    reads: int = 0
    cost_usd: Decimal = Decimal(0)
    posts: int = 0
    polls: int = 0
    last_polled_at: datetime | None = None
    retry_at: datetime | None = None
    last_error: str | None = None
    stop_reason: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class PollResult:
    """What one poll of a session read and kept, to add to its META."""

    reads: int
    added: int
    newest_id: str | None  # the since_id of the next poll, when every page was read
    polled_at: datetime
    error: str | None = None
    retry_at: datetime | None = None
    stop_reason: str | None = None


@dataclass(frozen=True)
class StoredPost:
    post: ArchivedPost
    read_on: date  # the UTC day X last billed reading it: reading it again that day is free


@dataclass(frozen=True)
class SessionArchive:
    session: ArchiveSession
    posts: list[ArchivedPost]
