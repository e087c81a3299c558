"""Cut the part of the official X API v2 description that the sandbox speaks.

The full description (about 860 kB, 149 paths) lives outside the repository, in the team's
reference copy (`DEFAULT_SOURCE` below; docs/architecture.md, "The sandbox"). The sandbox
carries only what it needs, in `x_api_v2_subset.json` beside this file:

- the operations Chatdeck calls (`OPERATIONS`), verbatim;
- every `#/components/...` object they reference, transitively, verbatim;
- the security schemes those operations name;
- `x-legacy-wire-parameters`: the description's current components rename Tweet to Post
  (`post.fields`, `edit_history_post_ids`, ...) and drop `author_id` from the fields enum,
  while its own GET /2/tweets/search/stream still describes the names the API answers to on
  the wire and that tweepy sends (`tweet.fields`, `author_id`, `referenced_tweets.id`, ...).
  The sandbox accepts a parameter when either definition accepts it.

Regenerate after updating the reference copy:

    .venv/bin/python -m devstack.sandbox.extract_spec [path/to/openapi.json]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SUBSET_PATH = HERE / "x_api_v2_subset.json"
DEFAULT_SOURCE = HERE.parents[2] / "shared" / "reference" / "x-api" / "openapi.json"
ORIGIN_SOURCE = "xdevplatform/docs @ 2871328 openapi.json"

OPERATIONS: tuple[tuple[str, str], ...] = (
    ("post", "/2/tweets"),
    ("get", "/2/tweets"),
    ("get", "/2/users/me"),
    ("get", "/2/users/{id}/tweets"),
    ("get", "/2/tweets/search/recent"),
)

LEGACY_WIRE_SOURCE = ("get", "/2/tweets/search/stream")
LEGACY_WIRE_TWINS: dict[str, str] = {
    "#/components/parameters/PostFieldsParameter": "tweet.fields",
    "#/components/parameters/PostExpansionsParameter": "expansions",
    "#/components/parameters/UserFieldsParameter": "user.fields",
}


def extract_subset(spec: dict[str, Any]) -> dict[str, Any]:
    """The sandbox's subset of `spec` (a parsed openapi.json), deterministic for a given input."""
    paths: dict[str, dict[str, Any]] = {}
    for method, path in OPERATIONS:
        paths.setdefault(path, {})[method] = spec["paths"][path][method]

    refs = _referenced_components(spec, paths)
    components: dict[str, dict[str, Any]] = {}
    for ref in sorted(refs):
        section, name = _split_component_ref(ref)
        components.setdefault(section, {})[name] = spec["components"][section][name]
    schemes = sorted(_security_scheme_names(paths))
    components["securitySchemes"] = {
        name: spec["components"]["securitySchemes"][name] for name in schemes
    }

    return {
        "openapi": spec["openapi"],
        "x-origin": (
            f"{ORIGIN_SOURCE} v{spec['info']['version']}: the official X API v2 description, "
            "cut to the operations Chatdeck uses by devstack/sandbox/extract_spec.py"
        ),
        "info": spec["info"],
        "servers": spec["servers"],
        "paths": paths,
        "components": dict(sorted(components.items())),
        "x-legacy-wire-parameters": _legacy_wire_parameters(spec),
    }


def _referenced_components(spec: dict[str, Any], root: Any) -> set[str]:
    seen: set[str] = set()
    pending = list(_refs_in(root))
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        section, name = _split_component_ref(ref)
        pending.extend(_refs_in(spec["components"][section][name]))
    return seen


def _refs_in(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        for value in node.values():
            yield from _refs_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs_in(item)


def _split_component_ref(ref: str) -> tuple[str, str]:
    prefix, section, name = ref.rsplit("/", 2)
    if prefix != "#/components":
        raise ValueError(f"not a local component reference: {ref}")
    return section, name


def _security_scheme_names(paths: dict[str, dict[str, Any]]) -> set[str]:
    return {
        name
        for operations in paths.values()
        for operation in operations.values()
        for requirement in operation.get("security", [])
        for name in requirement
    }


def _legacy_wire_parameters(spec: dict[str, Any]) -> dict[str, Any]:
    method, path = LEGACY_WIRE_SOURCE
    inline = {
        parameter["name"]: parameter
        for parameter in spec["paths"][path][method]["parameters"]
        if "name" in parameter
    }
    return {
        "description": (
            f"Wire names of the component parameters below, copied from {method.upper()} {path} "
            "of the same description."
        ),
        "parameters": {ref: inline[name] for ref, name in LEGACY_WIRE_TWINS.items()},
    }


def render(subset: dict[str, Any]) -> str:
    return json.dumps(subset, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--output", type=Path, default=SUBSET_PATH)
    args = parser.parse_args(argv)
    spec = json.loads(args.source.read_text(encoding="utf-8"))
    args.output.write_text(render(extract_subset(spec)), encoding="utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
