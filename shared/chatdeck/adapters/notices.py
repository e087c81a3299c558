"""The notice log, in the StateTable: `NOTICE#<notice id>` / `NOTICE`, recorded before the email
is sent (so it goes out at most once) and marked SENT or FAILED after.

A notice marked FAILED is also listed under one partition, `NOTICES-FAILED` /
`<failed at>#<notice id>` (the instant as `YYYY-MM-DDTHH:MM:SSZ`, so keys sort by time), which
admins read newest first with one Query: no Scan, and no index on the table.

Both name their recipients, and so carry `expires_at` (epoch seconds, the table's TTL):
`NOTICE_TTL` after the notice was recorded, or failed."""

from datetime import datetime
from typing import Any

from chatdeck.adapters.dynamodb import Table
from chatdeck.domain.email import NOTICE_TTL, Email, FailedNotice
from chatdeck.domain.schedule import from_iso_utc, to_iso_utc

FAILED_PK = "NOTICES-FAILED"


class DynamoNoticeLog:
    def __init__(self, table: Table) -> None:
        self.table = table

    def record(self, notice_id: str, email: Email, now: datetime) -> bool:
        return (
            self.table.write_if(
                "put_item",
                Item={
                    "pk": f"NOTICE#{notice_id}",
                    "sk": "NOTICE",
                    "to": email.to,
                    "subject": email.subject,
                    "status": "RECORDED",
                    "expires_at": _expiry(now),
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
            is not None
        )

    def mark_sent(self, notice_id: str, message_id: str) -> None:
        self._mark(notice_id, "SENT", message_id)

    def mark_failed(self, notice_id: str, email: Email, error: str, at: datetime) -> None:
        failed_at = to_iso_utc(at)
        # Listed first: were the function stopped between the two writes, the notice would
        # still show as failed, never be lost as RECORDED.
        self.table.put_item(
            Item={
                "pk": FAILED_PK,
                "sk": f"{failed_at}#{notice_id}",
                "notice_id": notice_id,
                "to": list(email.to),
                "subject": email.subject,
                "error": error,
                "failed_at": failed_at,
                "expires_at": _expiry(at),
            }
        )
        # A notice whose record itself failed is created here: it expires like any other.
        self._mark(notice_id, "FAILED", error, expires_at=_expiry(at))

    def failed(self, limit: int) -> list[FailedNotice]:
        if limit < 1:
            return []
        answer = self.table.query(
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": FAILED_PK},
            ScanIndexForward=False,
            Limit=limit,
        )
        return [_failed(item) for item in answer["Items"]]

    def _mark(
        self, notice_id: str, status: str, detail: str, expires_at: int | None = None
    ) -> None:
        expression = "SET #s = :status, detail = :detail"
        values: dict[str, Any] = {":status": status, ":detail": detail or ""}
        if expires_at is not None:
            expression += ", expires_at = if_not_exists(expires_at, :expires)"
            values[":expires"] = expires_at
        self.table.update_item(
            Key={"pk": f"NOTICE#{notice_id}", "sk": "NOTICE"},
            UpdateExpression=expression,
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues=values,
        )


def _expiry(at: datetime) -> int:
    return int((at + NOTICE_TTL).timestamp())


def _failed(item: dict[str, Any]) -> FailedNotice:
    return FailedNotice(
        notice_id=str(item["notice_id"]),
        to=tuple(str(address) for address in item.get("to", [])),
        subject=str(item.get("subject", "")),
        error=str(item.get("error", "")),
        failed_at=from_iso_utc(str(item["failed_at"])),
    )
