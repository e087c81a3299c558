"""Scheduled posts in the PostsTable: one item for the post, one for each of its targets.

- The post (`id` = the post's id): what the teacher wrote and when, `targets` (the target keys,
  `x:cohort`, `bluesky:member:ann@school.org`, …), `version`, and the keys of the listing indexes
  (`list_pk`, `created_at`, `author_email`).
- Each target (`id` = `<post id>#<target key>`, `post_id`): where the post stands on that
  account (status, reason, link, claim, attempts), the post's `version` it was written at, and,
  while it needs the publisher (QUEUED, PUBLISHING), `work_pk` and `next_action_at`: what is due
  now is one Query on the sparse `work` index, and only targets are on it.
The table's keys and indexes are unchanged: targets simply never carry the listing keys, and
posts never carry the work keys.

Every state change is a conditional write, so two functions racing on one target cannot both
win. Edits, approvals and declines rewrite the post and every target in one transaction,
conditional on the version the editor saw, on no target having started, and on each kept
target still having the attempts the editor saw (a claim that ended re-queued moves no version,
and an edit carries a target's attempts and first claim time over); a claim holds only
if its target is still at the version whose post the publisher read, so an edit made between
`due()` and `claim()` is never sent with the text from before it.
"""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from chatdeck.adapters.dynamodb import Table, decode_cursor, encode_cursor
from chatdeck.domain.outgoing import target_key
from chatdeck.domain.posts import CANCELLABLE, Job, Page, Post, PostChange, PostStatus, Target
from chatdeck.domain.schedule import to_iso_utc

WORK_PK = "WORK"
LIST_PK = "POSTS"
Condition = tuple[str, dict[str, str], dict[str, Any]]
_TIMES = ("due_utc", "created_at")
_TARGET_TIMES = ("next_action_at", "first_claimed_at")
_NUMBERS = ("attempts", "version")


# What a post stored before targets existed keeps on the post, and on its one target.
_LEGACY_POST = frozenset(
    {
        "id",
        "text",
        "author_name",
        "author_email",
        "local_date",
        "local_time",
        "zone",
        "utc_offset",
        "due_utc",
        "created_at",
        "version",
    }
)
_LEGACY_TARGET = frozenset(
    {
        "status",
        "reason",
        "remote_id",
        "url",
        "claim_id",
        "claimed_at",
        "first_claimed_at",
        "attempts",
        "next_action_at",
        "work_pk",
    }
)


def target_id(post_id: str, key: str) -> str:
    return f"{post_id}#{key}"


def post_to_item(post: Post) -> dict[str, Any]:
    item = {
        k: v for k, v in post.model_dump(mode="json", exclude={"targets"}).items() if v is not None
    }
    for name in _TIMES:
        item[name] = to_iso_utc(getattr(post, name))
    item["targets"] = [t.key for t in post.targets]
    item["list_pk"] = LIST_PK
    return item


def target_to_item(post: Post, target: Target) -> dict[str, Any]:
    item = {k: v for k, v in target.model_dump(mode="json").items() if v is not None}
    for name in _TARGET_TIMES:
        value = getattr(target, name)
        if value is not None:
            item[name] = to_iso_utc(value)
    item.update(id=target_id(post.id, target.key), post_id=post.id, version=post.version)
    if target.status.needs_publisher:
        item["work_pk"] = WORK_PK
        item.setdefault("next_action_at", to_iso_utc(post.due_utc))
    else:
        item.pop("next_action_at", None)
    return item


def item_to_target(item: dict[str, Any]) -> Target:
    fields = set(Target.model_fields)
    return Target.model_validate(
        {k: int(v) if k in _NUMBERS else v for k, v in item.items() if k in fields}
    )


def item_to_post(item: dict[str, Any], targets: list[dict[str, Any]]) -> Post:
    by_key = {t["id"]: item_to_target(t) for t in targets}
    ordered = tuple(
        by_key[target_id(item["id"], key)]
        for key in item.get("targets", [])
        if target_id(item["id"], key) in by_key
    )
    fields = set(Post.model_fields)
    values = {k: int(v) if k in _NUMBERS else v for k, v in item.items() if k in fields}
    return Post.model_validate({**values, "targets": ordered})


class DynamoPostStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def add(self, post: Post) -> bool:
        actions: list[tuple[str, dict[str, Any]]] = [
            (
                "Put",
                {"Item": post_to_item(post), "ConditionExpression": "attribute_not_exists(id)"},
            )
        ]
        actions += [("Put", {"Item": target_to_item(post, t)}) for t in post.targets]
        return self.table.transact_if(actions)

    def get(self, post_id: str) -> Post | None:
        item = self.table.get_item(Key={"id": post_id}, ConsistentRead=True).get("Item")
        if item is None or "post_id" in item:
            return None
        return self._with_targets([item])[0]

    def _upgraded(self, item: dict[str, Any]) -> dict[str, Any]:
        """The post as it is stored now, once a post stored before targets existed (one item:
        the post and its one X target) is rewritten as a post and its target: in one
        transaction, only while it is still in the old shape (another function may be doing the
        same). Queued posts are kept across an update, and claims and attempts with them."""
        if "targets" in item or "post_id" in item:
            return item
        network, account = str(item.get("network", "x")), str(item.get("account", "cohort"))
        key = target_key(network, account)
        version = int(item.get("version", 0))
        head = {k: v for k, v in item.items() if k in _LEGACY_POST or k == "list_pk"}
        head.update(targets=[key], version=version, list_pk=LIST_PK)
        target = {k: v for k, v in item.items() if k in _LEGACY_TARGET}
        target.update(
            id=target_id(item["id"], key),
            post_id=item["id"],
            network=network,
            account=account,
            version=version,
        )
        self.table.transact_if(
            [
                (
                    "Put",
                    {
                        "Item": head,
                        "ConditionExpression": "attribute_exists(id) AND attribute_not_exists(#t)",
                        "ExpressionAttributeNames": {"#t": "targets"},
                    },
                ),
                ("Put", {"Item": target}),
            ]
        )
        again = self.table.get_item(Key={"id": item["id"]}, ConsistentRead=True).get("Item")
        return again or head

    def page(self, cursor: str | None, limit: int, author: str | None = None) -> Page:
        """Newest first: everyone's (`by_created`), or one author's (`by_author`)."""
        index, key_name, key_value = (
            ("by_author", "author_email", author) if author else ("by_created", "list_pk", LIST_PK)
        )
        query: dict[str, Any] = {
            "IndexName": index,
            "KeyConditionExpression": f"{key_name} = :key",
            "ExpressionAttributeValues": {":key": key_value},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if cursor:
            names = {"id", key_name, "created_at"}
            query["ExclusiveStartKey"] = decode_cursor(cursor, names, (key_name, key_value))
        answer = self.table.query(**query)
        last = answer.get("LastEvaluatedKey")
        return Page(self._with_targets(answer["Items"]), encode_cursor(last))

    def by_author(self, email: str) -> Iterator[Post]:
        cursor: str | None = None
        while True:
            page = self.page(cursor, 100, author=email)
            yield from page.posts
            if page.next is None:
                return
            cursor = page.next

    def replace(self, post: Post, seen: Post) -> bool:
        """Store an edited, approved or declined post if it is still as it was read (the same
        version, and each target it keeps at the attempts read: a claim and re-queue since does
        not move the version) and none of its targets has started; the version moves one past
        the one seen."""
        changed = post.model_copy(update={"version": seen.version + 1})
        same_version = "#v = :version"
        if seen.version == 0:
            same_version = f"(attribute_not_exists(#v) OR {same_version})"
        actions: list[tuple[str, dict[str, Any]]] = [
            (
                "Put",
                {
                    "Item": post_to_item(changed),
                    "ConditionExpression": f"attribute_exists(id) AND {same_version}",
                    "ExpressionAttributeNames": {"#v": "version"},
                    "ExpressionAttributeValues": {":version": seen.version},
                },
            )
        ]
        not_started, names, values = _status_in(CANCELLABLE)
        kept = {t.key for t in changed.targets}
        for old in seen.targets:
            if old.key not in kept:
                # Nothing is deleted from PostsTable: a target edited away is cancelled, off
                # the work index, and no longer named by its post.
                actions.append(
                    (
                        "Update",
                        {
                            "Key": {"id": target_id(seen.id, old.key)},
                            "UpdateExpression": "SET #s = :gone REMOVE work_pk, next_action_at",
                            "ConditionExpression": not_started,
                            "ExpressionAttributeNames": names,
                            "ExpressionAttributeValues": {
                                **values,
                                ":gone": PostStatus.CANCELLED.value,
                            },
                        },
                    )
                )
        before = {t.key: t for t in seen.targets}
        for target in changed.targets:
            put: dict[str, Any] = {"Item": target_to_item(changed, target)}
            read = before.get(target.key)
            if read is None:  # new, or added back after an edit took it away
                put["ConditionExpression"] = "attribute_not_exists(id) OR #s = :gone"
                put["ExpressionAttributeNames"] = {"#s": "status"}
                put["ExpressionAttributeValues"] = {":gone": PostStatus.CANCELLED.value}
            else:
                # Not claimed and re-queued since it was read: the edit carries its attempts.
                same_attempts = "#a = :attempts"
                if read.attempts == 0:
                    same_attempts = f"(attribute_not_exists(#a) OR {same_attempts})"
                put["ConditionExpression"] = f"{not_started} AND {same_attempts}"
                put["ExpressionAttributeNames"] = {**names, "#a": "attempts"}
                put["ExpressionAttributeValues"] = {**values, ":attempts": read.attempts}
            actions.append(("Put", put))
        return self.table.transact_if(actions)

    def due(self, now: datetime) -> list[Job]:
        items = self.table.query_all(
            IndexName="work",
            KeyConditionExpression="work_pk = :work AND next_action_at <= :now",
            ExpressionAttributeValues={":work": WORK_PK, ":now": to_iso_utc(now)},
        )
        if any("post_id" not in t for t in items):  # posts stored before targets existed
            for old in (t for t in items if "post_id" not in t):
                self._upgraded(old)
            return self.due(now)
        if not items:
            return []
        heads = self.table.batch_get([{"id": i} for i in {t["post_id"] for t in items}])
        posts = {h["id"]: item_to_post(h, []) for h in heads}
        jobs = [(posts.get(t["post_id"]), item_to_target(t)) for t in items]
        # Each job's post holds its one target: where the post stands on the others is not read.
        return [Job(post.only(target), target) for post, target in jobs if post is not None]

    def claim_condition(self, job: Job, now: datetime) -> Condition:
        """Still in the state we saw, at the version whose post we read, still due, and not
        claimed by anyone since."""
        return (
            "#status = :seen AND next_action_at <= :now AND #v = :version"
            " AND (attribute_not_exists(claim_id) OR claim_id = :previous)",
            {"#status": "status", "#v": "version"},
            {
                ":seen": job.target.status.value,
                ":now": to_iso_utc(now),
                ":version": job.post.version,
                ":previous": job.target.claim_id or "-",
            },
        )

    def claim(self, job: Job, claim_id: str, now: datetime, lease_until: datetime) -> Job | None:
        condition, names, values = self.claim_condition(job, now)
        answer = self.table.write_if(
            "update_item",
            Key={"id": target_id(job.post.id, job.target.key)},
            UpdateExpression=(
                "SET #s = :publishing, claim_id = :claim, claimed_at = :claimed,"
                " next_action_at = :lease, work_pk = :work,"
                " attempts = if_not_exists(attempts, :zero) + :one,"
                " first_claimed_at = if_not_exists(first_claimed_at, :claimed)"
            ),
            ConditionExpression=condition,
            ExpressionAttributeNames={"#s": "status", **names},
            ExpressionAttributeValues={
                ":publishing": PostStatus.PUBLISHING.value,
                ":claim": claim_id,
                ":claimed": to_iso_utc(now),
                ":lease": to_iso_utc(lease_until),
                ":work": WORK_PK,
                ":zero": 0,
                ":one": 1,
                **values,
            },
            ReturnValues="ALL_NEW",
        )
        return None if answer is None else Job(job.post, item_to_target(answer["Attributes"]))

    def record(self, job: Job, change: PostChange) -> bool:
        sets: dict[str, tuple[str, Any]] = {"#s": ("status", change.status.value)}
        for name in ("reason", "remote_id", "url"):
            value = getattr(change, name)
            if value is not None:
                sets[f"#{name}"] = (name, value)
        removes = ["claim_id"] + [n for n in ("reason",) if getattr(change, n) is None]
        if change.unsettled:
            sets["#unsettled"] = ("unsettled", True)
        else:
            removes.append("unsettled")
        if change.next_action_at is not None:
            sets["#next"] = ("next_action_at", to_iso_utc(change.next_action_at))
            sets["#work"] = ("work_pk", WORK_PK)
        else:
            removes += ["next_action_at", "work_pk"]
        assignments = [f"{alias} = :{alias[1:]}" for alias in sets]
        names = {alias: name for alias, (name, _) in sets.items()}
        values: dict[str, Any] = {f":{alias[1:]}": value for alias, (_, value) in sets.items()}
        if change.certainly_unsent:  # give the claim's attempt back
            assignments.append("#attempts = #attempts - :one")
            names["#attempts"] = "attempts"
            values[":one"] = 1
        expression = "SET " + ", ".join(assignments) + " REMOVE " + ", ".join(removes)
        return self._update(
            target_id(job.post.id, job.target.key),
            expression,
            condition="claim_id = :mine AND #s = :publishing",
            names=names,
            values={
                **values,
                ":mine": job.target.claim_id,
                ":publishing": PostStatus.PUBLISHING.value,
            },
        )

    def defer(self, job: Job, until: datetime, reason: str) -> bool:
        target = job.target
        return self._update(
            target_id(job.post.id, target.key),
            "SET next_action_at = :until, reason = :reason",
            condition="#s = :queued AND next_action_at = :seen",
            names={"#s": "status"},
            values={
                ":until": to_iso_utc(until),
                ":reason": reason,
                ":queued": PostStatus.QUEUED.value,
                ":seen": to_iso_utc(target.next_action_at or job.post.due_utc),
            },
        )

    def cancel(self, post_id: str) -> Post | None:
        """Cancel every target that has not started; None when none could be (the post is
        gone, or every target has started or ended)."""
        post = self.get(post_id)
        if post is None:
            return None
        condition, names, values = _status_in(CANCELLABLE)
        cancelled = False
        for target in post.targets:
            if target.status not in CANCELLABLE:
                continue
            cancelled |= self._update(
                target_id(post_id, target.key),
                "SET #s = :cancelled REMOVE next_action_at, work_pk, reason",
                condition=condition,
                names=names,
                values={**values, ":cancelled": PostStatus.CANCELLED.value},
            )
        return self.get(post_id) if cancelled else None

    def cancel_target(self, post_id: str, key: str, reason: str) -> bool:
        """Cancel one target that has not started, keeping why; the condition also keeps a
        target that is not there from being written."""
        condition, names, values = _status_in(CANCELLABLE)
        return self._update(
            target_id(post_id, key),
            "SET #s = :cancelled, reason = :reason REMOVE next_action_at, work_pk",
            condition=condition,
            names=names,
            values={**values, ":cancelled": PostStatus.CANCELLED.value, ":reason": reason},
        )

    def _with_targets(self, heads: list[dict[str, Any]]) -> list[Post]:
        heads = [self._upgraded(h) for h in heads]
        keys = [{"id": target_id(h["id"], k)} for h in heads for k in h.get("targets", [])]
        targets = self.table.batch_get(keys) if keys else []
        by_post: dict[str, list[dict[str, Any]]] = {}
        for item in targets:
            by_post.setdefault(item["post_id"], []).append(item)
        return [item_to_post(h, by_post.get(h["id"], [])) for h in heads]

    def _update(
        self,
        item_id: str,
        expression: str,
        condition: str,
        names: dict[str, str],
        values: dict[str, Any],
    ) -> bool:
        return (
            self.table.write_if(
                "update_item",
                Key={"id": item_id},
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
            is not None
        )


def _status_in(statuses: tuple[PostStatus, ...]) -> Condition:
    placeholders = [f":c{i}" for i in range(len(statuses))]
    return (
        f"#s IN ({', '.join(placeholders)})",
        {"#s": "status"},
        {p: s.value for p, s in zip(placeholders, statuses, strict=True)},
    )
