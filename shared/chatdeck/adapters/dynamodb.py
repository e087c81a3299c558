"""DynamoDB stores: posts (with the sparse work index), account states and notices.

Every state change is a conditional write, so two functions racing on one post cannot both win.
"""

import base64
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from chatdeck.domain.posts import CANCELLABLE, Post, PostStatus
from chatdeck.domain.schedule import from_iso_utc, to_iso_utc
from chatdeck.ports import AccountState, Email, Page, PostChange

WORK_PK = "WORK"
LIST_PK = "POSTS"
Condition = tuple[str, dict[str, str], dict[str, Any]]


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
        answer: dict[str, Any] = getattr(self.client, operation)(TableName=self.name, **params)
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


def post_to_item(post: Post) -> dict[str, Any]:
    item = {k: v for k, v in post.model_dump(mode="json").items() if v is not None}
    for name in ("due_utc", "created_at", "next_action_at", "first_claimed_at"):
        value = getattr(post, name)
        if value is not None:
            item[name] = to_iso_utc(value)
    item["list_pk"] = LIST_PK
    if post.status.needs_publisher:
        item["work_pk"] = WORK_PK
    else:
        item.pop("next_action_at", None)
    return item


def item_to_post(item: dict[str, Any]) -> Post:
    return Post.model_validate({k: int(v) if k == "attempts" else v for k, v in item.items()})


class DynamoPostStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def add(self, post: Post) -> bool:
        return (
            self.table.write_if(
                "put_item", Item=post_to_item(post), ConditionExpression="attribute_not_exists(id)"
            )
            is not None
        )

    def get(self, post_id: str) -> Post | None:
        item = self.table.get_item(Key={"id": post_id}, ConsistentRead=True).get("Item")
        return item_to_post(item) if item else None

    def page(self, cursor: str | None, limit: int, author: str | None = None) -> Page:
        """Newest first: everyone's (`by_created`), or one author's (`by_author`)."""
        index, key_name, key_value = (
            ("by_author", "author_email", author) if author else ("by_created", "list_pk", LIST_PK)
        )
        query: dict[str, Any] = {
            "IndexName": index,
            "KeyConditionExpression": f"{key_name} = :key",
            "ExpressionAttributeValues": {":key": key_value},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if cursor:
            query["ExclusiveStartKey"] = _decode_cursor(cursor, {"id", key_name, "created_at"})
        answer = self.table.query(**query)
        last = answer.get("LastEvaluatedKey")
        return Page([item_to_post(i) for i in answer["Items"]], _encode_cursor(last))

    def by_author(self, email: str) -> Iterator[Post]:
        cursor: str | None = None
        while True:
            page = self.page(cursor, 100, author=email)
            yield from page.posts
            if page.next is None:
                return
            cursor = page.next

    def replace(self, post: Post, expected: PostStatus) -> bool:
        """Store an edited, approved or declined post if it is still in the state it was read in."""
        return (
            self.table.write_if(
                "put_item",
                Item=post_to_item(post),
                ConditionExpression="#s = :expected",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":expected": expected.value},
            )
            is not None
        )

    def due(self, now: datetime) -> list[Post]:
        items = self.table.query_all(
            IndexName="work",
            KeyConditionExpression="work_pk = :work AND next_action_at <= :now",
            ExpressionAttributeValues={":work": WORK_PK, ":now": to_iso_utc(now)},
        )
        return [item_to_post(i) for i in items]

    def claim_condition(self, post: Post, now: datetime) -> Condition:
        """Still in the state we saw, still due, and not claimed by anyone since."""
        return (
            "#status = :seen AND next_action_at <= :now"
            " AND (attribute_not_exists(claim_id) OR claim_id = :previous)",
            {"#status": "status"},
            {
                ":seen": post.status.value,
                ":now": to_iso_utc(now),
                ":previous": post.claim_id or "-",
            },
        )

    def claim(self, post: Post, claim_id: str, now: datetime, lease_until: datetime) -> Post | None:
        condition, names, values = self.claim_condition(post, now)
        answer = self.table.write_if(
            "update_item",
            Key={"id": post.id},
            UpdateExpression=(
                "SET #s = :publishing, claim_id = :claim, claimed_at = :claimed,"
                " next_action_at = :lease, work_pk = :work,"
                " attempts = if_not_exists(attempts, :zero) + :one,"
                " first_claimed_at = if_not_exists(first_claimed_at, :claimed)"
            ),
            ConditionExpression=condition,
            ExpressionAttributeNames={"#s": "status", **names},
            ExpressionAttributeValues={
                ":publishing": PostStatus.PUBLISHING.value,
                ":claim": claim_id,
                ":claimed": to_iso_utc(now),
                ":lease": to_iso_utc(lease_until),
                ":work": WORK_PK,
                ":zero": 0,
                ":one": 1,
                **values,
            },
            ReturnValues="ALL_NEW",
        )
        return None if answer is None else item_to_post(answer["Attributes"])

    def record(self, post: Post, change: PostChange) -> bool:
        sets = {"#s": ("status", change.status.value)}
        for name in ("reason", "remote_id", "url"):
            value = getattr(change, name)
            if value is not None:
                sets[f"#{name}"] = (name, value)
        removes = ["claim_id"] + [n for n in ("reason",) if getattr(change, n) is None]
        if change.next_action_at is not None:
            sets["#next"] = ("next_action_at", to_iso_utc(change.next_action_at))
            sets["#work"] = ("work_pk", WORK_PK)
        else:
            removes += ["next_action_at", "work_pk"]
        expression = "SET " + ", ".join(f"{alias} = :{alias[1:]}" for alias in sets)
        expression += " REMOVE " + ", ".join(removes)
        return self._update(
            post.id,
            expression,
            condition="claim_id = :mine AND #s = :publishing",
            names={alias: name for alias, (name, _) in sets.items()},
            values={
                **{f":{alias[1:]}": value for alias, (_, value) in sets.items()},
                ":mine": post.claim_id,
                ":publishing": PostStatus.PUBLISHING.value,
            },
        )

    def defer(self, post: Post, until: datetime, reason: str) -> bool:
        return self._update(
            post.id,
            "SET next_action_at = :until, reason = :reason",
            condition="#s = :queued AND next_action_at = :seen",
            names={"#s": "status"},
            values={
                ":until": to_iso_utc(until),
                ":reason": reason,
                ":queued": PostStatus.QUEUED.value,
                ":seen": to_iso_utc(post.next_action_at or post.due_utc),
            },
        )

    def cancel(self, post_id: str) -> Post | None:
        answer = self.table.write_if(
            "update_item",
            Key={"id": post_id},
            UpdateExpression="SET #s = :cancelled REMOVE next_action_at, work_pk, reason",
            ConditionExpression="#s IN ("
            + ", ".join(f":c{i}" for i in range(len(CANCELLABLE)))
            + ")",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={
                ":cancelled": PostStatus.CANCELLED.value,
                **{f":c{i}": s.value for i, s in enumerate(CANCELLABLE)},
            },
            ReturnValues="ALL_NEW",
        )
        return None if answer is None else item_to_post(answer["Attributes"])

    def _update(
        self,
        post_id: str,
        expression: str,
        condition: str,
        names: dict[str, str],
        values: dict[str, Any],
    ) -> bool:
        return (
            self.table.write_if(
                "update_item",
                Key={"id": post_id},
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
            is not None
        )


def _encode_cursor(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode()


def _decode_cursor(cursor: str, names: set[str]) -> dict[str, Any]:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError as error:
        raise InvalidCursor(cursor) from error
    if (
        not isinstance(key, dict)
        or set(key) != names
        or not all(isinstance(v, str) and 0 < len(v) <= 254 for v in key.values())
    ):
        raise InvalidCursor(cursor)
    return key


class InvalidCursor(ValueError):
    def __init__(self, cursor: str) -> None:
        super().__init__("That page link is not valid; start again from the first page.")
        self.cursor = cursor


class DynamoStateStore:
    """Account states and the notice log, in one table keyed by pk/sk."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def state(self, network: str, account: str) -> AccountState:
        item = self.table.get_item(Key=_account_key(network, account), ConsistentRead=True).get(
            "Item"
        )
        return _account_state(network, account, item or {})

    def pause(
        self, network: str, account: str, reason: str, now: datetime, retry_at: datetime
    ) -> AccountState:
        answer = self.table.update_item(
            Key=_account_key(network, account),
            UpdateExpression=(
                "SET paused_since = if_not_exists(paused_since, :now),"
                " retry_at = :retry, reason = :reason"
            ),
            ExpressionAttributeValues={
                ":now": to_iso_utc(now),
                ":retry": to_iso_utc(retry_at),
                ":reason": reason,
            },
            ReturnValues="ALL_NEW",
        )
        return _account_state(network, account, answer["Attributes"])

    def resume(self, network: str, account: str) -> None:
        self.table.update_item(
            Key=_account_key(network, account),
            UpdateExpression="REMOVE paused_since, retry_at, reason",
        )

    def record(self, notice_id: str, email: Email) -> bool:
        return (
            self.table.write_if(
                "put_item",
                Item={
                    "pk": f"NOTICE#{notice_id}",
                    "sk": "NOTICE",
                    "to": email.to,
                    "subject": email.subject,
                    "status": "RECORDED",
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
            is not None
        )

    def mark(self, notice_id: str, status: str, detail: str | None = None) -> None:
        self.table.update_item(
            Key={"pk": f"NOTICE#{notice_id}", "sk": "NOTICE"},
            UpdateExpression="SET #s = :status, detail = :detail",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":status": status, ":detail": detail or ""},
        )


def _account_key(network: str, account: str) -> dict[str, str]:
    return {"pk": f"ACCOUNT#{network}#{account}", "sk": "STATE"}


def _account_state(network: str, account: str, item: dict[str, Any]) -> AccountState:
    def instant(name: str) -> datetime | None:
        return from_iso_utc(item[name]) if name in item else None

    return AccountState(
        network=network,
        account=account,
        paused_since=instant("paused_since"),
        retry_at=instant("retry_at"),
        reason=item.get("reason"),
    )
