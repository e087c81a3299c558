"""The sandbox's control routes: for tests and people, not part of X.

Answers are JSON. A POST takes a JSON body; one that is not JSON, or breaks the route's schema,
answers 400 with `{"error": "<what is wrong>"}`.

- `GET /sandbox/posts`: every post created through POST /2/tweets, oldest first, as
  `{"id", "text", "author", "created_at", "submitted_text"}` (`text` as X stores it, links as t.co;
  `submitted_text` as sent; `author` the account's username).
- `DELETE /sandbox/posts`: forget every post, seeded post, account, fault and logged request.
- `POST /sandbox/seed` with `{"posts": [{"text", "author_id", "username", "created_at", ...}]}`:
  posts written elsewhere, readable through the read endpoints once their `created_at` has come
  (see SEED_SCHEMA). A post's optional `growth` (`{"like_count": {"to": 30,
  "half_life_minutes": 20}, ...}`) adds to its `public_metrics` as it ages; `unwound_urls`
  (`{"https://bit.ly/x": "https://…"}`) gives shortened links in its text their `unwound_url`.
- `GET` / `POST /sandbox/faults`: see sandbox/faults.py (these, the request log and the clock
  routes are sandbox/control_surface.py's, the same on every sandbox).
- `GET /sandbox/requests`: every call to an X endpoint (the token and revoke endpoints included),
  in arrival order, as `{"endpoint": "POST /2/tweets", "path", "at", "status"}` (`status` null
  while it is being handled, and for a call whose connection a `"timeout"` fault dropped).
- `POST /sandbox/oauth/clients` with `{"client_id", "client_secret", "redirect_uris": [...]}`
  (`client_secret` null for a public client; optional `"name"`): register an OAuth 2.0 client.
  `sandbox-client-id` / `sandbox-client-secret` is always registered, for any
  `http://127.0.0.1:<port>/accounts/callback` or `http://localhost:<port>/accounts/callback`
  (registering it again replaces its secret and other redirect URIs, and keeps those).
- `POST /sandbox/oauth/expire` with `{"username": "..."}`: that user's access tokens expire now
  (X answers them 401); refresh tokens stay good. Answers `{"expired": <how many>}`.
- `GET` / `POST /sandbox/clock`: the sandbox's now, which every endpoint reads (real time by
  default). `{"now": "2026-03-03T01:20:00Z"}` freezes it at that instant; add `"running": true`
  to start it from there and let it run; `{"offset_seconds": -3600}` runs it shifted from real
  time; `{}` goes back to real time (so does `DELETE /sandbox/posts`). A seeded post exists for the
  read endpoints only once its `created_at` has come, and its growing `public_metrics` are
  rendered at this clock. `end_time` and the 7-day limit of a search are checked against it too.
  Answers `{"now", "frozen", "offset_seconds"}`.
- `POST /sandbox/chats` with `{"hashtag", "start"?, "posts": [{"id"?, "author", "text",
  "created_at", "likes"?, "reposts"?, "replies"?, "reply_to"?, "quote_of"?}]}`: stage a chat's
  transcript (sandbox/staging.py, the same on every sandbox; X's side in sandbox/x_chats.py), its
  posts readable once the clock has passed them. Answers 201 `{"ids": [...]}`, the X ids given to
  the posts in order. The made-up hours of sandbox/chat_session.py are seeded through
  `POST /sandbox/seed` (`generate_session`); the local stack stages its demo chat from
  data/demo_chat.json (`demo_chat_body`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator
from werkzeug.wrappers import Request, Response

from devstack.sandbox.control_surface import Routes, SharedControls, naming_validator, refused
from devstack.sandbox.faults import Faults
from devstack.sandbox.models import x_time
from devstack.sandbox.oauth import CLIENT_SCHEMA, OAuthServer
from devstack.sandbox.staging import ChatStage, StagingError
from devstack.sandbox.store import SandboxClock, Store
from devstack.sandbox.traffic import RateWindows, RequestLog
from devstack.sandbox.wire import checked_body, control_body, json_response
from devstack.sandbox.x_chats import check_x_authors, seed_items, x_post_id

SEED_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["posts"],
    "properties": {
        "posts": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["text", "author_id", "username", "created_at"],
                "properties": {
                    "id": {"type": "string", "pattern": "^[0-9]{1,19}$"},
                    "text": {"type": "string", "minLength": 1},
                    "author_id": {"type": "string", "pattern": "^[0-9]{1,19}$"},
                    "username": {"type": "string", "pattern": "^[A-Za-z0-9_]{1,15}$"},
                    "name": {"type": "string"},
                    "created_at": {"type": "string", "format": "date-time"},
                    "public_metrics": {
                        "type": "object",
                        "additionalProperties": {"type": "integer", "minimum": 0},
                    },
                    "referenced_tweets": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["type", "id"],
                            "properties": {
                                "type": {"enum": ["retweeted", "quoted", "replied_to"]},
                                "id": {"type": "string", "pattern": "^[0-9]{1,19}$"},
                            },
                        },
                    },
                    "in_reply_to_user_id": {"type": "string"},
                    "conversation_id": {"type": "string"},
                    "lang": {"type": "string"},
                    "unwound_urls": {
                        "type": "object",
                        "additionalProperties": {"type": "string", "minLength": 1},
                    },
                    "growth": {
                        "type": "object",
                        "additionalProperties": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["to", "half_life_minutes"],
                            "properties": {
                                "to": {"type": "integer", "minimum": 0},
                                "half_life_minutes": {"type": "number", "exclusiveMinimum": 0},
                            },
                        },
                    },
                },
            },
        }
    },
}
_SEED_VALIDATOR = Draft202012Validator(
    SEED_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER
)
_CLIENT_VALIDATOR = Draft202012Validator(CLIENT_SCHEMA)
_EXPIRE_VALIDATOR = naming_validator("username")


@dataclass
class ControlRoutes:
    """The control routes, over the parts of the sandbox they show and set."""

    store: Store
    oauth: OAuthServer
    faults: Faults
    rates: RateWindows
    requests: RequestLog
    clock: SandboxClock
    stage: ChatStage = field(init=False)

    def __post_init__(self) -> None:
        self.stage = ChatStage(self.clock, x_post_id)

    def routes(self) -> Routes:
        return {
            ("GET", "/sandbox/posts"): self.list_posts,
            ("DELETE", "/sandbox/posts"): self.clear,
            ("POST", "/sandbox/seed"): self.seed,
            ("POST", "/sandbox/oauth/clients"): self.register_client,
            ("POST", "/sandbox/oauth/expire"): self.expire_tokens,
            **SharedControls(self.faults, self.requests, self.clock, x_time).routes(),
            ("POST", "/sandbox/chats"): self.stage_chat,
        }

    def list_posts(self, request: Request) -> Response:
        listed = []
        for post in self.store.created():
            author = self.store.account(post.author_id)
            listed.append(
                {
                    "id": post.id,
                    "text": post.text,
                    "author": author.username if author else post.author_id,
                    "created_at": x_time(post.created_at),
                    "submitted_text": post.submitted_text,
                }
            )
        return json_response(listed)

    def clear(self, request: Request) -> Response:
        self.store.clear()
        self.stage.clear()
        self.oauth.clear()
        self.faults.clear()
        self.rates.clear()
        self.requests.clear()
        self.clock.reset()
        return Response(status=204)

    def stage_chat(self, request: Request) -> Response:
        spec, problem = control_body(request)
        if problem is not None:
            return json_response({"error": problem}, 400)
        try:
            check_x_authors(spec)
            ids = self.stage.stage(spec)
        except StagingError as refused:
            return json_response({"error": str(refused)}, 400)
        every = self.stage.all()
        wanted = set(ids)
        self.store.seed(seed_items([post for post in every if post.id in wanted], every))
        return json_response({"ids": ids}, 201)

    def seed(self, request: Request) -> Response:
        spec, problem = checked_body(request, _SEED_VALIDATOR)
        if problem is not None:
            return refused(problem)
        posts = self.store.seed(spec["posts"])
        return json_response({"ids": [post.id for post in posts]}, 201)

    def register_client(self, request: Request) -> Response:
        spec, problem = checked_body(request, _CLIENT_VALIDATOR)
        if problem is not None:
            return refused(problem)
        client = self.oauth.register(spec)
        return json_response({"client_id": client.client_id}, 201)

    def expire_tokens(self, request: Request) -> Response:
        spec, problem = checked_body(request, _EXPIRE_VALIDATOR)
        if problem is not None:
            return refused(problem)
        users = [account.id for account in self.store.accounts_named(spec["username"])]
        return json_response({"expired": self.oauth.expire(users)})
