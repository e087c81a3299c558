"""X's OAuth 2.0 endpoints, in memory: authorize, exchange a code, refresh (single use), revoke."""

import itertools
import secrets
import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

from chatdeck.domain.accounts import Authorization, PendingConnect, Tokens, XUser
from chatdeck.domain.outcomes import GrantRefused, OAuthFailed
from chatdeck.ports import Clock

# ----- X's OAuth 2.0 ----------------------------------------------------------------------------


class FakeOAuthClient:
    """Grants `user` whatever is asked, as X would once the member pressed "Authorize".

    - `exchange` wants the callback to carry the connect's state and a code; it answers `user`
      and a new pair of tokens lasting `lifetime`.
    - `refresh` answers a new pair once per refresh token it issued (X's rotate); a token used
      up, revoked or never issued raises GrantRefused.
    - `fail_with` makes every call raise it instead (X down: an OAuthFailed).

    `revoked` lists the tokens revoked; every call is counted in `calls`.
    """

    def __init__(
        self,
        clock: Clock | None = None,
        user: XUser | None = None,
        lifetime: timedelta = timedelta(hours=2),
    ) -> None:
        self.clock = clock
        self.user = user or XUser("1851000000000000042", "rivera_teaches")
        self.lifetime = lifetime
        self.fail_with: OAuthFailed | None = None
        self.revoked: list[str] = []
        self.calls: list[str] = []
        self._refreshable: set[str] = set()
        self._serial = itertools.count(1)
        self._lock = threading.Lock()

    def authorization(self, redirect_uri: str) -> Authorization:
        with self._lock:
            self._called("authorization")
            state = secrets.token_urlsafe(16)
            query = urlencode({"state": state, "redirect_uri": redirect_uri})
            url = f"https://x.com/i/oauth2/authorize?{query}"
            return Authorization(url, state, secrets.token_urlsafe(43))

    def exchange(self, pending: PendingConnect, callback_url: str) -> tuple[XUser, Tokens]:
        with self._lock:
            self._called("exchange")
            query = parse_qs(urlsplit(callback_url).query)
            if query.get("state") != [pending.state] or not query.get("code"):
                raise GrantRefused("X did not accept the authorization code.")
            return self.user, self._new_tokens()

    def refresh(self, refresh_token: str) -> Tokens:
        with self._lock:
            self._called("refresh")
            if refresh_token not in self._refreshable:
                raise GrantRefused("X refused the refresh token.")
            self._refreshable.discard(refresh_token)
            return self._new_tokens()

    def revoke(self, token: str) -> None:
        with self._lock:
            self._called("revoke")
            self._refreshable.discard(token)
            self.revoked.append(token)

    def _called(self, method: str) -> None:
        self.calls.append(method)
        if self.fail_with is not None:
            raise self.fail_with

    def _new_tokens(self) -> Tokens:
        serial = next(self._serial)
        now = self.clock.now() if self.clock is not None else datetime.now(UTC)
        refresh = f"refresh-{serial}-{secrets.token_hex(4)}"
        self._refreshable.add(refresh)
        return Tokens(f"access-{serial}-{secrets.token_hex(4)}", refresh, now + self.lifetime)
