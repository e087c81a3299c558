"""A chat session as archived: its posts, and the record of polling it.

An archived post keeps its counts as of the last time they were read (None where the network or
a transcript gave none: unknown, never shown as 0), and says its network; its
`id` is that network's own (X's post id, a Bluesky AT URI, a Mastodon status id), so a post is
known by (network, id). A session follows one occurrence of a chat on every network the chat runs
on (`networks`), for its `hashtags`: one session and one digest, however many networks. Its META
says, per network, how far polling got (`since(network)`), how many posts it read
(`reads_on(network)`) and its last error (`error_on(network)`); X's own are the fields `since_id`,
`reads`, `retry_at` and `last_error`, as before Bluesky and Mastodon, the other networks' are in
the maps beside them. Only X bills reads: `reads` and `cost_usd` are what X billed (at most), the
read budget is X's, and `stop_reason` says why polling X stopped early. `note` says why a step was
skipped. `moderator_override` holds the moderators an admin set for the session on its page
(handles), which the digest takes instead of inferring them; None while nobody has.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
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
    # None: unknown (a transcript imported without counts, a payload without them), never shown
    likes: NonNegativeInt | None = 0
    reposts: NonNegativeInt | None = 0
    replies: NonNegativeInt | None = 0
    quotes: NonNegativeInt | None = 0
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
        """likes + 2 * (reposts + quotes) + replies, of the counts known: what ranks the best
        answers (domain/answer_ranking.py)."""
        likes, reposts, replies, quotes = (c or 0 for c in self.counts)
        return likes + 2 * (reposts + quotes) + replies

    @property
    def counts(self) -> tuple[int | None, int | None, int | None, int | None]:
        return self.likes, self.reposts, self.replies, self.quotes

    @property
    def count_labels(self) -> tuple[str, ...]:
        """``("3 likes", "1 repost", "0 replies")``: the counts known, as a digest shows them
        (none for a post whose network or transcript gave no counts: never a made-up 0)."""
        shown = [(self.likes, "like", "likes"), (self.reposts, "repost", "reposts")]
        shown.append((self.replies, "reply", "replies"))
        return tuple(f"{n} {one if n == 1 else many}" for n, one, many in shown if n is not None)

    @property
    def counts_known(self) -> bool:
        """Whether the network said any of its counts (a transcript may say none)."""
        return any(count is not None for count in self.counts)

    @property
    def is_repost(self) -> bool:
        return self.repost_of is not None or self.text.startswith("RT @")

    @property
    def key(self) -> tuple[str, str]:
        """What tells posts apart across networks: ids of two networks may be equal."""
        return self.network, self.id

    @property
    def network_name(self) -> str:
        return NETWORK_NAMES.get(self.network, self.network)


NETWORK_NAMES = {"x": "X", "bluesky": "Bluesky", "mastodon": "Mastodon"}


def count_or_none(value: object) -> int | None:
    """A network's count as it said it, or None where it said none (not 0: unknown)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return max(value, 0)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


BILLED_NETWORK = "x"  # the one network that bills reads
_HASHTAG = re.compile(r"#\w+")


def hashtags_of_query(query: str) -> tuple[str, ...]:
    """The hashtags of an X search query, as sessions stored before `hashtags` kept them."""
    return tuple(dict.fromkeys(_HASHTAG.findall(query)))


@dataclass(frozen=True)
class SearchPage:
    """One page of a recent search, newest first. `reads` is the posts returned (what X bills)."""

    posts: list[ArchivedPost]
    next_token: str | None
    newest_id: str | None
    reads: int


SessionStatus = Literal["polling", "ended", "counted", "digested"]


@dataclass(frozen=True)
class ArchiveSession:
    """An archived chat session (the ArchiveTable's `META` item). `window_*` bound the polling;
    `since_id`, `retry_at`, `last_error` and `reads` are X's, `cursors`, `retries`, `errors` and
    `network_reads` the other networks'; `cost_usd` is what X billed (at most); `stop_reason`
    says why polling X stopped early; `note` says why a step was skipped; `refreshed` is how
    far each network's count refresh got (the last post id looked up again, ids in order)."""

    occurrence_id: str
    chat_id: str
    networks: tuple[str, ...]
    hashtags: tuple[str, ...]
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
    cursors: Mapping[str, str] = field(default_factory=dict)
    network_reads: Mapping[str, int] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    retries: Mapping[str, datetime] = field(default_factory=dict)
    refreshed: Mapping[str, str] = field(default_factory=dict)  # by network, X's too
    moderator_override: tuple[str, ...] | None = None  # set by an admin on the session's page

    def since(self, network: str) -> str | None:
        """Where the network's next search starts: after its newest post read."""
        return self.since_id if network == BILLED_NETWORK else self.cursors.get(network)

    def reads_on(self, network: str) -> int:
        return self.reads if network == BILLED_NETWORK else self.network_reads.get(network, 0)

    def error_on(self, network: str) -> str | None:
        return self.last_error if network == BILLED_NETWORK else self.errors.get(network)

    def retry_on(self, network: str) -> datetime | None:
        return self.retry_at if network == BILLED_NETWORK else self.retries.get(network)

    @property
    def failing(self) -> dict[str, str]:
        """The last error of each network whose last read failed, by network."""
        return {n: error for n in self.networks if (error := self.error_on(n)) is not None}


@dataclass(frozen=True)
class PollResult:
    """What one poll of one network of a session read and kept, to add to its META."""

    reads: int
    added: int
    newest_id: str | None  # the since_id of the next poll, when every page was read
    polled_at: datetime
    error: str | None = None
    retry_at: datetime | None = None
    stop_reason: str | None = None
    network: str = BILLED_NETWORK
    account_wide: bool = False  # the network refused the account itself: no retry will do


@dataclass(frozen=True)
class StoredPost:
    post: ArchivedPost
    read_on: date  # the UTC day X last billed reading it: reading it again that day is free


@dataclass(frozen=True)
class SessionArchive:
    session: ArchiveSession
    posts: list[ArchivedPost]
