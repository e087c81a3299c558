"""Every Bluesky answer in the reference material maps to the outcome docs/bluesky.md names.

The bodies are the sandbox's carried copy of the reference error bodies
(devstack/bluesky/data/error-bodies.json); each is raised the way atproto raises it for its
status, and mapped as a create (publish_outcome) and as a read (read_failure).
"""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from atproto_client import exceptions as at
from atproto_client.models.common import XrpcError
from atproto_client.request import Response

from chatdeck import deadline
from chatdeck.adapters.bluesky.errors import (
    is_not_found,
    publish_outcome,
    read_failure,
    session_refused,
)
from chatdeck.domain.outcomes import (
    AccountUnavailable,
    NotSent,
    NotStarted,
    OutcomeUnknown,
    RateLimited,
    ReadFailed,
    Rejected,
)

BODIES = Path(__file__).resolve().parents[2] / "devstack/bluesky/data/error-bodies.json"
NOW = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)


def raised(status: int, body: dict[str, str], headers: dict[str, str] | None = None) -> Any:
    """What atproto raises for this answer (atproto_client/request.py `_handle_response`)."""
    response = Response(
        success=False,
        status_code=status,
        content=XrpcError(error=body["error"], message=body.get("message")),
        headers=headers or {},
    )
    if status in (401, 403):
        return at.UnauthorizedError(response)
    if status == 400:
        return at.BadRequestError(response)
    if status == 429:
        return at.RateLimitExceededError(response)
    if status in (409, 413, 502):
        return at.NetworkError(response)
    return at.RequestException(response)


def transport(cause: Exception) -> Any:
    """What atproto raises when httpx fails (`_handle_request_errors`)."""
    kind = at.InvokeTimeoutError if isinstance(cause, httpx.TimeoutException) else at.NetworkError
    try:
        try:
            raise cause
        except Exception as error:
            raise kind from error
    except at.NetworkError as wrapped:
        return wrapped


EXPECTED_CREATE = {
    ("ExpiredToken", "Token has expired"): NotSent,  # after renewing once: tried again
    ("ExpiredToken", "Token has been revoked"): NotSent,
    ("RateLimitExceeded", "Rate Limit Exceeded"): RateLimited,
    ("InternalServerError", "Internal Server Error"): OutcomeUnknown,  # a repeated record key
    (
        "InvalidRequest",
        "Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes",
    ): Rejected,
    ("InvalidRequest", "Invalid record key for app.bsky.feed.post: <validator message>"): Rejected,
    ("AuthenticationRequired", "Invalid identifier or password"): AccountUnavailable,
    ("AuthMissing", "Authentication Required"): AccountUnavailable,
    ("InvalidToken", "Invalid token type"): NotSent,
}


def reference_bodies() -> list[tuple[int, dict[str, str]]]:
    examples = json.loads(BODIES.read_text(encoding="utf-8"))["examples"]
    return [(int(e["http_status"]), e["body"]) for e in examples]


def test_every_reference_body_has_an_expected_outcome() -> None:
    assert {(b["error"], b["message"]) for _, b in reference_bodies()} == set(EXPECTED_CREATE)


@pytest.mark.parametrize(("status", "body"), reference_bodies())
def test_each_reference_answer_to_a_create(status: int, body: dict[str, str]) -> None:
    outcome = publish_outcome(raised(status, body), NOW)
    assert type(outcome) is EXPECTED_CREATE[(body["error"], body["message"])]


@pytest.mark.parametrize(("status", "body"), reference_bodies())
def test_each_reference_answer_to_a_read(status: int, body: dict[str, str]) -> None:
    failure = read_failure(raised(status, body), "search", NOW)
    assert isinstance(failure, ReadFailed)
    assert failure.account_wide == (status in (401, 403))


