"""What the atproto client raises, mapped onto the domain's outcomes (docs/bluesky.md has the
table, with the reference material behind each row).

XRPC errors are `{"error": <name>, "message": <text>}` with an HTTP status; atproto raises
BadRequestError (400), UnauthorizedError (401, 403), RateLimitExceededError (429), NetworkError
(409, 413, 502, or no answer: the httpx error is its cause) and RequestException (the rest).

A create (`publish_outcome`) is settled by whether the record can exist:
- 400 `ExpiredToken` is no failure: the caller renews the session and sends again (a create
  refused for its token was not made; `session_refused` says when to do so); refused again
  right after, it is NotSent;
- 401 / 403 even after renewing the session, or a session that cannot be renewed: the account is
  unavailable;
- 429: RateLimited at `ratelimit-reset` (else `retry-after`, else now);
- 400 `InvalidRequest` (and any other named 400): Rejected with Bluesky's own words;
- 500 (the reference server's answer to a record key that exists: see README-notes), any 5xx,
  a 409, a `RecordAlreadyExists` (proposed upstream), or no answer once the request was sent:
  OutcomeUnknown, settled by reading that record back;
- a connection never made (connect error or timeout, no pooled connection): NotSent; too little
  of the invocation left to start: NotStarted.

A read (`read_failure`) fails with ReadFailed, `account_wide` when the account's session is the
problem rather than this one read.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from atproto_client import exceptions as at

from chatdeck import deadline
from chatdeck.domain.outcomes import (
    AccountUnavailable,
    NotSent,
    NotStarted,
    OutcomeUnknown,
    RateLimited,
    ReadFailed,
    Rejected,
)

SESSION_ERRORS = frozenset({"ExpiredToken", "InvalidToken", "AuthMissing", "AuthRequired"})
UNKNOWN_NAMED = frozenset({"RecordAlreadyExists"})
_NEVER_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
)


def xrpc_error(error: BaseException) -> tuple[int | None, str, str]:
    """(HTTP status, XRPC error name, message) of an atproto error; status None without answer."""
    response = getattr(error, "response", None)
    if response is None:
        return None, "", ""
    content = response.content
    name = str(getattr(content, "error", "") or "")
    message = str(getattr(content, "message", "") or "")
    return int(response.status_code), name, message


def session_refused(error: BaseException) -> bool:
    """Bluesky refused the access token itself (400 ExpiredToken, or 401 with a token name):
    renew the session and send again; nothing was created."""
    status, name, _ = xrpc_error(error)
    if status == 400:
        return name in SESSION_ERRORS
    return status == 401 and name != "AuthenticationRequired"


def is_not_found(error: BaseException) -> bool:
    """getRecord's answer for a record that does not exist (400 RecordNotFound)."""
    status, name, message = xrpc_error(error)
    return status in (400, 404) and (name == "RecordNotFound" or "not found" in message.lower())


def retry_at(error: BaseException, now: datetime) -> datetime:
    """When a 429 says to try again: `ratelimit-reset` (unix seconds), else `retry-after`."""
    if isinstance(error, at.RateLimitExceededError):
        reset: datetime | None = error.reset_at
        if reset is not None:
            return max(reset, now)
        if error.retry_after is not None:
            return now + timedelta(seconds=error.retry_after)
    return now


def never_sent(error: BaseException) -> bool:
    """No connection was made, so nothing reached Bluesky."""
    seen: BaseException | None = error
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, (*_NEVER_SENT, deadline.TooLate)):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def publish_outcome(error: Exception, now: datetime | None = None) -> Exception:
    """Map what the atproto client raised on a create to the domain's outcome."""
    now = now or datetime.now(UTC)
    if isinstance(error, deadline.TooLate):
        return NotStarted("Too little time was left to send it; it will be tried again shortly.")
    if isinstance(error, at.RateLimitExceededError):
        when = retry_at(error, now)
        return RateLimited(
            f"Bluesky's rate limit was reached; it will be tried at {when:%H:%M} UTC.", when
        )
    status, name, message = xrpc_error(error)
    if status is None:
        if not isinstance(error, at.AtProtocolError):
            return error
        if never_sent(error):
            return NotSent("Bluesky could not be reached; it will be tried again shortly.")
        return OutcomeUnknown("Bluesky did not answer in time after the post was sent.")
    if name in UNKNOWN_NAMED:
        return OutcomeUnknown(f"Bluesky answered {status} {name}: the post may already exist.")
    if status == 400 and name in SESSION_ERRORS:
        return NotSent("Bluesky refused the account's session; it will be renewed and tried again.")
    if status in (401, 403):
        return AccountUnavailable(
            f"Bluesky refused the account's session ({_words(name, message)})"
        )
    if status == 413:
        return Rejected("Bluesky refused the post as too large.")
    if status == 400:
        return Rejected(f"Bluesky refused the post: {_readable(message) or name}")
    if status >= 500 or status == 409:
        return OutcomeUnknown(f"Bluesky answered {status} after the post was sent.")
    return Rejected(f"Bluesky answered {status}: {_words(name, message)}")


def read_failure(error: Exception, what: str, now: datetime | None = None) -> Exception:
    """Map what the atproto client raised on a read (`what`: "search", "lookup") to ReadFailed."""
    now = now or datetime.now(UTC)
    if isinstance(error, deadline.TooLate):
        return ReadFailed(f"Too little time was left to start the {what}.")
    if isinstance(error, at.RateLimitExceededError):
        return ReadFailed(f"Bluesky's rate limit for the {what} was reached.", retry_at(error, now))
    status, name, message = xrpc_error(error)
    if status is None:
        if not isinstance(error, at.AtProtocolError):
            return error
        return ReadFailed(f"Bluesky did not answer the {what} in time.")
    if status in (401, 403):
        return ReadFailed(
            f"Bluesky refused the account's session ({_words(name, message)}).", account_wide=True
        )
    if status >= 500:
        return ReadFailed(f"Bluesky answered {status} to the {what}.")
    return ReadFailed(f"Bluesky refused the {what}: {_words(name, message)}")


def reason_of(error: BaseException) -> str:
    return str(getattr(error, "reason", None) or error)


def _words(name: str, message: str) -> str:
    return f"{name}: {message}" if name and message else name or message or "no reason given"


def _readable(message: str) -> str:
    """`Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes`
    reads as `the text must not be longer than 300 graphemes`."""
    _, _, detail = message.partition(" record: ")
    detail = detail or message
    if detail.startswith("Record/"):
        detail = "the " + detail[len("Record/") :]
    return detail


def describe(error: Any) -> str:
    """An atproto error in a few words, for logs and reasons."""
    status, name, message = xrpc_error(error)
    if status is None:
        return type(error).__name__
    return f"{status} {_words(name, message)}"
