"""Read template.yaml the way CloudFormation does, short intrinsic tags included.

PyYAML's safe loader refuses CloudFormation's short forms (``!Ref``, ``!Sub``, ``!GetAtt`` …).
``load_template`` turns each into its long form (``{"Ref": …}``, ``{"Fn::Sub": …}``,
``{"Fn::GetAtt": [resource, attribute]}`` …), so the result is the same dict that the JSON
form of the template would give. Used by the local stack (tables from the template) and the
template tests; never shipped in a Lambda.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

__all__ = ["CloudFormationLoader", "load_template"]

# Short tag -> long key. ``!Ref`` and ``!Condition`` are not ``Fn::`` functions.
_INTRINSICS: dict[str, str] = {
    "Ref": "Ref",
    "Condition": "Condition",
    "Sub": "Fn::Sub",
    "GetAtt": "Fn::GetAtt",
    "Join": "Fn::Join",
    "Select": "Fn::Select",
    "Split": "Fn::Split",
    "If": "Fn::If",
    "Equals": "Fn::Equals",
    "Not": "Fn::Not",
    "And": "Fn::And",
    "Or": "Fn::Or",
    "FindInMap": "Fn::FindInMap",
    "Base64": "Fn::Base64",
    "Cidr": "Fn::Cidr",
    "ImportValue": "Fn::ImportValue",
    "GetAZs": "Fn::GetAZs",
    "Transform": "Fn::Transform",
    # AWS::LanguageExtensions
    "Length": "Fn::Length",
    "ToJsonString": "Fn::ToJsonString",
    "ForEach": "Fn::ForEach",
}


class CloudFormationLoader(yaml.SafeLoader):
    """A safe loader that knows CloudFormation's short tags and keeps dates as strings."""


# CloudFormation reads ``2010-09-09`` as a string, not a date: drop YAML's timestamp resolver.
CloudFormationLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    raise yaml.constructor.ConstructorError(None, None, f"unexpected {node!r}", node.start_mark)


def _make_constructor(key: str) -> Any:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        value = _construct(loader, node)
        if key == "Fn::GetAtt" and isinstance(value, str):
            # ``!GetAtt Resource.Attribute`` (the attribute may itself contain dots).
            resource, _, attribute = value.partition(".")
            value = [resource, attribute]
        return {key: value}

    return construct


for _tag, _key in _INTRINSICS.items():
    CloudFormationLoader.add_constructor(f"!{_tag}", _make_constructor(_key))


def load_template(path: Path) -> dict[str, Any]:
    """Parse a CloudFormation/SAM YAML template into plain dicts and lists."""
    with Path(path).open(encoding="utf-8") as stream:
        # A SafeLoader subclass (short tags only): it builds no arbitrary Python objects.
        document = yaml.load(stream, Loader=CloudFormationLoader)  # noqa: S506  # nosec B506
    if not isinstance(document, dict):
        raise ValueError(f"{path} is not a CloudFormation template (top level is not a mapping)")
    return document
