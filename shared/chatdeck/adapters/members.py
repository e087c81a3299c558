"""Members and the cohort's settings, in the StateTable: `MEMBERS` / `<email>` and
`SETTINGS` / `COHORT`."""

from datetime import datetime
from typing import Any

from chatdeck.adapters.dynamodb import Table
from chatdeck.domain.members import Member, Role

MEMBERS = "MEMBERS"


class DynamoMemberStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def get(self, email: str) -> Member | None:
        item = self.table.get_item(Key={"pk": MEMBERS, "sk": email}, ConsistentRead=True).get(
            "Item"
        )
        return _member(item) if item else None

    def page(self, after: str | None, limit: int) -> tuple[list[Member], str | None]:
        """Members in order of email address; `after` is the last address of the page before."""
        query: dict[str, Any] = {
            "KeyConditionExpression": "pk = :members",
            "ExpressionAttributeValues": {":members": MEMBERS},
            "Limit": limit,
        }
        if after:
            query["ExclusiveStartKey"] = {"pk": MEMBERS, "sk": after}
        answer = self.table.query(**query)
        last = answer.get("LastEvaluatedKey")
        return [_member(item) for item in answer["Items"]], (str(last["sk"]) if last else None)

    def add(self, member: Member, now: datetime) -> bool:
        item = {"pk": MEMBERS, "sk": member.email, **member.model_dump(mode="json")}
        item["created_at"] = now.isoformat()
        added = self.table.write_if(
            "put_item", Item=item, ConditionExpression="attribute_not_exists(pk)"
        )
        return added is not None

    def save_profile(self, email: str, name: str, zone: str) -> bool:
        return self._set(email, name=name, zone=zone)

    def save_role(self, email: str, role: Role) -> bool:
        return self._set(email, role=role.value)

    def _set(self, email: str, **fields: str) -> bool:
        """Set these attributes of a stored member, and no others."""
        saved = self.table.write_if(
            "update_item",
            Key={"pk": MEMBERS, "sk": email},
            UpdateExpression="SET " + ", ".join(f"#{name} = :{name}" for name in fields),
            ConditionExpression="attribute_exists(pk)",  # never re-create a removed member
            ExpressionAttributeNames={f"#{name}": name for name in fields},
            ExpressionAttributeValues={f":{name}": value for name, value in fields.items()},
        )
        return saved is not None

    def remove(self, email: str) -> bool:
        answer = self.table.delete_item(Key={"pk": MEMBERS, "sk": email}, ReturnValues="ALL_OLD")
        return "Attributes" in answer


class DynamoSettingsStore:
    def __init__(self, table: Table, require_approval_default: bool) -> None:
        self.table = table
        self.default = require_approval_default

    def require_approval(self) -> bool:
        item = self.table.get_item(Key={"pk": "SETTINGS", "sk": "COHORT"}).get("Item")
        return bool(item["require_approval"]) if item else self.default

    def set_require_approval(self, value: bool) -> None:
        self.table.put_item(Item={"pk": "SETTINGS", "sk": "COHORT", "require_approval": value})


def _member(item: dict[str, Any]) -> Member:
    return Member(
        email=item["email"],
        name=item["name"],
        zone=item["zone"],
        role=Role(item["role"]),
        joined_at=datetime.fromisoformat(item["created_at"]) if "created_at" in item else None,
    )
