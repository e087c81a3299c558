"""Bluesky's sessions and a Mastodon instance's OAuth, in memory: what connecting and
disconnecting a Bluesky or Mastodon account calls (services/bluesky_accounts.py,
services/mastodon_accounts.py), so their unit tests need no sandbox.

Each grants what it is asked, as the network would for a member who entered a good app password
or pressed "Authorize", and lists what was ended or revoked.
"""

import itertools
import secrets
import threading
from datetime import datetime, timedelta
from urllib.parse import urlencode

from chatdeck.domain.accounts import Authorization, Tokens, XUser
from chatdeck.domain.mastodon_app import state_for
from chatdeck.domain.outcomes import GrantRefused
from chatdeck.ports import Clock

PDS = "https://pds.bsky.example"
INSTANCE = "https://mastodon.example"


class FakeBlueskySessions:
    """createSession answers a session for the handle; `ended` lists the refresh JWTs whose
    sessions deleteSession ended, with their server."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.ended: list[tuple[str, str]] = []
        self._serial = itertools.count(1)
        self._lock = threading.Lock()

    def create(self, server: str, identifier: str, app_password: str) -> tuple[XUser, Tokens]:
        with self._lock:
            serial = next(self._serial)
            user = XUser(f"did:plc:fake{serial:04}", identifier, PDS)
            return user, _tokens(self.clock.now(), f"bsky-{serial}", app_password)

    def end(self, server: str, refresh_token: str) -> None:
        with self._lock:
            self.ended.append((server, refresh_token))


class FakeMastodonOAuth:
    """One instance's OAuth: authorize, exchange a code for `user`'s token, revoke; `revoked`
    lists (instance, token) pairs."""

    def __init__(self, clock: Clock, user: XUser | None = None) -> None:
        self.clock = clock
        self.user = user or XUser("110000000000000042", "rivera@mastodon.example", INSTANCE)
        self.revoked: list[tuple[str, str]] = []
        self._serial = itertools.count(1)
        self._lock = threading.Lock()

    def instance_url(self, typed: str) -> str:
        return INSTANCE

    def authorization(self, instance: str, redirect_uri: str) -> Authorization:
        state = state_for(secrets.token_urlsafe(16), instance)
        query = urlencode({"state": state, "redirect_uri": redirect_uri})
        return Authorization(f"{instance}/oauth/authorize?{query}", state, "verifier")

    def exchange(
        self, instance: str, code: str, code_verifier: str, redirect_uri: str
    ) -> tuple[XUser, Tokens]:
        if not code:
            raise GrantRefused("The instance did not accept the authorization code.")
        with self._lock:
            return self.user, _tokens(self.clock.now(), f"mastodon-{next(self._serial)}")

    def revoke(self, instance: str, token: str) -> None:
        with self._lock:
            self.revoked.append((instance, token))


def _tokens(now: datetime, name: str, app_password: str | None = None) -> Tokens:
    return Tokens(
        f"{name}-access-{secrets.token_hex(4)}",
        f"{name}-refresh-{secrets.token_hex(4)}",
        now + timedelta(hours=2),
        app_password,
    )
