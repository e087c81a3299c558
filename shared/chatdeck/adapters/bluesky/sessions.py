"""Bluesky sessions: created once when an account is connected, stored, refreshed, and created
again only when refreshing fails.

- A connection (the bluesky ConnectionStore) keeps the DID and handle, the PDS (`server`), and,
  sealed, the access JWT, the refresh JWT, the access JWT's expiry (its `exp`) and the app
  password. The stored session is the only one: every call sends its access JWT explicitly in
  `Authorization` through an atproto `Client` that holds no session of its own, so the client
  never refreshes or creates one behind the store's back.
- Refresh tokens rotate (the old one dies on use: "Token has been revoked"), so a refresh is first
  claimed with a conditional write on the version read (`claim_refresh`), as X's AccessTokens
  does; a function that loses the claim re-reads and uses the winner's session. A session is
  refreshed 5 minutes before its access JWT expires, or when Bluesky answers 400 ExpiredToken.
- Only when refreshing is refused is a new session created from the stored app password
  (createSession is limited: 30 per 5 minutes and 300 a day per account, 10 a day was recorded
  on bsky.social). When the app password is refused too (401 AuthenticationRequired), the
  account is disconnected and its owner told (AccountDisconnected).
- Every request has (connect, read) timeouts fitted to the invocation (chatdeck.deadline).
"""

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn, TypeVar

import httpx
from atproto_client import Client, models
from atproto_client.client.session import get_session_pds_endpoint

from chatdeck import deadline
from chatdeck.adapters.bluesky.errors import describe, retry_at, session_refused, xrpc_error
from chatdeck.domain.accounts import StoredConnection, Tokens, TokensUnreadable, XUser, kind_of
from chatdeck.domain.errors import ConnectError
from chatdeck.domain.outcomes import AccountDisconnected, NotSent, RateLimited
from chatdeck.domain.schedule import to_iso_utc
from chatdeck.observability import logger
from chatdeck.ports import Clock, ConnectionStore

REFRESH_MARGIN = timedelta(minutes=5)
REFRESH_LEASE = timedelta(seconds=30)
ASSUMED_LIFETIME = timedelta(minutes=110)  # when an access JWT's `exp` cannot be read (120 min)
WAIT_FOR_RENEWAL = 0.5
RENEWAL_LOOKS = 8
T = TypeVar("T")

NOT_CONNECTED = (
    "This Bluesky account is not connected to Chatdeck. Connect it on the Accounts page, then "
    "schedule the post again."
)


@dataclass(frozen=True)
class Session:
    """What a call needs to act as a connected account."""

    did: str
    handle: str
    server: str
    access_jwt: str = field(repr=False)


