"""Hold requests to the official X API v2 description the sandbox carries (x_api_v2_subset.json).

The description is OpenAPI 3.0: its schemas are JSON Schema draft 4 plus `nullable`, which is
turned into a `"null"` type when loading. `$ref`s resolve inside the document through a
`referencing` registry. A request the description rejects is answered with X's 400, worded as X
words it: query parameters as "The `max_results` query parameter value [1000] is not between 10
and 100", JSON bodies in the JSON-path style of X's body validator
("$.reply.in_reply_to_tweet_id: is missing but it is required").
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jsonschema import Draft4Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry
from referencing.jsonschema import DRAFT4
from werkzeug.datastructures import MultiDict

from devstack.sandbox.problems import ErrorEntry, error_entry

SUBSET_PATH = Path(__file__).resolve().parent / "x_api_v2_subset.json"
BASE_URI = "urn:chatdeck:sandbox:x-api-v2"
LEGACY = "x-legacy-wire-parameters"


@dataclass(frozen=True)
class Parameter:
    """One query or path parameter; `validators` are alternatives (the spec's, then the wire's)."""

    name: str
    location: str
    required: bool
    schema: Mapping[str, Any]
    validators: tuple[Draft4Validator, ...]

    def parse(self, raw: str) -> Any:
        kind = self.schema.get("type")
        if kind == "array":
            return raw.split(",")
        if kind == "integer" and re.fullmatch(r"-?\d+", raw):
            return int(raw)
        return raw

    def missing(self) -> ErrorEntry:
        return error_entry(f"The {self.name} query parameter can not be empty", {self.name: []})

    def check(self, raw: str) -> ErrorEntry | None:
        if raw == "":
            return self.missing()
        value = self.parse(raw)
        failures = [list(v.iter_errors(value)) for v in self.validators]
        if any(not errors for errors in failures):
            return None
        return error_entry(self._message(raw, failures[-1][0]), {self.name: [raw]})

    def _message(self, raw: str, error: ValidationError) -> str:
        prefix = f"The `{self.name}` query parameter value"
        schema = self.schema
        if self.location == "path":
            return f"{prefix} [{raw}] is not valid"
        if error.validator in ("minimum", "maximum") and {"minimum", "maximum"} <= schema.keys():
            return f"{prefix} [{raw}] is not between {schema['minimum']} and {schema['maximum']}"
        if error.validator == "enum":
            allowed = ",".join(str(v) for v in error.validator_value)
            return f"{prefix} [{error.instance}] is not one of [{allowed}]"
        if error.validator == "type" and schema.get("type") == "integer":
            return f"{prefix} [{raw}] is not a number"
        if error.validator == "uniqueItems":
            return f"Duplicate values are not allowed: the `{self.name}` query parameter"
        bad = error.instance if isinstance(error.instance, str) else raw
        return f"{prefix} [{bad}] is not valid"


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    parameters: Mapping[str, Parameter]
    body: Draft4Validator | None
    security: frozenset[str]

    @property
    def key(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def query_names(self) -> list[str]:
        return [p.name for p in self.parameters.values() if p.location == "query"]

    def check_query(self, args: MultiDict[str, str]) -> list[ErrorEntry]:
        errors = [self._check_query_value(name, args.getlist(name)) for name in args]
        errors += [
            parameter.missing()
            for parameter in self.parameters.values()
            if parameter.location == "query" and parameter.required and parameter.name not in args
        ]
        return [error for error in errors if error is not None]

    def check_path(self, values: Mapping[str, str]) -> list[ErrorEntry]:
        errors = [self.parameters[name].check(raw) for name, raw in values.items()]
        return [error for error in errors if error is not None]

    def _check_query_value(self, name: str, values: list[str]) -> ErrorEntry | None:
        parameter = self.parameters.get(name)
        if parameter is None or parameter.location != "query":
            allowed = ",".join(self.query_names)
            return error_entry(
                f"The query parameter [{name}] is not one of [{allowed}]", {name: values}
            )
        if len(values) > 1:
            message = f"Duplicate parameters are not allowed: the `{name}` query parameter"
            return error_entry(message, {name: values})
        return parameter.check(values[0])

    def parse_query(self, args: MultiDict[str, str]) -> dict[str, Any]:
        return {name: self.parameters[name].parse(args[name]) for name in args}

    def check_body(self, body: Any) -> list[ErrorEntry]:
        if self.body is None:
            return []
        return [
            entry
            for error in _in_order(self.body.iter_errors(body))
            for entry in _body_entries(error)
        ]


class Description:
    """The carried subset of the X API v2 description, ready to validate requests."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = _nullable_as_null_type(copy.deepcopy(dict(document)))
        resource = DRAFT4.create_resource(self.document)
        self._registry: Registry[Any] = Registry().with_resource(BASE_URI, resource)

    @property
    def version(self) -> str:
        return str(self.document["info"]["version"])

    def validator(self, pointer: str) -> Draft4Validator:
        """A validator for the schema at JSON `pointer` inside the document."""
        reference = {"$ref": f"{BASE_URI}#{quote(pointer, safe='/~')}"}
        return Draft4Validator(
            reference, registry=self._registry, format_checker=Draft4Validator.FORMAT_CHECKER
        )

    def operation(self, method: str, path: str) -> Operation:
        spec = self.document["paths"][path][method]
        base = f"/paths/{_escape(path)}/{method}"
        parameters: dict[str, Parameter] = {}
        for index, entry in enumerate(spec.get("parameters", [])):
            for parameter in self._parameters(entry, f"{base}/parameters/{index}"):
                parameters.setdefault(parameter.name, parameter)
        body = None
        if "requestBody" in spec:
            body = self.validator(f"{base}/requestBody/content/application~1json/schema")
        security = frozenset(
            name for requirement in spec.get("security", []) for name in requirement
        )
        return Operation(method, path, spec["operationId"], parameters, body, security)

    def response_validator(self, method: str, path: str, status: int) -> Draft4Validator:
        pointer = f"/paths/{_escape(path)}/{method}/responses/{status}"
        return self.validator(f"{pointer}/content/application~1json/schema")

    def _parameters(self, entry: Mapping[str, Any], pointer: str) -> Iterable[Parameter]:
        """The parameter at `pointer` and, for a component with a legacy wire twin, the twin."""
        ref = entry.get("$ref")
        if ref is None:
            yield self._parameter(entry, pointer, [pointer])
            return
        component_pointer = ref.removeprefix("#")
        component = self._at(component_pointer)
        twin = self.document.get(LEGACY, {}).get("parameters", {}).get(ref)
        twin_pointer = f"/{LEGACY}/parameters/{_escape(ref)}"
        if twin is None:
            yield self._parameter(component, component_pointer, [component_pointer])
        elif twin["name"] == component["name"]:
            yield self._parameter(twin, twin_pointer, [component_pointer, twin_pointer])
        else:
            yield self._parameter(component, component_pointer, [component_pointer])
            yield self._parameter(twin, twin_pointer, [twin_pointer])

    def _parameter(
        self, spec: Mapping[str, Any], pointer: str, alternatives: list[str]
    ) -> Parameter:
        return Parameter(
            name=spec["name"],
            location=spec["in"],
            required=bool(spec.get("required")),
            schema=spec["schema"],
            validators=tuple(self.validator(f"{p}/schema") for p in alternatives),
        )

    def _at(self, pointer: str) -> Any:
        node: Any = self.document
        for segment in pointer.lstrip("/").split("/"):
            node = node[segment.replace("~1", "/").replace("~0", "~")]
        return node


