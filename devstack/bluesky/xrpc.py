"""The XRPC methods the Bluesky sandbox serves, one function each, over the sandbox's state.

Each handler gets a `Call` (the caller's DID once authenticated, the typed parameters or the JSON
input already checked against the method's lexicon) and returns the JSON answer, or raises
`XrpcError`. Answers and errors follow the reference material (see data/ORIGIN.md):

- createSession takes a handle or DID and the account's app password; a wrong one answers 401
  `AuthenticationRequired` "Invalid identifier or password". The session's `didDoc` names the
  sandbox itself as the account's PDS, so a client that follows it keeps talking to the sandbox.
- createRecord keeps `app.bsky.feed.post` records only. With validation on (unless the call says
  `validate: false`) a given `rkey` must be a TID and the record must keep its lexicon; the sandbox
  also refuses (stricter than the reference server, which leaves it to renderers) a facet whose
  byte range is reversed or runs past the text's UTF-8 bytes, and a thumb blob never uploaded.
  A repeated `rkey` answers a plain 500, as the reference server does.
- deleteSession takes the refresh JWT and revokes it; the access JWT answers 400 `InvalidToken`
  "Invalid token type", as recorded.
- getRecord of a missing record: 400 `RecordNotFound` "Could not locate record: <uri>".
- searchPosts needs a session; without one it answers 403 `AuthMissing`, as the public AppView was
  reported to. getPosts serves created and staged posts with their counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from devstack.bluesky.accounts import Account, Directory
from devstack.bluesky.errors import XrpcError, invalid, recorded
from devstack.bluesky.lexicon import LexiconError, Lexicons, record_key_problem, tid_problem
from devstack.bluesky.records import RecordExists, Repos
from devstack.bluesky.sessions import Pair, Sessions
from devstack.bluesky.views import (
    POST,
    BadQuery,
    Shown,
    author_view,
    post_view,
    search,
    shown_record,
    shown_staged,
)
from devstack.sandbox.staging import ChatStage, StagedPost

_MULTIKEY = "zQ3shSandboxKeyChatdeckBlueskyLocalStack"


@dataclass
class State:
    """Everything the sandbox remembers."""

    clock: Callable[[], datetime]
    directory: Directory
    sessions: Sessions
    repos: Repos
    stage: ChatStage
    lexicons: Lexicons
    _shown_staged: dict[tuple[StagedPost, int], Shown] = field(default_factory=dict)

    def clear(self) -> None:
        self._shown_staged.clear()
        self.directory.clear()
        self.sessions.clear()
        self.repos.clear()
        self.stage.clear()

    def shown_posts(self) -> list[Shown]:
        """Every post the AppView knows: created ones and staged ones, whatever their time."""
        shown = []
        for record in self.repos.all():
            author = self.directory.find(record.did)
            if record.collection == POST and author is not None:
                shown.append(shown_record(record, author))
        staged = self.stage.all()
        by_id = {post.id: post for post in staged}
        now = self.clock()
        quotes: dict[str, int] = {}
        for post in staged:
            if post.quote_of and post.created_at <= now:
                quotes[post.quote_of] = quotes.get(post.quote_of, 0) + 1
        for post in staged:
            key = (post, quotes.get(post.id, 0))
            if key not in self._shown_staged:  # a staged post never changes: render it once
                author = self.directory.author(post.author)
                self._shown_staged[key] = shown_staged(post, author, by_id.get, key[1])
            shown.append(self._shown_staged[key])
        return shown


@dataclass(frozen=True)
class Call:
    state: State
    did: str | None  # the caller, once authenticated
    params: dict[str, Any]  # a query's parameters, typed
    body: Any  # a procedure's JSON input
    token: str  # the bearer token sent, "" when none
    raw: bytes  # a procedure's body as sent (uploadBlob)
    content_type: str | None
    base_url: str  # the sandbox's own URL, as the caller reached it

    @property
    def account(self) -> Account:
        account = self.state.directory.find(self.did or "")
        if account is None:
            raise recorded("auth_missing")
        return account


def did_doc(account: Account, base_url: str) -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/did/v1",
            "https://w3id.org/security/multikey/v1",
            "https://w3id.org/security/suites/secp256k1-2019/v1",
        ],
        "id": account.did,
        "alsoKnownAs": [f"at://{account.handle}"],
        "verificationMethod": [
            {
                "id": f"{account.did}#atproto",
                "type": "Multikey",
                "controller": account.did,
                "publicKeyMultibase": _MULTIKEY,
            }
        ],
        "service": [
            {
                "id": "#atproto_pds",
                "type": "AtprotoPersonalDataServer",
                "serviceEndpoint": base_url,
            }
        ],
    }


def _session_body(account: Account, pair: Pair, base_url: str) -> dict[str, Any]:
    return {
        "did": account.did,
        "didDoc": did_doc(account, base_url),
        "handle": account.handle,
        "email": account.email,
        "emailConfirmed": True,
        "emailAuthFactor": False,
        "accessJwt": pair.access_jwt,
        "refreshJwt": pair.refresh_jwt,
        "active": True,
    }


def create_session(call: Call) -> dict[str, Any]:
    account = call.state.directory.find(call.body["identifier"])
    if account is None or account.app_password is None:
        raise recorded("bad_password")
    if call.body["password"] != account.app_password:
        raise recorded("bad_password")
    return _session_body(account, call.state.sessions.issue(account.did), call.base_url)


def refresh_session(call: Call) -> dict[str, Any]:
    did, pair = call.state.sessions.rotate(call.token)
    account = call.state.directory.find(did)
    if account is None:
        raise XrpcError(401, "InvalidToken", "Token could not be verified")
    body = _session_body(account, pair, call.base_url)
    return {
        k: v for k, v in body.items() if k not in {"email", "emailConfirmed", "emailAuthFactor"}
    }


def delete_session(call: Call) -> dict[str, Any]:
    call.state.sessions.end(call.token)
    return {}


def get_session(call: Call) -> dict[str, Any]:
    account = call.account
    body = _session_body(account, Pair("", ""), call.base_url)
    return {k: v for k, v in body.items() if k not in {"accessJwt", "refreshJwt"}}


def resolve_handle(call: Call) -> dict[str, Any]:
    account = call.state.directory.find(call.params["handle"])
    if account is None:
        raise invalid("Unable to resolve handle")
    return {"did": account.did}


def get_profile(call: Call) -> dict[str, Any]:
    actor = call.params.get("actor", "")
    account = call.state.directory.find(actor) if actor else None
    if account is None:
        raise invalid("Profile not found")
    posts = [r for r in call.state.repos.all() if r.did == account.did and r.collection == POST]
    view = author_view(account)
    view.update(
        {
            "description": "",
            "followersCount": 0,
            "followsCount": 0,
            "postsCount": len(posts),
            "indexedAt": view["createdAt"],
        }
    )
    return view


def _own_repo(call: Call, repo: str) -> Account:
    account = call.state.directory.find(repo)
    if account is None:
        raise invalid(f"Could not find repo: {repo}")
    if account.did != call.did:
        raise XrpcError(401, "AuthenticationRequired", "Authentication Required")
    return account


def create_record(call: Call) -> dict[str, Any]:
    body = call.body
    account = _own_repo(call, body["repo"])
    collection, rkey = body["collection"], body.get("rkey")
    if collection != POST:
        raise invalid(f"The sandbox keeps only {POST} records, not {collection}")
    record = dict(body["record"])
    record.setdefault("$type", collection)
    if record["$type"] != collection:
        raise invalid(f"Invalid $type: expected {collection}, got {record['$type']}")
    validate = body.get("validate") is not False
    if rkey is not None:
        problem = tid_problem(rkey) if validate else record_key_problem(rkey)
        if problem:
            raise invalid(f"Invalid record key for {collection}: {problem}")
    if validate:
        _check_post(call, record)
    try:
        created = call.state.repos.create(account.did, collection, rkey, record)
    except RecordExists:
        raise recorded("record_exists") from None
    return {
        "uri": created.uri,
        "cid": created.cid,
        "commit": call.state.repos.commit(account.did),
        "validationStatus": "valid" if validate else "unknown",
    }


def _check_post(call: Call, record: dict[str, Any]) -> None:
    try:
        call.state.lexicons.check_record(POST, record)
        _check_facet_ranges(record)
    except LexiconError as error:
        raise invalid(f"Invalid {POST} record: {error}") from None
    thumb = ((record.get("embed") or {}).get("external") or {}).get("thumb")
    if thumb and call.state.repos.blob(thumb["ref"]["$link"]) is None:
        raise invalid(f"Could not find blob: {thumb['ref']['$link']}")


def _check_facet_ranges(record: dict[str, Any]) -> None:
    size = len(record.get("text", "").encode("utf-8"))
    for n, facet in enumerate(record.get("facets", [])):
        start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
        where = f"Record/facets/{n}/index"
        if end > size:
            raise LexiconError(f"{where}/byteEnd must not be past the text's {size} UTF-8 bytes")
        if start >= end:
            raise LexiconError(f"{where}/byteStart must be before byteEnd")


def get_record(call: Call) -> dict[str, Any]:
    params = call.params
    account = call.state.directory.find(params["repo"])
    if account is None:
        raise invalid(f"Could not find repo: {params['repo']}")
    uri = f"at://{account.did}/{params['collection']}/{params['rkey']}"
    record = call.state.repos.get(account.did, params["collection"], params["rkey"])
    if record is None or params.get("cid", record.cid) != record.cid:
        raise invalid(f"Could not locate record: {uri}", "RecordNotFound")
    return {"uri": record.uri, "cid": record.cid, "value": record.value}


def delete_record(call: Call) -> dict[str, Any]:
    account = _own_repo(call, call.body["repo"])
    if not call.state.repos.delete(account.did, call.body["collection"], call.body["rkey"]):
        return {}
    return {"commit": call.state.repos.commit(account.did)}


def upload_blob(call: Call) -> dict[str, Any]:
    if not call.raw:
        raise invalid("Request body is empty")
    return {"blob": call.state.repos.put_blob(call.raw, call.content_type).ref()}


def search_posts(call: Call) -> dict[str, Any]:
    state = call.state
    shown = state.shown_posts()
    try:
        page, cursor = search(shown, call.params, state.clock())
    except BadQuery as error:
        raise invalid(str(error), "BadQueryString") from None
    find = _finder(shown, state.clock())
    answer: dict[str, Any] = {"posts": [post_view(s, call.base_url, find) for s in page]}
    if cursor is not None:
        answer["cursor"] = cursor
    return answer


def get_posts(call: Call) -> dict[str, Any]:
    shown = call.state.shown_posts()
    find = _finder(shown, call.state.clock())
    found = [find(uri) for uri in call.params["uris"]]
    return {"posts": [post_view(s, call.base_url, find) for s in found if s is not None]}


def _finder(shown: list[Shown], now: datetime) -> Callable[[str], Shown | None]:
    by_uri = {s.uri: s for s in shown if s.indexed_at <= now}
    return by_uri.get


def staged_uri(
    directory: Directory, make_tid: Callable[[datetime, int], str]
) -> Callable[[str, datetime], str]:
    """The make_id for the chat stage: a staged post's AT URI, its rkey a TID of its time."""

    def make_id(author: str, moment: datetime) -> str:
        account = directory.author(author)
        return f"at://{account.did}/{POST}/{make_tid(moment, sum(author.encode()) % 1024)}"

    return make_id
