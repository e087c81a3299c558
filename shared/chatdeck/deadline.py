"""The running invocation's deadline, and timeouts that end before it.

- Each handler's first line is `deadline.start(context)`: it records when this invocation ends
  (`context.get_remaining_time_in_millis()`, on the monotonic clock). A Lambda container runs one
  invocation at a time, so one module-level deadline serves the publisher's threads too.
- An outbound call asks `timeouts(connect, read)` for its (connect, read) timeouts: the
  configured ones, shortened so that connect + read ends `SAFETY_MARGIN` seconds before the
  deadline. When less than `SAFETY_MARGIN + MINIMUM_CALL` seconds remain it raises `TooLate`
  instead, before anything is sent: the X adapters map it to NotSent (a post is tried again by a
  later tick, never sent half-way) or ReadFailed.
- Outside an invocation (tests, the local stack's scripts) there is no deadline and the
  configured timeouts are used as they are.

No network and no SDK here: the adapters import this module, never the other way round.
"""

import time
from typing import Protocol

SAFETY_MARGIN = 2.0  # seconds left after a call's timeouts: for its answer to be recorded
MINIMUM_CALL = 1.0  # seconds: a call with less than this is not started


class InvocationContext(Protocol):
    def get_remaining_time_in_millis(self) -> int: ...


class TooLate(Exception):
    """Too little of the invocation remains to start a call; nothing was sent."""


_ends_at: float | None = None  # time.monotonic() when the invocation ends


def start(context: InvocationContext | None) -> None:
    """Record the deadline of the invocation that is starting (none without a context)."""
    global _ends_at
    remaining_ms = getattr(context, "get_remaining_time_in_millis", None)
    _ends_at = time.monotonic() + remaining_ms() / 1000 if callable(remaining_ms) else None


def clear() -> None:
    global _ends_at
    _ends_at = None


def remaining() -> float | None:
    """Seconds left in the invocation; None outside one."""
    return None if _ends_at is None else _ends_at - time.monotonic()


def fit(connect: float, read: float, left: float | None) -> tuple[float, float]:
    """(connect, read) timeouts that end `SAFETY_MARGIN` before `left` seconds are up; raises
    TooLate when fewer than `MINIMUM_CALL` seconds would be left for the call."""
    if left is None:
        return connect, read
    budget = left - SAFETY_MARGIN
    if budget < MINIMUM_CALL:
        raise TooLate(f"only {max(left, 0):.1f} s of the invocation remain")
    connect = min(connect, budget / 2)
    return connect, min(read, budget - connect)


def timeouts(connect: float, read: float) -> tuple[float, float]:
    """The configured timeouts, fitted to the running invocation's remaining time."""
    return fit(connect, read, remaining())
