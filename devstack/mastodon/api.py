"""The Mastodon API endpoints the sandbox serves, each a function of one call (see server.py).

- `POST /api/v1/statuses`: `status` (required), `visibility` (public, unlisted, private, direct;
  default public), `language`, the `Idempotency-Key` header (store.py). Over the instance's
  `max_characters` (links counting `characters_reserved_per_url`) answers 422 `Validation failed:
  Text character limit of <max> exceeded`; an empty text 422 `Validation failed: Text can't be
  blank`. Answers 200 with the Status, a new one or the one the key already made.
- `GET /api/v1/statuses/:id`: a public or unlisted status, made here or staged and due; else 404.
- `GET /api/v1/accounts/:id/statuses` and `GET /api/v1/timelines/tag/:hashtag`: newest first,
  `max_id` / `since_id` / `min_id` / `limit` (default 20, at most 40) as docs/methods-*.md say
  (`min_id` pages forward from a cursor: the statuses just after it), with a `Link` header
  (`next` with `max_id` when the page is full, `prev` with `min_id`), as Mastodon paginates.
  The tag timeline lists public statuses only; the instance's
  `timelines_access.hashtag_feeds.local` says who may read it: `public`, `authenticated` (a
  token, else 401), or `disabled` (an empty list, as the documentation says; Mastodon documents
  `disabled` for remote posts only, the sandbox's posts are all local and it accepts `disabled`
  for them so a test can turn the feed off).
- `GET /api/v1/accounts/verify_credentials`: the token's account, with `source`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from devstack.mastodon.entities import Account, Status, countable_length
from devstack.mastodon.oauth import Answer, Grant, allowed
from devstack.mastodon.store import Store, newest_first

INVALID_TOKEN = {"error": "The access token is invalid"}  # nosec B105 - a message
NOT_FOUND = {"error": "Record not found"}
USER_REQUIRED = {"error": "This method requires an authenticated user"}
OUT_OF_SCOPE = {"error": "This action is outside the authorized scopes"}
VISIBILITIES = ("public", "unlisted", "private", "direct")
DEFAULT_LIMIT, MAX_LIMIT = 20, 40


class Refused(Exception):
    def __init__(self, answer: Answer) -> None:
        super().__init__(answer.status)
        self.answer = answer


@dataclass
class Call:
    store: Store
    base: str  # this sandbox's address, as the caller reached it
    path: str  # the request's path, for Link headers
    grant: Grant | None
    account: Account | None
    params: Mapping[str, str]
    arguments: dict[str, str]
    headers: Mapping[str, str]
    count_post: Callable[[], None] = field(default=lambda: None)  # the statuses family

    def needs_user(self, scope: str) -> Account:
        if self.grant is None:
            raise Refused(Answer(401, INVALID_TOKEN))
        if self.account is None:
            raise Refused(Answer(422, USER_REQUIRED))
        if not allowed(self.grant.scopes, scope):
            raise Refused(Answer(403, OUT_OF_SCOPE))
        return self.account

    def render(self, status: Status) -> dict[str, Any]:
        return status.render(self.base, self.store.local_users())


def create_status(call: Call) -> Answer:
    account = call.needs_user("write:statuses")
    text = call.params.get("status", "")
    visibility = call.params.get("visibility") or "public"
    settings = call.store.settings

    def check() -> None:
        if not text.strip():
            raise Refused(Answer(422, {"error": "Validation failed: Text can't be blank"}))
        if visibility not in VISIBILITIES:
            raise Refused(
                Answer(422, {"error": "Validation failed: Visibility is not included in the list"})
            )
        if countable_length(text, settings.characters_reserved_per_url) > settings.max_characters:
            message = (
                f"Validation failed: Text character limit of {settings.max_characters} exceeded"
            )
            raise Refused(Answer(422, {"error": message}))
        call.count_post()  # raises Refused(429) past the posting limit

    status, _made = call.store.create(
        account,
        text,
        visibility,
        call.params.get("language") or "en",
        call.headers.get("Idempotency-Key") or None,
        check,
    )
    return Answer(200, call.render(status))


def get_status(call: Call) -> Answer:
    status = call.store.get(call.arguments["id"])
    if status is None:
        return Answer(404, NOT_FOUND)
    own = call.account is not None and status.account.id == call.account.id
    if status.visibility not in ("public", "unlisted") and not own:
        return Answer(404, NOT_FOUND)
    return Answer(200, call.render(status))


def account_statuses(call: Call) -> Answer:
    account = call.store.account(call.arguments["id"])
    if account is None:
        return Answer(404, NOT_FOUND)
    mine = call.account is not None and call.account.id == account.id
    statuses = [
        s for s in call.store.of_account(account) if mine or s.visibility in ("public", "unlisted")
    ]
    return _page(call, statuses)


def tag_timeline(call: Call) -> Answer:
    access = call.store.settings.hashtag_feed()
    if access == "authenticated" and call.grant is None:
        return Answer(401, INVALID_TOKEN)
    if access == "disabled":
        return Answer(200, [])
    return _page(call, call.store.tagged(call.arguments["hashtag"]))


def verify_credentials(call: Call) -> Answer:
    scope = "profile" if call.grant and "profile" in call.grant.scopes else "read:accounts"
    account = call.needs_user(scope)
    body = account.render(call.base)
    body["source"] = {
        "privacy": "public",
        "sensitive": False,
        "language": "en",
        "note": "",
        "fields": [],
        "follow_requests_count": 0,
    }
    return Answer(200, body)


def _page(call: Call, statuses: list[Status]) -> Answer:
    try:
        limit = min(max(int(call.params.get("limit") or DEFAULT_LIMIT), 1), MAX_LIMIT)
    except ValueError:
        limit = DEFAULT_LIMIT
    bounds = {name: _id(call.params.get(name)) for name in ("max_id", "since_id", "min_id")}
    kept = [
        s
        for s in statuses
        if (bounds["max_id"] is None or int(s.id) < bounds["max_id"])
        and (bounds["since_id"] is None or int(s.id) > bounds["since_id"])
        and (bounds["min_id"] is None or int(s.id) > bounds["min_id"])
    ]
    ordered = newest_first(kept)
    page = ordered[-limit:] if bounds["min_id"] is not None else ordered[:limit]
    headers = {}
    if page:
        links = []
        if len(page) == limit:
            links.append(f'<{_url(call, limit, max_id=page[-1].id)}>; rel="next"')
        links.append(f'<{_url(call, limit, min_id=page[0].id)}>; rel="prev"')
        headers["Link"] = ", ".join(links)
    return Answer(200, [call.render(s) for s in page], headers)


def _url(call: Call, limit: int, **cursor: str) -> str:
    return f"{call.base}{call.path}?{urlencode({'limit': limit, **cursor})}"


def _id(value: str | None) -> int | None:
    if not value:
        return None
    return int(value) if value.isdigit() else None
