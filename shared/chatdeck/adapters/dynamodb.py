"""The one way the stores reach DynamoDB: `Table`, over boto3's low-level client, and page cursors.

Every conditional write goes through `Table.write_if`, which answers None when the condition did
not hold, so no store repeats the try/except around ConditionalCheckFailedException.
`Table.batch_get` asks unprocessed keys again after an exponential, jittered pause (as AWS asks:
unprocessed keys mean the table is throttled), at most `BATCH_GET_ROUNDS` times, then raises.
A throttle or a DynamoDB failure that outlasts botocore's retries is raised as
`TableUnavailable`: still the ClientError it was (the scheduled functions' handling is
unchanged) and also the domain's `Unavailable`, which the web answers with a 503 page; a connect
or read timeout is raised as the same botocore error, also `Unavailable`.
"""

import base64
import json
import random
import time
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from chatdeck.domain.errors import InvalidCursor, Unavailable

BATCH_GET_ROUNDS = 8
BATCH_GET_FIRST_PAUSE = 0.05  # seconds; doubled each round, with full jitter


# DynamoDB's answers that mean "not now" rather than "not so": throttling, and its own failures.
UNAVAILABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionInProgressException",
    }
)
# A transaction cancelled for these reasons only was refused for the same: not now.
_UNAVAILABLE_REASONS = frozenset(
    {"None", "ThrottlingError", "ProvisionedThroughputExceeded", "TransactionConflict"}
)


class UnprocessedKeys(RuntimeError, Unavailable):
    """DynamoDB kept answering some keys of a batch read unprocessed (throttled)."""


class TableUnavailable(ClientError, Unavailable):  # type: ignore[misc]  # botocore is untyped
    """DynamoDB throttled or failed a call past botocore's retries: still the ClientError it
    was (the same class, code and response: see `_reraised`), and also the domain's
    Unavailable, so the web can answer 503 without knowing botocore."""


_UNAVAILABLE_CLASSES: dict[type[ClientError], type[TableUnavailable]] = {}


def _unavailable(error: ClientError) -> bool:
    code = error.response.get("Error", {}).get("Code", "")
    if code == "TransactionCanceledException":
        reasons = {str(r.get("Code")) for r in error.response.get("CancellationReasons") or []}
        return bool(reasons) and reasons <= _UNAVAILABLE_REASONS and reasons != {"None"}
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return code in UNAVAILABLE_CODES or int(status) >= 500


_UNREACHABLE_CLASSES: dict[type[BotoCoreError], type[BotoCoreError]] = {}


def _reraised(error: Exception) -> Exception:
    """The error as it is, or, when it means "not now", the same error that is also the
    domain's Unavailable: a throttle or DynamoDB's own failure (TableUnavailable), or DynamoDB
    not reached in time (a connect or read timeout, a dropped connection)."""
    if isinstance(error, Unavailable):
        return error
    if isinstance(error, ClientError) and _unavailable(error):
        kind = type(error)
        if kind not in _UNAVAILABLE_CLASSES:  # botocore's own class kept: its name is the code
            _UNAVAILABLE_CLASSES[kind] = type(kind.__name__, (TableUnavailable, kind), {})
        unavailable: Exception = _UNAVAILABLE_CLASSES[kind](error.response, error.operation_name)
        return unavailable
    if isinstance(error, BotoConnectionError | HTTPClientError):
        timed_out = type(error)
        if timed_out not in _UNREACHABLE_CLASSES:
            _UNREACHABLE_CLASSES[timed_out] = type(timed_out.__name__, (timed_out, Unavailable), {})
        unreachable: Exception = _UNREACHABLE_CLASSES[timed_out](**error.kwargs)
        return unreachable
    return error