class SessionRefused(ConnectError):
    """A session was not made: `refused` (the credentials or token), `limited` (a rate limit,
    until `retry_at`) or `unreachable` (Bluesky did not answer, or failed); `reason` (and the
    ConnectError's `message`) says so in a sentence."""

    def __init__(
        self, reason: str, kind: str = "refused", retry_at: datetime | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind
        self.retry_at = retry_at


class BlueskySessions:
    def __init__(
        self,
        store: ConnectionStore,
        clock: Clock,
        timeout: tuple[float, float],
        wait: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.clock = clock
        self.timeout = timeout
        self.wait = wait
        self._clients: dict[str, Any] = {}

    # Clients and calls

    def client(self, server: str) -> Any:
        """The atproto client for a PDS; it never holds a session (the store does)."""
        if server not in self._clients:
            self._clients[server] = Client(base_url=server)
        return self._clients[server]

    def options(
        self,
        session: Session | None = None,
        token: str | None = None,
        content_type: str | None = None,
    ) -> dict[str, Any]:
        """A call's keyword arguments: the bearer token (the session's access JWT, or `token`),
        and timeouts fitted to the invocation (raises deadline.TooLate when too little is left)."""
        connect, read = deadline.timeouts(*self.timeout)
        bearer = token or (session.access_jwt if session else None)
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        if content_type:
            headers["Content-Type"] = content_type
        return {"headers": headers, "timeout": httpx.Timeout(read, connect=connect)}

    def call(self, account: str, action: Callable[[Any, Session], T]) -> T:
        """Run `action(client, session)` as the account; when Bluesky refuses the access token
        (400 ExpiredToken), renew the session and run it once more."""
        session = self.session(account)
        try:
            return action(self.client(session.server), session)
        except Exception as error:
            if not session_refused(error):
                raise
            logger.info("Bluesky session refused", extra={"account_kind": kind_of(account)})
        session = self.session(account, refused=session)
        return action(self.client(session.server), session)

    # Connecting

    def create(self, server: str, identifier: str, app_password: str) -> tuple[XUser, Tokens]:
        """createSession: who the account is (its PDS as `server`) and its new session; raises
        SessionRefused when the handle and app password are refused or limited."""
        try:
            answer = self.client(server).com.atproto.server.create_session(
                models.ComAtprotoServerCreateSession.Data(
                    identifier=identifier, password=app_password
                ),
                **self.options(),
            )
        except Exception as error:
            raise _refusal(error, self.clock.now()) from error
        pds = get_session_pds_endpoint(answer) or server
        user = XUser(str(answer.did), str(answer.handle), pds.rstrip("/"))
        return user, self._tokens(answer, app_password)

    def end(self, server: str, refresh_token: str) -> None:
        """deleteSession with the refresh JWT: the session ends at Bluesky. Never raises: a
        session that is not ended still dies with its tokens forgotten."""
        try:
            self.client(server).com.atproto.server.delete_session(
                **self.options(token=refresh_token)
            )
        except Exception as error:
            logger.warning("Bluesky session not ended", extra={"error": describe(error)})

    # The stored session

    def session(self, account: str, refused: Session | None = None) -> Session:
        """The account's session, refreshed first when it expires soon or `refused` was it."""
        seen = self._read(account)
        is_refused = refused is not None
        for _ in range(RENEWAL_LOOKS):
            tokens, now = _tokens_of(seen), self.clock.now()
            if is_refused and refused is not None and tokens.access_token != refused.access_jwt:
                is_refused = False  # another function renewed it meanwhile
            if not is_refused and not tokens.expire_within(now, REFRESH_MARGIN):
                return _session(seen)
            if not seen.refreshing_at(now):
                claimed = self.store.claim_refresh(seen, now + REFRESH_LEASE)
                if claimed is not None:
                    return self._renew(claimed)
            elif not is_refused and tokens.expires_at > now:
                return _session(seen)  # still good while another function renews it
            else:
                self.wait(WAIT_FOR_RENEWAL)
            seen = self._read(account)
        raise NotSent("Another function is renewing the Bluesky session; trying again soon.")

    def _renew(self, claimed: StoredConnection) -> Session:
        current = _tokens_of(claimed)
        server = claimed.user.server or ""
        try:
            tokens = self._refresh(server, current)
        except SessionRefused:
            tokens = self._recreate(claimed, current)
        except Exception as error:  # Bluesky unreachable or failing: the claim lapses
            if current.expires_at > self.clock.now():
                return _session(claimed)
            raise NotSent(
                f"The Bluesky session could not be renewed ({describe(error)})."
            ) from error
        saved = self.store.save_refreshed(claimed, tokens)
        if saved is None:  # reconnected or disconnected meanwhile: that state wins
            return self.session(claimed.account)
        return _session(saved)

    def _refresh(self, server: str, current: Tokens) -> Tokens:
        """refreshSession with the refresh JWT (which it uses up); SessionRefused when Bluesky
        refuses the refresh token itself."""
        if not current.refresh_token:
            raise SessionRefused("no refresh token")
        try:
            answer = self.client(server).com.atproto.server.refresh_session(
                **self.options(token=current.refresh_token)
            )
        except Exception as error:
            status, _, _ = xrpc_error(error)
            if status in (400, 401):
                raise SessionRefused(describe(error)) from error
            raise
        logger.info("Bluesky session refreshed")
        return self._tokens(answer, current.app_password)

    def _recreate(self, claimed: StoredConnection, current: Tokens) -> Tokens:
        """A new session from the stored app password, after refreshing was refused."""
        if not current.app_password:
            self._lose(claimed, "Bluesky refused to renew Chatdeck's session")
        try:
            _, tokens = self.create(
                claimed.user.server or "", claimed.user.user_id, current.app_password
            )
        except SessionRefused as refused:
            if refused.kind == "limited" and refused.retry_at is not None:
                raise RateLimited(refused.reason, refused.retry_at) from refused
            if refused.kind == "unreachable":
                raise NotSent(refused.reason) from refused
            self._lose(claimed, "Bluesky refused the app password Chatdeck keeps")
        logger.info(
            "Bluesky session created again", extra={"account_kind": kind_of(claimed.account)}
        )
        return tokens

    def _tokens(self, answer: Any, app_password: str | None) -> Tokens:
        access = str(answer.access_jwt)
        return Tokens(
            access_token=access,
            refresh_token=str(answer.refresh_jwt),
            expires_at=jwt_expiry(access) or self.clock.now() + ASSUMED_LIFETIME,
            app_password=app_password,
        )

    def _read(self, account: str) -> StoredConnection:
        try:
            stored = self.store.get(account)
        except TokensUnreadable:
            seen = self.store.get(account, decrypt=False)
            if seen is None or not seen.connected:
                self._not_connected(seen)
            self._lose(seen, "Chatdeck can no longer read its session", "its stored key was lost")
        if stored is None or stored.tokens is None:
            self._not_connected(stored)
        return stored

    def _lose(
        self,
        claimed: StoredConnection,
        why: str,
        cause: str = "the app password may have been revoked on Bluesky",
    ) -> NoReturn:
        reason = (
            f"{why} for @{claimed.user.username} ({cause}). Connect the account again on the "
            "Accounts page with a new app password, then schedule the post again."
        )
        self.store.disconnect(claimed, reason, self.clock.now())
        logger.warning(
            "Bluesky account disconnected",
            extra={"account_kind": kind_of(claimed.account), "why": why},
        )
        raise AccountDisconnected(reason, to_iso_utc(claimed.connected_at))

    @staticmethod
    def _not_connected(stored: StoredConnection | None) -> NoReturn:
        if stored is None:
            raise AccountDisconnected(NOT_CONNECTED, "never")
        reason = stored.disconnect_reason or NOT_CONNECTED
        raise AccountDisconnected(reason, to_iso_utc(stored.connected_at))


def jwt_expiry(token: str) -> datetime | None:
    """The `exp` of a JWT's payload (read, not verified: Bluesky checks it, this only schedules
    the refresh)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return datetime.fromtimestamp(int(claims["exp"]), UTC)
    except (IndexError, ValueError, KeyError, TypeError):
        return None


def _refusal(error: Exception, now: datetime) -> SessionRefused:
    from atproto_client import exceptions as at

    if isinstance(error, deadline.TooLate):
        return SessionRefused(
            "Too little time was left to reach Bluesky; try again.", "unreachable"
        )
    if isinstance(error, at.RateLimitExceededError):
        when = retry_at(error, now)
        return SessionRefused(
            f"Bluesky allows only a few sign-ins a day; try again after {when:%H:%M} UTC.",
            "limited",
            when,
        )
    status, name, message = xrpc_error(error)
    if status is None:
        return SessionRefused("Bluesky could not be reached; try again in a moment.", "unreachable")
    if status == 401 or name == "AuthenticationRequired":
        return SessionRefused(
            "Bluesky did not accept this handle and app password. Check both (an app password "
            "looks like xxxx-xxxx-xxxx-xxxx) and try again."
        )
    if status >= 500:
        return SessionRefused(f"Bluesky answered {status}; try again in a moment.", "unreachable")
    return SessionRefused(f"Bluesky refused the sign-in: {message or name or status}")


def _tokens_of(stored: StoredConnection) -> Tokens:
    if stored.tokens is None:
        raise ValueError(f"the {kind_of(stored.account)} connection has no session to use")
    return stored.tokens


def _session(stored: StoredConnection) -> Session:
    return Session(
        stored.user.user_id,
        stored.user.username,
        stored.user.server or "",
        _tokens_of(stored).access_token,
    )
