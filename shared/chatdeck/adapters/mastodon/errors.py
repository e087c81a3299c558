"""What Mastodon.py and requests raise, mapped onto the domain's outcomes (docs/mastodon.md).

A create (`publish_outcome`) is settled by whether the status can have been made:
- 429 (the account's 300 calls per 5 minutes, or its 300 statuses per 3 hours) is RateLimited,
  retried at the instance's `X-RateLimit-Reset`, an ISO 8601 time (now when it does not say);
- 401 (the token revoked or invalid) ends the connection: AccountDisconnected (client.py);
- 403 (not allowed: the account suspended or the app's scopes) makes the account unavailable;
- 422 (validation: too long, blank) and any other 4xx is Rejected, in the instance's own words;
- a 5xx, a dropped connection or no answer in time is OutcomeUnknown: the status may exist
  (`Idempotency-Key` and reconciling settle it);
- a connection never made, or a request not started for lack of time, is NotSent / NotStarted;
- an address the outbound check refuses is Rejected: the instance cannot be reached from here.

A read (`read_failure`) fails with ReadFailed; `account_wide` for 401 and 403.
Anything else is handed back as it was, to be raised as it was.
"""

from datetime import UTC, datetime
from typing import Any

import requests
from mastodon import (
    MastodonAPIError,
    MastodonError,
    MastodonNetworkError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

from chatdeck.adapters.mastodon.client import NoTimeLeft
from chatdeck.domain.outcomes import (
    AccountUnavailable,
    NotSent,
    NotStarted,
    OutcomeUnknown,
    RateLimited,
    ReadFailed,
    Rejected,
)


def status_of(error: BaseException) -> int | None:
    """The HTTP status of a MastodonAPIError (its second argument)."""
    if (
        isinstance(error, MastodonAPIError)
        and len(error.args) > 1
        and isinstance(error.args[1], int)
    ):
        return error.args[1]
    return None


def words_of(error: BaseException) -> str:
    """The instance's `error` sentence (the fourth argument), else the reason phrase."""
    args: tuple[Any, ...] = tuple(getattr(error, "args", ()))
    if len(args) > 3 and args[3]:
        return str(args[3])
    return str(args[2]) if len(args) > 2 else str(error)


def retry_at(last: requests.Response | None) -> datetime:
    """When the limit resets, by the instance's `X-RateLimit-Reset` (ISO 8601); now otherwise."""
    reset = last.headers.get("X-RateLimit-Reset") if last is not None else None
    if reset:
        try:
            moment = datetime.fromisoformat(reset.replace("Z", "+00:00"))
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        except ValueError:
            if reset.isdigit():  # some other servers send epoch seconds
                return datetime.fromtimestamp(int(reset), UTC)
    return datetime.now(UTC)


def publish_outcome(error: Exception, last: requests.Response | None) -> Exception:
    """Map what Mastodon.py raised on `POST /api/v1/statuses` to the domain's outcome."""
    cause = _request_error(error)
    if isinstance(cause, NoTimeLeft):
        return NotStarted("Too little time was left to send it; it will be tried again shortly.")
    if isinstance(cause, requests.exceptions.InvalidURL):
        return Rejected(f"Chatdeck does not call this Mastodon instance: {cause}")
    if isinstance(error, MastodonRatelimitError):
        when = retry_at(last)
        return RateLimited(
            f"Mastodon's rate limit was reached; it will be tried at {when:%H:%M} UTC.", when
        )
    if isinstance(error, MastodonServerError):
        return OutcomeUnknown(f"Mastodon answered {status_of(error)} after the post was sent.")
    if isinstance(error, MastodonAPIError):
        status = status_of(error)
        if status == 403:
            return AccountUnavailable(f"Mastodon refused the account: {words_of(error)}")
        return Rejected(f"Mastodon refused the post: {words_of(error)}")
    if isinstance(error, MastodonNetworkError):
        if cause is not None and _never_connected(cause):
            return NotSent("The Mastodon instance could not be reached; it will be tried again.")
        return OutcomeUnknown(
            "The Mastodon instance did not answer in time after the post was sent."
        )
    return error


def read_failure(error: Exception, what: str, last: requests.Response | None) -> Exception:
    """Map what Mastodon.py raised on a read (`what`: "hashtag timeline", "lookup") to
    ReadFailed."""
    cause = _request_error(error)
    if isinstance(cause, NoTimeLeft):
        return ReadFailed(f"Too little time was left to start the {what}.")
    if isinstance(error, MastodonRatelimitError):
        return ReadFailed(f"Mastodon's rate limit for the {what} was reached.", retry_at(last))
    if isinstance(error, MastodonUnauthorizedError):
        return ReadFailed("Mastodon refused the account's access token.", account_wide=True)
    if isinstance(error, MastodonAPIError):
        status = status_of(error)
        return ReadFailed(
            f"Mastodon answered {status} to the {what}: {words_of(error)}",
            account_wide=status == 403,
        )
    if isinstance(error, MastodonError):
        return ReadFailed(f"The Mastodon instance did not answer the {what} in time.")
    return error


def _request_error(error: BaseException) -> BaseException | None:
    """The requests exception inside a Mastodon.py error (it raises from inside `except`)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, requests.RequestException):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _never_connected(error: BaseException) -> bool:
    seen: BaseException | None = error
    hops = 0
    while seen is not None and hops < 10:
        if isinstance(seen, ConnectTimeoutError | NewConnectionError | NameResolutionError):
            return True
        if isinstance(seen, requests.ConnectTimeout):
            return True
        reason: Any = getattr(seen, "reason", None)
        seen = reason if isinstance(reason, BaseException) else (seen.__cause__ or seen.__context__)
        hops += 1
    return False
