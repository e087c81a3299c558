"""ConnectionStore: an account's OAuth 2.0 connection, whose every change names the version it
saw. On DynamoDB the tokens are sealed with AES-GCM under a data key made in moto's SSM."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chatdeck.domain.accounts import StoredConnection, Tokens, TokensUnreadable, XUser
from chatdeck.ports import ConnectionStore
from tests.contract.backends import Backend

NOW = datetime(2026, 11, 2, 20, 0, tzinfo=UTC)
ACCOUNT = "member:rivera@school.example"
USER = XUser("1500000000000000001", "rivera_teaches")
TOKENS = Tokens("access-1", "refresh-1", NOW + timedelta(hours=2))
RENEWED = Tokens("access-2", "refresh-2", NOW + timedelta(hours=4))


@pytest.fixture
def store(backend: Backend) -> ConnectionStore:
    return backend.connections()


def read(store: ConnectionStore, account: str = ACCOUNT) -> StoredConnection:
    found = store.get(account)
    assert found is not None
    return found


def connected(store: ConnectionStore) -> StoredConnection:
    return store.connect(ACCOUNT, USER, TOKENS, "rivera@school.example", NOW)


def test_a_connection_reads_back_with_its_tokens(store: ConnectionStore) -> None:
    made = connected(store)
    expected = StoredConnection(
        account=ACCOUNT,
        user=USER,
        connected_by="rivera@school.example",
        connected_at=NOW,
        version=1,
        connected=True,
        tokens=TOKENS,
    )
    assert made == expected
    assert read(store) == expected


def test_who_is_connected_reads_without_the_tokens(store: ConnectionStore) -> None:
    connected(store)
    found = store.get(ACCOUNT, decrypt=False)
    assert found == replace(read(store), tokens=None)
    assert found is not None and found.connected


def test_an_account_never_connected_is_none(store: ConnectionStore) -> None:
    assert store.get(ACCOUNT) is None
    assert store.get("cohort", decrypt=False) is None


def test_times_are_kept_to_the_second(store: ConnectionStore) -> None:
    tokens = Tokens("access-1", None, NOW + timedelta(hours=2, microseconds=700_000))
    made = store.connect(ACCOUNT, USER, tokens, "rivera@school.example", NOW + timedelta(0, 0, 5))
    assert made.tokens == tokens  # as given
    found = read(store)
    assert found.connected_at == NOW
    assert found.tokens == Tokens("access-1", None, NOW + timedelta(hours=2))


def test_connecting_again_replaces_the_connection(store: ConnectionStore) -> None:
    connected(store)
    other = XUser("1500000000000000002", "rivera_again")
    later = NOW + timedelta(days=1)

    again = store.connect(ACCOUNT, other, RENEWED, "admin@cohort.example", later)

    assert again == StoredConnection(
        ACCOUNT, other, "admin@cohort.example", later, 2, True, RENEWED
    )
    assert read(store) == again


def test_accounts_are_connected_each_on_its_own(store: ConnectionStore) -> None:
    connected(store)
    cohort = store.connect("cohort", XUser("1", "edcohort"), RENEWED, "admin@cohort.example", NOW)
    assert cohort.version == 1
    assert read(store, "cohort").tokens == RENEWED
    assert read(store).tokens == TOKENS


def test_a_renewal_is_claimed_by_one_function(store: ConnectionStore) -> None:
    seen = connected(store)
    until = NOW + timedelta(seconds=30)

    claim = store.claim_refresh(seen, until)

    assert claim == replace(seen, version=2, refreshing_until=until)
    assert read(store) == claim
    assert claim is not None and claim.refreshing_at(NOW)
    assert store.claim_refresh(seen, until) is None


def test_the_renewed_tokens_are_stored_by_the_claim(store: ConnectionStore) -> None:
    claim = store.claim_refresh(connected(store), NOW + timedelta(seconds=30))
    assert claim is not None

    saved = store.save_refreshed(claim, RENEWED)

    assert saved == replace(claim, version=3, tokens=RENEWED, refreshing_until=None)
    assert read(store) == saved
    assert store.save_refreshed(claim, TOKENS) is None
    assert read(store).tokens == RENEWED


def test_renewed_tokens_are_not_stored_once_the_version_moved_on(store: ConnectionStore) -> None:
    seen = connected(store)
    claim = store.claim_refresh(seen, NOW + timedelta(seconds=30))
    assert claim is not None
    other = store.claim_refresh(claim, NOW + timedelta(minutes=1))  # the claim lapsed: retaken
    assert other is not None

    assert store.save_refreshed(claim, RENEWED) is None
    assert read(store) == other


def test_a_claim_on_a_connection_read_without_tokens_has_none(store: ConnectionStore) -> None:
    connected(store)
    seen = store.get(ACCOUNT, decrypt=False)
    assert seen is not None
    claim = store.claim_refresh(seen, NOW + timedelta(seconds=30))
    assert claim is not None and claim.tokens is None and claim.connected
    assert read(store).tokens == TOKENS


def test_disconnecting_deletes_the_tokens_and_keeps_why(store: ConnectionStore) -> None:
    seen = connected(store)

    assert store.disconnect(seen, "X refused to renew the tokens.", NOW + timedelta(hours=1))

    found = read(store)
    assert found == StoredConnection(
        account=ACCOUNT,
        user=USER,
        connected_by="rivera@school.example",
        connected_at=NOW,
        version=2,
        connected=False,
        disconnect_reason="X refused to renew the tokens.",
    )
    assert store.get(ACCOUNT, decrypt=False) == found
    assert not store.disconnect(seen, "again", NOW)


def test_a_disconnect_from_an_old_view_is_refused(store: ConnectionStore) -> None:
    seen = connected(store)
    claim = store.claim_refresh(seen, NOW + timedelta(seconds=30))
    assert not store.disconnect(seen, "refused", NOW)
    assert read(store) == claim


def test_a_disconnect_during_a_renewal_wins_over_it(store: ConnectionStore) -> None:
    claim = store.claim_refresh(connected(store), NOW + timedelta(seconds=30))
    assert claim is not None
    assert store.disconnect(claim, "The member disconnected it.", NOW)
    assert store.save_refreshed(claim, RENEWED) is None
    found = read(store)
    assert not found.connected and found.tokens is None and found.refreshing_until is None


def test_connecting_again_after_a_disconnect_starts_clean(store: ConnectionStore) -> None:
    seen = connected(store)
    store.disconnect(seen, "refused", NOW)
    again = store.connect(ACCOUNT, USER, RENEWED, "rivera@school.example", NOW + timedelta(1))
    assert again == StoredConnection(
        ACCOUNT, USER, "rivera@school.example", NOW + timedelta(1), 3, True, RENEWED
    )
    assert read(store) == again


def test_nothing_changes_a_connection_that_is_not_there(store: ConnectionStore) -> None:
    ghost = StoredConnection(ACCOUNT, USER, "rivera@school.example", NOW, 1, True, TOKENS)
    assert store.claim_refresh(ghost, NOW) is None
    assert store.save_refreshed(ghost, RENEWED) is None
    assert not store.disconnect(ghost, "refused", NOW)
    assert store.get(ACCOUNT) is None


def test_tokens_sealed_under_a_lost_data_key_do_not_open_but_the_account_can_start_again(
    backend: Backend,
) -> None:
    # Given a connection, and then its data key deleted by hand
    connected(backend.connections())
    backend.lose_data_key()
    later = backend.connections()  # another function, which never read the old key

    # Then its tokens cannot be read, but who is connected still can
    with pytest.raises(TokensUnreadable):
        later.get(ACCOUNT)
    seen = later.get(ACCOUNT, decrypt=False)
    assert seen is not None and seen.connected and seen.tokens is None

    # And the connection can be ended, and made again under a new key
    assert later.disconnect(seen, "The data key was lost.", NOW)
    later.connect(ACCOUNT, USER, RENEWED, "rivera@school.example", NOW)
    assert read(later).tokens == RENEWED
    assert read(backend.connections()).tokens == RENEWED
