"""The archive of chat sessions: one DynamoDB table, one partition per session (pk / sk).

`SESSION#<occurrence id>` / `META`: the session (ports.ArchiveSession). `SESSION#<occurrence id>` /
`POST#<post id>` (an X post) or `POST#<network>#<post id>` (any other network's, whose ids could
equal an X id: Mastodon's are digits too): one archived post (domain.archive.ArchivedPost) and
`read_on`, the UTC day X last billed reading it. X's keys are those of the archive before
Bluesky and Mastodon, so sessions archived then read as they were. Every item carries
`expires_at` (epoch seconds, the table's TTL): the session's end plus the retention.

A META keeps what polling each network got to in top-level attributes (updates cannot ADD to a
nested one): X's as `since_id`, `reads`, `last_error`, `retry_at`, as it always had, another
network's as `since_id_<network>`, `reads_<network>`, and so on. How far each network's count
refresh got after the window is `refreshed_through` (X's) / `refreshed_through_<network>`: the
last post id looked up again, set in the same update as that batch's reads, so a batch is either
counted and passed or neither (a tick dying mid-batch repeats that batch, counted once). The
refresh reads only the posts past it (`stored_posts_after`: a Query of one network's key range
from the cursor on, a batch at a time), never the whole session each tick. A META
stored before sessions
spanned networks (`network`, `query`) reads as a session on that network for the query's
hashtags.

Finding the sessions that need work is one Query on the sparse index `open_sessions`
(`open_pk` = "OPEN" HASH, `session_end` RANGE = the end of the polling window, projecting `status`
only): only a META that is not digested yet has `open_pk`, so the Query reads the few sessions
between their window's end and their digest, never the archive. Because only `status` is
projected, the META's per-minute updates while polling (reads, cost, since_id) write nothing to
the index; only its four status changes do. Nothing here Scans.

The moderators an admin set for a session are the META's `moderator_override` (a list of
handles, possibly empty); without the attribute the digest infers them.
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, cast

from chatdeck.adapters.dynamodb import Table
from chatdeck.domain.archive import (
    ArchivedPost,
    ArchiveSession,
    PollResult,
    SessionArchive,
    SessionStatus,
    StoredPost,
    hashtags_of_query,
)
from chatdeck.domain.schedule import from_iso_utc, to_iso_utc

META = "META"
POST_PREFIX = "POST#"
OPEN_PK = "OPEN"
OPEN_INDEX = "open_sessions"
COUNTS = ("likes", "reposts", "replies", "quotes")
_INSTANTS = ("start_utc", "end_utc", "window_start", "window_end", "last_polled_at", "retry_at")
_OPTIONAL = ("since_id", "last_error", "stop_reason", "note")
_OTHER_NETWORKS = ("bluesky", "mastodon")


def session_key(occurrence_id: str) -> dict[str, str]:
    return {"pk": f"SESSION#{occurrence_id}", "sk": META}


def post_sort_key(network: str, post_id: str) -> str:
    return f"{POST_PREFIX}{post_id}" if network == "x" else f"{POST_PREFIX}{network}#{post_id}"


def _on(name: str, network: str) -> str:
    """The META attribute holding `name` for a network: X's has the plain name."""
    return name if network == "x" else f"{name}_{network}"


class DynamoArchiveStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def start(self, session: ArchiveSession) -> ArchiveSession:
        started = self.table.write_if(
            "put_item", Item=_session_item(session), ConditionExpression="attribute_not_exists(pk)"
        )
        stored = session if started is not None else self.get(session.occurrence_id)
        if stored is None:  # pragma: no cover - the condition failed on an item that is not there
            raise RuntimeError(f"session {session.occurrence_id} exists and cannot be read")
        return stored

    def get(self, occurrence_id: str) -> ArchiveSession | None:
        item = self.table.get_item(Key=session_key(occurrence_id), ConsistentRead=True).get("Item")
        return _session(item) if item else None

    def add_posts(
        self, session: ArchiveSession, posts: Sequence[ArchivedPost], read_on: date
    ) -> int:
        added = 0
        for post in posts:
            item = {
                "pk": f"SESSION#{session.occurrence_id}",
                "sk": post_sort_key(post.network, post.id),
                **_post_item(post),
                "read_on": read_on.isoformat(),
                "expires_at": _epoch(session.expires_at),
            }
            # a post seen again changes nothing
            new = self.table.write_if(
                "put_item", Item=item, ConditionExpression="attribute_not_exists(pk)"
            )
            added += new is not None
        return added

    def record_poll(self, session: ArchiveSession, result: PollResult, price: Decimal) -> None:
        network = result.network
        sets = {"last_polled_at": to_iso_utc(result.polled_at)}
        removes = []
        if result.newest_id is not None:
            sets[_on("since_id", network)] = result.newest_id
        for name, value in (("last_error", result.error), ("retry_at", result.retry_at)):
            if value is None:
                removes.append(_on(name, network))
            else:
                sets[_on(name, network)] = value if isinstance(value, str) else to_iso_utc(value)
        if result.stop_reason is not None:
            sets["stop_reason"] = result.stop_reason
        names = {f"#{n}": n for n in [*sets, *removes, "status", "posts", "polls"]}
        values: dict[str, Any] = {f":{n}": value for n, value in sets.items()}
        values |= {":added": result.added, ":one": 1, ":polling": "polling"}
        expression = "SET " + ", ".join(f"#{name} = :{name}" for name in sets)
        expression += " ADD #posts :added, #polls :one, #reads :reads"
        names["#reads"] = _on("reads", network)
        values[":reads"] = result.reads
        if network == "x":  # only X bills its reads
            expression += ", #cost_usd :cost"
            names["#cost_usd"] = "cost_usd"
            values[":cost"] = price * result.reads
        if removes:
            expression += " REMOVE " + ", ".join(f"#{name}" for name in removes)
        # False when it moved on meanwhile: its poll is over
        self.table.write_if(
            "update_item",
            Key=session_key(session.occurrence_id),
            UpdateExpression=expression,
            ConditionExpression="#status = :polling",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def add_reads(
        self,
        session: ArchiveSession,
        reads: int,
        price: Decimal,
        error: str | None = None,
        network: str = "x",
        retry_at: datetime | None = None,
        refreshed_through: str | None = None,
    ) -> None:
        billed = price * reads if network == "x" else Decimal(0)
        values: dict[str, Any] = {":reads": reads, ":cost": billed}
        sets, removes = [], []
        names = {"#reads": _on("reads", network), "#cost_usd": "cost_usd"}
        if refreshed_through is not None:  # with the batch's reads: both or neither
            sets.append("#refreshed = :refreshed")
            values[":refreshed"] = refreshed_through
            names["#refreshed"] = _on("refreshed_through", network)
        for name, value in (("last_error", error), ("retry_at", retry_at)):
            if value is None:
                removes.append(f"#{name}")
            else:
                sets.append(f"#{name} = :{name}")
                values[f":{name}"] = value if isinstance(value, str) else to_iso_utc(value)
        expression = "ADD #reads :reads, #cost_usd :cost"
        if sets:
            expression = f"SET {', '.join(sets)} {expression}"
        if removes:
            expression += " REMOVE " + ", ".join(removes)
        names["#last_error"] = _on("last_error", network)
        names["#retry_at"] = _on("retry_at", network)
        self.table.write_if(  # None for a session never started: nothing to add to
            "update_item",
            Key=session_key(session.occurrence_id),
            UpdateExpression=expression,
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def advance(
        self, session: ArchiveSession, to: SessionStatus, now: datetime, note: str | None = None
    ) -> bool:
        expression = "SET #status = :to, #at = :now"
        names = {"#status": "status", "#at": f"{to}_at"}
        values: dict[str, Any] = {":to": to, ":now": to_iso_utc(now), ":from": session.status}
        if note is not None:
            expression += ", #note = :note"
            names["#note"] = "note"
            values[":note"] = note
        if to == "digested":  # off the index of open sessions
            expression += " REMOVE #open"
            names["#open"] = "open_pk"
        moved = self.table.write_if(
            "update_item",
            Key=session_key(session.occurrence_id),
            UpdateExpression=expression,
            ConditionExpression="#status = :from",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
        return moved is not None

    def set_moderators(self, occurrence_id: str, handles: Sequence[str] | None) -> bool:
        """Keep the moderators an admin set for the session (None: back to inferring them);
        False for a session never archived."""
        key, names = session_key(occurrence_id), {"#moderators": "moderator_override"}
        if handles is None:
            params: dict[str, Any] = {"UpdateExpression": "REMOVE #moderators"}
        else:
            params = {
                "UpdateExpression": "SET #moderators = :moderators",
                "ExpressionAttributeValues": {":moderators": list(handles)},
            }
        done = self.table.write_if(
            "update_item",
            Key=key,
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames=names,
            **params,
        )
        return done is not None

    def needing_work(self, now: datetime, status: SessionStatus) -> list[ArchiveSession]:
        query: dict[str, Any] = {
            "IndexName": OPEN_INDEX,
            "KeyConditionExpression": "open_pk = :open AND session_end <= :now",
            "FilterExpression": "#status = :status",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {
                ":open": OPEN_PK,
                ":now": to_iso_utc(now),
                ":status": status,
            },
        }
        found = []
        for item in self._query_all(query):
            # The index is eventually consistent: read the session itself before acting on it.
            session = self.get(item["pk"].removeprefix("SESSION#"))
            if session is not None and session.status == status:
                found.append(session)
        return found

    def stored_posts(self, occurrence_id: str) -> list[StoredPost]:
        items = self._query_all(
            {
                "KeyConditionExpression": "pk = :pk AND begins_with(sk, :post)",
                "ExpressionAttributeValues": {
                    ":pk": f"SESSION#{occurrence_id}",
                    ":post": POST_PREFIX,
                },
                "ConsistentRead": True,
            }
        )
        return [StoredPost(_post(i), date.fromisoformat(i["read_on"])) for i in items]

    def stored_posts_after(
        self, occurrence_id: str, network: str, after: str | None, limit: int | None = None
    ) -> list[StoredPost]:
        """One network's posts whose ids come after `after`, in order of id, at most `limit`:
        a Query of the key range from `after` on (inclusive, so one item more is asked for),
        never of the whole session."""
        low = post_sort_key(network, after or "")  # "POST#<network>#": before its first key
        # X's ids are snowflakes (digits): its keys end before "POST#:"; another network's
        # before "POST#<network>$" ("$" follows "#")
        high = f"{POST_PREFIX}:" if network == "x" else f"{POST_PREFIX}{network}$"
        query: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :low AND :high",
            "ExpressionAttributeValues": {
                ":pk": f"SESSION#{occurrence_id}",
                ":low": low,
                ":high": high,
            },
            "ConsistentRead": True,
        }
        found: list[StoredPost] = []
        at_after = after is not None  # the first answer may begin with `after`'s own item
        while limit is None or len(found) < limit:
            if limit is not None:
                query["Limit"] = limit - len(found) + at_after
            at_after = False
            answer = self.table.query(**query)
            found.extend(
                StoredPost(_post(i), date.fromisoformat(i["read_on"]))
                for i in answer["Items"]
                if after is None or i["sk"] != low
            )
            if "LastEvaluatedKey" not in answer:
                break
            query["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
        return found[:limit]

    def update_counts(
        self, occurrence_id: str, posts: Sequence[ArchivedPost], read_on: date
    ) -> None:
        for post in posts:
            # a count the lookup did not give (None) keeps the one known before
            names = [name for name in COUNTS if getattr(post, name) is not None] + ["read_on"]
            self.table.write_if(  # a post never archived is not added now
                "update_item",
                Key={"pk": f"SESSION#{occurrence_id}", "sk": post_sort_key(post.network, post.id)},
                UpdateExpression="SET " + ", ".join(f"#{name} = :{name}" for name in names),
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames={f"#{n}": n for n in names},
                ExpressionAttributeValues={
                    **{f":{name}": getattr(post, name) for name in names[:-1]},
                    ":read_on": read_on.isoformat(),
                },
            )

    def session(self, occurrence_id: str) -> SessionArchive | None:
        items = self._query_all(
            {
                "KeyConditionExpression": "pk = :pk",
                "ExpressionAttributeValues": {":pk": f"SESSION#{occurrence_id}"},
            }
        )
        meta = next((item for item in items if item["sk"] == META), None)
        if meta is None:
            return None
        posts = [_post(item) for item in items if item["sk"].startswith(POST_PREFIX)]
        posts.sort(key=lambda post: (post.created_at, int(post.id) if post.id.isdigit() else 0))
        # (created_at, then X's and Mastodon's ids, which grow with time)
        return SessionArchive(_session(meta), posts)

    def _query_all(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        return self.table.query_all(**query)


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _session_item(session: ArchiveSession) -> dict[str, Any]:
    item: dict[str, Any] = {
        **session_key(session.occurrence_id),
        "occurrence_id": session.occurrence_id,
        "chat_id": session.chat_id,
        "networks": list(session.networks),
        "hashtags": list(session.hashtags),
        "status": session.status,
        "budget_reads": session.budget_reads,
        "reads": session.reads,
        "cost_usd": session.cost_usd,
        "posts": session.posts,
        "polls": session.polls,
        "expires_at": _epoch(session.expires_at),
    }
    for name in _INSTANTS:
        value = getattr(session, name)
        if value is not None:
            item[name] = to_iso_utc(value)
    for name in _OPTIONAL:
        value = getattr(session, name)
        if value is not None:
            item[name] = value
    for network in _OTHER_NETWORKS:
        for name, values in (("since_id", session.cursors), ("last_error", session.errors)):
            if network in values:
                item[_on(name, network)] = values[network]
        if network in session.network_reads:
            item[_on("reads", network)] = session.network_reads[network]
        if network in session.retries:
            item[_on("retry_at", network)] = to_iso_utc(session.retries[network])
    for network, through in session.refreshed.items():
        item[_on("refreshed_through", network)] = through
    if session.moderator_override is not None:
        item["moderator_override"] = list(session.moderator_override)
    if session.status != "digested":
        item |= {"open_pk": OPEN_PK, "session_end": to_iso_utc(session.window_end)}
    return item


def _session(item: dict[str, Any]) -> ArchiveSession:
    def per_network(name: str) -> dict[str, Any]:
        return {n: item[_on(name, n)] for n in _OTHER_NETWORKS if _on(name, n) in item}

    return ArchiveSession(
        occurrence_id=item["occurrence_id"],
        chat_id=item["chat_id"],
        networks=tuple(item.get("networks") or [item["network"]]),
        hashtags=tuple(item.get("hashtags") or hashtags_of_query(item.get("query", ""))),
        cursors=per_network("since_id"),
        network_reads={n: int(v) for n, v in per_network("reads").items()},
        errors=per_network("last_error"),
        retries={n: from_iso_utc(v) for n, v in per_network("retry_at").items()},
        refreshed={
            n: item[_on("refreshed_through", n)]
            for n in ("x", *_OTHER_NETWORKS)
            if _on("refreshed_through", n) in item
        },
        status=cast(SessionStatus, item["status"]),
        budget_reads=int(item["budget_reads"]),
        expires_at=datetime.fromtimestamp(int(item["expires_at"]), UTC),
        reads=int(item.get("reads", 0)),
        cost_usd=Decimal(item.get("cost_usd", 0)),
        posts=int(item.get("posts", 0)),
        polls=int(item.get("polls", 0)),
        start_utc=from_iso_utc(item["start_utc"]),
        end_utc=from_iso_utc(item["end_utc"]),
        window_start=from_iso_utc(item["window_start"]),
        window_end=from_iso_utc(item["window_end"]),
        last_polled_at=_instant(item, "last_polled_at"),
        retry_at=_instant(item, "retry_at"),
        moderator_override=(
            tuple(item["moderator_override"]) if "moderator_override" in item else None
        ),
        **{name: item.get(name) for name in _OPTIONAL},
    )


def _instant(item: dict[str, Any], name: str) -> datetime | None:
    return from_iso_utc(item[name]) if name in item else None


def _post_item(post: ArchivedPost) -> dict[str, Any]:
    item = {k: v for k, v in post.model_dump(mode="json").items() if v is not None}
    item["created_at"] = post.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    item["links"] = list(post.links)
    return item


def _post(item: dict[str, Any]) -> ArchivedPost:
    fields = {k: v for k, v in item.items() if k in ArchivedPost.model_fields}
    for name in COUNTS:  # absent or NULL: unknown (a post archived before had every count)
        value = fields.get(name)
        fields[name] = None if value is None else int(value)
    fields["links"] = tuple(fields.get("links", ()))
    fields["created_at"] = datetime.fromisoformat(fields["created_at"])
    return ArchivedPost.model_validate(fields)
