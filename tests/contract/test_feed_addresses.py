"""ChatStore's members' calendar feed addresses, on the fake and on DynamoDB: a member's seed
and the owner found from a token's hash, replaced only if still the one read, ended by removal;
an address that is not its member's current one finds nobody."""

import pytest

from chatdeck.domain.feed_addresses import FeedSeed, new_seed
from chatdeck.ports import ChatStore
from tests.contract.backends import Backend

KEY = b"contract-signing-key"
ANA = "rivera@school.example"
SAM = "okafor@school.example"


@pytest.fixture
def store(backend: Backend) -> ChatStore:
    return backend.chats()


def test_a_members_first_address_is_stored_and_finds_them(store: ChatStore) -> None:
    seed = new_seed(KEY, ANA)

    assert store.feed_seed(ANA) is None
    assert store.set_feed_seed(seed, None)

    assert store.feed_seed(ANA) == seed
    assert store.feed_owner(seed.token_hash) == ANA
    assert store.feed_owner(new_seed(KEY, ANA).token_hash) is None


def test_a_second_first_address_loses_to_the_one_stored(store: ChatStore) -> None:
    first, racing = new_seed(KEY, ANA), new_seed(KEY, ANA)
    assert store.set_feed_seed(first, None)

    assert not store.set_feed_seed(racing, None)

    assert store.feed_seed(ANA) == first
    assert store.feed_owner(racing.token_hash) is None
    assert store.feed_owner(first.token_hash) == ANA


def test_renewing_replaces_the_address_and_the_old_one_finds_nobody(store: ChatStore) -> None:
    old, new = new_seed(KEY, ANA), new_seed(KEY, ANA)
    store.set_feed_seed(old, None)

    assert store.set_feed_seed(new, old)

    assert store.feed_seed(ANA) == new
    assert store.feed_owner(new.token_hash) == ANA
    assert store.feed_owner(old.token_hash) is None


def test_a_renewal_from_a_stale_read_changes_nothing(store: ChatStore) -> None:
    old, winner, late = new_seed(KEY, ANA), new_seed(KEY, ANA), new_seed(KEY, ANA)
    store.set_feed_seed(old, None)
    assert store.set_feed_seed(winner, old)

    assert not store.set_feed_seed(late, old)

    assert store.feed_seed(ANA) == winner
    assert store.feed_owner(winner.token_hash) == ANA
    assert store.feed_owner(late.token_hash) is None
    assert store.feed_owner(old.token_hash) is None


def test_revoking_ends_the_members_address_and_no_one_elses(store: ChatStore) -> None:
    ana, sam = new_seed(KEY, ANA), new_seed(KEY, SAM)
    store.set_feed_seed(ana, None)
    store.set_feed_seed(sam, None)

    assert store.revoke_feed(ANA)

    assert store.feed_seed(ANA) is None
    assert store.feed_owner(ana.token_hash) is None
    assert store.feed_owner(sam.token_hash) == SAM
    assert not store.revoke_feed(ANA)  # removing again is harmless


def test_after_revoking_a_new_first_address_can_be_made(store: ChatStore) -> None:
    old, again = new_seed(KEY, ANA), new_seed(KEY, ANA)
    store.set_feed_seed(old, None)
    store.revoke_feed(ANA)

    assert store.set_feed_seed(again, None)

    assert store.feed_owner(again.token_hash) == ANA
    assert store.feed_owner(old.token_hash) is None


def test_an_unknown_hash_finds_nobody(store: ChatStore) -> None:
    assert store.feed_owner("0" * 64) is None
    assert store.feed_seed("nobody@school.example") is None
    assert not store.revoke_feed("nobody@school.example")


def test_a_renewal_that_lost_leaves_no_working_address(store: ChatStore) -> None:
    """DynamoDB stores the new owner item before the conditional seed: when the seed's write
    loses, that owner finds nobody (the seed is the one truth)."""
    seed = new_seed(KEY, ANA)
    store.set_feed_seed(seed, None)
    stray = FeedSeed(ANA, "stray-nonce", new_seed(KEY, ANA).token_hash)
    assert not store.set_feed_seed(stray, FeedSeed(ANA, "x", "not-the-current-hash"))

    assert store.feed_owner(stray.token_hash) is None
    assert store.feed_owner(seed.token_hash) == ANA
