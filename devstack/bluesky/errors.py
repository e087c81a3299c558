"""XRPC errors as the Bluesky sandbox answers them: `{"error": <name>, "message": <text>}`.

The bodies the reference material records are read from data/error-bodies.json (each entry cites
where it was seen and the server code behind it); the generic ones per HTTP status are the XRPC
package's own names and words (packages/xrpc/src/types.ts: a 5xx body never says more).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BODIES_PATH = Path(__file__).parent / "data" / "error-bodies.json"

GENERIC: dict[int, tuple[str, str]] = {
    500: ("InternalServerError", "Internal Server Error"),
    501: ("MethodNotImplemented", "Method Not Implemented"),
    502: ("UpstreamFailure", "Upstream Failure"),
    503: ("NotEnoughResources", "Not Enough Resources"),
    504: ("UpstreamTimeout", "Upstream Timeout"),
}


def _load() -> dict[str, tuple[int, dict[str, str]]]:
    document = json.loads(BODIES_PATH.read_text(encoding="utf-8"))
    return {e["key"]: (e["http_status"], e["body"]) for e in document["examples"]}


RECORDED = _load()


@dataclass
class XrpcError(Exception):
    """An XRPC error answer; raised by handlers, turned into a response by the server."""

    status: int
    error: str
    message: str
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "message": self.message}


def recorded(key: str, headers: dict[str, str] | None = None) -> XrpcError:
    """The error recorded in error-bodies.json under `key` (expired_token, bad_password, ...)."""
    status, body = RECORDED[key]
    return XrpcError(status, body["error"], body["message"], dict(headers or {}))


def invalid(message: str, error: str = "InvalidRequest") -> XrpcError:
    return XrpcError(400, error, message)


def server_error(status: int) -> XrpcError:
    error, message = GENERIC.get(status, GENERIC[500])
    return XrpcError(status, error, message)
