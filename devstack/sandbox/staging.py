"""Staged chat transcripts, the same on every sandbox (`POST /sandbox/chats`, DESIGN.md).

A body `{"hashtag", "start"?, "posts": [{"id"?, "author", "text", "created_at", "likes"?,
"reposts"?, "replies"?, "reply_to"?, "quote_of"?}]}` stages a transcript of a chat: its posts are
served to that hashtag's searches once the sandbox's clock has passed them, as if posted live.
Each sandbox (X, Bluesky, Mastodon) keeps a `ChatStage` and renders its `StagedPost`s in its own
network's shapes; this module knows nothing of any network.

Key decisions:
- The body is checked with jsonschema first, then for what a schema cannot say (ids repeated in
  the body, `reply_to` / `quote_of` naming a post that is neither in the body nor staged before,
  a reply written before the post it answers, a time without its offset). Every problem raises
  `StagingError` with one line naming the post (`posts[3].created_at: ...`), which the sandbox
  answers as 400; nothing is staged from a body with a problem.
- Posts keep their relative times: the earliest is placed at `start`, or at the clock's next
  whole minute when there is none, and every other post as far from it as in the transcript.
- Ids: `make_id(author, placed_created_at)` gives each post its network's id (an X snowflake, a
  Bluesky AT URI, a Mastodon status id). An id already given is asked for again 1 ms later (the
  post keeps its time), so two posts of the same millisecond get two ids. `stage` answers the
  network ids in the body's order; `reply_to` and `quote_of` of a `StagedPost` are network ids.
  In a body they name a post of the same body by its `id` there, or a post staged before (for any
  hashtag) by its network id, or by the `id` it was staged with under the same hashtag.
- Counts staged as null or left out stay None (an imported transcript has none): the sandbox
  serves such a post without counts.
- Hashtags are kept lowercase without `#`; staging again for a hashtag appends to it.
- Thread-safe: the sandboxes serve requests on several threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from jsonschema import Draft202012Validator

MAX_POSTS = 5000
_COUNT = {"type": ["integer", "null"], "minimum": 0}
_REFERENCE = {"type": ["string", "null"], "minLength": 1}
BODY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["hashtag", "posts"],
    "properties": {
        "hashtag": {"type": "string", "pattern": "^[#＃]?\\w{1,100}$"},
        "start": {"type": "string", "format": "date-time"},
        "posts": {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_POSTS,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["author", "text", "created_at"],
                "properties": {
                    "id": {"type": "string", "minLength": 1, "maxLength": 300},
                    "author": {
                        "type": "string",
                        "pattern": "^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,252}$",
                    },
                    "text": {"type": "string", "minLength": 1, "maxLength": 10000},
                    "created_at": {"type": "string", "format": "date-time"},
                    "likes": _COUNT,
                    "reposts": _COUNT,
                    "replies": _COUNT,
                    "reply_to": _REFERENCE,
                    "quote_of": _REFERENCE,
                },
            },
        },
    },
}
_VALIDATOR = Draft202012Validator(BODY_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
_ID_ATTEMPTS = 1000


class StagingError(ValueError):
    """A body that cannot be staged; the message says what is wrong, in one line."""


@dataclass(frozen=True)
class StagedPost:
    id: str  # the network's id, as `stage` gave it back
    author: str  # a handle, without @
    text: str
    created_at: datetime  # placed on the sandbox's clock, aware
    likes: int | None
    reposts: int | None
    replies: int | None
    reply_to: str | None  # network ids, as `stage` gave them back
    quote_of: str | None
    hashtag: str  # lowercase, without #


class ChatStage:
    """What has been staged on one sandbox, for every hashtag."""

    def __init__(
        self, clock: Callable[[], datetime], make_id: Callable[[str, datetime], str]
    ) -> None:
        self._clock = clock
        self._make_id = make_id
        self._lock = threading.Lock()
        self._posts: list[StagedPost] = []
        self._ids: set[str] = set()  # every network id given
        self._given: dict[tuple[str, str], str] = {}  # (hashtag, id in its body) -> network id

    def stage(self, body: Any) -> list[str]:
        """Stage a transcript (see the module's description); answers the posts' network ids in
        the body's order, or raises StagingError saying what is wrong."""
        _check_schema(body)
        hashtag = body["hashtag"].lstrip("#＃").lower()
        items: list[dict[str, Any]] = body["posts"]
        times = [_instant(item["created_at"], f"posts[{n}].created_at") for n, item in
                 enumerate(items)]  # fmt: skip
        start = _instant(body["start"], "start") if "start" in body else None
        with self._lock:
            local = _local_ids(items)
            _check_references(items, times, local, lambda ref: self._known(hashtag, ref))
            shift = (start or _next_minute(self._clock())) - min(times)
            ids = [self._new_id(item["author"], moment + shift) for item, moment in
                   zip(items, times, strict=True)]  # fmt: skip
            network_ids = {given: ids[n] for given, n in local.items()}

            def resolve(reference: str | None) -> str | None:
                if reference is None:
                    return None
                return network_ids.get(reference) or self._known(hashtag, reference)

            staged = [
                StagedPost(
                    id=ids[n],
                    author=item["author"],
                    text=item["text"],
                    created_at=times[n] + shift,
                    likes=item.get("likes"),
                    reposts=item.get("reposts"),
                    replies=item.get("replies"),
                    reply_to=resolve(item.get("reply_to")),
                    quote_of=resolve(item.get("quote_of")),
                    hashtag=hashtag,
                )
                for n, item in enumerate(items)
            ]
            self._posts.extend(staged)
            self._given.update(((hashtag, given), ids[n]) for given, n in local.items())
        return ids

    def visible(self, hashtag: str) -> list[StagedPost]:
        """The posts staged for `hashtag` (any case, with or without #) whose time has come,
        oldest first."""
        wanted = hashtag.lstrip("#＃").lower()
        now = self._clock()
        with self._lock:
            posts = [p for p in self._posts if p.hashtag == wanted and p.created_at <= now]
        return sorted(posts, key=lambda post: post.created_at)

    def all(self) -> list[StagedPost]:
        """Every staged post, whether its time has come or not, oldest first."""
        with self._lock:
            posts = list(self._posts)
        return sorted(posts, key=lambda post: post.created_at)

    def clear(self) -> None:
        with self._lock:
            self._posts.clear()
            self._ids.clear()
            self._given.clear()

    def _known(self, hashtag: str, reference: str) -> str | None:
        """The network id of a post staged before, named by that id or by its id in its body."""
        if reference in self._ids:
            return reference
        return self._given.get((hashtag, reference))

    def _new_id(self, author: str, moment: datetime) -> str:
        for attempt in range(_ID_ATTEMPTS):
            candidate = self._make_id(author, moment + timedelta(milliseconds=attempt))
            if candidate not in self._ids:
                self._ids.add(candidate)
                return candidate
        raise StagingError(f"no free id for a post of {author} at {moment.isoformat()}")


def _check_schema(body: Any) -> None:
    errors = sorted(_VALIDATOR.iter_errors(body), key=lambda e: list(e.absolute_path))
    if errors:
        raise StagingError("; ".join(_describe(error) for error in errors[:5]))


def _describe(error: Any) -> str:
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    where = where.lstrip(".") or "body"
    if error.validator == "required":
        return f"{where}: {error.message.replace('property', 'field')}"
    if error.validator == "format":
        return f"{where}: {error.instance!r} is not an ISO 8601 instant with its offset"
    if error.validator == "additionalProperties":
        return f"{where}: {error.message}"
    if error.validator == "pattern" and where == "hashtag":
        return f"hashtag: {error.instance!r} is not a hashtag (letters, digits and _)"
    if error.validator == "pattern" and where.endswith(".author"):
        return f"{where}: {error.instance!r} is not a handle (without @)"
    return f"{where}: {error.message}"


def _instant(text: str, where: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise StagingError(f"{where}: {text!r} is not an ISO 8601 instant") from None
    if moment.tzinfo is None:
        raise StagingError(f"{where}: {text!r} has no offset (add Z for UTC)")
    return moment.astimezone(UTC)


def _next_minute(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)


def _local_ids(items: list[dict[str, Any]]) -> dict[str, int]:
    """The body's own ids, to the position of the post they name."""
    local: dict[str, int] = {}
    for n, item in enumerate(items):
        given = item.get("id")
        if given is None:
            continue
        if given in local:
            raise StagingError(f"posts[{n}].id: {given!r} is also the id of posts[{local[given]}]")
        local[given] = n
    return local


def _check_references(
    items: list[dict[str, Any]],
    times: list[datetime],
    local: dict[str, int],
    known: Callable[[str], str | None],
) -> None:
    for n, item in enumerate(items):
        for name in ("reply_to", "quote_of"):
            reference = item.get(name)
            if reference is None:
                continue
            if reference in local:
                target = local[reference]
                if target == n:
                    raise StagingError(f"posts[{n}].{name}: a post cannot name itself")
                if times[target] > times[n]:
                    raise StagingError(
                        f"posts[{n}].{name}: {reference!r} (posts[{target}]) is written after it"
                    )
            elif known(reference) is None:
                raise StagingError(
                    f"posts[{n}].{name}: {reference!r} is no post's id in this body, nor of a post"
                    " staged before"
                )
