"""Connecting X accounts (services/accounts.py) on the fakes, with a FakeOAuthClient for X's
OAuth 2.0 endpoints: connect, use the connect once, disconnect."""

import inspect
from urllib.parse import parse_qs, urlsplit

import pytest

from chatdeck.domain.errors import ConnectError, NotAllowed
from chatdeck.domain.members import Member
from chatdeck.domain.outcomes import AccountDisconnected, OAuthFailed
from chatdeck.ports import OAuthClient
from chatdeck.services.accounts import AccessTokens
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


# Tokens whose data key was lost (its SSM parameter deleted or replaced)


def test_an_account_whose_tokens_cannot_be_opened_can_still_be_disconnected(
    kit: Kit, teacher: Member
) -> None:
    # Given a connected account whose tokens' data key was then deleted
    kit.connect_own_account(teacher)
    kit.connections.lose_data_key()

    # When its owner disconnects it
    assert kit.accounts.disconnect_for(teacher, "mine")

    # Then it is forgotten (there is nothing to revoke: the tokens cannot be read), and it can
    # be connected again, under a new key
    assert kit.oauth.revoked == []
    assert kit.accounts.connected(teacher) == (None, None)
    again = kit.connect_own_account(teacher)
    assert kit.accounts.connected(teacher) == (again, None)
    assert kit.accounts.disconnect_for(teacher, "mine")
    assert len(kit.oauth.revoked) == 2


def test_acting_as_an_account_whose_tokens_cannot_be_opened_ends_its_connection(
    kit: Kit, teacher: Member
) -> None:
    kit.connect_own_account(teacher)
    kit.connections.lose_data_key()
    tokens = AccessTokens(kit.connections, kit.oauth, kit.clock)
    calls_before = list(kit.oauth.calls)

    # The first function to need the tokens ends the connection and says why, once...
    with pytest.raises(AccountDisconnected, match="Connect the account again") as lost:
        tokens.user_access(f"member:{TEACHER}")
    # ...and later ones find it disconnected, with the same reason for its owner
    with pytest.raises(AccountDisconnected) as later:
        tokens.renewed_access(f"member:{TEACHER}")

    assert "can no longer read its access to @rivera_teaches" in str(lost.value)
    assert str(later.value) == str(lost.value)
    assert later.value.connection == lost.value.connection  # one lost connection: one email
    assert kit.accounts.connected(teacher) == (None, None)
    assert kit.oauth.calls == calls_before  # nothing asked of X


def test_the_cohort_whose_tokens_cannot_be_opened_goes_back_to_its_oauth1_credentials(
    kit: Kit,
) -> None:
    admin = kit.admin()
    authorize = kit.accounts.connect_url(admin, "cohort", CALLBACK)
    state = parse_qs(urlsplit(authorize).query)["state"][0]
    kit.accounts.complete_connect(state, "c", None, f"{CALLBACK}?state={state}&code=c", admin.email)
    kit.connections.lose_data_key()
    tokens = AccessTokens(kit.connections, kit.oauth, kit.clock)

    with pytest.raises(AccountDisconnected):
        tokens.user_access("cohort")  # the lost connection is reported once (the account pauses)

    assert tokens.user_access("cohort") is None  # then: the cohort's OAuth 1.0a credentials
    assert kit.accounts.connection("cohort") is None
