"""The X API v2 endpoints the sandbox serves, once a call has passed authentication and the
description's validation (server.py does both): each takes a `Call` and gives an `Answer`."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from devstack.sandbox.entities import MAX_WEIGHTED_LENGTH, weighted_length
from devstack.sandbox.models import Account, Post
from devstack.sandbox.problems import (
    DUPLICATE_CONTENT,
    MEDIA_IDS_INVALID,
    TEXT_TOO_LONG,
    Body,
    ErrorEntry,
    error_entry,
    invalid_request,
    resource_not_found,
)
from devstack.sandbox.query import QueryError, compile_query
from devstack.sandbox.store import DuplicateContent, Store

RECENT_SEARCH_DAYS = 7
END_TIME_MARGIN = timedelta(seconds=10)
DEFAULT_MAX_RESULTS = 10


@dataclass(frozen=True)
class Call:
    store: Store
    now: datetime
    account: Account | None  # the user of a user-context token
    path: Mapping[str, str]
    query: Mapping[str, Any]
    body: Any

    def fields(self, *names: str) -> set[str]:
        return {field for name in names for field in self.query.get(name, [])}

    @property
    def user(self) -> Account:
        if self.account is None:
            raise RuntimeError("this endpoint is user context only")
        return self.account


@dataclass(frozen=True)
class Answer:
    status: int
    body: Body
    headers: Mapping[str, str] = field(default_factory=dict)


def invalid(*errors: ErrorEntry) -> Answer:
    return Answer(400, invalid_request(list(errors)))


def create_post(call: Call) -> Answer:
    text = call.body.get("text", "")
    if "media" in call.body:  # the sandbox has no media upload, so no media id is valid
        return invalid(error_entry(MEDIA_IDS_INVALID))
    if not text.strip():
        return invalid(error_entry("$.text: is missing but it is required"))
    if weighted_length(text) > MAX_WEIGHTED_LENGTH:
        return invalid(error_entry(TEXT_TOO_LONG))
    try:
        post = call.store.create(call.user, text)
    except DuplicateContent:
        return Answer(403, DUPLICATE_CONTENT)
    return Answer(
        201, {"data": {"id": post.id, "text": post.text, "edit_history_tweet_ids": [post.id]}}
    )


def users_me(call: Call) -> Answer:
    return Answer(200, {"data": call.user.render(call.fields("user.fields"))})


def users_posts(call: Call) -> Answer:
    user_id = call.path["id"]
    if call.store.account(user_id) is None:
        return Answer(200, {"errors": [resource_not_found("user", "id", user_id)]})
    window = Window(call.query)
    problems = window.order_problems()
    if problems:
        return invalid(*problems)
    excluded = {"replies": "replied_to", "retweets": "retweeted"}
    kinds = [excluded[name] for name in call.query.get("exclude", [])]
    posts = call.store.newest_first(
        lambda post: (
            post.author_id == user_id
            and window.contains(post)
            and not any(post.references(kind) for kind in kinds)
        ),
        call.now,
    )
    return _page(call, posts, "pagination_token")


def search_recent(call: Call) -> Answer:
    query = call.query["query"]
    try:
        matches = compile_query(query)
    except QueryError as error:
        return invalid(error_entry(str(error), {"query": [query]}))
    problems = _exclusive(call.query, ("start_time", "since_id"), ("end_time", "until_id"))
    problems += _exclusive(call.query, ("next_token", "pagination_token"))
    window = Window(call.query)
    problems += window.recent_problems(call.now) or window.order_problems()
    if problems:
        return invalid(*problems)
    oldest = call.now - timedelta(days=RECENT_SEARCH_DAYS)
    authors = _authors(call.store)
    posts = call.store.newest_first(
        lambda post: (
            post.created_at >= oldest
            and window.contains(post)
            and matches(post, authors(post.author_id))
        ),
        call.now,
    )
    token = "next_token" if "next_token" in call.query else "pagination_token"
    return _page(call, posts, token)


def lookup_posts(call: Call) -> Answer:
    ids: list[str] = call.query["ids"]
    found = call.store.find(ids, call.now)
    body = _render(call, [found[post_id] for post_id in ids if post_id in found])
    missing = [
        resource_not_found("tweet", "ids", post_id) for post_id in ids if post_id not in found
    ]
    if missing:
        body["errors"] = missing
    return Answer(200, body)


@dataclass(frozen=True)
class Window:
    """The time and id bounds of a read (`start_time`, `end_time`, `since_id`, `until_id`)."""

    query: Mapping[str, Any]

    def _time(self, name: str) -> datetime | None:
        raw = self.query.get(name)
        return datetime.fromisoformat(raw) if raw else None

    def _id(self, name: str) -> int | None:
        raw = self.query.get(name)
        return int(raw) if raw else None

    def contains(self, post: Post) -> bool:
        start, end = self._time("start_time"), self._time("end_time")
        since, until = self._id("since_id"), self._id("until_id")
        post_id = int(post.id)
        return (
            (start is None or post.created_at >= start)
            and (end is None or post.created_at < end)
            and (since is None or post_id > since)
            and (until is None or post_id < until)
        )

    def order_problems(self) -> list[ErrorEntry]:
        start, end = self._time("start_time"), self._time("end_time")
        since, until = self._id("since_id"), self._id("until_id")
        problems = []
        if start and end and start >= end:
            problems.append(
                _invalid_value("start_time", self.query, "'start_time' must be before 'end_time'")
            )
        if since and until and since >= until:
            problems.append(
                _invalid_value("since_id", self.query, "'since_id' must be less than 'until_id'")
            )
        return problems

    def recent_problems(self, now: datetime) -> list[ErrorEntry]:
        start, end = self._time("start_time"), self._time("end_time")
        oldest = now - timedelta(days=RECENT_SEARCH_DAYS)
        problems = []
        if start and start < oldest:
            reason = f"'start_time' must be on or after {oldest:%Y-%m-%dT%H:%MZ}"
            problems.append(_invalid_value("start_time", self.query, reason))
        if end and end > now - END_TIME_MARGIN:
            reason = "'end_time' must be a minimum of 10 seconds prior to the request time."
            problems.append(_invalid_value("end_time", self.query, reason))
        return problems


def _invalid_value(name: str, query: Mapping[str, Any], reason: str) -> ErrorEntry:
    raw = str(query[name])
    return error_entry(f"Invalid '{name}':'{raw}'. {reason}", {name: [raw]})


def _exclusive(query: Mapping[str, Any], *pairs: tuple[str, str]) -> list[ErrorEntry]:
    """The description's "At most one of `a`, `b` may be provided." constraints."""
    return [
        error_entry(f"At most one of `{a}`, `{b}` may be provided.", {a: [query[a]], b: [query[b]]})
        for a, b in pairs
        if a in query and b in query
    ]


