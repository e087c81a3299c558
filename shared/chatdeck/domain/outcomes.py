"""What a network call can end in, as the domain sees it (adapters map SDK errors to these)."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Published:
    remote_id: str
    url: str
    text: str
    created_at: datetime | None = None


class PublishError(Exception):
    """A post did not certainly go out. `reason` is a sentence a teacher can read."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RateLimited(PublishError):
    """Certainly not created; the network says when to try again."""

    def __init__(self, reason: str, retry_at: datetime) -> None:
        super().__init__(reason)
        self.retry_at = retry_at


class NotSent(PublishError):
    """Certainly not created and worth retrying: the connection was never made."""


class NotStarted(NotSent):
    """Not even tried: too little of the invocation was left to send it. The try is given back,
    so a post is never failed for ticks that ran short of time."""


class Rejected(PublishError):
    """Certainly not created, and retrying the same post will not help."""


class DuplicateContent(Rejected):
    """The network refused the text as a duplicate of a recent post on the account."""


class AccountUnavailable(PublishError):
    """The whole account cannot post: credentials refused or credits used up."""


class AccountDisconnected(AccountUnavailable):
    """The account's OAuth 2.0 connection is gone (X refused to renew it, or it was disconnected)
    and only its owner can bring it back. `connection` names the lost connection, so its owner
    is told once."""

    def __init__(self, reason: str, connection: str) -> None:
        super().__init__(reason)
        self.connection = connection


class OutcomeUnknown(PublishError):
    """The request was sent but its answer was lost: the post may or may not exist."""


class CannotTell(PublishError):
    """The account's own posts could not be read to reconcile."""


class ReadFailed(Exception):
    """A read from the network did not answer. `reason` is a sentence; `retry_at` when the
    network said when to try again (a rate limit); `account_wide` when the account's
    credentials or the API credits are the problem, not this read."""

    def __init__(
        self, reason: str, retry_at: datetime | None = None, account_wide: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_at = retry_at
        self.account_wide = account_wide


class OAuthFailed(Exception):
    """X's OAuth 2.0 endpoints did not do what was asked. `reason` is a sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class GrantRefused(OAuthFailed):
    """X refused an authorization code or a refresh token: asking again will not help."""
