"""The MastodonAppStore contract, on the in-memory fake and on DynamoDB in moto server: an app
kept per instance, create-only, its secret back as it was kept (and never in a repr)."""

from datetime import UTC, datetime

import pytest

from chatdeck.adapters.mastodon.apps import DynamoMastodonAppStore
from chatdeck.adapters.token_cipher import AesGcmTokenCipher, DataKey
from chatdeck.domain.mastodon_app import SCOPES, MastodonApp
from chatdeck.ports import MastodonAppStore
from tests.contract.backends import Backend, DynamoBackend
from tests.fakes.mastodon import FakeMastodonAppStore

AT = datetime(2026, 12, 1, 20, 0, 0, 123456, tzinfo=UTC)


def app_store(backend: Backend) -> MastodonAppStore:
    if isinstance(backend, DynamoBackend):
        cipher = AesGcmTokenCipher(DataKey(backend.data_key()))
        return DynamoMastodonAppStore(backend.table("StateTable"), cipher)
    return FakeMastodonAppStore()


def app(instance: str, client_id: str, secret: str = "s3cret") -> MastodonApp:  # noqa: S107 - a made-up secret
    return MastodonApp(instance, client_id, secret, "https://chatdeck.example/cb", SCOPES, AT)


def test_an_app_is_kept_per_instance_and_read_back_as_kept(backend: Backend) -> None:
    store = app_store(backend)

    assert store.get("https://a.example") is None
    assert store.create(app("https://a.example", "id-a", "secret-a")) is True
    assert store.create(app("https://b.example", "id-b", "secret-b")) is True

    kept = store.get("https://a.example")
    assert kept == MastodonApp(
        "https://a.example",
        "id-a",
        "secret-a",
        "https://chatdeck.example/cb",
        SCOPES,
        AT.replace(microsecond=0),  # kept to the second
    )
    assert "secret-a" not in repr(kept)
    other = store.get("https://b.example")
    assert other is not None and other.client_secret == "secret-b"


def test_the_first_app_of_an_instance_stays(backend: Backend) -> None:
    store = app_store(backend)
    store.create(app("https://a.example", "first"))

    assert store.create(app("https://a.example", "second")) is False
    kept = store.get("https://a.example")
    assert kept is not None and kept.client_id == "first"


@pytest.mark.parametrize("instance", ["https://a.example", "http://127.0.0.1:8702"])
def test_instances_are_told_apart_by_their_whole_address(backend: Backend, instance: str) -> None:
    store = app_store(backend)
    store.create(app(instance, "mine"))

    assert store.get(instance.replace("a.example", "b.example").replace("8702", "8703")) is None
