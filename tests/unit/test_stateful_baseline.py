"""Upgrades keep data: template.yaml against the stateful shape of the last release.

(tests/unit/stateful_baseline.py says what is compared, and how to update the baseline.)
"""

import copy
from typing import Any

import pytest

from tests.unit.stateful_baseline import current_shape, problems, read_baseline


@pytest.fixture
def baseline() -> dict[str, Any]:
    return read_baseline()


@pytest.fixture
def after(baseline: dict[str, Any]) -> dict[str, Any]:
    """A newer template's shape, to change in a case: the same as the baseline to start."""
    return copy.deepcopy(baseline)


def test_deploying_this_template_onto_the_last_release_keeps_every_table_and_parameter(
    baseline: dict[str, Any],
) -> None:
    found = problems(baseline, current_shape())
    assert not found, "\n".join(found)


def test_the_baseline_has_the_three_tables_and_the_ssm_parameter_names(
    baseline: dict[str, Any],
) -> None:
    assert set(baseline["tables"]) == {"PostsTable", "StateTable", "ArchiveTable"}
    assert baseline["parameters"]["TokensDataKeyParameterName"] == "/chatdeck/tokens-data-key"


def test_the_same_shape_has_no_problems(baseline: dict[str, Any], after: dict[str, Any]) -> None:
    assert problems(baseline, after) == []


def test_a_changed_key_schema_would_replace_the_table(
    baseline: dict[str, Any], after: dict[str, Any]
) -> None:
    after["tables"]["StateTable"]["KeySchema"] = ["pk HASH S"]
    (found,) = problems(baseline, after)
    assert found.startswith("StateTable: KeySchema")
    assert "would replace the table" in found


def test_a_changed_key_type_would_replace_the_table(
    baseline: dict[str, Any], after: dict[str, Any]
) -> None:
    after["tables"]["PostsTable"]["KeySchema"] = ["id HASH N"]
    (found,) = problems(baseline, after)
    assert "PostsTable" in found and "would replace the table" in found


def test_a_table_name_given_later_would_replace_the_table(
    baseline: dict[str, Any], after: dict[str, Any]
) -> None:
    after["tables"]["ArchiveTable"]["TableName"] = "chatdeck-archive"
    (found,) = problems(baseline, after)
    assert found.startswith("ArchiveTable: TableName")


def test_a_renamed_table_resource_is_named(baseline: dict[str, Any], after: dict[str, Any]) -> None:
    after["tables"]["StatesTable"] = after["tables"].pop("StateTable")
    (found,) = problems(baseline, after)
    assert found.startswith("StateTable: the table is gone")


def test_one_index_added_or_removed_per_table_is_allowed(
    baseline: dict[str, Any], after: dict[str, Any]
) -> None:
    after["tables"]["PostsTable"]["GlobalSecondaryIndexes"]["by_chat"] = {
        "KeySchema": ["chat_id HASH S"],
        "Projection": {"ProjectionType": "KEYS_ONLY"},
    }
    after["tables"]["ArchiveTable"]["GlobalSecondaryIndexes"].pop("open_sessions")
    assert problems(baseline, after) == []


def test_two_indexes_of_one_table_in_one_deploy_are_refused(
    baseline: dict[str, Any], after: dict[str, Any]
) -> None:
    indexes = after["tables"]["PostsTable"]["GlobalSecondaryIndexes"]
    indexes["by_chat"] = {"KeySchema": ["chat_id HASH S"], "Projection": {}}
    indexes.pop("by_author")
    (found,) = problems(baseline, after)
    assert found.startswith("PostsTable: indexes added ['by_chat'] and removed ['by_author']")


def test_a_changed_index_is_two_index_changes(
    baseline: dict[str, Any], after: dict[str, Any]
) -> None:
    index = after["tables"]["PostsTable"]["GlobalSecondaryIndexes"]["by_author"]
    index["Projection"] = {"ProjectionType": "KEYS_ONLY"}
    (found,) = problems(baseline, after)
    assert found.startswith("PostsTable: index by_author changed")


def test_a_changed_ttl_attribute_is_named(baseline: dict[str, Any], after: dict[str, Any]) -> None:
    after["tables"]["StateTable"]["TimeToLive"] = "ttl"
    (found,) = problems(baseline, after)
    assert found.startswith("StateTable: TTL attribute expires_at -> ttl")


def test_a_renamed_parameter_would_drop_the_deployed_value(
    baseline: dict[str, Any], after: dict[str, Any]
) -> None:
    after["parameters"]["AdminEmailAddresses"] = after["parameters"].pop("AdminEmails")
    (found,) = problems(baseline, after)
    assert found.startswith("parameter AdminEmails is gone")


def test_a_new_default_ssm_parameter_name_is_named(
    baseline: dict[str, Any], after: dict[str, Any]
) -> None:
    after["parameters"]["TokensDataKeyParameterName"] = "/chatdeck/tokens-key"
    (found,) = problems(baseline, after)
    assert found.startswith("parameter TokensDataKeyParameterName: default")


def test_new_parameters_and_other_defaults_may_change(
    baseline: dict[str, Any], after: dict[str, Any]
) -> None:
    after["parameters"]["LogLevel"] = "DEBUG"
    after["parameters"]["BudgetAmount"] = 10
    assert problems(baseline, after) == []
