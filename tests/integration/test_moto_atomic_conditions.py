"""The local stack's DynamoDB keeps a conditional write atomic under concurrency, as AWS does.

moto server serves requests on several threads and, left alone, lets two conditional writes to
one item both pass their condition when they arrive together: two publishers racing for one claim
would then both win in tests (a double post that AWS would never allow). `devstack.moto_server`
runs DynamoDB's requests one at a time; this checks it with real concurrent requests.
"""

import threading

import boto3
import pytest

from tests.conftest import unique

ROUNDS = 60


@pytest.mark.usefixtures("aws_env")
def test_two_conditional_writes_at_once_never_both_pass() -> None:
    client = boto3.client("dynamodb")
    table = unique("claims")
    client.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    racers = [boto3.client("dynamodb") for _ in range(2)]
    barrier = threading.Barrier(2)
    won: dict[int, list[str]] = {n: [] for n in range(ROUNDS)}

    def race(index: int) -> None:
        for n in range(ROUNDS):
            barrier.wait()
            try:
                racers[index].update_item(
                    TableName=table,
                    Key={"pk": {"S": f"claim-{n}"}},
                    UpdateExpression="SET claimed_by = :me",
                    ConditionExpression="attribute_not_exists(claimed_by)",
                    ExpressionAttributeValues={":me": {"S": f"publisher-{index}"}},
                )
            except racers[index].exceptions.ConditionalCheckFailedException:
                continue
            won[n].append(f"publisher-{index}")

    try:
        threads = [threading.Thread(target=race, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        doubled = [n for n, winners in won.items() if len(winners) > 1]
        assert doubled == [], f"both writers passed the condition in rounds {doubled}"
        assert all(len(winners) == 1 for winners in won.values())
    finally:
        client.delete_table(TableName=table)
