"""Waiting for something to happen: one `poll_until` for every test and fixture that waits."""

import time
from collections.abc import Callable

import requests


def poll_until[T](
    condition: Callable[[], T | None],
    timeout: float = 10,
    interval: float = 0.1,
    message: str | Callable[[], str] = "the condition did not hold",
) -> T:
    """Call `condition` every `interval` seconds until it returns something truthy, and return
    that. After `timeout` seconds raise TimeoutError with `message` (a string, or a function
    called then, to describe what was seen). An exception from `condition` propagates at once:
    a condition gives up early that way."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            break
        time.sleep(interval)
    text = message() if callable(message) else message
    raise TimeoutError(f"{text} (waited {timeout:g} s)")


def answers(url: str) -> bool:
    """Whether anything answers a GET at `url` (any status counts: the server is up)."""
    try:
        requests.get(url, timeout=1)
    except requests.RequestException:
        return False
    return True
