"""Sign-in links and sessions, in the StateTable, each keyed by the hash of its secret, never the
secret: `SIGNIN#<hash>` / `TOKEN` (used once, before `expires_at`), `SIGNIN-RATE#<email>` /
`RATE` (the recent requests for an address), and `SESSION#<hash>` / `SESSION`."""

from typing import Any

from chatdeck.adapters.dynamodb import Table


class DynamoSignInLinkStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def add(self, token_hash: str, email: str, expires_at: int) -> None:
        self.table.put_item(
            Item={
                "pk": f"SIGNIN#{token_hash}",
                "sk": "TOKEN",
                "email": email,
                "expires_at": expires_at,
            }
        )

    def use(self, token_hash: str, now: int) -> str | None:
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

    def allow_request(self, email: str, now: int, window: int, limit: int) -> bool:
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

    def forget_requests(self, email: str) -> None:
        self.table.delete_item(Key={"pk": f"SIGNIN-RATE#{email}", "sk": "RATE"})


class DynamoSessionStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def add(self, token_hash: str, email: str, now: int, expires_at: int) -> None:
        self.table.put_item(
            Item={
                "pk": f"SESSION#{token_hash}",
                "sk": "SESSION",
                "email": email,
                "created_at": now,
                "expires_at": expires_at,
            }
        )

    def get(self, token_hash: str, now: int) -> tuple[str, int] | None:
        """The session's email and when it began, while it lasts."""
        key = {"pk": f"SESSION#{token_hash}", "sk": "SESSION"}
        item = self.table.get_item(Key=key, ConsistentRead=True).get("Item")
        if not item or int(item["expires_at"]) <= now:  # TTL deletes late; expiry is checked here
            return None
        return str(item["email"]), int(item["created_at"])

    def end(self, token_hash: str) -> None:
        self.table.delete_item(Key={"pk": f"SESSION#{token_hash}", "sk": "SESSION"})
