"""Connected accounts' tokens sealed with AES-256-GCM under the data key, each bound to its
account; and the data key itself, made once on first use even when two functions race to make it.
On the in-memory key store: the SSM adapter's own cases are in tests/contract and
tests/integration/test_data_key.py."""

import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from chatdeck.adapters.token_cipher import NONCE_BYTES, TAG_BYTES, AesGcmTokenCipher, DataKey
from chatdeck.domain.accounts import Tokens, TokensUnreadable
from tests.fakes import FakeDataKeyStore

ACCOUNT = "member:rivera@school.example"
TOKENS = Tokens("access-rivera-1", "refresh-rivera-1", datetime(2026, 11, 2, 22, 0, tzinfo=UTC))


def cipher(store: FakeDataKeyStore | None = None) -> AesGcmTokenCipher:
    return AesGcmTokenCipher(DataKey(store if store is not None else FakeDataKeyStore()))


# Sealing and opening


def test_tokens_sealed_for_an_account_open_for_that_account() -> None:
    sealing = cipher()

    assert sealing.open(ACCOUNT, sealing.seal(ACCOUNT, TOKENS)) == TOKENS


def test_expiry_is_kept_to_the_second_and_a_missing_refresh_token_stays_missing() -> None:
    tokens = Tokens("access-only", None, datetime(2026, 11, 2, 22, 0, 59, 999000, tzinfo=UTC))
    sealing = cipher()

    opened = sealing.open("cohort", sealing.seal("cohort", tokens))

    assert opened == Tokens("access-only", None, datetime(2026, 11, 2, 22, 0, 59, tzinfo=UTC))


def test_a_token_sealed_for_one_account_cannot_be_opened_as_another() -> None:
    # The account is the associated data: a value copied onto another account's item, even
    # the cohort's, does not open there.
    sealing = cipher()
    sealed = sealing.seal(ACCOUNT, TOKENS)

    for other in ("cohort", "member:garcia@school.example", "member:rivera@school.exampl", ""):
        with pytest.raises(TokensUnreadable):
            sealing.open(other, sealed)


@pytest.mark.parametrize("where", ["version", "nonce", "ciphertext", "tag"])
def test_a_changed_byte_anywhere_fails_to_open(where: str) -> None:
    sealing = cipher()
    sealed = bytearray(sealing.seal(ACCOUNT, TOKENS))
    position = {
        "version": 0,
        "nonce": 1 + NONCE_BYTES // 2,
        "ciphertext": 1 + NONCE_BYTES + 3,
        "tag": len(sealed) - TAG_BYTES // 2,
    }[where]

    sealed[position] ^= 0x01

    with pytest.raises(TokensUnreadable):
        sealing.open(ACCOUNT, bytes(sealed))


def test_every_single_bit_flip_fails_to_open() -> None:
    sealing = cipher()
    sealed = sealing.seal(ACCOUNT, TOKENS)
    for index in range(len(sealed)):
        for bit in range(8):
            changed = bytearray(sealed)
            changed[index] ^= 1 << bit
            with pytest.raises(TokensUnreadable):
                sealing.open(ACCOUNT, bytes(changed))


@pytest.mark.parametrize("cut", [0, 1, 1 + NONCE_BYTES, 1 + NONCE_BYTES + TAG_BYTES - 1, -1])
def test_a_cut_short_or_lengthened_value_fails_to_open(cut: int) -> None:
    sealing = cipher()
    sealed = sealing.seal(ACCOUNT, TOKENS)

    with pytest.raises(TokensUnreadable):
        sealing.open(ACCOUNT, sealed[:cut])
    with pytest.raises(TokensUnreadable):
        sealing.open(ACCOUNT, sealed + b"\x00")


def test_tokens_sealed_under_another_data_key_do_not_open() -> None:
    sealed = cipher().seal(ACCOUNT, TOKENS)

    with pytest.raises(TokensUnreadable):
        cipher().open(ACCOUNT, sealed)


def test_the_sealed_value_is_version_nonce_and_aes_gcm_of_the_json_bound_to_the_account() -> None:
    # The format docs/architecture.md describes, checked with `cryptography` directly.
    store = FakeDataKeyStore()
    sealed = cipher(store).seal(ACCOUNT, TOKENS)
    key = store.read()
    assert key is not None and len(key) == 32

    version, nonce, body = sealed[0], sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
    plain = AESGCM(key).decrypt(nonce, body, bytes([version]) + ACCOUNT.encode())

    assert version == 1
    assert json.loads(plain) == {
        "access_token": "access-rivera-1",
        "refresh_token": "refresh-rivera-1",
        "expires_at": int(TOKENS.expires_at.timestamp()),
    }
    assert len(sealed) == 1 + NONCE_BYTES + len(plain) + TAG_BYTES


