"""Each function's Timeout covers its longest chain of outbound calls, at their own timeouts.

Read from template.yaml (with its Globals), the settings model's X timeouts, the AWS clients'
timeouts (bootstrap.py) and the deadline's margin. Pure: no AWS, no network.
"""

from typing import Any

import pytest

from chatdeck.bootstrap import AWS_CONNECT_TIMEOUT, AWS_MAX_ATTEMPTS, AWS_READ_TIMEOUT
from chatdeck.deadline import SAFETY_MARGIN
from chatdeck.settings import Settings
from devstack.template import load_template
from tests.unit.test_template import COMPANION, PUBLISHER, TEMPLATE, WEB, functions

HTTP_API_LIMIT = 30  # seconds an HTTP API waits for its integration


def setting(function: dict[str, Any], name: str, field: str) -> float:
    """The value the function's environment sets, else the settings model's default."""
    variables = function.get("Environment", {}).get("Variables", {})
    default = Settings.model_fields[field].default
    return float(variables.get(name, default))


def x_call(function: dict[str, Any]) -> float:
    """The longest one X request can take: its connect and read timeouts."""
    return setting(function, "X_CONNECT_TIMEOUT", "x_connect_timeout") + setting(
        function, "X_READ_TIMEOUT", "x_read_timeout"
    )


AWS_CALL = AWS_MAX_ATTEMPTS * (AWS_CONNECT_TIMEOUT + AWS_READ_TIMEOUT)


@pytest.fixture(scope="module")
def deployed() -> dict[str, dict[str, Any]]:
    return functions(load_template(TEMPLATE))


def test_one_aws_call_with_its_retries_fits_every_function(
    deployed: dict[str, dict[str, Any]],
) -> None:
    assert AWS_CALL == 21
    for name, function in deployed.items():
        assert function["Timeout"] > AWS_CALL + SAFETY_MARGIN, name


def test_web_covers_two_x_calls_in_a_row_and_answers_within_the_http_api_limit(
    deployed: dict[str, dict[str, Any]],
) -> None:
    # Connecting an account: the token exchange, then whose account it is.
    web = deployed[WEB]
    assert 2 * x_call(web) <= web["Timeout"] < HTTP_API_LIMIT


def test_the_publisher_covers_a_create_and_ends_before_its_claims_expire(
    deployed: dict[str, dict[str, Any]],
) -> None:
    publisher = deployed[PUBLISHER]
    lease = setting(publisher, "LEASE_SECONDS", "lease_seconds")
    assert x_call(publisher) + AWS_CALL + SAFETY_MARGIN <= publisher["Timeout"] < lease


def test_the_companion_covers_a_search_and_a_lookup(
    deployed: dict[str, dict[str, Any]],
) -> None:
    companion = deployed[COMPANION]
    assert 2 * x_call(companion) + AWS_CALL + SAFETY_MARGIN <= companion["Timeout"]
