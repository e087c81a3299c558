"""Each test gets the services wired afresh on empty fakes (see kit.py)."""

import pytest

from tests.unit.services.kit import Kit, build_kit


@pytest.fixture
def kit() -> Kit:
    return build_kit()
