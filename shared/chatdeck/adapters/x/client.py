"""The tweepy clients Chatdeck calls X with: which one each account gets, and where it sends.

- tweepy's Client hard-codes https://api.twitter.com and sets no timeout, so a requests adapter
  mounted on its session rewrites the host to X_API_BASE_URL and puts a timeout on every request:
  the configured one, shortened to end before the invocation does (chatdeck.deadline); a request
  with too little time left is not started (NoTimeLeft, mapped to NotSent or ReadFailed).
- An account with an OAuth 2.0 connection is called as its user with the connection's access
  token (a bearer token, `user_auth=False`); that client is made again when the token changes.
- The cohort's account, which has no connection, uses the OAuth 1.0a credentials in SSM
  (`user_auth=True`), fetched on first use and cached with its client; missing or malformed
  credentials make the account unavailable.
- When X refuses an access token, the account's access is renewed; renewing tells whether the
  grant itself was revoked (the connections then raise AccountDisconnected).
- `XReadMeter` is what the reads that are no chat's search (a lookup of posts, a reading of the
  account's own) ask before and tell after they call X: the cohort's X spending cap
  (services/x_spending.py's XSpendingGuard). Polling counts its searches itself; `me` (GET
  /2/users/me, once per account and function instance) counts itself as a read of the
  account's own data.
"""

import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

import requests
import tweepy
from requests.adapters import HTTPAdapter

from chatdeck import deadline
from chatdeck.adapters.x.errors import NoTimeLeft
from chatdeck.domain.accounts import UserAccess
from chatdeck.domain.outcomes import AccountUnavailable, CannotTell
from chatdeck.ports import UserAccessProvider

TWEEPY_HOST = "https://api.twitter.com"


def utc_now() -> datetime:
    return datetime.now(UTC)


class XReadMeter(Protocol):
    """The X spending cap, as X's reads see it (services/x_spending.py's XSpendingGuard)."""

    def lookup_unread(self, ids: list[str], now: datetime) -> tuple[set[str], str | None]:
        """The posts not read yet today, and why looking them up would pass the cap (or None);
        raises if it cannot tell."""

    def own_reads_left(self, now: datetime) -> int | None:
        """How many of the account's own posts may still be read; None: no cap."""

    def own_reads_stopped(self, now: datetime) -> str:
        """Why the account's own posts are not read."""

    def count_reads(
        self, ids: list[str], now: datetime, kind: Literal["read", "own_read"] = "read"
    ) -> int:
        """Count the posts a read returned."""

    def recheck_at(self, now: datetime) -> datetime:
        """When a read the cap stopped may be tried again."""


Credentials = Mapping[str, str]


class RewriteHostAdapter(HTTPAdapter):
    """Send tweepy's requests to `base_url`, each with a (connect, read) timeout that ends before
    the invocation does."""

    def __init__(self, base_url: str, timeout: tuple[float, float]) -> None:
        super().__init__(max_retries=0, pool_maxsize=64)
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if request.url and request.url.startswith(TWEEPY_HOST):
            request.url = self.base_url + request.url[len(TWEEPY_HOST) :]
        try:
            kwargs["timeout"] = deadline.timeouts(*self.timeout)
        except deadline.TooLate as error:
            raise NoTimeLeft(str(error), request=request) from error
        return super().send(request, **kwargs)


def make_client(credentials: Credentials, base_url: str, timeout: tuple[float, float]) -> Any:
    client = tweepy.Client(
        consumer_key=credentials["api_key"],
        consumer_secret=credentials["api_secret"],
        access_token=credentials["access_token"],
        access_token_secret=credentials["access_token_secret"],
    )
    client.session.mount(TWEEPY_HOST, RewriteHostAdapter(base_url, timeout))
    return client


def post_url(username: str, remote_id: str) -> str:
    return f"https://x.com/{username}/status/{remote_id}"


class NoConnections:
    """For a network with OAuth 1.0a credentials only."""

    def user_access(self, account: str) -> UserAccess | None:
        return None

    def renewed_access(self, account: str) -> UserAccess | None:
        return None


class XClients:
    """One client per account, made on first use, for both publishing and reading."""

    def __init__(
        self,
        credentials_for: Callable[[str], Credentials],
        base_url: str,
        timeout: tuple[float, float],
        connections: UserAccessProvider | None = None,
        spending: XReadMeter | None = None,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self._credentials_for = credentials_for
        # The cohort's X spending cap and the clock, for every X read made through these clients
        # (`me` here, lookups in XReading, the account's own posts in XPublishing); None: no cap.
        self.spending = spending
        self.now = now
        self._base_url = base_url
        self._timeout = timeout
        self._connections = connections or NoConnections()
        self._clients: dict[str, Any] = {}
        self._users: dict[str, tuple[str, str]] = {}
        self._bearer_clients: dict[str, tuple[str, Any]] = {}  # account -> (token, client)
        # The publisher posts on many threads: the first to need an account's client or user
        # makes it, the others wait for it (one GET /2/users/me an instance, counted once).
        self._lock = threading.RLock()

    def session(self, account: str) -> tuple[Any, UserAccess | None]:
        """The client to call X with as the account, and its OAuth 2.0 access if it has one."""
        access = self._connections.user_access(account)
        if access is None:
            return self.client(account), None
        return self._bearer_client(account, access), access

    def _bearer_client(self, account: str, access: UserAccess) -> Any:
        token, client = self._bearer_clients.get(account, ("", None))
        if client is None or token != access.access_token:
            client = tweepy.Client(bearer_token=access.access_token)
            client.session.mount(TWEEPY_HOST, RewriteHostAdapter(self._base_url, self._timeout))
            self._bearer_clients[account] = (access.access_token, client)
        return client

    def client(self, account: str) -> Any:
        """The account's OAuth 1.0a client."""
        with self._lock:
            return self._client(account)

    def _client(self, account: str) -> Any:
        if account not in self._clients:
            try:
                credentials = self._credentials_for(account)
            except Exception as error:  # the SSM parameter missing or malformed
                raise AccountUnavailable(
                    "Chatdeck has no usable credentials for this account."
                ) from error
            self._clients[account] = make_client(credentials, self._base_url, self._timeout)
        return self._clients[account]

    def me(self, account: str) -> tuple[str, str]:
        """The user id and handle of the account's OAuth 1.0a user, asked of X once (a read of
        the account's own data, counted against the cap; CannotTell when none fits)."""
        with self._lock:
            return self._me(account)

    def _me(self, account: str) -> tuple[str, str]:
        if account not in self._users:
            now = self.now()
            if self.spending is not None:
                left = self.spending.own_reads_left(now)
                if left is not None and left < 1:
                    raise CannotTell(self.spending.own_reads_stopped(now))
            user = self.client(account).get_me(user_auth=True).data
            self._users[account] = (str(user.id), str(user.username))
            if self.spending is not None:
                self.spending.count_reads([f"user:{user.id}"], now, "own_read")
        return self._users[account]

    def renew(self, account: str) -> None:
        """After X refused the account's access token; raises AccountDisconnected when the grant
        was revoked."""
        self._connections.renewed_access(account)
