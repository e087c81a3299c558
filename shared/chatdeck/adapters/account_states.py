"""Whether each network account may post, in the StateTable: `ACCOUNT#<network>#<account>` /
`STATE`. A paused account keeps `paused_since` (the episode's start), `retry_at` and `reason`."""

from datetime import datetime
from typing import Any

from chatdeck.adapters.dynamodb import Table
from chatdeck.domain.accounts import AccountState
from chatdeck.domain.schedule import from_iso_utc, to_iso_utc


class DynamoAccountStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def state(self, network: str, account: str) -> AccountState:
        key = _account_key(network, account)
        item = self.table.get_item(Key=key, ConsistentRead=True).get("Item")
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
