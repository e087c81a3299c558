"""Bluesky sessions kept in a ConnectionStore (the in-memory fake, which tests/contract holds to the
DynamoDB adapter), and the service that connects accounts. Bluesky itself is stood in for by
replacing the two calls that reach it (refreshSession, createSession); the real client against
the sandbox is tests/integration/test_bluesky_adapter.py."""

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chatdeck.adapters.bluesky.sessions import BlueskySessions, SessionRefused, jwt_expiry
from chatdeck.domain.accounts import Tokens, XUser
from chatdeck.domain.errors import ConnectError, NotAllowed
from chatdeck.domain.members import Member, Role
from chatdeck.domain.outcomes import AccountDisconnected, RateLimited
from chatdeck.services.bluesky_accounts import BlueskyAccounts, clean_handle
from tests.fakes.connections import FakeConnectionStore

NOW = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
USER = XUser("did:plc:cohort", "cohort.bsky.social", "https://pds.example")


class Clock:
    def __init__(self) -> None:
        self.instant = NOW

    def now(self) -> datetime:
        return self.instant


def tokens(n: int, expires_in: timedelta = timedelta(hours=2)) -> Tokens:
    return Tokens(f"access-{n}", f"refresh-{n}", NOW + expires_in, "app-pass-word-0001")


class Bluesky:
    """Stands in for refreshSession and createSession, counting them."""

    def __init__(self) -> None:
        self.refreshed: list[str] = []
        self.created: list[tuple[str, str, str]] = []
        self.refuse_refresh = False
        self.create_answer: Exception | None = None

    def install(self, sessions: BlueskySessions) -> BlueskySessions:
        def refresh(server: str, current: Tokens) -> Tokens:
            self.refreshed.append(str(current.refresh_token))
            if self.refuse_refresh:
                raise SessionRefused("400 ExpiredToken: Token has been revoked")
            return tokens(len(self.refreshed) + 10)

        def create(server: str, identifier: str, password: str) -> tuple[XUser, Tokens]:
            self.created.append((server, identifier, password))
            if self.create_answer is not None:
                raise self.create_answer
            return USER, tokens(len(self.created) + 100)

        sessions._refresh = refresh  # type: ignore[method-assign]
        sessions.create = create  # type: ignore[method-assign,assignment]
        return sessions


@pytest.fixture
def store() -> FakeConnectionStore:
    return FakeConnectionStore("bluesky")


@pytest.fixture
def bluesky() -> Bluesky:
    return Bluesky()


def sessions_on(store: FakeConnectionStore, bluesky: Bluesky) -> BlueskySessions:
    return bluesky.install(BlueskySessions(store, Clock(), (1.0, 1.0), wait=lambda _: None))


def test_a_valid_stored_session_is_used_as_it_is(
    store: FakeConnectionStore, bluesky: Bluesky
) -> None:
    store.connect("cohort", USER, tokens(1), "admin@school.org", NOW)
    session = sessions_on(store, bluesky).session("cohort")
    assert (session.did, session.handle, session.server) == (
        USER.user_id,
        USER.username,
        USER.server,
    )
    assert session.access_jwt == "access-1"
    assert bluesky.refreshed == [] and bluesky.created == []


def test_a_session_about_to_expire_is_refreshed_under_a_claim(
    store: FakeConnectionStore, bluesky: Bluesky
) -> None:
    before = store.connect("cohort", USER, tokens(1, timedelta(minutes=4)), "a@b.org", NOW)
    session = sessions_on(store, bluesky).session("cohort")
    after = store.get("cohort")
    assert session.access_jwt == "access-11" and bluesky.refreshed == ["refresh-1"]
    assert after is not None and after.version == before.version + 2  # claimed, then saved
    assert after.tokens is not None and after.tokens.app_password == "app-pass-word-0001"


def test_a_refused_access_token_is_renewed_even_before_its_expiry(
    store: FakeConnectionStore, bluesky: Bluesky
) -> None:
    store.connect("cohort", USER, tokens(1), "a@b.org", NOW)
    sessions = sessions_on(store, bluesky)
    refused = sessions.session("cohort")
    assert sessions.session("cohort", refused=refused).access_jwt == "access-11"


def test_while_another_function_renews_a_still_valid_session_is_used(
    store: FakeConnectionStore, bluesky: Bluesky
) -> None:
    seen = store.connect("cohort", USER, tokens(1, timedelta(minutes=4)), "a@b.org", NOW)
    assert store.claim_refresh(seen, NOW + timedelta(seconds=30)) is not None  # the other one
    assert sessions_on(store, bluesky).session("cohort").access_jwt == "access-1"
    assert bluesky.refreshed == []


def test_a_refused_refresh_creates_a_session_from_the_app_password(
    store: FakeConnectionStore, bluesky: Bluesky
) -> None:
    store.connect("cohort", USER, tokens(1, timedelta(minutes=1)), "a@b.org", NOW)
    bluesky.refuse_refresh = True
    session = sessions_on(store, bluesky).session("cohort")
    assert session.access_jwt == "access-101"
    assert bluesky.created == [(USER.server, USER.user_id, "app-pass-word-0001")]


def test_an_app_password_refused_too_disconnects_the_account(
    store: FakeConnectionStore, bluesky: Bluesky
) -> None:
    store.connect("cohort", USER, tokens(1, timedelta(minutes=1)), "a@b.org", NOW)
    bluesky.refuse_refresh = True
    bluesky.create_answer = SessionRefused("Bluesky did not accept this handle and app password.")
    with pytest.raises(AccountDisconnected, match="Connect the account again") as lost:
        sessions_on(store, bluesky).session("cohort")
    assert lost.value.connection == NOW.isoformat().replace("+00:00", "Z")
    stored = store.get("cohort")
    assert stored is not None and not stored.connected
    assert "app password" in (stored.disconnect_reason or "")


