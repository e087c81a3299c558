"""OAuth 2.0 connections of X accounts, in the StateTable, their tokens sealed with the data key.

- `OAUTH#<state>` / `PENDING`: a connect in progress (`email`, `account`, `code_verifier`,
  `redirect_uri`, `expires_at` epoch seconds, the table's TTL), used up by a conditional delete.
- `ACCOUNT#<network>#<account>` / `TOKENS` (one store per network: `x`, `bluesky`,
  `mastodon`): `username`, `user_id`, `server` (Bluesky's PDS, Mastodon's instance),
  `connected_by`, `connected_at`, `tokens` (binary: `{"access_token", "refresh_token",
  "expires_at"[, "app_password"]}` sealed by `AesGcmTokenCipher` with the account as associated
  data: `<account>` on X, where tokens were sealed before other networks came,
  `<network>:<account>` elsewhere), `version`, and while a function renews the tokens,
  `refreshing_until`.
  Disconnecting deletes `tokens` and keeps `disconnected_at` and `disconnect_reason`.

Every change is conditional on the version read, so two functions never both renew one pair.
"""

from datetime import UTC, datetime
from typing import Any

from chatdeck.adapters.dynamodb import Table
from chatdeck.adapters.token_cipher import AesGcmTokenCipher
from chatdeck.domain.accounts import PendingConnect, StoredConnection, Tokens, XUser
from chatdeck.domain.schedule import from_iso_utc, to_iso_utc


class DynamoPendingConnectionStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def begin(self, pending: PendingConnect) -> None:
        self.table.put_item(
            Item={
                **_pending_key(pending.state),
                "email": pending.email,
                "account": pending.account,
                "code_verifier": pending.code_verifier,
                "redirect_uri": pending.redirect_uri,
                "expires_at": int(pending.expires_at.timestamp()),
            }
        )

    def take(self, state: str, email: str, now: datetime) -> PendingConnect | None:
        answer = self.table.write_if(
            "delete_item",
            Key=_pending_key(state),
            ConditionExpression="#email = :email AND #expires_at > :now",
            ExpressionAttributeNames={"#email": "email", "#expires_at": "expires_at"},
            ExpressionAttributeValues={":email": email, ":now": int(now.timestamp())},
            ReturnValues="ALL_OLD",
        )
        if answer is None:  # unknown, expired, used, or another member's
            return None
        item = answer["Attributes"]
        return PendingConnect(
            state=state,
            email=item["email"],
            account=item["account"],
            code_verifier=item["code_verifier"],
            redirect_uri=item["redirect_uri"],
            expires_at=datetime.fromtimestamp(int(item["expires_at"]), UTC),
        )


class DynamoConnectionStore:
    def __init__(self, table: Table, cipher: AesGcmTokenCipher, network: str = "x") -> None:
        self.table = table
        self.cipher = cipher
        self.network = network

    def _key(self, account: str) -> dict[str, str]:
        return {"pk": f"ACCOUNT#{self.network}#{account}", "sk": "TOKENS"}

    def _bound(self, account: str) -> str:
        """What the tokens are sealed for (their associated data)."""
        return account if self.network == "x" else f"{self.network}:{account}"

    def get(self, account: str, decrypt: bool = True) -> StoredConnection | None:
        item = self.table.get_item(Key=self._key(account), ConsistentRead=True).get("Item")
        if item is None:
            return None
        tokens = None
        if decrypt and "tokens" in item:
            tokens = self.cipher.open(self._bound(account), bytes(item["tokens"]))
        return _connection(account, item, tokens)

    def connect(
        self, account: str, user: XUser, tokens: Tokens, connected_by: str, now: datetime
    ) -> StoredConnection:
        server = "#server = :server, " if user.server else ""
        answer = self.table.update_item(
            Key=self._key(account),
            UpdateExpression=(
                f"SET {server}#username = :username, #user_id = :user_id, #connected_by = :by,"
                " #connected_at = :at, #tokens = :tokens,"
                " #version = if_not_exists(#version, :zero) + :one"
                " REMOVE #refreshing_until, #disconnected_at, #disconnect_reason"
            ),
            ExpressionAttributeNames=_names(
                *(["server"] if user.server else []),
                "username",
                "user_id",
                "connected_by",
                "connected_at",
                "tokens",
                "version",
                "refreshing_until",
                "disconnected_at",
                "disconnect_reason",
            ),
            ExpressionAttributeValues={
                ":username": user.username,
                ":user_id": user.user_id,
                ":by": connected_by,
                ":at": to_iso_utc(now),
                ":tokens": self.cipher.seal(self._bound(account), tokens),
                ":zero": 0,
                **({":server": user.server} if user.server else {}),
                ":one": 1,
            },
            ReturnValues="ALL_NEW",
        )
        return _connection(account, answer["Attributes"], tokens)

    def claim_refresh(self, seen: StoredConnection, until: datetime) -> StoredConnection | None:
        answer = self._if_version(
            seen,
            "SET #version = :next, #refreshing_until = :until",
            _names("version", "refreshing_until"),
            {":until": to_iso_utc(until)},
        )
        return _connection(seen.account, answer, seen.tokens) if answer else None

    def save_refreshed(self, claimed: StoredConnection, tokens: Tokens) -> StoredConnection | None:
        answer = self._if_version(
            claimed,
            "SET #version = :next, #tokens = :tokens REMOVE #refreshing_until",
            _names("version", "tokens", "refreshing_until"),
            {":tokens": self.cipher.seal(self._bound(claimed.account), tokens)},
        )
        return _connection(claimed.account, answer, tokens) if answer else None

    def disconnect(self, seen: StoredConnection, reason: str, now: datetime) -> bool:
        answer = self._if_version(
            seen,
            "SET #version = :next, #disconnected_at = :now, #disconnect_reason = :reason"
            " REMOVE #tokens, #refreshing_until",
            _names("version", "disconnected_at", "disconnect_reason", "tokens", "refreshing_until"),
            {":now": to_iso_utc(now), ":reason": reason},
        )
        return answer is not None

    def _if_version(
        self,
        seen: StoredConnection,
        expression: str,
        names: dict[str, str],
        values: dict[str, Any],
    ) -> dict[str, Any] | None:
        """Apply an update only if the item is still at the version `seen` has; its new values."""
        answer = self.table.write_if(
            "update_item",
            Key=self._key(seen.account),
            UpdateExpression=expression,
            ConditionExpression="#version = :seen",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={**values, ":seen": seen.version, ":next": seen.version + 1},
            ReturnValues="ALL_NEW",
        )
        if answer is None:
            return None
        attributes: dict[str, Any] = answer["Attributes"]
        return attributes


def _pending_key(state: str) -> dict[str, str]:
    return {"pk": f"OAUTH#{state}", "sk": "PENDING"}


def _names(*names: str) -> dict[str, str]:
    return {f"#{name}": name for name in names}


def _connection(account: str, item: dict[str, Any], tokens: Tokens | None) -> StoredConnection:
    refreshing = item.get("refreshing_until")
    return StoredConnection(
        account=account,
        user=XUser(str(item["user_id"]), str(item["username"]), item.get("server")),
        connected_by=str(item["connected_by"]),
        connected_at=from_iso_utc(item["connected_at"]),
        version=int(item["version"]),
        connected="tokens" in item,
        tokens=tokens if "tokens" in item else None,
        refreshing_until=from_iso_utc(refreshing) if refreshing else None,
        disconnect_reason=item.get("disconnect_reason"),
    )
