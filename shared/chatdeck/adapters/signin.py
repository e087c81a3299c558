"""Sign-in links and sessions, in the StateTable, each keyed by the hash of its secret, never the
secret: `SIGNIN#<hash>` / `TOKEN` (used once, before `expires_at`), and `SESSION#<hash>` /
`SESSION`. What is kept per address is under `SIGNIN-RATE#<email>`: `RATE` and `RATE#<allowance>`
(the recent requests in each allowance), `DAY` (the day's count of emails, a conditional counter)
and `LATEST` (the hash of the address's newest link: only that one works)."""

from typing import Any

from chatdeck.adapters.dynamodb import Table

ANYONE, KNOWN = "anyone", "known"  # the allowances


def _address(email: str, sk: str) -> dict[str, str]:
    return {"pk": f"SIGNIN-RATE#{email}", "sk": sk}


def _rate_key(email: str, allowance: str) -> dict[str, str]:
    return _address(email, "RATE" if allowance == ANYONE else f"RATE#{allowance}")


class DynamoSignInLinkStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def add(self, token_hash: str, email: str, expires_at: int) -> None:
        """The link and its address's newest mark, together: no link is left newest unsaved."""
        link = {"pk": f"SIGNIN#{token_hash}", "sk": "TOKEN", "email": email}
        latest = {**_address(email, "LATEST"), "token_hash": token_hash}
        self.table.transact_if(
            [
                ("Put", {"Item": {**link, "expires_at": expires_at}}),
                ("Put", {"Item": {**latest, "expires_at": expires_at}}),
            ]
        )

    def use(self, token_hash: str, now: int) -> str | None:
        """Mark a link used, once, before it expires; the email it was for, or None. A link
        found no longer newest is used up all the same, and works for nobody."""
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
        if answer is None:
            return None
        email = str(answer["Attributes"]["email"])
        return email if self._newest(email) == token_hash else None

    def peek(self, token_hash: str, now: int) -> str | None:
        key = {"pk": f"SIGNIN#{token_hash}", "sk": "TOKEN"}
        item = self.table.get_item(Key=key, ConsistentRead=True).get("Item")
        if not item or "used_at" in item or int(item["expires_at"]) <= now:
            return None
        email = str(item["email"])
        return email if self._newest(email) == token_hash else None

    def _newest(self, email: str) -> str | None:
        item = self.table.get_item(Key=_address(email, "LATEST"), ConsistentRead=True).get("Item")
        return str(item["token_hash"]) if item else None

    def allow_request(
        self, email: str, now: int, window: int, limit: int, allowance: str = ANYONE
    ) -> bool:
        """At most `limit` requests per address and allowance in any `window` seconds
        (optimistic write)."""
        key = _rate_key(email, allowance)
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

    def allow_email(
        self, email: str, day: str, allowance: str, limit: int, allowance_limit: int, ttl: int
    ) -> bool:
        """One item per address: a new day starts its counts over (one conditional write), a
        day already begun adds to them only below both limits (another)."""
        names = {"#day": "day", "#sent": "sent", "#mine": f"sent_{allowance}"}
        key = _address(email, "DAY")
        for _ in range(3):  # a day begun by a concurrent request is counted in on the next turn
            if limit < 1 or allowance_limit < 1:
                return False
            begun = self.table.write_if(  # the whole item: the other allowance's count goes
                "put_item",
                Item={**key, "day": day, "expires_at": ttl, "sent": 1, f"sent_{allowance}": 1},
                ConditionExpression="attribute_not_exists(#day) OR #day <> :day",
                ExpressionAttributeNames={"#day": "day"},
                ExpressionAttributeValues={":day": day},
            )
            if begun is not None:
                return True
            counted = self.table.write_if(
                "update_item",
                Key=key,
                UpdateExpression="ADD #sent :one, #mine :one",
                ConditionExpression=(
                    "#day = :day AND #sent < :limit "
                    "AND (attribute_not_exists(#mine) OR #mine < :mine)"
                ),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={
                    ":day": day,
                    ":one": 1,
                    ":limit": limit,
                    ":mine": allowance_limit,
                },
            )
            if counted is not None:
                return True
            item = self.table.get_item(Key=key, ConsistentRead=True).get("Item")
            if item and item.get("day") == day:
                return False  # a limit is reached
        return False

    def forget_requests(self, email: str) -> None:
        for sk in ("RATE", f"RATE#{KNOWN}", "DAY", "LATEST"):
            self.table.delete_item(Key=_address(email, sk))


class DynamoSessionStore:
    """`SESSION#<hash>` / `SESSION`: the member, `created_at`, `last_used_at` (written at most
    as often as Membership touches it) and `expires_at` (the TTL). `SESSIONS#<email>` /
    `ENDED`: `ended_at`, the instant at or before which the member's sessions are over (signed
    out everywhere), and `expires_at` (the TTL, once those sessions have expired anyway)."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def add(self, token_hash: str, email: str, now: int, expires_at: int) -> None:
        self.table.put_item(
            Item={
                "pk": f"SESSION#{token_hash}",
                "sk": "SESSION",
                "email": email,
                "created_at": now,
                "last_used_at": now,
                "expires_at": expires_at,
            }
        )

    def get(self, token_hash: str, now: int) -> tuple[str, int, int] | None:
        """The session's email, when it began and was last used, while it lasts."""
        key = {"pk": f"SESSION#{token_hash}", "sk": "SESSION"}
        item = self.table.get_item(Key=key, ConsistentRead=True).get("Item")
        if not item or int(item["expires_at"]) <= now:  # TTL deletes late; expiry is checked here
            return None
        email, began = str(item["email"]), int(item["created_at"])
        ended = self.table.get_item(Key=_ended_key(email), ConsistentRead=True).get("Item")
        if ended and int(ended["expires_at"]) > now and began <= int(ended["ended_at"]):
            return None
        return email, began, int(item.get("last_used_at", began))

    def touch(self, token_hash: str, now: int) -> None:
        self.table.write_if(
            "update_item",
            Key={"pk": f"SESSION#{token_hash}", "sk": "SESSION"},
            UpdateExpression="SET last_used_at = :now",
            ConditionExpression="attribute_exists(pk)",  # an ended session is not made again
            ExpressionAttributeValues={":now": now},
        )

    def end(self, token_hash: str) -> None:
        self.table.delete_item(Key={"pk": f"SESSION#{token_hash}", "sk": "SESSION"})

    def end_all(self, email: str, now: int, keep_until: int) -> None:
        self.table.put_item(Item={**_ended_key(email), "ended_at": now, "expires_at": keep_until})


def _ended_key(email: str) -> dict[str, str]:
    return {"pk": f"SESSIONS#{email}", "sk": "ENDED"}
