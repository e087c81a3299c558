"""The bodies X answers when it refuses a request.

Recorded or quoted from public reports (the team's reference copies, and the issue threads named
below); the few that are not are marked "plausible".
"""

from __future__ import annotations

import http
from typing import Any

Body = dict[str, Any]
ErrorEntry = dict[str, Any]

INVALID_REQUEST_TYPE = "https://api.twitter.com/2/problems/invalid-request"

# Quoted in xdevplatform/samples#69 (2021) for wrong credentials.
UNAUTHORIZED: Body = {
    "title": "Unauthorized",
    "type": "about:blank",
    "status": 401,
    "detail": "Unauthorized",
}

# Quoted in akrherz/iembot#163 (2026-02).
DUPLICATE_CONTENT: Body = {
    "detail": "You are not allowed to create a Tweet with duplicate content.",
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
}

# What X answers an app-only bearer token on a user-context endpoint (tweepy issue threads).
UNSUPPORTED_AUTHENTICATION: Body = {
    "title": "Unsupported Authentication",
    "detail": (
        "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  "
        "Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context]."
    ),
    "type": "https://api.twitter.com/2/problems/unsupported-authentication",
    "status": 403,
}

# The API front door's answer to a path it does not serve (tweepy#2139 and others).
PAGE_NOT_FOUND: Body = {"errors": [{"message": "Sorry, that page does not exist", "code": 34}]}

# Seen through tweepy ("400 Bad Request\nYour Tweet text is too long. ...") in public code.
TEXT_TOO_LONG = (
    "Your Tweet text is too long. For more information on how Twitter determines text length "
    "see https://github.com/twitter/twitter-text."
)
# plhery/node-twitter-api-v2#591 (2025).
BODY_NOT_JSON = "Requests with bodies must have content-type of application/json."
# plhery/node-twitter-api-v2#375 (2022).
MEDIA_IDS_INVALID = "Your media IDs are invalid."


def invalid_request(errors: list[ErrorEntry]) -> Body:
    """X's 400: one entry per problem, `{"parameters": {...}, "message": "..."}`."""
    return {
        "errors": errors,
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": INVALID_REQUEST_TYPE,
    }


def error_entry(message: str, parameters: dict[str, list[str]] | None = None) -> ErrorEntry:
    """Recent bodies leave `parameters` out when no parameter is to blame."""
    return {"parameters": parameters, "message": message} if parameters else {"message": message}


def too_many_requests() -> Body:
    return {
        "title": "Too Many Requests",
        "detail": "Too Many Requests",
        "type": "about:blank",
        "status": 429,
    }


def credits_depleted(account_id: str) -> Body:
    """Plausible, not recorded: X answers 402 once the pay-per-use credits are used up."""
    return {
        "title": "CreditsDepleted",
        "detail": (
            f"Your enrolled account [{account_id}] does not have any credits to fulfill "
            "this request."
        ),
        "type": "https://api.twitter.com/2/problems/credits",
        "status": 402,
    }


def server_error(status: int) -> Body:
    """X's 5xx problem bodies: the reason phrase as title and detail."""
    phrase = http.HTTPStatus(status).phrase
    return {"title": phrase, "detail": phrase, "type": "about:blank", "status": status}


def resource_not_found(kind: str, parameter: str, value: str) -> ErrorEntry:
    """A partial error inside a 200 answer, e.g. an id that names no post."""
    noun = {"tweet": "tweet with ids", "user": "user with id"}[kind]
    return {
        "value": value,
        "detail": f"Could not find {noun}: [{value}].",
        "title": "Not Found Error",
        "resource_type": kind,
        "parameter": parameter,
        "resource_id": value,
        "type": "https://api.twitter.com/2/problems/resource-not-found",
    }
