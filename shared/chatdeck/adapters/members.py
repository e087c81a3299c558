"""Members, sign-in links, sessions and the cohort's settings, in the StateTable (pk / sk)."""

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

    def save(self, member: Member) -> None:
        self.table.update_item(
            Key={"pk": MEMBERS, "sk": member.email},
            UpdateExpression="SET #name = :name, #zone = :zone, #role = :role, email = :email",
            ExpressionAttributeNames={"#name": "name", "#role": "role", "#zone": "zone"},
            ExpressionAttributeValues={
                ":name": member.name,
                ":zone": member.zone,
                ":role": member.role.value,
                ":email": member.email,
            },
        )

    def remove(self, email: str) -> bool:
        answer = self.table.delete_item(Key={"pk": MEMBERS, "sk": email}, ReturnValues="ALL_OLD")
        return "Attributes" in answer


class DynamoSignInStore:
    """Sign-in links and sessions, each keyed by the hash of its secret, never the secret."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def add_link(self, token_hash: str, email: str, expires_at: int) -> None:
        self.table.put_item(
            Item={
                "pk": f"SIGNIN#{token_hash}",
                "sk": "TOKEN",
                "email": email,
                "expires_at": expires_at,
            }
        )

    def use_link(self, token_hash: str, now: int) -> str | None:
        """Mark a link used, once, before it expires; the email it was for, or None."""
        answer = self.table.write_if(
            "update_item",
            Key={"pk": f"SIGNIN#{token_hash}", "sk": "TOKEN"},
            UpdateExpression="SET used_at = :now",
            ConditionExpression=(
                "attribute_exists(pk) AND attribute_not_exists(used_at) AND expires_at > :now"
            ),
            ExpressionAttributeValues={":now": now},
            ReturnValues="ALL_NEW",
        )
        return None if answer is None else str(answer["Attributes"]["email"])

    def allow_link_request(self, email: str, now: int, window: int, limit: int) -> bool:
        """At most `limit` requests per address in any `window` seconds (optimistic write)."""
        key = {"pk": f"SIGNIN-RATE#{email}", "sk": "RATE"}
        item = self.table.get_item(Key=key, ConsistentRead=True).get("Item") or {}
        recent = [int(t) for t in item.get("requests", []) if int(t) > now - window]
        if len(recent) >= limit:
            return False
        condition = "attribute_not_exists(pk)" if not item else "version = :seen"
        values: dict[str, Any] = {} if not item else {":seen": item["version"]}
        written = self.table.write_if(
            "put_item",
            Item={
                **key,
                "requests": [*recent, now],
                "version": int(item.get("version", 0)) + 1,
                "expires_at": now + window,
            },
            ConditionExpression=condition,
            **({"ExpressionAttributeValues": values} if values else {}),
        )
        return written is not None  # False: a concurrent request for the address won

    def add_session(self, token_hash: str, email: str, now: int, expires_at: int) -> None:
        self.table.put_item(
            Item={
                "pk": f"SESSION#{token_hash}",
                "sk": "SESSION",
                "email": email,
                "created_at": now,
                "expires_at": expires_at,
            }
        )

    def session(self, token_hash: str, now: int) -> tuple[str, int] | None:
        """The session's email and when it began, while it lasts."""
        key = {"pk": f"SESSION#{token_hash}", "sk": "SESSION"}
        item = self.table.get_item(Key=key, ConsistentRead=True).get("Item")
        if not item or int(item["expires_at"]) <= now:  # TTL deletes late; expiry is checked here
            return None
        return str(item["email"]), int(item["created_at"])

    def end_session(self, token_hash: str) -> None:
        self.table.delete_item(Key={"pk": f"SESSION#{token_hash}", "sk": "SESSION"})


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