def test_an_expired_token_is_renewed_not_failed() -> None:
    expired = raised(400, {"error": "ExpiredToken", "message": "Token has expired"})
    assert session_refused(expired)
    verified = raised(401, {"error": "InvalidToken", "message": "Token could not be verified"})
    assert session_refused(verified)
    wrong = raised(401, {"error": "AuthenticationRequired", "message": "Invalid identifier"})
    assert not session_refused(wrong)  # a password, not a token: renewing will not help
    invalid = raised(400, {"error": "InvalidRequest", "message": "Invalid record"})
    assert not session_refused(invalid)


def test_a_rate_limit_is_retried_at_its_reset() -> None:
    reset = NOW + timedelta(minutes=7)
    error = raised(
        429,
        {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
        {"ratelimit-reset": str(int(reset.timestamp())), "retry-after": "420"},
    )
    outcome = publish_outcome(error, NOW)
    assert isinstance(outcome, RateLimited) and outcome.retry_at == reset
    assert "20:07 UTC" in outcome.reason
    only_retry_after = raised(429, {"error": "RateLimitExceeded"}, {"retry-after": "60"})
    limited = publish_outcome(only_retry_after, NOW)
    assert isinstance(limited, RateLimited) and limited.retry_at == NOW + timedelta(seconds=60)
    read = read_failure(error, "search", NOW)
    assert isinstance(read, ReadFailed) and read.retry_at == reset


def test_an_invalid_record_is_rejected_in_readable_words() -> None:
    error = raised(
        400,
        {
            "error": "InvalidRequest",
            "message": "Invalid app.bsky.feed.post record: Record/text must not be longer than "
            "300 graphemes",
        },
    )
    outcome = publish_outcome(error, NOW)
    assert isinstance(outcome, Rejected)
    assert outcome.reason == (
        "Bluesky refused the post: the text must not be longer than 300 graphemes"
    )


@pytest.mark.parametrize(
    ("status", "name", "expected"),
    [
        (400, "RecordAlreadyExists", OutcomeUnknown),  # proposed upstream (atproto PR #4728)
        (400, "InvalidSwap", Rejected),
        (502, "UpstreamFailure", OutcomeUnknown),
        (503, "NotEnoughResources", OutcomeUnknown),
        (409, "Conflict", OutcomeUnknown),
        (413, "PayloadTooLarge", Rejected),
        (403, "AccountTakedown", AccountUnavailable),
        (404, "XRPCNotSupported", Rejected),
    ],
)
def test_answers_beyond_the_reference(status: int, name: str, expected: type) -> None:
    assert type(publish_outcome(raised(status, {"error": name, "message": "x"}), NOW)) is expected


@pytest.mark.parametrize(
    ("cause", "expected"),
    [
        (httpx.ConnectError("refused"), NotSent),
        (httpx.ConnectTimeout("slow"), NotSent),
        (httpx.PoolTimeout("busy"), NotSent),
        (httpx.ReadTimeout("lost"), OutcomeUnknown),
        (httpx.WriteTimeout("half"), OutcomeUnknown),
        (httpx.RemoteProtocolError("closed"), OutcomeUnknown),
        (httpx.ReadError("reset"), OutcomeUnknown),
    ],
)
def test_a_connection_never_made_is_not_sent_and_a_lost_answer_is_unknown(
    cause: Exception, expected: type
) -> None:
    assert type(publish_outcome(transport(cause), NOW)) is expected
    assert isinstance(read_failure(transport(cause), "lookup", NOW), ReadFailed)


def test_too_little_time_left_is_not_started() -> None:
    assert isinstance(publish_outcome(deadline.TooLate("1 s left"), NOW), NotStarted)
    assert isinstance(read_failure(deadline.TooLate("1 s left"), "search", NOW), ReadFailed)


def test_anything_else_is_handed_back_as_it_was() -> None:
    error: Any = KeyError("bug")
    assert publish_outcome(error, NOW) is error
    assert read_failure(error, "search", NOW) is error


def test_a_missing_record_is_told_apart() -> None:
    missing = raised(400, {"error": "RecordNotFound", "message": "Could not locate record: at://x"})
    assert is_not_found(missing)
    assert not is_not_found(raised(400, {"error": "InvalidRequest", "message": "bad rkey"}))
    assert not is_not_found(transport(httpx.ReadTimeout("lost")))
