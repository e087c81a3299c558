"""What the AppView shows: `app.bsky.feed.defs#postView`s of created and staged posts, and the
search over them (`app.bsky.feed.searchPosts`).

Post views are shaped as the recorded searchPosts-response.json: `uri`, `cid`, `author` (`did`,
`handle`, `displayName`, `viewer`, `labels`, `createdAt`), `record`, an `embed` view when the
record has an embed, `replyCount`, `repostCount`, `likeCount`, `quoteCount`, `indexedAt`, `viewer`,
`labels`. A staged post staged without counts is shown without the four counts.

A staged post's record is what a Bluesky client would have written for its text: `text`,
`createdAt`, `langs` `["en"]`, facets for its hashtags (`#tag`), mentions (`@handle.with.dots`)
and links with UTF-8 byte offsets, `reply` for `reply_to` and an `app.bsky.embed.record` for
`quote_of`.

Search (key decisions): `q` is split into terms, each of which must match: `#tag` a tag of the
post, `from:<handle>` its author, `*` anything, `"a phrase"` or a word a case-insensitive part of
the text. Every `tag` must be a tag of the post (AND), case-insensitively. `since` is inclusive,
`until` exclusive, both on `indexedAt` (a datetime or a `YYYY-MM-DD` date). `sort=latest` is
newest first; `top` most engaged first. The cursor is an offset, as the recorded response's
(`"25"`), given until the results are exhausted. Only posts whose time has come on the sandbox
clock are found.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from devstack.bluesky.accounts import Account, did_for
from devstack.bluesky.records import Record, cid_of
from devstack.sandbox.staging import StagedPost

POST = "app.bsky.feed.post"
_TAG = re.compile(r"(?:^|\s)([#＃])([^\s#＃]+)")
_LINK = re.compile(r"https?://[^\s]+")
_MENTION = re.compile(r"(?:^|\s)(@([a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+))")
_TRAILING = ".,;:!?)'\""
_TERM = re.compile(r'"([^"]+)"|(\S+)')
ACCOUNTS_CREATED = "2024-11-20T15:00:00.000Z"


class BadQuery(ValueError):
    """A search parameter the sandbox cannot read (answered as 400 BadQueryString)."""


def iso_ms(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Shown:
    """A post as the AppView holds it."""

    uri: str
    cid: str
    author: Account
    record: dict[str, Any]
    indexed_at: datetime
    counts: dict[str, int] | None  # None: shown without counts

    @property
    def tags(self) -> set[str]:
        found = {str(tag).lower() for tag in self.record.get("tags", [])}
        for facet in self.record.get("facets", []):
            for feature in facet.get("features", []):
                if feature.get("$type") == "app.bsky.richtext.facet#tag":
                    found.add(str(feature.get("tag", "")).lower())
        return found

    @property
    def engagement(self) -> int:
        return sum((self.counts or {}).values())


def shown_record(record: Record, author: Account) -> Shown:
    counts = {"replyCount": 0, "repostCount": 0, "likeCount": 0, "quoteCount": 0}
    return Shown(record.uri, record.cid, author, record.value, record.created_at, counts)


def staged_record(post: StagedPost, lookup: Callable[[str], StagedPost | None]) -> dict[str, Any]:
    """The app.bsky.feed.post record a client would have written for a staged post."""
    record: dict[str, Any] = {
        "$type": POST,
        "createdAt": iso_ms(post.created_at),
        "langs": ["en"],
        "text": post.text,
    }
    facets = text_facets(post.text)
    if facets:
        record["facets"] = facets
    parent = lookup(post.reply_to) if post.reply_to else None
    if parent is not None:
        root = parent
        while root.reply_to and (up := lookup(root.reply_to)) is not None:
            root = up
        record["reply"] = {"root": strong_ref(root, lookup), "parent": strong_ref(parent, lookup)}
    quoted = lookup(post.quote_of) if post.quote_of else None
    if quoted is not None:
        record["embed"] = {"$type": "app.bsky.embed.record", "record": strong_ref(quoted, lookup)}
    return record


def strong_ref(post: StagedPost, lookup: Callable[[str], StagedPost | None]) -> dict[str, str]:
    return {"uri": post.id, "cid": cid_of(staged_record(post, lookup))}


def shown_staged(
    post: StagedPost, author: Account, lookup: Callable[[str], StagedPost | None], quotes: int
) -> Shown:
    record = staged_record(post, lookup)
    counts = None
    if (post.likes, post.reposts, post.replies) != (None, None, None):
        counts = {
            "replyCount": post.replies or 0,
            "repostCount": post.reposts or 0,
            "likeCount": post.likes or 0,
            "quoteCount": quotes,
        }
    return Shown(post.id, cid_of(record), author, record, post.created_at, counts)


def text_facets(text: str) -> list[dict[str, Any]]:
    """Facets for the hashtags, mentions and links of a text, with UTF-8 byte offsets (a mention's
    DID is the one the sandbox gives that handle's account)."""
    facets = []
    for match in _TAG.finditer(text):
        tag = match.group(2).rstrip(_TRAILING)
        if tag and not tag.isdigit():
            start = match.start(1)
            feature = {"$type": "app.bsky.richtext.facet#tag", "tag": tag}
            facets.append(_facet(text, start, match.end(1) + len(tag), feature))
    for match in _MENTION.finditer(text):
        handle = match.group(2).rstrip(_TRAILING)
        feature = {"$type": "app.bsky.richtext.facet#mention", "did": did_for(handle)}
        facets.append(_facet(text, match.start(1), match.start(1) + 1 + len(handle), feature))
    for match in _LINK.finditer(text):
        link = match.group(0).rstrip(_TRAILING)
        feature = {"$type": "app.bsky.richtext.facet#link", "uri": link}
        facets.append(_facet(text, match.start(), match.start() + len(link), feature))
    return sorted(facets, key=lambda facet: facet["index"]["byteStart"])


def _facet(text: str, start: int, end: int, feature: dict[str, str]) -> dict[str, Any]:
    byte_start = len(text[:start].encode())
    byte_end = byte_start + len(text[start:end].encode())
    return {"index": {"byteStart": byte_start, "byteEnd": byte_end}, "features": [feature]}


def author_view(account: Account) -> dict[str, Any]:
    return {
        "did": account.did,
        "handle": account.handle,
        "displayName": account.display_name,
        "viewer": {"muted": False, "blockedBy": False},
        "labels": [],
        "createdAt": ACCOUNTS_CREATED,
    }


def post_view(
    shown: Shown, base_url: str, find: Callable[[str], Shown | None] = lambda _: None
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "uri": shown.uri,
        "cid": shown.cid,
        "author": author_view(shown.author),
        "record": shown.record,
    }
    embed = _embed_view(shown, base_url, find)
    if embed is not None:
        view["embed"] = embed
    if shown.counts is not None:
        view.update(shown.counts)
    view["indexedAt"] = iso_ms(shown.indexed_at)
    view["viewer"] = {"threadMuted": False, "embeddingDisabled": False}
    view["labels"] = []
    return view


def _embed_view(
    shown: Shown, base_url: str, find: Callable[[str], Shown | None]
) -> dict[str, Any] | None:
    embed = shown.record.get("embed") or {}
    if embed.get("$type") == "app.bsky.embed.external":
        external = {k: v for k, v in embed["external"].items() if k not in {"thumb", "$type"}}
        thumb = embed["external"].get("thumb")
        if thumb:
            external["thumb"] = f"{base_url}/sandbox/blobs/{thumb['ref']['$link']}"
        return {"$type": "app.bsky.embed.external#view", "external": external}
    if embed.get("$type") == "app.bsky.embed.record":
        quoted = find(embed["record"]["uri"])
        if quoted is None:
            return {
                "$type": "app.bsky.embed.record#view",
                "record": {
                    "$type": "app.bsky.embed.record#viewNotFound",
                    "uri": embed["record"]["uri"],
                    "notFound": True,
                },
            }
        return {
            "$type": "app.bsky.embed.record#view",
            "record": {
                "$type": "app.bsky.embed.record#viewRecord",
                "uri": quoted.uri,
                "cid": quoted.cid,
                "author": author_view(quoted.author),
                "value": quoted.record,
                "indexedAt": iso_ms(quoted.indexed_at),
            },
        }
    return None


def parse_moment(text: str, name: str) -> datetime:
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadQuery(f"{name} must be a datetime or an ISO date (YYYY-MM-DD)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _term_matches(shown: Shown, phrase: str | None, word: str | None) -> bool:
    if phrase is not None:
        return phrase.casefold() in shown.record.get("text", "").casefold()
    assert word is not None  # noqa: S101  # nosec B101
    if word == "*":
        return True
    if word[0] in "#＃" and len(word) > 1:
        return word[1:].lower() in shown.tags
    if word.lower().startswith("from:"):
        return shown.author.handle.casefold() == word[5:].removeprefix("@").casefold()
    return word.casefold() in shown.record.get("text", "").casefold()


def search(
    posts: Iterable[Shown], params: dict[str, Any], now: datetime
) -> tuple[list[Shown], str | None]:
    """The page of posts a searchPosts call answers, and the cursor to the next page."""
    terms = _TERM.findall(params["q"])
    since = parse_moment(params["since"], "since") if "since" in params else None
    until = parse_moment(params["until"], "until") if "until" in params else None
    tags = [tag.lstrip("#").lower() for tag in params.get("tag", [])]
    author = params.get("author")
    lang = params.get("lang")
    found = [
        shown
        for shown in posts
        if shown.indexed_at <= now
        and all(_term_matches(shown, phrase or None, word or None) for phrase, word in terms)
        and all(tag in shown.tags for tag in tags)
        and (since is None or shown.indexed_at >= since)
        and (until is None or shown.indexed_at < until)
        and (author is None or author in {shown.author.did, shown.author.handle})
        and (lang is None or lang in shown.record.get("langs", []))
    ]
    found.sort(key=lambda s: (s.indexed_at, s.uri), reverse=True)
    if params.get("sort") == "top":
        found.sort(key=lambda s: s.engagement, reverse=True)
    try:
        offset = int(params.get("cursor") or 0)
    except ValueError:
        raise BadQuery("cursor must be one this search gave") from None
    if offset < 0:
        raise BadQuery("cursor must be one this search gave")
    page = found[offset : offset + params["limit"]]
    following = offset + len(page)
    return page, (str(following) if following < len(found) else None)
