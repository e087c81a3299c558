"""Faults for the Bluesky sandbox's XRPC endpoints, with the X sandbox's semantics.

`POST /sandbox/faults` with `{"endpoint": "POST /xrpc/com.atproto.repo.createRecord",
"latency_ms": 0, "status": null, "count": 0, "after_create": false}`; `{}` removes every fault.
It is the X sandbox's `Faults` (devstack/sandbox/faults.py: latency, `count` failures,
`"timeout"`, `after_create`) with Bluesky's statuses: 400 (an expired access token,
`ExpiredToken`), 401, 429 (with `RateLimit-*`; `"reset"` sets its epoch seconds, default now + 300),
a 5xx, or `"timeout"` (no 402 or 403, a 400). The bodies are the server's `_fail`.
"""

from __future__ import annotations

from devstack.sandbox import faults
from devstack.sandbox.faults import TIMEOUT, Fault, FaultError, Plan

STATUSES = (400, 401, 429)

__all__ = ["STATUSES", "TIMEOUT", "Fault", "FaultError", "Faults", "Plan"]


class Faults(faults.Faults):
    def __init__(self, endpoints: frozenset[str]) -> None:
        super().__init__(endpoints, STATUSES)
