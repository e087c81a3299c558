"""The stateful shape of template.yaml, and what a deploy of a newer template would do to it.

Deploying a newer version onto a running stack must keep every post, member, chat and token.
CloudFormation replaces a table (a new, empty one; the old one is kept, but orphaned) when its
name or key schema changes, and refuses an update that creates or deletes more than one global
secondary index of a table (moto checks neither). A changed template parameter's name drops the
value a cohort deployed with; a changed default of an SSM parameter's name points the stack at
another parameter (for the tokens' data key: every stored token unreadable).

`tests/unit/data/stateful_baseline.json` is the shape at the last release; the unit test
`test_stateful_baseline.py` compares template.yaml with it. On release, after the checks pass:

    .venv/bin/python -m tests.unit.stateful_baseline --write

and commit the baseline with the release.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from devstack.template import load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
BASELINE = Path(__file__).resolve().parent / "data" / "stateful_baseline.json"

TABLE = "AWS::DynamoDB::Table"


def _keys(key_schema: list[dict[str, Any]], types: dict[str, str]) -> list[str]:
    """Each key as "<attribute> <HASH|RANGE> <S|N|B>"."""
    return [
        f"{k['AttributeName']} {k['KeyType']} {types.get(k['AttributeName'])}" for k in key_schema
    ]


def shape(template: dict[str, Any]) -> dict[str, Any]:
    """What of the template holds data: each table's name, keys, indexes and TTL attribute, and
    the parameters naming SSM parameters (with their defaults)."""
    tables: dict[str, Any] = {}
    for logical_id, resource in sorted(template.get("Resources", {}).items()):
        if resource.get("Type") != TABLE:
            continue
        properties = resource.get("Properties", {})
        types = {
            a["AttributeName"]: a["AttributeType"]
            for a in properties.get("AttributeDefinitions", [])
        }
        ttl = properties.get("TimeToLiveSpecification") or {}
        tables[logical_id] = {
            "TableName": properties.get("TableName"),
            "KeySchema": _keys(properties.get("KeySchema", []), types),
            "GlobalSecondaryIndexes": {
                index["IndexName"]: {
                    "KeySchema": _keys(index["KeySchema"], types),
                    "Projection": index.get("Projection", {}),
                }
                for index in properties.get("GlobalSecondaryIndexes", [])
            },
            "TimeToLive": ttl.get("AttributeName") if ttl.get("Enabled", True) else None,
        }
    parameters = {
        name: parameter.get("Default")
        for name, parameter in sorted(template.get("Parameters", {}).items())
    }
    return {"tables": tables, "parameters": parameters}


def problems(baseline: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """What deploying `current` onto a stack made from `baseline` would lose or be refused."""
    found: list[str] = []
    for logical_id, before in baseline["tables"].items():
        after = current["tables"].get(logical_id)
        if after is None:
            found.append(f"{logical_id}: the table is gone from the template (renamed or removed)")
            continue
        for what in ("TableName", "KeySchema"):
            if after[what] != before[what]:
                found.append(
                    f"{logical_id}: {what} {before[what]} -> {after[what]} would replace the table"
                    " (a new, empty one)"
                )
        old, new = before["GlobalSecondaryIndexes"], after["GlobalSecondaryIndexes"]
        changed = sorted(name for name in set(old) & set(new) if old[name] != new[name])
        added, removed = sorted(set(new) - set(old)), sorted(set(old) - set(new))
        if changed:
            found.append(
                f"{logical_id}: index {', '.join(changed)} changed: that is deleting and creating"
                " it, two index changes in one deploy, which CloudFormation refuses; add a new"
                " index under a new name instead"
            )
        if len(added) + len(removed) > 1:
            found.append(
                f"{logical_id}: indexes added {added} and removed {removed}: CloudFormation"
                " creates or deletes at most one global secondary index per table per deploy"
            )
        if before["TimeToLive"] and after["TimeToLive"] != before["TimeToLive"]:
            found.append(
                f"{logical_id}: TTL attribute {before['TimeToLive']} -> {after['TimeToLive']}:"
                " the stored items would no longer expire"
            )
    for name, default in baseline["parameters"].items():
        if name not in current["parameters"]:
            found.append(
                f"parameter {name} is gone: the value a cohort deployed with would be dropped"
            )
        elif name.endswith("ParameterName") and current["parameters"][name] != default:
            found.append(
                f"parameter {name}: default {default} -> {current['parameters'][name]} points"
                " a stack deployed with the default at another SSM parameter"
            )
    return found


def current_shape() -> dict[str, Any]:
    return shape(load_template(TEMPLATE))


def read_baseline() -> dict[str, Any]:
    baseline: dict[str, Any] = json.loads(BASELINE.read_text())
    return baseline


def main(argv: list[str]) -> int:
    if argv != ["--write"]:
        print(__doc__)
        found = problems(read_baseline(), current_shape())
        print("\n".join(found) or "template.yaml keeps the baseline's data.")
        return 1 if found else 0
    BASELINE.parent.mkdir(exist_ok=True)
    BASELINE.write_text(json.dumps(current_shape(), indent=2, sort_keys=True) + "\n")
    print(f"wrote {BASELINE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
