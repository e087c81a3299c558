"""`Table.batch_get` under throttling: unprocessed keys are asked again after growing pauses, and a
table that never catches up raises instead of spinning forever."""

import random
import time
from typing import Any

import pytest

from chatdeck.adapters.dynamodb import BATCH_GET_ROUNDS, Table, UnprocessedKeys


class ThrottledClient:
    """Answers `throttled_rounds` batch reads with every key but the first unprocessed."""

    def __init__(self, items: dict[str, dict[str, Any]], throttled_rounds: int) -> None:
        self.items = items
        self.throttled_rounds = throttled_rounds
        self.requests: list[list[str]] = []

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        keys = RequestItems["posts"]["Keys"]
        self.requests.append([key["id"]["S"] for key in keys])
        served, unprocessed = keys, []
        if len(self.requests) <= self.throttled_rounds:
            served, unprocessed = keys[:1], keys[1:]
        found = [self.items[key["id"]["S"]] for key in served if key["id"]["S"] in self.items]
        answer: dict[str, Any] = {"Responses": {"posts": found}}
        if unprocessed:
            answer["UnprocessedKeys"] = {"posts": {"Keys": unprocessed, "ConsistentRead": True}}
        return answer


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    monkeypatch.setattr(random, "uniform", lambda low, high: high)
    return slept


def stored(*ids: str) -> dict[str, dict[str, Any]]:
    return {i: {"id": {"S": i}, "text": {"S": f"post {i}"}} for i in ids}


def test_unprocessed_keys_are_read_again_after_growing_pauses(pauses: list[float]) -> None:
    client = ThrottledClient(stored("a", "b", "c"), throttled_rounds=2)

    items = Table(client, "posts").batch_get([{"id": "a"}, {"id": "b"}, {"id": "c"}])

    assert sorted(item["id"] for item in items) == ["a", "b", "c"]
    assert client.requests == [["a", "b", "c"], ["b", "c"], ["c"]]
    assert len(pauses) == 2 and 0 < pauses[0] < pauses[1]


def test_a_table_that_never_catches_up_raises(pauses: list[float]) -> None:
    client = ThrottledClient(stored(*"abcdefghijk"), throttled_rounds=1000)

    with pytest.raises(UnprocessedKeys, match="posts"):
        Table(client, "posts").batch_get([{"id": i} for i in "abcdefghijk"])

    assert len(client.requests) == BATCH_GET_ROUNDS
    assert len(pauses) == BATCH_GET_ROUNDS - 1
