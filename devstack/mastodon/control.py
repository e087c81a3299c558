"""The Mastodon sandbox's control routes: for tests and people, not part of Mastodon.

Answers are JSON. A POST takes a JSON body; one that is not JSON, or breaks the route's schema,
answers 400 with `{"error": "<what is wrong>"}`.

- `GET /sandbox/posts`: every status made through `POST /api/v1/statuses`, oldest first, as
  `{"id", "url", "account", "created_at", "text", "visibility", "idempotency_key"}` (`account` the
  username; `text` as sent). A create answered from its `Idempotency-Key` adds nothing here.
- `DELETE /sandbox/posts`: forget every status, staged post, app, token, fault, logged request,
  rate count and instance setting, and go back to real time (the seeded accounts stay).
- `GET /sandbox/requests`: every call to a Mastodon endpoint in arrival order, as
  `{"endpoint": "POST /api/v1/statuses", "path", "at", "status"}` (`status` null for a call whose
  connection a `"timeout"` fault dropped).
- `GET` / `POST /sandbox/faults`: see limits.py (these, the request log and the clock routes are
  devstack/sandbox/control_surface.py's, as on every sandbox).
- `GET` / `POST /sandbox/clock`: as the X sandbox's (`{"now", "running"}`, `{"offset_seconds"}`,
  `{}`); staged posts appear once it has passed them.
- `POST /sandbox/chats`: stage a chat transcript (devstack/sandbox/staging.py, DESIGN.md); answers
  201 `{"ids": [...]}` (status ids). Staged posts are public statuses of their authors, served by
  the tag timeline and `GET /api/v1/statuses/:id`.
- `GET` / `POST /sandbox/instance`: the instance's own rules, `{"max_characters",
  "characters_reserved_per_url", "hashtag_feeds": {"local", "remote"}}` (`public`,
  `authenticated` or `disabled`); a POST changes the fields it names and answers them all.
- `POST /sandbox/oauth/revoke` with `{"username"}`: revoke every token of that account (its
  calls then answer 401, as after a user revokes the app); answers `{"revoked": <how many>}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from werkzeug.wrappers import Request, Response

from devstack.mastodon.entities import mastodon_time
from devstack.mastodon.limits import Faults, RateLimits
from devstack.mastodon.oauth import OAuthServer
from devstack.mastodon.store import Store
from devstack.sandbox.control_surface import (
    Routes,
    SharedControls,
    naming_validator,
    refused,
    stage_chat,
)
from devstack.sandbox.store import SandboxClock
from devstack.sandbox.traffic import RequestLog
from devstack.sandbox.wire import checked_body, json_response

_ACCESS = {"enum": ["public", "authenticated", "disabled"]}
_INSTANCE_VALIDATOR = Draft202012Validator(
    {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "max_characters": {"type": "integer", "minimum": 1},
            "characters_reserved_per_url": {"type": "integer", "minimum": 0},
            "hashtag_feeds": {
                "type": "object",
                "additionalProperties": False,
                "properties": {"local": _ACCESS, "remote": _ACCESS},
            },
        },
    }
)
_REVOKE_VALIDATOR = naming_validator("username")


@dataclass
class ControlRoutes:
    store: Store
    oauth: OAuthServer
    faults: Faults
    rates: RateLimits
    requests: RequestLog
    clock: SandboxClock

    def routes(self) -> Routes:
        return {
            ("GET", "/sandbox/posts"): self.list_posts,
            ("DELETE", "/sandbox/posts"): self.clear,
            **SharedControls(self.faults, self.requests, self.clock, mastodon_time).routes(),
            ("POST", "/sandbox/chats"): lambda request: stage_chat(request, self.store.stage),
            ("GET", "/sandbox/instance"): self.show_instance,
            ("POST", "/sandbox/instance"): self.set_instance,
            ("POST", "/sandbox/oauth/revoke"): self.revoke_tokens,
        }

    def list_posts(self, request: Request) -> Response:
        base = request.host_url.rstrip("/")
        return json_response(
            [
                {
                    "id": status.id,
                    "url": status.url(base),
                    "account": status.account.username,
                    "created_at": mastodon_time(status.created_at),
                    "text": status.text,
                    "visibility": status.visibility,
                    "idempotency_key": status.idempotency_key,
                }
                for status in self.store.created()
            ]
        )

    def clear(self, request: Request) -> Response:
        self.store.reset()
        self.oauth.clear()
        self.faults.clear()
        self.rates.clear()
        self.requests.clear()
        self.clock.reset()
        return Response(status=204)

    def show_instance(self, request: Request) -> Response:
        return json_response(self._instance_state())

    def set_instance(self, request: Request) -> Response:
        spec, problem = checked_body(request, _INSTANCE_VALIDATOR)
        if problem is not None:
            return refused(problem)
        changes = {k: v for k, v in spec.items() if k != "hashtag_feeds"}
        for where, access in spec.get("hashtag_feeds", {}).items():
            changes[f"hashtag_feeds_{where}"] = access
        self.store.configure(changes)
        return json_response(self._instance_state())

    def _instance_state(self) -> dict[str, Any]:
        settings = self.store.settings
        return {
            "max_characters": settings.max_characters,
            "characters_reserved_per_url": settings.characters_reserved_per_url,
            "hashtag_feeds": {
                "local": settings.hashtag_feeds_local,
                "remote": settings.hashtag_feeds_remote,
            },
        }

    def revoke_tokens(self, request: Request) -> Response:
        spec, problem = checked_body(request, _REVOKE_VALIDATOR)
        if problem is not None:
            return refused(problem)
        account = self.store.seeded_named(spec["username"])
        revoked = self.oauth.revoke_all_of(account.id) if account else 0
        return json_response({"revoked": revoked})
