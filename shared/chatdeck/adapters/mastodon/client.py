"""The Mastodon.py clients Chatdeck calls instances with: one per connected account and token.

- Every client has its own requests session, on which an adapter puts a timeout on each request:
  the configured (connect, read), shortened to end before the invocation does
  (chatdeck.deadline); a request with too little time left is not started (NoTimeLeft). The
  same adapter checks every address the session is sent to, redirects included, with the
  outbound check (https and public addresses; loopback http only in the local stack).
- The session keeps the last answer it received (per thread): Mastodon.py raises a bare
  "Hit rate limit." for a 429, and adjusts `X-RateLimit-Reset` to the local clock, so the
  adapters read the instance's own ISO 8601 reset from that answer.
- `ratelimit_method="throw"`: Mastodon.py never sleeps for a rate limit (a Lambda must not);
  `version_check_mode="none"`: it asks nothing before the call it is told to make.
- An account's connection (ConnectionStore, network `mastodon`) holds its instance (`server`),
  its Mastodon account id and `user@instance`, and its access token. Mastodon's tokens do not
  expire; one the instance refuses (401) is gone for good, so the connection is ended and its
  owner told (AccountDisconnected), as when X refuses to renew.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from mastodon import Mastodon
from requests.adapters import HTTPAdapter

from chatdeck import deadline
from chatdeck.domain.accounts import StoredConnection, TokensUnreadable, is_personal, kind_of
from chatdeck.domain.outcomes import AccountDisconnected
from chatdeck.domain.schedule import to_iso_utc
from chatdeck.observability import logger
from chatdeck.ports import Clock, ConnectionStore

USER_AGENT = "Chatdeck (+https://github.com/chatdeck)"
NOT_CONNECTED = (
    "This Mastodon account is not connected to Chatdeck. Connect it on the Accounts page, then "
    "schedule the post again."
)
UrlCheck = Callable[[str], None]  # raises ValueError for an address Chatdeck must not call


class NoTimeLeft(requests.ConnectTimeout):
    """Too little of the invocation remained to start the request: nothing was sent."""


class CheckedTimeoutAdapter(HTTPAdapter):
    """Each request checked (its address) and given a timeout that ends before the invocation."""

    def __init__(self, timeout: tuple[float, float], check: UrlCheck | None) -> None:
        super().__init__(max_retries=0, pool_maxsize=16)
        self.timeout = timeout
        self.check = check
        self.last = threading.local()

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if self.check is not None:
            try:
                self.check(request.url or "")
            except ValueError as error:
                raise requests.exceptions.InvalidURL(str(error), request=request) from error
        try:
            kwargs["timeout"] = deadline.timeouts(*self.timeout)
        except deadline.TooLate as error:
            raise NoTimeLeft(str(error), request=request) from error
        response = super().send(request, **kwargs)
        self.last.response = response
        return response

    def last_response(self) -> requests.Response | None:
        return getattr(self.last, "response", None)


def make_session(timeout: tuple[float, float], check: UrlCheck | None) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxy or .netrc from the environment
    adapter = CheckedTimeoutAdapter(timeout, check)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def adapter_of(session: requests.Session) -> CheckedTimeoutAdapter:
    adapter = session.get_adapter("https://")
    if not isinstance(adapter, CheckedTimeoutAdapter):
        raise TypeError("not a session made by make_session")
    return adapter


def make_client(
    instance: str,
    timeout: tuple[float, float],
    check: UrlCheck | None,
    access_token: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
) -> Any:
    return Mastodon(
        client_id=client_id,
        client_secret=client_secret,
        access_token=access_token,
        api_base_url=instance,
        ratelimit_method="throw",
        request_timeout=timeout[1],
        version_check_mode="none",
        session=make_session(timeout, check),
        user_agent=USER_AGENT,
    )


@dataclass(frozen=True)
class Session:
    """A client acting as a connected account, and who that account is."""

    client: Any
    connection: StoredConnection

    @property
    def instance(self) -> str:
        return self.connection.user.server or ""

    @property
    def account_id(self) -> str:
        return self.connection.user.user_id

    def last_response(self) -> requests.Response | None:
        return adapter_of(self.client.session).last_response()


class MastodonClients:
    """One client per account and token, made on first use, for publishing and reading."""

    def __init__(
        self,
        connections: ConnectionStore,
        clock: Clock,
        timeout: tuple[float, float],
        check: UrlCheck | None = None,
    ) -> None:
        self._connections = connections
        self._clock = clock
        self._timeout = timeout
        self._check = check
        self._clients: dict[str, tuple[str, Any]] = {}  # account -> (token, client)
        self._lock = threading.Lock()

    def session(self, account: str) -> Session:
        """How to act as the account; raises AccountDisconnected when it is not connected."""
        try:
            stored = self._connections.get(account)
        except TokensUnreadable as unreadable:
            stored = self._connections.get(account, decrypt=False)
            if stored is not None and stored.connected:
                raise self.lose(
                    stored, "Chatdeck can no longer read its access (its stored key was lost)"
                ) from unreadable
        if stored is None or stored.tokens is None or not stored.user.server:
            reason = (stored.disconnect_reason if stored else None) or NOT_CONNECTED
            raise AccountDisconnected(
                reason, to_iso_utc(stored.connected_at) if stored else "never"
            )
        token = stored.tokens.access_token
        with self._lock:
            known, client = self._clients.get(account, ("", None))
            if client is None or known != token:
                client = make_client(stored.user.server, self._timeout, self._check, token)
                self._clients[account] = (token, client)
        return Session(client, stored)

    def lose(self, stored: StoredConnection, why: str) -> AccountDisconnected:
        """End a connection whose token the instance refused; answers the error to raise."""
        reason = (
            f"{why}: @{stored.user.username}. Connect the account again on the Accounts page, "
            "then schedule the post again."
        )
        self._connections.disconnect(stored, reason, self._clock.now())
        with self._lock:
            self._clients.pop(stored.account, None)
        logger.warning(
            "Mastodon account disconnected",
            extra={
                "account_kind": kind_of(stored.account),
                "personal": is_personal(stored.account),
            },
        )
        return AccountDisconnected(reason, to_iso_utc(stored.connected_at))
