"""X's spending per UTC month, and the cap, in the StateTable.

Items (the two the settings page reads are in the `SETTINGS` partition, the only one of these the
web function's role may reach; the rest are the publisher's and the companion's own):
- `SETTINGS` / `XSPEND#<yyyy-mm>`: the month's counter: `posts`, `link_posts`, `reads` and `mills`
  (their price in tenths of a cent), only ever changed by ADD, so concurrent functions never lose
  a count.
- `SETTINGS` / `XCAP`: the admins' monthly cap in dollars (`cap`); no item or no attribute: no
  cap.
- `XCHARGE#<post id>#<target>` / `CHARGE`: a post counted, with its month and kind; written in
  the same transaction as the counter's ADD, on condition it does not exist yet, so a post is
  counted once however often it is tried or reconciled. The counter's ADD has a condition too:
  the month's `mills` must leave room for the price under the cap, so two publishers at once
  cannot both pass it. A post that never went out is taken back by marking its charge
  `refunded` (the publisher deletes nothing), and may then be counted again.
- `XSPEND` / `READS#<yyyy-mm-dd>#<shard>` (`OWNREADS#…` for the account's own posts, read at
  their own price): the ids of the posts X returned that UTC day, in READ_SHARDS string sets by
  a hash of the id, each grown by ADD, returning its old set: a post read twice in a day is
  counted once, as X bills. One set a day would stop growing at DynamoDB's 400 KB an item
  (about 20,000 ids) and fail every count after; READ_SHARDS sets hold about READ_SHARDS times
  that (80,000 posts a day, $400 of reads: more than the largest cap, $10,000 a month, spends
  in an average day), and a set that is full all the same keeps no more ids but its posts are
  still counted, as new (over-counted: the cap stops early, never late). Each set touched is one
  write (side by side), so the sets are few: a page's count is 2 to 3 writes in a row.
  The counter is added to first and corrected after, so a failure between the two over-counts
  too, never under-counts. The day's sets are kept for READ_DAYS_KEPT days (TTL).
"""

import functools
import hashlib
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal

from botocore.exceptions import ClientError

from chatdeck.adapters.dynamodb import Table
from chatdeck.domain.spending import PRICE_MILLS, PostKind, ReadKind, XSpending

PARTITION = "XSPEND"
SETTINGS = "SETTINGS"
CHARGE_DAYS_KEPT = 120
READ_DAYS_KEPT = 3
READ_SHARDS = 4  # string sets a day's reads are spread over, by a hash of the post's id
_READ_PREFIX: dict[str, str] = {"read": "READS", "own_read": "OWNREADS"}
_CAP = {"pk": SETTINGS, "sk": "XCAP"}

log = logging.getLogger(__name__)


class DynamoSpendingStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def month(self, month: str) -> XSpending:
        item = self.table.get_item(Key=_month_key(month), ConsistentRead=True).get("Item") or {}
        return XSpending(
            month=month,
            posts=int(item.get("posts", 0)),
            link_posts=int(item.get("link_posts", 0)),
            reads=int(item.get("reads", 0)),
            own_reads=int(item.get("own_reads", 0)),
        )

    def cap(self) -> Decimal | None:
        item = self.table.get_item(Key=_CAP, ConsistentRead=True).get("Item") or {}
        cap = item.get("cap")
        return Decimal(cap) if cap is not None else None

    def set_cap(self, cap: Decimal | None) -> None:
        if cap is None:
            self.table.update_item(Key=_CAP, UpdateExpression="REMOVE cap")
        else:
            self.table.update_item(
                Key=_CAP, UpdateExpression="SET cap = :cap", ExpressionAttributeValues={":cap": cap}
            )

    def charge_post(
        self, month: str, charge_id: str, kind: PostKind, limit_mills: int | None
    ) -> Literal["charged", "already", "over"]:
        price = PRICE_MILLS[kind]
        expires = datetime.now(UTC) + timedelta(days=CHARGE_DAYS_KEPT)
        update: dict[str, Any] = {
            "Key": _month_key(month),
            "UpdateExpression": "ADD #kind :one, mills :price",
            "ExpressionAttributeNames": {"#kind": f"{kind}s"},
            "ExpressionAttributeValues": {":one": 1, ":price": price},
        }
        if limit_mills is not None:
            update["ConditionExpression"] = "attribute_not_exists(mills) OR mills <= :room"
            update["ExpressionAttributeValues"][":room"] = limit_mills - price
            if limit_mills - price < 0:
                return "already" if self._counted(charge_id) else "over"
        marker = {
            "Item": {
                **_charge_key(charge_id),
                "month": month,
                "kind": kind,
                "expires_at": int(expires.timestamp()),
            },
            "ConditionExpression": "attribute_not_exists(pk) OR refunded = :yes",
            "ExpressionAttributeValues": {":yes": True},
        }
        if self.table.transact_if([("Put", marker), ("Update", update)]):
            return "charged"
        # One of the two conditions failed: the marker's (counted before) or the cap's.
        return "already" if self._counted(charge_id) else "over"

    def refund_post(self, charge_id: str) -> bool:
        charge = self._charge(charge_id)
        if charge is None or charge.get("refunded"):
            return False
        kind = str(charge["kind"])
        mark = {
            "Key": _charge_key(charge_id),
            "UpdateExpression": "SET refunded = :yes",
            "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(refunded)",
            "ExpressionAttributeValues": {":yes": True},
        }
        take_back = {
            "Key": _month_key(str(charge["month"])),
            "UpdateExpression": "ADD #kind :minus, mills :refund",
            "ExpressionAttributeNames": {"#kind": f"{kind}s"},
            "ExpressionAttributeValues": {":minus": -1, ":refund": -PRICE_MILLS[kind]},
        }
        return self.table.transact_if([("Update", mark), ("Update", take_back)])

    def count_reads(self, day: date, ids: Sequence[str], kind: ReadKind = "read") -> int:
        unique = set(ids)
        if not unique:
            return 0
        self.table.update_item(**self._add(day, kind, len(unique)))
        expires = int((datetime.combine(day, time(), UTC) + timedelta(READ_DAYS_KEPT)).timestamp())

        def read_before(shard: tuple[int, set[str]]) -> int:
            return self._read_before(day, kind, shard[0], shard[1], expires)

        already = sum(_pool().map(read_before, sorted(_by_shard(unique).items())))
        if already:
            self.table.update_item(**self._add(day, kind, -already))
        return len(unique) - already

    def _read_before(
        self, day: date, kind: ReadKind, shard: int, posts: set[str], expires: int
    ) -> int:
        """Add the posts to their set of the day; how many it held already."""
        try:
            answer = self.table.update_item(
                Key=_reads_key(day, kind, shard),
                UpdateExpression="ADD ids :ids SET expires_at = :expires",
                ExpressionAttributeValues={":ids": posts, ":expires": expires},
                ReturnValues="ALL_OLD",  # UPDATED_OLD leaves out a set ADD left as it was
            )
        except ClientError as error:
            if not _item_full(error):
                raise
            log.warning("A day's X reads set is full: its new posts count as new")
            return 0
        return len(posts & set(answer.get("Attributes", {}).get("ids", set())))

    def unread(self, day: date, ids: Sequence[str], kind: ReadKind = "read") -> set[str]:
        """The posts among `ids` not counted yet on `day`: what reading them would cost."""

        def unread_of(shard: tuple[int, set[str]]) -> set[str]:
            item = self.table.get_item(
                Key=_reads_key(day, kind, shard[0]),
                ConsistentRead=True,
                ProjectionExpression="ids",
            ).get("Item")
            return shard[1] - set((item or {}).get("ids", set()))

        return set().union(*_pool().map(unread_of, sorted(_by_shard(set(ids)).items())))

    def _add(self, day: date, kind: ReadKind, reads: int) -> dict[str, Any]:
        return {
            "Key": _month_key(day.strftime("%Y-%m")),
            "UpdateExpression": "ADD #reads :reads, mills :mills",  # READS is a reserved word
            "ExpressionAttributeNames": {"#reads": f"{kind}s"},
            "ExpressionAttributeValues": {":reads": reads, ":mills": reads * PRICE_MILLS[kind]},
        }

    def _counted(self, charge_id: str) -> bool:
        charge = self._charge(charge_id)
        return charge is not None and not charge.get("refunded")

    def _charge(self, charge_id: str) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self.table.get_item(
            Key=_charge_key(charge_id), ConsistentRead=True
        ).get("Item")
        return item


def _month_key(month: str) -> dict[str, str]:
    return {"pk": SETTINGS, "sk": f"XSPEND#{month}"}


@functools.cache
def _pool() -> ThreadPoolExecutor:
    """The day's sets are written side by side: one page's count takes one write's time."""
    return ThreadPoolExecutor(max_workers=READ_SHARDS, thread_name_prefix="xreads")


def _by_shard(ids: set[str]) -> dict[int, set[str]]:
    shards: dict[int, set[str]] = {}
    for post in ids:
        digest = hashlib.blake2b(post.encode(), digest_size=2).digest()
        shards.setdefault(int.from_bytes(digest) % READ_SHARDS, set()).add(post)
    return shards


def _reads_key(day: date, kind: ReadKind, shard: int) -> dict[str, str]:
    return {"pk": PARTITION, "sk": f"{_READ_PREFIX[kind]}#{day.isoformat()}#{shard}"}


def _item_full(error: ClientError) -> bool:
    """DynamoDB refused to grow an item past 400 KB."""
    failure = error.response.get("Error", {})
    return failure.get("Code") == "ValidationException" and "size" in failure.get("Message", "")


def _charge_key(charge_id: str) -> dict[str, str]:
    return {"pk": f"XCHARGE#{charge_id}", "sk": "CHARGE"}
