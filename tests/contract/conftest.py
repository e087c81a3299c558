"""Every contract case runs twice: on the in-memory fake, and on the DynamoDB adapter on moto.

`backend` is parametrized over both. Only its "dynamodb" case asks for moto server (through
`request.getfixturevalue`), so `pytest tests/contract -k fake` starts no server at all. The
DynamoDB cases carry the `integration` mark, like every test that needs moto server.

They do not use the integration tests' `deployment` fixture: it also writes SSM parameters,
verifies an SES sender and resets the sandbox, about a second per case. A case here gets only the
tables it asks for, made from the same template by the same `create_table`, and a data key
parameter name of its own in moto's SSM for the connections' tokens.
"""

import boto3
import pytest

from devstack.provision import TEMPLATE
from devstack.template import load_template
from tests.contract.backends import Backend, DynamoBackend, FakeBackend, MotoAws


@pytest.fixture(scope="session")
def moto_aws(aws_env: str) -> MotoAws:
    template = load_template(TEMPLATE)
    tables = {
        logical_id: resource["Properties"]
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::DynamoDB::Table"
    }
    return MotoAws(aws_env, boto3.client("dynamodb"), boto3.client("ssm"), tables)


@pytest.fixture(params=["fake", pytest.param("dynamodb", marks=pytest.mark.integration)])
def backend(request: pytest.FixtureRequest) -> Backend:
    if request.param == "fake":
        return FakeBackend()
    return DynamoBackend(request.getfixturevalue("moto_aws"))
