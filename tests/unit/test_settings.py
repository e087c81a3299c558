"""The settings model reads each function's environment as pydantic-settings did, without it.

What a deployer sets in template.yaml's Environment reaches the functions: a variable of a
field's name in any case, a value given in code over the environment, the default otherwise;
a bad value is refused with the field and the reason named.
"""

import pytest
from pydantic import ValidationError

from chatdeck.settings import Settings, get_settings


@pytest.fixture(autouse=True)
def fresh_settings() -> None:
    get_settings.cache_clear()


def test_a_function_reads_its_variables_converted_to_their_fields_types(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("POSTS_TABLE", "stack-PostsTable-1")
    monkeypatch.setenv("REQUIRE_APPROVAL", "true")
    monkeypatch.setenv("LEASE_SECONDS", "90")
    monkeypatch.setenv("X_READ_TIMEOUT", "7.5")
    monkeypatch.setenv("ADMIN_EMAILS", "ada@example.org, grace@example.org,")
    settings = get_settings()
    assert settings.posts_table == "stack-PostsTable-1"
    assert settings.require_approval is True
    assert settings.lease_seconds == 90
    assert settings.x_read_timeout == 7.5
    assert settings.admins == ["ada@example.org", "grace@example.org"]
    assert settings.state_table == "StateTable"  # unset: the default


def test_a_variable_is_found_in_any_case_and_unknown_ones_are_ignored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("public_url", "https://chatdeck.example.org")
    monkeypatch.setenv("CHATDECK_UNRELATED", "ignored")
    assert Settings().public_url == "https://chatdeck.example.org"


def test_a_value_given_in_code_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATE_TABLE", "from-the-environment")
    monkeypatch.setenv("ARCHIVE_TABLE", "archive-from-the-environment")
    settings = Settings(state_table="given")
    assert (settings.state_table, settings.archive_table) == (
        "given",
        "archive-from-the-environment",
    )


def test_settings_cannot_be_changed_once_read() -> None:
    with pytest.raises(ValidationError, match="frozen"):
        Settings().posts_table = "another"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("LEASE_SECONDS", "10", "greater than or equal to 30"),
        ("PUBLISH_CONCURRENCY", "100", "less than or equal to 64"),
        ("REQUIRE_APPROVAL", "perhaps", "valid boolean"),
        ("CHAT_READ_BUDGET", "lots", "valid integer"),
    ],
)
def test_a_bad_variable_is_refused_naming_the_field_and_why(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, reason: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=reason) as refused:
        get_settings()
    assert refused.value.errors()[0]["loc"] == (name.lower(),)


def test_requests_must_end_before_a_claims_lease(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEASE_SECONDS", "30")
    monkeypatch.setenv("X_READ_TIMEOUT", "28")
    with pytest.raises(ValidationError, match="X_CONNECT_TIMEOUT \\+ X_READ_TIMEOUT must be"):
        get_settings()
