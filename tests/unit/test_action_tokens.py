from datetime import UTC, datetime, timedelta

import pytest

from chatdeck.domain.action_tokens import InvalidToken, sign, verify

KEY = b"k" * 32
NOW = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
SUBJECT = {"email": "rivera@school.example", "chat": "edtechchat", "what": "digests"}


def test_a_token_gives_back_its_subject_for_its_purpose() -> None:
    token = sign(KEY, "unsubscribe", SUBJECT, NOW + timedelta(days=90))
    assert verify(KEY, token, "unsubscribe", NOW) == SUBJECT


@pytest.mark.parametrize(
    ("key", "purpose", "now"),
    [
        (b"x" * 32, "unsubscribe", NOW),  # another stack's key
        (KEY, "sign-in", NOW),  # another purpose
        (KEY, "unsubscribe", NOW + timedelta(days=91)),  # expired
    ],
)
def test_a_token_is_refused_elsewhere(key: bytes, purpose: str, now: datetime) -> None:
    token = sign(KEY, "unsubscribe", SUBJECT, NOW + timedelta(days=90))
    with pytest.raises(InvalidToken):
        verify(key, token, purpose, now)


@pytest.mark.parametrize("token", ["", ".", "abc", "abc.def", "e30.e30"])
def test_garbage_is_refused_not_crashed_on(token: str) -> None:
    with pytest.raises(InvalidToken):
        verify(KEY, token, "unsubscribe", NOW)


def test_an_altered_subject_is_refused() -> None:
    token = sign(KEY, "unsubscribe", SUBJECT, NOW + timedelta(days=90))
    forged = sign(
        b"x" * 32,
        "unsubscribe",
        {**SUBJECT, "email": "other@school.example"},
        NOW + timedelta(days=90),
    )
    with pytest.raises(InvalidToken):
        verify(KEY, forged.split(".")[0] + "." + token.split(".")[1], "unsubscribe", NOW)


# What the links in emails rely on: every token made verifies, and reads as plain URL text.
SUBJECTS = [{"email": f"{'x' * n}@school.example", "chat": "edtechchat"} for n in range(64)]


@pytest.mark.parametrize("subject", SUBJECTS, ids=lambda s: str(len(s["email"])))
def test_every_token_verifies_whatever_its_length(subject: dict[str, str]) -> None:
    token = sign(KEY, "unsubscribe", subject, NOW + timedelta(days=90))
    assert verify(KEY, token, "unsubscribe", NOW) == subject


def test_a_token_is_url_text_without_padding() -> None:
    """base64url with its `=` padding taken off: a token goes into a link as it is."""
    for subject in SUBJECTS:
        token = sign(KEY, "unsubscribe", subject, NOW + timedelta(days=90))
        body, signature = token.split(".")
        assert body and signature
        assert set(token) <= set(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
        ), token


def test_a_token_is_refused_at_its_expiry() -> None:
    expires = NOW + timedelta(days=90)
    token = sign(KEY, "unsubscribe", SUBJECT, expires)
    assert verify(KEY, token, "unsubscribe", expires - timedelta(seconds=1)) == SUBJECT
    with pytest.raises(InvalidToken):
        verify(KEY, token, "unsubscribe", expires)
