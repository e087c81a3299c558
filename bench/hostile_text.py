"""Hostile text: the regular expressions that read posts stay linear on long, adversarial input.

A post's text comes from anyone on the network. Each case is about 10,000 characters built to
make a backtracking pattern blow up (repeated mentions, emoji, hashtags, `A1 & ` chains, dotted
hosts, an endless host, an unfinished path, a huge internationalised host). Measured: the Q/A
classifier on a participant's post (target: under 50 ms a post) and X's weighted length with the
link finder and the limit check (target: under 0.5 s a text); the worst of RUNS per case.
"""

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bench.stack import machine
from chatdeck.domain.qa import classify
from chatdeck.domain.text import find_urls, is_within_limit, weighted_length

RUNS = 3
CLASSIFY_TARGET_MS = 50.0
LENGTH_TARGET_MS = 500.0
POSTS = {
    "mentions then an answer": "@a " * 10_000 + "A1: x",
    "emoji": "🗣️" * 10_000,
    "hashtags then an answer": "#edchat " * 5_000 + "A1",
    "an A1 & chain": "A1 & " * 5_000,
    "an A1/ chain": "A1/" * 8_000 + "x",
}
TEXTS = {
    "prose": "Lesson plan for tomorrow. " * 385,
    "CJK": "漢字かな한글" * 1667,
    "emoji": "👩\u200d🏫👋🏽🇺🇸1️⃣❤️" * 1000,
    "many URLs": "https://example.com/path?x=1 " * 345,
    "dotted": "a." * 5000,
    "endless host": "http://" + "ab." * 3331,
    "unfinished path": "http://example.com/" + "!" * 9981,
    "huge IDN host": "http://" + "漢." * 4995 + "com",
}


def _worst_ms(work: Callable[[], object]) -> float:
    worst = 0.0
    for _ in range(RUNS):
        started = time.perf_counter()
        work()
        worst = max(worst, (time.perf_counter() - started) * 1000)
    return round(worst, 2)


def _measure_length(text: str) -> None:
    weighted_length(text)
    find_urls(text)
    is_within_limit(text)


def run() -> dict[str, Any]:
    classified = {
        name: _worst_ms(lambda text=text: classify(text, "participant", ["mod"], "chat"))
        for name, text in POSTS.items()
    }
    lengths = {
        name: _worst_ms(lambda text=text: _measure_length(text)) for name, text in TEXTS.items()
    }
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m bench hostile_text",
        "machine": machine(),
        "target": f"the Q/A classifier under {CLASSIFY_TARGET_MS:.0f} ms a post and X's weighted "
        f"length under {LENGTH_TARGET_MS:.0f} ms a text, on every case",
        "classify_worst_ms": classified,
        "classify_target_ms": CLASSIFY_TARGET_MS,
        "weighted_length_worst_ms": lengths,
        "weighted_length_target_ms": LENGTH_TARGET_MS,
        "met": max(classified.values()) < CLASSIFY_TARGET_MS
        and max(lengths.values()) < LENGTH_TARGET_MS,
    }