class Table:
    """The few Table calls the stores make, over boto3's low-level client.

    boto3 resources are not thread-safe and the publisher works on posts in parallel; clients are.
    """

    _ITEM_PARAMS = ("Item", "Key", "ExclusiveStartKey", "ExpressionAttributeValues")
    _serializer = TypeSerializer()
    _deserializer = TypeDeserializer()

    def __init__(self, client: Any, name: str) -> None:
        self.client = client
        self.name = name

    def put_item(self, **params: Any) -> dict[str, Any]:
        return self._call("put_item", params)

    def get_item(self, **params: Any) -> dict[str, Any]:
        return self._call("get_item", params)

    def update_item(self, **params: Any) -> dict[str, Any]:
        return self._call("update_item", params)

    def query(self, **params: Any) -> dict[str, Any]:
        return self._call("query", params)

    def delete_item(self, **params: Any) -> dict[str, Any]:
        return self._call("delete_item", params)

    def write_if(self, operation: str, **params: Any) -> dict[str, Any] | None:
        """A conditional write (`put_item`, `update_item`, `delete_item`): its answer, or None
        when its condition did not hold; any other failure is raised."""
        try:
            return self._call(operation, params)
        except ClientError as error:
            if conditional_failed(error):
                return None
            raise

    def batch_get(
        self, keys: list[dict[str, Any]], consistent: bool = True
    ) -> list[dict[str, Any]]:
        """The items with these keys that exist, in no particular order: 100 keys a request,
        and any unprocessed keys asked again after a growing pause."""
        items: list[dict[str, Any]] = []
        pending = [self._dump(key) for key in keys]
        while pending:
            batch, pending = pending[:100], pending[100:]
            request = {self.name: {"Keys": batch, "ConsistentRead": consistent}}
            for round_ in range(BATCH_GET_ROUNDS):
                if round_:
                    # jitter, not a secret
                    pause = random.uniform(0, BATCH_GET_FIRST_PAUSE * 2 ** (round_ - 1))  # noqa: S311  # nosec B311
                    time.sleep(pause)
                try:
                    answer = self.client.batch_get_item(RequestItems=request)
                except (ClientError, BotoCoreError) as error:
                    raise _reraised(error) from error
                items.extend(self._load(item) for item in answer["Responses"].get(self.name, []))
                request = answer.get("UnprocessedKeys") or {}
                if not request:
                    break
            else:
                raise UnprocessedKeys(
                    f"{self.name}: keys still unprocessed after {BATCH_GET_ROUNDS} rounds"
                )
        return items

    def transact_if(self, actions: list[tuple[str, dict[str, Any]]]) -> bool:
        """Write every action (`Put`, `Update`, `Delete`, `ConditionCheck` with its params) or
        none; False when a condition did not hold; any other failure is raised."""
        items = []
        for kind, params in actions:
            params = dict(params)
            for name in self._ITEM_PARAMS:
                if name in params:
                    params[name] = self._dump(params[name])
            items.append({kind: {"TableName": self.name, **params}})
        try:
            self.client.transact_write_items(TransactItems=items)
        except ClientError as error:
            code = error.response["Error"]["Code"]
            reasons = error.response.get("CancellationReasons") or []
            if code == "TransactionCanceledException" and any(
                r.get("Code") == "ConditionalCheckFailed" for r in reasons
            ):
                return False
            raise _reraised(error) from error
        except BotoCoreError as error:
            raise _reraised(error) from error
        return True

    def query_all(self, **params: Any) -> list[dict[str, Any]]:
        """Every item of one Query, followed across its 1 MB pages."""
        items: list[dict[str, Any]] = []
        while True:
            answer = self.query(**params)
            items.extend(answer["Items"])
            if "LastEvaluatedKey" not in answer:
                return items
            params["ExclusiveStartKey"] = answer["LastEvaluatedKey"]

    def _call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        for name in self._ITEM_PARAMS:
            if name in params:
                params[name] = self._dump(params[name])
        try:
            answer: dict[str, Any] = getattr(self.client, operation)(TableName=self.name, **params)
        except (ClientError, BotoCoreError) as error:
            raise _reraised(error) from error
        for name in ("Item", "Attributes", "LastEvaluatedKey"):
            if name in answer:
                answer[name] = self._load(answer[name])
        if "Items" in answer:
            answer["Items"] = [self._load(item) for item in answer["Items"]]
        return answer

    def _dump(self, values: dict[str, Any]) -> dict[str, Any]:
        return {k: self._serializer.serialize(v) for k, v in values.items()}

    def _load(self, values: dict[str, Any]) -> dict[str, Any]:
        return {k: self._deserializer.deserialize(v) for k, v in values.items()}


def conditional_failed(error: ClientError) -> bool:
    return bool(error.response["Error"]["Code"] == "ConditionalCheckFailedException")


def encode_cursor(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode()


def decode_cursor(cursor: str, names: set[str], partition: tuple[str, str]) -> dict[str, Any]:
    """The start key in a page link, if it has exactly `names` and lies in the queried
    `partition` (name, value): DynamoDB refuses a start key from another partition outright."""
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError as error:
        raise InvalidCursor(cursor) from error
    if (
        not isinstance(key, dict)
        or set(key) != names
        or not all(isinstance(v, str) and 0 < len(v) <= 254 for v in key.values())
        or key[partition[0]] != partition[1]
    ):
        raise InvalidCursor(cursor)
    return key
