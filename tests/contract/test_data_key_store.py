"""DataKeyStore: where the stack's data key is kept. Read, or created once: a create-only write,
so of two functions that both found no key and both made one, only the first one's is kept.
On AWS it is an SSM SecureString (here in moto); asking the backend twice gives two functions'
stores over the same parameter."""

import secrets

import pytest

from chatdeck.ports import DataKeyStore
from tests.contract.backends import Backend

FIRST = secrets.token_bytes(32)
SECOND = secrets.token_bytes(32)


@pytest.fixture
def store(backend: Backend) -> DataKeyStore:
    return backend.data_key()


def test_there_is_no_key_until_one_is_made(store: DataKeyStore) -> None:
    assert store.read() is None
    assert store.read() is None  # asking does not make one


def test_a_key_made_by_one_function_is_the_key_every_function_reads(
    backend: Backend, store: DataKeyStore
) -> None:
    assert store.create(FIRST) is True

    assert store.read() == FIRST
    assert backend.data_key().read() == FIRST


def test_two_functions_racing_to_make_the_key_end_with_the_first_ones(backend: Backend) -> None:
    # Given two functions that both found no key, and each made one
    web, publisher = backend.data_key(), backend.data_key()
    assert web.read() is None and publisher.read() is None

    # When both store theirs: the web function first, the publisher a moment later
    web_won = web.create(FIRST)
    publisher_won = publisher.create(SECOND)

    # Then the second write was refused, and both read the first key
    assert (web_won, publisher_won) == (True, False)
    assert web.read() == publisher.read() == FIRST


def test_the_same_function_cannot_overwrite_the_key_either(store: DataKeyStore) -> None:
    store.create(FIRST)

    assert store.create(SECOND) is False

    assert store.read() == FIRST
