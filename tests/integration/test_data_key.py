"""The data key in SSM (moto server over HTTP): made on first use as a SecureString with a
create-only write, once even when two functions race, read back through powertools' cache, and
never shown. The store's plain cases run on the fake too, in tests/contract/test_data_key_store.py.
"""

import base64
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from chatdeck.adapters.ssm_data_key import SsmDataKeyStore
from chatdeck.adapters.token_cipher import AesGcmTokenCipher, DataKey
from chatdeck.domain.accounts import Tokens
from tests.conftest import unique

pytestmark = pytest.mark.integration


class Function:
    """One Lambda function's SSM client: the real one (moto), with the calls it made recorded,
    and an optional step run just before its next PutParameter (another function's, interleaved)."""

    def __init__(self, before_put: Callable[[], Any] | None = None) -> None:
        self.client = boto3.client("ssm")
        self.before_put = before_put
        self.calls: list[str] = []
        self.refusals: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    def get_parameter(self, **params: Any) -> Any:
        self.calls.append("get_parameter")
        return self.client.get_parameter(**params)

    def put_parameter(self, **params: Any) -> Any:
        self.calls.append("put_parameter")
        if self.before_put is not None:
            step, self.before_put = self.before_put, None
            step()
        try:
            return self.client.put_parameter(**params)
        except ClientError as error:
            self.refusals.append(error.response["Error"]["Code"])
            raise


@pytest.fixture
def name(aws_env: str) -> str:
    return f"/chatdeck/{unique('test')}/tokens-data-key"


def key_of(function: Function, name: str) -> DataKey:
    return DataKey(SsmDataKeyStore(lambda: function, name))


def test_the_first_use_makes_a_secure_string_of_32_random_bytes(name: str) -> None:
    key = key_of(Function(), name).get_or_make()

    ssm = boto3.client("ssm")
    stored = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
    filters = [{"Key": "Name", "Values": [name]}]
    (described,) = ssm.describe_parameters(ParameterFilters=filters)["Parameters"]
    assert stored["Type"] == "SecureString"
    assert stored["Version"] == 1
    assert base64.b64decode(stored["Value"]) == key and len(key) == 32
    # The AWS managed key aws/ssm: no KeyId was given, so no customer managed key to pay for.
    assert described["KeyId"] == "alias/aws/ssm"
    assert "Chatdeck" in described["Description"]


def test_two_functions_racing_to_make_the_key_end_with_one(name: str) -> None:
    # Given two functions that both read no key: the web function's PutParameter is held until
    # the publisher has read, made and stored its own
    publisher = Function()
    web = Function(before_put=lambda: key_of(publisher, name).get_or_make())

    # When the web function asks for the key
    web_key = key_of(web, name).get_or_make()

    # Then its create-only write was refused, it read the publisher's key, and SSM holds one
    # key, written once
    publisher_key = key_of(publisher, name).get_or_make()
    assert web.refusals == ["ParameterAlreadyExists"]
    assert web.calls == ["get_parameter", "put_parameter", "get_parameter"]
    assert publisher.refusals == []
    assert web_key == publisher_key
    stored = boto3.client("ssm").get_parameter(Name=name, WithDecryption=True)["Parameter"]
    assert stored["Version"] == 1
    assert base64.b64decode(stored["Value"]) == web_key


def test_tokens_sealed_by_one_function_open_in_another(name: str) -> None:
    tokens = Tokens("access-1", "refresh-1", datetime(2026, 11, 2, 22, 0, tzinfo=UTC))
    web = AesGcmTokenCipher(key_of(Function(), name))
    publisher = AesGcmTokenCipher(key_of(Function(), name))

    sealed = web.seal("cohort", tokens)

    assert publisher.open("cohort", sealed).access_token == "access-1"


def test_the_key_is_read_once_then_served_from_the_cache(name: str) -> None:
    key_of(Function(), name).get_or_make()
    function = Function()
    key = key_of(function, name)

    for _ in range(5):
        key.get_or_make()
        key.existing()

    assert function.calls == ["get_parameter"]


def test_a_read_that_fails_for_another_reason_is_raised_and_makes_nothing(name: str) -> None:
    function = Function()
    denied = ClientError(
        {"Error": {"Code": "AccessDeniedException", "Message": "not allowed"}}, "GetParameter"
    )

    def refuse(**params: Any) -> Any:
        function.calls.append("get_parameter")
        raise denied

    function.get_parameter = refuse  # type: ignore[method-assign]

    with pytest.raises(Exception, match="AccessDenied"):
        key_of(function, name).get_or_make()

    assert function.calls == ["get_parameter"]  # no PutParameter: a key may well exist
    with pytest.raises(ClientError):
        boto3.client("ssm").get_parameter(Name=name)


def test_a_parameter_that_is_not_a_key_is_refused_without_showing_it(name: str) -> None:
    boto3.client("ssm").put_parameter(Name=name, Value="hunter2!not-base64", Type="SecureString")

    with pytest.raises(ValueError, match="does not hold a data key") as refused:
        key_of(Function(), name).get_or_make()
    assert "hunter2" not in str(refused.value)

    boto3.client("ssm").put_parameter(
        Name=name, Value=base64.b64encode(b"short").decode(), Type="SecureString", Overwrite=True
    )
    with pytest.raises(ValueError, match="32 bytes"):
        key_of(Function(), name).get_or_make()