@cache
def load_description(path: Path = SUBSET_PATH) -> Description:
    return Description(json.loads(path.read_text(encoding="utf-8")))


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def _nullable_as_null_type(node: Any) -> Any:
    """OpenAPI 3.0 `nullable: true` is JSON Schema's `"null"` among the types."""
    if isinstance(node, dict):
        if node.get("nullable") is True and isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
            if "enum" in node and None not in node["enum"]:
                node["enum"] = [*node["enum"], None]
        for value in node.values():
            _nullable_as_null_type(value)
    elif isinstance(node, list):
        for item in node:
            _nullable_as_null_type(item)
    return node


# Body messages follow the JSON-path wording of X's body validator, as in this 2025 answer:
# {"parameters": {"$.reply": ["{}"]},
#  "message": "$.reply.in_reply_to_tweet_id: is missing but it is required"}


def _in_order(errors: Iterable[ValidationError]) -> list[ValidationError]:
    return sorted(errors, key=lambda e: [str(p) for p in e.absolute_path])


def _json_path(error: ValidationError) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)


def _body_entries(error: ValidationError) -> list[ErrorEntry]:
    path = _json_path(error)
    parameters = {path: [_as_text(error.instance)]}
    if error.validator == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        extra = [name for name in error.instance if name not in known]
        message = "is not defined in the schema and the schema does not allow additional properties"
        return [error_entry(f"{path}.{name}: {message}", parameters) for name in extra]
    if error.validator == "required":
        missing = [name for name in error.validator_value if name not in error.instance]
        return [
            error_entry(f"{path}.{name}: is missing but it is required", parameters)
            for name in missing
        ]
    return [error_entry(f"{path}: {_body_message(error)}", parameters)]


def _body_message(error: ValidationError) -> str:
    if error.validator == "type":
        expected = error.validator_value
        expected = expected[0] if isinstance(expected, list) else expected
        return f"{_json_type(error.instance)} found, {expected} expected"
    if error.validator == "enum":
        allowed = ", ".join(map(str, error.validator_value))
        return f"does not have a value in the enumeration [{allowed}]"
    if error.validator == "pattern":
        return f"does not match the regex pattern {error.validator_value}"
    return str(error.message)


def _json_type(value: Any) -> str:
    match value:
        case None:
            return "null"
        case bool():
            return "boolean"
        case int():
            return "integer"
        case float():
            return "number"
        case str():
            return "string"
        case list():
            return "array"
        case _:
            return "object"


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
