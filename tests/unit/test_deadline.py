"""The deadline math, and what the X adapters do with a call there is no time left for."""

from typing import Any

import pytest
import requests

from chatdeck import deadline
from chatdeck.adapters.x.client import RewriteHostAdapter
from chatdeck.adapters.x.errors import NoTimeLeft, publish_outcome, read_failure
from chatdeck.bootstrap import AWS_CONNECT_TIMEOUT, AWS_MAX_ATTEMPTS, AWS_READ_TIMEOUT, aws_client
from chatdeck.domain.outcomes import NotSent, ReadFailed
from tests.conftest import InvocationContext

MARGIN = deadline.SAFETY_MARGIN


def test_outside_an_invocation_the_configured_timeouts_stand() -> None:
    assert deadline.remaining() is None
    assert deadline.timeouts(3.05, 10.0) == (3.05, 10.0)


def test_with_time_to_spare_the_configured_timeouts_stand() -> None:
    assert deadline.fit(3.05, 10.0, left=60.0) == (3.05, 10.0)


def test_near_the_end_connect_and_read_together_end_a_margin_before_it() -> None:
    connect, read = deadline.fit(3.05, 10.0, left=8.0)

    assert connect == 3.0  # half of the 6 s left after the margin
    assert read == 3.0
    assert connect + read == 8.0 - MARGIN


def test_a_short_budget_shortens_connect_and_read_alike() -> None:
    connect, read = deadline.fit(3.05, 10.0, left=MARGIN + 1.0)

    assert (connect, read) == (0.5, 0.5)


def test_too_little_time_refuses_the_call() -> None:
    with pytest.raises(deadline.TooLate):
        deadline.fit(3.05, 10.0, left=MARGIN + deadline.MINIMUM_CALL - 0.01)
    with pytest.raises(deadline.TooLate):
        deadline.fit(3.05, 10.0, left=-1.0)


def test_start_records_the_remaining_time_of_the_invocation() -> None:
    deadline.start(InvocationContext(remaining_ms=30_000))

    left = deadline.remaining()
    assert left is not None and 29.0 < left <= 30.0
    assert deadline.timeouts(3.05, 10.0) == (3.05, 10.0)

    deadline.start(InvocationContext(remaining_ms=500))
    with pytest.raises(deadline.TooLate):
        deadline.timeouts(3.05, 10.0)

    deadline.start(None)  # no context: no deadline
    assert deadline.remaining() is None


class Sent(Exception):
    pass


def test_the_x_adapter_sends_with_fitted_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def send(self: object, request: requests.PreparedRequest, **kwargs: Any) -> None:
        seen.update(kwargs, url=request.url)
        raise Sent

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", send)
    adapter = RewriteHostAdapter("http://sandbox", (3.05, 10.0))
    request = requests.Request("POST", "https://api.twitter.com/2/tweets").prepare()

    deadline.start(InvocationContext(remaining_ms=int((MARGIN + 4) * 1000)))
    with pytest.raises(Sent):
        adapter.send(request)

    assert seen["url"] == "http://sandbox/2/tweets"
    connect, read = seen["timeout"]
    assert connect <= 2.0 and connect + read <= 4.0


def test_the_x_adapter_starts_no_request_without_time(monkeypatch: pytest.MonkeyPatch) -> None:
    def send(self: object, request: requests.PreparedRequest, **kwargs: Any) -> None:
        raise AssertionError("sent")

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", send)
    adapter = RewriteHostAdapter("http://sandbox", (3.05, 10.0))
    request = requests.Request("POST", "https://api.twitter.com/2/tweets").prepare()

    deadline.start(InvocationContext(remaining_ms=1000))
    with pytest.raises(NoTimeLeft) as refused:
        adapter.send(request)

    assert isinstance(publish_outcome(refused.value), NotSent)
    failure = read_failure(refused.value, "search")
    assert isinstance(failure, ReadFailed) and not failure.account_wide


def test_aws_clients_have_short_timeouts_and_bounded_retries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import boto3

    made: dict[str, Any] = {}
    monkeypatch.setattr(boto3, "client", lambda service, config: made.update(s=service, c=config))

    aws_client("dynamodb")

    assert made["s"] == "dynamodb"
    assert made["c"].connect_timeout == AWS_CONNECT_TIMEOUT
    assert made["c"].read_timeout == AWS_READ_TIMEOUT
    assert made["c"].retries == {"mode": "standard", "total_max_attempts": AWS_MAX_ATTEMPTS}


class FakeSsm:
    """What powertools' SSMProvider asks of its boto3 client."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.asked: list[str] = []

    def get_parameter(self, Name: str, WithDecryption: bool) -> dict[str, Any]:
        assert WithDecryption
        self.asked.append(Name)
        return {"Parameter": {"Value": self.values[Name]}}


def test_parameters_are_read_through_the_configured_ssm_client() -> None:
    from chatdeck.bootstrap import Services
    from chatdeck.settings import Settings

    services = Services(Settings())
    ssm = FakeSsm(
        {
            services.settings.signing_key_parameter: "a signing key",
            services.settings.x_credentials_parameter: '{"api_key": "k", "api_secret": "s"}',
        }
    )
    services.__dict__["_ssm"] = ssm  # what aws_client("ssm") would have made

    assert services.signing_key() == b"a signing key"
    assert services.x_credentials("cohort") == {"api_key": "k", "api_secret": "s"}
    assert services.signing_key() == b"a signing key"  # cached for 5 minutes
    assert ssm.asked == [
        services.settings.signing_key_parameter,
        services.settings.x_credentials_parameter,
    ]


def test_every_aws_client_is_made_with_the_configured_timeouts() -> None:
    from pathlib import Path

    bootstrap = Path(__file__).resolve().parents[2] / "shared" / "chatdeck" / "bootstrap.py"
    source = bootstrap.read_text(encoding="utf-8")

    assert source.count("boto3.client(") == 1  # inside aws_client only
    for service in ("dynamodb", "ssm", "sesv2"):
        assert f'aws_client("{service}")' in source
