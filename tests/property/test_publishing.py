"""The publishing state machine (publishing_machine.py) and the companion's (companion_machine.py)
searched by hypothesis, and each shown to catch what it is for: a double post when the claim's
condition is removed, a reminder twice when the notice log keeps nothing.

Two hypothesis profiles, picked by CHATDECK_PROPERTY_PROFILE:
- `repeatable` (the default, what `make test` runs): 1,000 runs of the publishing machine and 500
  of the companion's, derandomized and with no example database, so a clean clone runs the same
  sequences every time;
- `search` (`make property`): random seeds, 10,000 and 5,000 runs by default
  (CHATDECK_PROPERTY_EXAMPLES), failures kept in hypothesis' example database to replay first.
"""

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from chatdeck.observability import logger
from tests.fakes import FakeNoticeLog, FakePostStore
from tests.fakes.posts import claim_ignoring_its_condition
from tests.property.companion_machine import Companion
from tests.property.publishing_machine import Publishing
from tests.property.publishing_parts import Broken

STEPS = 30
settings.register_profile(
    "repeatable",
    max_examples=1000,
    stateful_step_count=STEPS,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "search",
    max_examples=int(os.environ.get("CHATDECK_PROPERTY_EXAMPLES", "10000")),
    stateful_step_count=STEPS * 2,
    derandomize=False,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
PROFILE = os.environ.get("CHATDECK_PROPERTY_PROFILE", "repeatable")


@pytest.fixture(autouse=True)
def quiet_publisher() -> Iterator[None]:
    """The publisher logs each minute; thousands of runs need only its warnings."""
    level = logger.log_level
    logger.setLevel("WARNING")
    yield
    logger.setLevel(level)


def test_nothing_is_lost_doubled_or_stuck() -> None:
    chosen = settings.get_profile(PROFILE)
    Publishing.runs = 0

    run_state_machine_as_test(Publishing, settings=chosen)

    assert Publishing.runs >= chosen.max_examples  # every run went to its end


@pytest.fixture
def claim_condition_removed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fake's claim, its condition gone: it takes the target whatever happened since it was
    read (the update is the same as the real one's)."""
    monkeypatch.setattr(FakePostStore, "claim", claim_ignoring_its_condition)


@pytest.mark.usefixtures("claim_condition_removed")
def test_the_search_finds_a_double_post_when_the_claim_takes_any_target() -> None:
    hunt = settings(
        max_examples=1000,
        stateful_step_count=STEPS,
        derandomize=True,
        database=None,
        deadline=None,
        report_multiple_bugs=False,
        phases=(Phase.explicit, Phase.generate),  # found is enough: no shrinking
        suppress_health_check=list(HealthCheck),
    )

    with pytest.raises(Broken, match="posted twice on"):
        run_state_machine_as_test(Publishing, settings=hunt)


def test_no_reminder_or_digest_goes_twice_to_one_member() -> None:
    chosen = settings.get_profile(PROFILE)
    half = settings(chosen, max_examples=chosen.max_examples // 2)  # its runs are slower

    run_state_machine_as_test(Companion, settings=half)


def test_the_search_finds_a_reminder_sent_twice_when_notices_are_not_logged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The notice log is what keeps a notice to one: a log that records nothing lets the same
    minute's reminder (run twice, or by two invocations) go out again, and the search sees it."""
    monkeypatch.setattr(FakeNoticeLog, "record", lambda self, *args: True)
    hunt = settings(
        max_examples=1000,
        stateful_step_count=STEPS,
        derandomize=True,
        database=None,
        deadline=None,
        report_multiple_bugs=False,
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=list(HealthCheck),
    )

    with pytest.raises(Broken, match="sent twice"):
        run_state_machine_as_test(Companion, settings=hunt)