def _authors(store: Store) -> Callable[[str], Account]:
    cache: dict[str, Account] = {}

    def author(user_id: str) -> Account:
        if user_id not in cache:
            found = store.account(user_id)
            cache[user_id] = found or Account(user_id, user_id, user_id, store.clock())
        return cache[user_id]

    return author


def _page(call: Call, posts: list[Post], token_name: str) -> Answer:
    token = call.query.get(token_name)
    if token is not None:
        cursor = _decode_token(token)
        if cursor is None:
            message = f"The `{token_name}` query parameter value [{token}] is not valid"
            return invalid(error_entry(message, {token_name: [token]}))
        posts = [post for post in posts if int(post.id) < cursor]
    size = int(call.query.get("max_results", DEFAULT_MAX_RESULTS))
    page = posts[:size]
    body = _render(call, page)
    meta: dict[str, Any] = {}
    if page:
        meta |= {"newest_id": page[0].id, "oldest_id": page[-1].id}
    meta["result_count"] = len(page)
    if len(posts) > size:
        meta["next_token"] = _encode_token(page[-1].id)
    body["meta"] = meta
    return Answer(200, body)


def _render(call: Call, posts: list[Post]) -> Body:
    body: Body = {}
    if not posts:
        return body
    fields = call.fields("tweet.fields", "post.fields")
    body["data"] = [post.render(fields, call.now) for post in posts]
    if "author_id" in call.fields("expansions"):
        author = _authors(call.store)
        user_fields = call.fields("user.fields")
        users = {post.author_id: author(post.author_id).render(user_fields) for post in posts}
        body["includes"] = {"users": list(users.values())}
    return body


def _encode_token(post_id: str) -> str:
    return base64.b32hexencode(post_id.encode()).decode().rstrip("=").lower()


def _decode_token(token: str) -> int | None:
    padded = token.upper() + "=" * (-len(token) % 8)
    try:
        decoded = base64.b32hexdecode(padded).decode()
    except (binascii.Error, ValueError):
        return None
    return int(decoded) if decoded.isdigit() else None
