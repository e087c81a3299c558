"""The notice log, in the StateTable: `NOTICE#<notice id>` / `NOTICE`, recorded before the email
is sent (so it goes out at most once) and marked SENT or FAILED after."""

from chatdeck.adapters.dynamodb import Table
from chatdeck.domain.email import Email


class DynamoNoticeLog:
    def __init__(self, table: Table) -> None:
        self.table = table

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
