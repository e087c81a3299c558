"""The outside systems the domain needs, as Protocols. Adapters implement them."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from chatdeck.domain.outcomes import Published
from chatdeck.domain.posts import Post, PostStatus


@dataclass(frozen=True)
class PostChange:
    """The result of a claim, recorded against it. `next_action_at` keeps it on the work index."""

    status: PostStatus
    reason: str | None = None
    remote_id: str | None = None
    url: str | None = None
    next_action_at: datetime | None = None


@dataclass(frozen=True)
class Page:
    posts: list[Post]
    next: str | None


class PostStore(Protocol):
    def add(self, post: Post) -> bool:
        """Store a new post; False when one with that id already exists."""

    def get(self, post_id: str) -> Post | None: ...

    def page(self, cursor: str | None, limit: int) -> Page:
        """Posts newest first."""

    def due(self, now: datetime) -> list[Post]:
        """Posts whose next action is due: one Query on the work index."""

    def claim(self, post: Post, claim_id: str, now: datetime, lease_until: datetime) -> Post | None:
        """Take a due post for this publisher; None when someone else has it or it changed."""

    def record(self, post: Post, change: PostChange) -> bool:
        """Write the outcome of `post`'s claim; False when the claim was lost."""

    def defer(self, post: Post, until: datetime, reason: str) -> bool:
        """Leave a queued post queued until later, with a visible reason."""

    def cancel(self, post_id: str) -> Post | None:
        """Cancel a post that has not started publishing; None when it cannot be."""


@dataclass(frozen=True)
class AccountState:
    network: str
    account: str
    paused_since: datetime | None = None
    retry_at: datetime | None = None
    reason: str | None = None

    def paused_at(self, now: datetime) -> bool:
        return self.retry_at is not None and now < self.retry_at


class AccountStore(Protocol):
    def state(self, network: str, account: str) -> AccountState: ...

    def pause(
        self, network: str, account: str, reason: str, now: datetime, retry_at: datetime
    ) -> AccountState:
        """Pause (or keep paused) an account; paused_since stays the episode's start."""

    def resume(self, network: str, account: str) -> None: ...


class Network(Protocol):
    def publish(self, account: str, text: str) -> Published:
        """Create a post; raises a PublishError subclass for every other outcome."""

    def find_own_post(self, account: str, text: str, since: datetime) -> Published | None:
        """The account's own post with this text created since then; raises CannotTell."""


@dataclass(frozen=True)
class Email:
    to: list[str]
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)


class Mailer(Protocol):
    def send(self, email: Email) -> str:
        """Send one email; returns the provider's message id."""


class NoticeLog(Protocol):
    def record(self, notice_id: str, email: Email) -> bool:
        """Record a notice before it is sent; False when it was already recorded."""

    def mark(self, notice_id: str, status: str, detail: str | None = None) -> None: ...


class Clock(Protocol):
    def now(self) -> datetime: ...
