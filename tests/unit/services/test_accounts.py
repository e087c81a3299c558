"""Connecting X accounts (services/accounts.py) on the fakes, with a FakeOAuthClient for X's
OAuth 2.0 endpoints: connect, use the connect once, disconnect."""

import inspect
from urllib.parse import parse_qs, urlsplit

import pytest

from chatdeck.domain.errors import ConnectError, NotAllowed
from chatdeck.domain.members import Member
from chatdeck.domain.outcomes import OAuthFailed
from chatdeck.ports import OAuthClient
from tests.fakes import FakeOAuthClient
from tests.unit.services.kit import CALLBACK, OTHER_TEACHER, TEACHER, Kit


@pytest.fixture
def teacher(kit: Kit) -> Member:
    return kit.add_member(TEACHER, "Ana Rivera")


def test_a_member_connects_their_own_account_and_disconnects_it(kit: Kit, teacher: Member) -> None:
    connection = kit.connect_own_account(teacher)

    own, cohort = kit.accounts.connected(teacher)
    assert own == connection
    assert (connection.account, connection.username) == (f"member:{TEACHER}", "rivera_teaches")
    assert cohort is None

    assert kit.accounts.disconnect_for(teacher, "mine")

    assert kit.accounts.connected(teacher) == (None, None)
    assert len(kit.oauth.revoked) == 2  # the refresh token and the access token
    stored = kit.connections.get(f"member:{TEACHER}")
    assert stored is not None and not stored.connected and stored.tokens is None


def test_a_connect_is_used_once_and_only_by_the_member_who_began_it(
    kit: Kit, teacher: Member
) -> None:
    kit.add_member(OTHER_TEACHER, "Ngozi Okafor")
    authorize = kit.accounts.connect_url(teacher, "mine", CALLBACK)
    state = parse_qs(urlsplit(authorize).query)["state"][0]
    callback = f"{CALLBACK}?state={state}&code=granted"

    with pytest.raises(ConnectError):
        kit.accounts.complete_connect(state, "granted", None, callback, OTHER_TEACHER)
    kit.accounts.complete_connect(state, "granted", None, callback, TEACHER)
    with pytest.raises(ConnectError):
        kit.accounts.complete_connect(state, "granted", None, callback, TEACHER)

    assert kit.oauth.calls.count("exchange") == 1
    assert kit.accounts.connection(f"member:{OTHER_TEACHER}") is None


def test_a_connect_expires_after_ten_minutes(kit: Kit, teacher: Member) -> None:
    authorize = kit.accounts.connect_url(teacher, "mine", CALLBACK)
    state = parse_qs(urlsplit(authorize).query)["state"][0]
    kit.clock.advance(minutes=10)

    with pytest.raises(ConnectError, match="expired"):
        kit.accounts.complete_connect(state, "c", None, f"{CALLBACK}?state={state}&code=c", TEACHER)
    assert kit.accounts.connection(f"member:{TEACHER}") is None


def test_only_admins_connect_the_cohorts_account_and_x_being_down_connects_nothing(
    kit: Kit, teacher: Member
) -> None:
    with pytest.raises(NotAllowed):
        kit.accounts.connect_url(teacher, "cohort", CALLBACK)
    kit.oauth.fail_with = OAuthFailed("X's token endpoint did not answer.")

    with pytest.raises(ConnectError, match="did not answer"):
        kit.accounts.connect_url(kit.admin(), "cohort", CALLBACK)
    assert kit.accounts.connection("cohort") is None


def test_the_fake_oauth_client_has_the_ports_methods_with_the_same_parameters() -> None:
    # As tests/contract/test_fakes.py checks every other fake.
    for name in ("authorization", "exchange", "refresh", "revoke"):
        declared = inspect.signature(getattr(OAuthClient, name)).parameters
        implemented = inspect.signature(getattr(FakeOAuthClient, name)).parameters
        assert [(p.name, p.kind, p.default) for p in implemented.values()] == [
            (p.name, p.kind, p.default) for p in declared.values()
        ], name