def test_no_token_is_readable_in_the_sealed_value() -> None:
    sealed = cipher().seal(ACCOUNT, TOKENS)

    for secret in (TOKENS.access_token, TOKENS.refresh_token or ""):
        assert secret.encode() not in sealed
    assert b"access_token" not in sealed


def test_each_seal_has_its_own_nonce() -> None:
    sealing = cipher()
    seals = [sealing.seal(ACCOUNT, TOKENS) for _ in range(50)]

    assert len({s[1 : 1 + NONCE_BYTES] for s in seals}) == 50
    assert len(set(seals)) == 50
    assert all(sealing.open(ACCOUNT, s) == TOKENS for s in seals)


def test_an_unknown_version_is_refused() -> None:
    sealing = cipher()
    sealed = sealing.seal(ACCOUNT, TOKENS)

    with pytest.raises(TokensUnreadable, match="not in a format"):
        sealing.open(ACCOUNT, bytes([2]) + sealed[1:])


# The data key: made on first use, never by opening, once even when functions race


def test_the_first_seal_makes_a_32_byte_key_and_later_ones_use_it() -> None:
    store = FakeDataKeyStore()
    sealing = cipher(store)
    assert store.read() is None

    first = sealing.seal(ACCOUNT, TOKENS)
    key = store.read()
    sealing.seal("cohort", TOKENS)

    assert key is not None and len(key) == 32
    assert store.read() == key
    assert cipher(store).open(ACCOUNT, first) == TOKENS  # another function, the same key


def test_opening_never_makes_a_key() -> None:
    store = FakeDataKeyStore()
    sealed = cipher().seal(ACCOUNT, TOKENS)

    with pytest.raises(TokensUnreadable, match="no data key"):
        cipher(store).open(ACCOUNT, sealed)

    assert store.read() is None


class Interleaved(FakeDataKeyStore):
    """One function's view of the shared key store, where the other function's whole first use
    (read, make, create) happens between this one's read and its create."""

    def __init__(self, shared: FakeDataKeyStore) -> None:
        super().__init__()
        self.shared = shared
        self.meanwhile: DataKey | None = None
        self.created: list[bool] = []

    def read(self) -> bytes | None:
        return self.shared.read()

    def create(self, key: bytes) -> bool:
        if self.meanwhile is not None:
            self.meanwhile.get_or_make()  # the other function gets there first
            self.meanwhile = None
        created = self.shared.create(key)
        self.created.append(created)
        return created


def test_two_functions_racing_to_make_the_key_end_with_one_key() -> None:
    # Given no key yet, and two functions that both find none and each make one
    shared = FakeDataKeyStore()
    web_view, publisher_view = Interleaved(shared), Interleaved(shared)
    web = DataKey(web_view, make=lambda: b"w" * 32)
    publisher = DataKey(publisher_view, make=lambda: b"p" * 32)
    web_view.meanwhile = publisher  # the publisher stores its key between the web's read and write

    # When the web function asks for the key
    web_key = web.get_or_make()

    # Then the publisher's create won, the web's create-only write was refused, and the web
    # function uses the publisher's key: one key, the same for both
    assert (publisher_view.created, web_view.created) == ([True], [False])
    assert web_key == publisher.get_or_make() == shared.read() == b"p" * 32


def test_tokens_sealed_by_the_race_loser_open_with_the_winners_cipher() -> None:
    shared = FakeDataKeyStore()
    loser_view = Interleaved(shared)
    winner = AesGcmTokenCipher(DataKey(Interleaved(shared)))
    loser_view.meanwhile = DataKey(shared)
    loser = AesGcmTokenCipher(DataKey(loser_view))

    sealed = loser.seal(ACCOUNT, TOKENS)

    assert loser_view.created == [False]
    assert winner.open(ACCOUNT, sealed) == TOKENS


def test_a_stored_key_of_the_wrong_length_is_refused_without_showing_it() -> None:
    store = FakeDataKeyStore()
    store.create(b"k3y-0f-the-wr0ng-length")

    with pytest.raises(ValueError, match="must be 32 bytes") as refused:
        cipher(store).seal(ACCOUNT, TOKENS)

    assert "k3y" not in str(refused.value)


def test_no_repr_shows_the_key_or_a_token() -> None:
    store = FakeDataKeyStore()
    sealing = cipher(store)
    sealing.seal(ACCOUNT, TOKENS)
    key = store.read()
    assert key is not None

    shown = repr(sealing) + str(sealing) + repr(store) + repr(DataKey(store)) + repr(TOKENS)

    assert key.hex() not in shown and repr(key) not in shown
    assert TOKENS.access_token not in shown and "refresh-rivera" not in shown


def test_errors_name_the_kind_of_account_never_a_members_address() -> None:
    sealed = cipher().seal(ACCOUNT, TOKENS)

    with pytest.raises(TokensUnreadable) as refused:
        cipher().open(ACCOUNT, sealed)

    assert "rivera" not in str(refused.value)
    assert "personal" in str(refused.value)