def test_sign_ins_used_up_wait_for_their_reset(
    store: FakeConnectionStore, bluesky: Bluesky
) -> None:
    store.connect("cohort", USER, tokens(1, timedelta(minutes=1)), "a@b.org", NOW)
    bluesky.refuse_refresh = True
    reset = NOW + timedelta(hours=3)
    bluesky.create_answer = SessionRefused("only a few sign-ins a day", "limited", reset)
    with pytest.raises(RateLimited) as limited:
        sessions_on(store, bluesky).session("cohort")
    assert limited.value.retry_at == reset
    stored = store.get("cohort")
    assert stored is not None and stored.connected  # kept: it is tried again at the reset


def test_unreadable_stored_tokens_disconnect_the_account(
    store: FakeConnectionStore, bluesky: Bluesky
) -> None:
    store.connect("cohort", USER, tokens(1), "a@b.org", NOW)
    store.lose_data_key()
    with pytest.raises(AccountDisconnected, match="stored key was lost"):
        sessions_on(store, bluesky).session("cohort")
    assert bluesky.created == []


def test_an_account_never_connected_says_so(store: FakeConnectionStore, bluesky: Bluesky) -> None:
    with pytest.raises(AccountDisconnected, match="not connected") as never:
        sessions_on(store, bluesky).session("member:ann@school.org")
    assert never.value.connection == "never"


def jwt(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'ES256K'})}.{part(claims)}.c2lnbmF0dXJl"


def test_an_access_jwts_expiry_is_read_from_its_exp() -> None:
    assert jwt_expiry(jwt({"exp": 1796155200, "sub": "did:plc:x"})) == datetime(
        2026, 12, 1, 20, 0, tzinfo=UTC
    )
    assert jwt_expiry("not-a-jwt") is None
    assert jwt_expiry(jwt({"sub": "no exp"})) is None


# Connecting (the service)


class Maker:
    def __init__(self) -> None:
        self.ended: list[str] = []
        self.created: list[tuple[str, str, str]] = []

    def create(self, server: str, identifier: str, app_password: str) -> tuple[XUser, Tokens]:
        self.created.append((server, identifier, app_password))
        if app_password != "good-pass-word-0001":
            raise ConnectError("Bluesky did not accept this handle and app password.")
        return XUser("did:plc:ann", identifier, "https://pds.example"), tokens(1)

    def end(self, server: str, refresh_token: str) -> None:
        self.ended.append(refresh_token)


ANN = Member(email="ann@school.org", name="Ann")
ADMIN = Member(email="admin@school.org", name="Admin", role=Role.ADMIN)


def accounts(store: FakeConnectionStore, maker: Maker) -> BlueskyAccounts:
    return BlueskyAccounts(store, lambda: maker, Clock(), "https://bsky.social/")


def test_a_member_connects_their_own_account_and_only_admins_the_cohorts(
    store: FakeConnectionStore,
) -> None:
    maker = Maker()
    service = accounts(store, maker)
    own = service.connect_for(ANN, "mine", " @Ann.BSKY.social ", " good-pass-word-0001 ")
    assert (own.account, own.username) == ("member:ann@school.org", "ann.bsky.social")
    assert maker.created == [("https://bsky.social", "ann.bsky.social", "good-pass-word-0001")]
    with pytest.raises(NotAllowed):
        service.connect_for(ANN, "cohort", "cohort.bsky.social", "good-pass-word-0001")
    service.connect_for(ADMIN, "cohort", "cohort.bsky.social", "good-pass-word-0001")
    assert service.connected(ANN) == (service.connection(own.account), service.connection("cohort"))


def test_a_refused_connect_stores_nothing(store: FakeConnectionStore) -> None:
    service = accounts(store, Maker())
    with pytest.raises(ConnectError, match="did not accept"):
        service.connect_for(ANN, "mine", "ann.bsky.social", "wrong")
    assert service.connection("member:ann@school.org") is None


@pytest.mark.parametrize(
    ("handle", "password", "message"),
    [
        ("", "x", "Enter the account's Bluesky handle"),
        ("ann bsky", "x", "without spaces"),
        ("ann.bsky.social", "   ", "Enter an app password"),
        ("ann.bsky.social", "p" * 300, "too long"),
    ],
)
def test_what_is_typed_is_checked_before_bluesky_is_asked(
    store: FakeConnectionStore, handle: str, password: str, message: str
) -> None:
    maker = Maker()
    with pytest.raises(ConnectError, match=message):
        accounts(store, maker).connect_for(ANN, "mine", handle, password)
    assert maker.created == []


def test_handles_are_cleaned_dids_and_emails_kept() -> None:
    assert clean_handle("@Ann.Bsky.Social") == "ann.bsky.social"
    assert clean_handle("did:plc:AbC") == "did:plc:AbC"
    assert clean_handle("Ann@School.org") == "Ann@School.org"


def test_disconnecting_ends_the_session_and_forgets_it(store: FakeConnectionStore) -> None:
    maker = Maker()
    service = accounts(store, maker)
    service.connect_for(ANN, "mine", "ann.bsky.social", "good-pass-word-0001")
    assert service.disconnect_for(ANN, "mine")
    assert maker.ended == ["refresh-1"]
    stored = store.get("member:ann@school.org")
    assert stored is not None and stored.tokens is None and not stored.connected
    assert not service.disconnect_for(ANN, "mine")  # nothing left to disconnect
