"""What tweepy and requests raise, mapped onto the domain's outcomes.

A create (`publish_outcome`) is settled by whether the post can have been created:
- a rate limit (429) is RateLimited, retried at X's `x-rate-limit-reset` (or at once when X does
  not say);
- refused credentials (401) and used-up API credits (402) make the account unavailable;
- a duplicate of a post already on the account (403 saying "duplicate") is DuplicateContent; any
  other 403, a 400 or another 4xx is Rejected, with X's own words;
- a 5xx, or no answer in time, is OutcomeUnknown: the post may exist, so reconciliation decides;
- a connection that was never made is NotSent, and tried again shortly; so is a request that
  was not started because too little of the invocation remained (NoTimeLeft, see deadline.py).

A read (`read_failure`) fails with ReadFailed, `account_wide` when the account's credentials,
its access (401, 403) or the API credits (402) are the problem rather than this one read.

Anything else is no outcome of X's: it is handed back as it was, to be raised as it was.
"""

from datetime import UTC, datetime
from typing import Any

import requests
import tweepy
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

from chatdeck.domain.outcomes import (
    AccountUnavailable,
    DuplicateContent,
    NotSent,
    NotStarted,
    OutcomeUnknown,
    RateLimited,
    ReadFailed,
    Rejected,
)


class NoTimeLeft(requests.ConnectTimeout):
    """Too little of the invocation remained to start the request: nothing was sent."""


def publish_outcome(error: Exception) -> Exception:
    """Map what tweepy and requests raised to the domain's outcome of a create."""
    if isinstance(error, NoTimeLeft):
        return NotStarted("Too little time was left to send it; it will be tried again shortly.")
    if isinstance(error, tweepy.TooManyRequests):
        retry_at = _retry_at(error)
        return RateLimited(
            f"X's rate limit was reached; it will be tried at {retry_at:%H:%M} UTC.", retry_at
        )
    if isinstance(error, tweepy.Unauthorized):
        return AccountUnavailable("X refused the account's credentials")
    if isinstance(error, tweepy.Forbidden):
        detail = _detail(error)
        if "duplicate" in detail.lower():
            return DuplicateContent("X refused it as a duplicate of a post already on the account.")
        return Rejected(f"X refused the post: {detail}")
    if isinstance(error, tweepy.BadRequest):
        return Rejected(f"X rejected the post as invalid: {_detail(error)}")
    if isinstance(error, tweepy.TwitterServerError):
        status = error.response.status_code
        return OutcomeUnknown(f"X answered {status} after the post was sent.")
    if isinstance(error, tweepy.HTTPException):
        status = error.response.status_code
        if status == 402:
            return AccountUnavailable("the X API credits are used up")
        return Rejected(f"X answered {status}: {_detail(error)}")
    if isinstance(error, requests.ConnectionError) and _never_connected(error):
        return NotSent("X could not be reached; it will be tried again shortly.")
    if isinstance(error, requests.RequestException):
        return OutcomeUnknown("X did not answer in time after the post was sent.")
    return error


def read_failure(error: Exception, what: str) -> Exception:
    """Map what tweepy and requests raised on a read (`what`: "search" or "lookup") to
    ReadFailed."""
    if isinstance(error, NoTimeLeft):
        return ReadFailed(f"Too little time was left to start the {what}.")
    if isinstance(error, tweepy.TooManyRequests):
        return ReadFailed(f"X's rate limit for the {what} was reached.", retry_at=_retry_at(error))
    if isinstance(error, tweepy.Unauthorized):
        return ReadFailed("X refused the account's credentials.", account_wide=True)
    if isinstance(error, tweepy.HTTPException):
        status = error.response.status_code
        if status == 402:
            return ReadFailed("The X API credits are used up.", account_wide=True)
        if status == 403:
            return ReadFailed(f"X refused the {what}: {_detail(error)}", account_wide=True)
        if status >= 500:
            return ReadFailed(f"X answered {status} to the {what}.")
        return ReadFailed(f"X refused the {what}: {_detail(error)}")
    if isinstance(error, requests.RequestException):
        return ReadFailed(f"X did not answer the {what} in time.")
    return error


def reason_of(error: BaseException) -> str:
    """An outcome's sentence (its `reason`), else the error's own words."""
    return str(getattr(error, "reason", None) or error)


def _retry_at(error: tweepy.TooManyRequests) -> datetime:
    """When X's rate limit resets, by its `x-rate-limit-reset` header; now when it does not say."""
    reset = error.response.headers.get("x-rate-limit-reset")
    return (
        datetime.fromtimestamp(int(reset), UTC) if reset and reset.isdigit() else datetime.now(UTC)
    )


def _never_connected(error: BaseException) -> bool:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ConnectTimeoutError | NewConnectionError | NameResolutionError):
            return True
        if isinstance(seen, requests.ConnectTimeout):
            return True
        reason = getattr(seen, "reason", None)
        seen = reason if isinstance(reason, BaseException) else (seen.__cause__ or seen.__context__)
        if seen is error:
            return False
    return False


def _detail(error: Any) -> str:
    try:
        body = error.response.json()
    except ValueError:
        return str(error.response.reason)
    return str(body.get("detail") or body.get("title") or error.response.reason)
