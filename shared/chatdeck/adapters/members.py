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

    def save_profile(self, email: str, name: str, zone: str, language: str | None = None) -> bool:
        if language is None:
            return self._set(email, name=name, zone=zone)
        return self._set(email, name=name, zone=zone, language=language)

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
    """The cohort's settings, one item (`SETTINGS` / `COHORT`); each is set on its own, so
    saving one never undoes another saved meanwhile."""

    def __init__(self, table: Table, require_approval_default: bool) -> None:
        self.table = table
        self.default = require_approval_default

    def require_approval(self) -> bool:
        value = self._get("require_approval")
        return bool(value) if value is not None else self.default

    def set_require_approval(self, value: bool) -> None:
        self._set("require_approval", value)

    def members_post_to_cohort(self) -> bool:
        value = self._get("members_post_to_cohort")
        return bool(value) if value is not None else True

    def set_members_post_to_cohort(self, value: bool) -> None:
        self._set("members_post_to_cohort", value)

    def _get(self, name: str) -> object:
        item = self.table.get_item(Key=_SETTINGS).get("Item") or {}
        return item.get(name)

    def _set(self, name: str, value: bool) -> None:
        self.table.update_item(
            Key=_SETTINGS,
            UpdateExpression="SET #name = :value",
            ExpressionAttributeNames={"#name": name},
            ExpressionAttributeValues={":value": value},
        )


_SETTINGS = {"pk": "SETTINGS", "sk": "COHORT"}


def _member(item: dict[str, Any]) -> Member:
    return Member(
        email=item["email"],
        name=item["name"],
        zone=item["zone"],
        language=item.get("language", "en"),
        role=Role(item["role"]),
        joined_at=datetime.fromisoformat(item["created_at"]) if "created_at" in item else None,
    )
