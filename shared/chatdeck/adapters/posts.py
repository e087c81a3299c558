"""Scheduled posts in the PostsTable, with the sparse work index.

Only posts that need the publisher (QUEUED, PUBLISHING) carry `work_pk` and `next_action_at`,
so what is due now is one Query on the `work` index. Every state change is a conditional write,
so two functions racing on one post cannot both win; an edit is conditional on the version
the editor saw.
"""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from chatdeck.adapters.dynamodb import Table, decode_cursor, encode_cursor
from chatdeck.domain.posts import CANCELLABLE, Page, Post, PostChange, PostStatus
from chatdeck.domain.schedule import to_iso_utc

WORK_PK = "WORK"
LIST_PK = "POSTS"
Condition = tuple[str, dict[str, str], dict[str, Any]]


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
    numbers = ("attempts", "version")
    return Post.model_validate({k: int(v) if k in numbers else v for k, v in item.items()})


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
            names = {"id", key_name, "created_at"}
            query["ExclusiveStartKey"] = decode_cursor(cursor, names, (key_name, key_value))
        answer = self.table.query(**query)
        last = answer.get("LastEvaluatedKey")
        return Page([item_to_post(i) for i in answer["Items"]], encode_cursor(last))

    def by_author(self, email: str) -> Iterator[Post]:
        cursor: str | None = None
        while True:
            page = self.page(cursor, 100, author=email)
            yield from page.posts
            if page.next is None:
                return
            cursor = page.next

    def replace(self, post: Post, seen: Post) -> bool:
        """Store an edited, approved or declined post if it is still as it was read: the same
        status and version. The stored version moves one past the one seen."""
        same_version = "#v = :version"
        if seen.version == 0:  # posts stored before versions were kept have none
            same_version = f"(attribute_not_exists(#v) OR {same_version})"
        changed = post.model_copy(update={"version": seen.version + 1})
        return (
            self.table.write_if(
                "put_item",
                Item=post_to_item(changed),
                ConditionExpression=f"#s = :status AND {same_version}",
                ExpressionAttributeNames={"#s": "status", "#v": "version"},
                ExpressionAttributeValues={":status": seen.status.value, ":version": seen.version},
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
                " first_claimed_at = if_not_exists(first_claimed_at, :claimed),"
                # An edit read before this claim must not write over what the publisher keeps.
                " version = if_not_exists(version, :zero) + :one"
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
        assignments = [f"{alias} = :{alias[1:]}" for alias in sets]
        names = {alias: name for alias, (name, _) in sets.items()}
        values: dict[str, Any] = {f":{alias[1:]}": value for alias, (_, value) in sets.items()}
        if change.certainly_unsent:  # give the claim's attempt back
            assignments.append("#attempts = #attempts - :one")
            names["#attempts"] = "attempts"
            values[":one"] = 1
        expression = "SET " + ", ".join(assignments) + " REMOVE " + ", ".join(removes)
        return self._update(
            post.id,
            expression,
            condition="claim_id = :mine AND #s = :publishing",
            names=names,
            values={**values, ":mine": post.claim_id, ":publishing": PostStatus.PUBLISHING.value},
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
