"""Publishing tests written for mutants `make mutate` found alive in the core (bench/mutation.py):
each asserts what an author or admin would see go wrong if that line were changed.

A publisher that stalls past its lease has lost its claim: another took the post over. Whatever
the slow one's own send then says, it must record nothing and tell nobody, or an author hears
"your post failed" about a post that went out (`record(...) or True` survived every other test).
"""

from datetime import timedelta
from typing import Any

import pytest

from chatdeck.domain.outcomes import NotSent, Rejected
from chatdeck.domain.posts import PostStatus
from chatdeck.services.publishing import RETRY_AFTER_NOT_FOUND
from tests.unit.services.kit import LEASE, NOW, Kit

DUE = NOW


def test_a_publisher_whose_claim_was_taken_over_tells_nobody_its_send_failed(kit: Kit) -> None:
    post = kit.schedule("A slow publisher's post.", DUE)
    slow = kit.publisher
    claimed = slow.claim(kit.posts.due(DUE)[0], DUE)
    assert claimed is not None
    # It stalls past its lease: the next tick takes the post over, does not find it on the
    # account, queues it again, and the one after posts it.
    after_lease = DUE + LEASE + timedelta(seconds=1)
    kit.tick(after_lease, kit.another_publisher())
    kit.tick(after_lease + RETRY_AFTER_NOT_FOUND, kit.another_publisher())
    assert kit.target(post.id).status is PostStatus.POSTED

    # The slow one wakes; X refuses its send.
    kit.network.script(Rejected("X refused the post."))
    outcome = slow.send(claimed, after_lease + RETRY_AFTER_NOT_FOUND)

    assert outcome == "lost"
    assert kit.target(post.id).status is PostStatus.POSTED
    assert kit.mailer.sent == []


# ----- what the publisher tells its operators: each tick's report, and lost claims --------------


class Log:
    """Stands in for the publisher's logger: what it was told, in order."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def info(self, message: str, extra: dict[str, Any] | None = None) -> None:
        self.records.append({"message": message, **(extra or {})})

    warning = info


@pytest.fixture
def log(monkeypatch: pytest.MonkeyPatch) -> Log:
    recorded = Log()
    monkeypatch.setattr("chatdeck.services.publishing.logger", recorded)
    return recorded


def test_each_tick_logs_what_it_did_with_every_outcome_counted(kit: Kit, log: Log) -> None:
    kit.schedule("One goes out.", DUE)

    report = kit.tick(DUE)

    assert report.outcomes == {"posted": 1}
    [tick] = [r for r in log.records if r["message"] == "publisher tick"]
    assert tick == {
        "message": "publisher tick",
        "now": "2026-11-02T12:00:00Z",
        "due": 1,
        **{name: 0 for name in ("failed", "unconfirmed", "requeued", "paused", "skipped", "lost")},
        "posted": 1,
    }


def test_a_publisher_that_lost_its_claim_says_so_in_the_log_and_its_report(
    kit: Kit, log: Log
) -> None:
    post = kit.schedule("Two publishers, one post.", DUE)
    slow = kit.publisher
    claimed = slow.claim(kit.posts.due(DUE)[0], DUE)
    assert claimed is not None
    after_lease = DUE + LEASE + timedelta(seconds=1)
    kit.tick(after_lease, kit.another_publisher())
    log.records.clear()

    assert slow.send(claimed, after_lease) == "lost"
    assert log.records == [
        {"message": "claim lost before recording", "post_id": post.id, "network": "x"}
    ]


def test_a_second_publisher_that_finds_the_post_taken_reports_it_skipped(kit: Kit) -> None:
    kit.schedule("Taken by the first.", DUE)
    second = kit.another_publisher()
    [seen] = second.posts.due(DUE)
    kit.tick(DUE)

    assert second.publish(seen, DUE) == "skipped"


def test_a_target_given_up_on_does_not_promise_another_try(kit: Kit) -> None:
    post = kit.schedule("X cannot be reached.", DUE)
    kit.network.script(*[NotSent("X could not be reached; it will be tried again.")] * 3)

    for minute in range(5):
        kit.tick(DUE + timedelta(minutes=minute))

    failed = kit.target(post.id)
    assert (failed.status, failed.reason) == (
        PostStatus.FAILED,
        "It was not sent after 3 attempts and will not be tried again: X could not be reached.",
    )
