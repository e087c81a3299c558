"""A small IAM evaluator for the statements in template.yaml, since moto enforces no IAM.

It reads a function's written-out statements, resolves the template's intrinsics (`Ref`,
`Fn::Sub`, `Fn::GetAtt ...Arn`) to concrete ARNs of one imagined account, and decides a request
(action, resource ARN, condition context) as IAM does: an explicit Deny wins, else an Allow that
matches, else denied by default.

Key decisions:
- Only the condition forms the template uses are understood: `StringEquals`, `StringNotEquals`,
  `StringLike` (IAM's `*` and `?` wildcards) and `ForAllValues:StringLike`. Any other operator
  raises, so a policy written with a new form fails its tests instead of being read as allowing.
- IAM's rules for absent keys: a positive operator on a key the request lacks does not match,
  a negated one (`StringNotEquals`) does, and `ForAllValues` over no values holds.
- `DynamoCalls` records every DynamoDB call one client makes (a botocore `before-call` hook),
  as the requests IAM authorises: a transaction's items each as their own action, a batch read
  as `BatchGetItem` on each key, every one with its partition key as `dynamodb:LeadingKeys`.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

PARTITION, REGION, ACCOUNT = "aws", "us-east-1", "123456789012"
LEADING_KEYS = "dynamodb:LeadingKeys"


@dataclass(frozen=True)
class Request:
    action: str  # "dynamodb:GetItem"
    resource: str  # an ARN
    context: tuple[tuple[str, tuple[str, ...]], ...] = ()  # condition keys and their values

    @classmethod
    def of(cls, action: str, resource: str, **context: list[str] | str) -> Request:
        pairs = tuple(
            sorted((name, tuple([v] if isinstance(v, str) else v)) for name, v in context.items())
        )
        return cls(action, resource, pairs)

    def values(self, key: str) -> tuple[str, ...] | None:
        for name, values in self.context:
            if name.lower() == key.lower():
                return values
        return None

    def __str__(self) -> str:
        context = ", ".join(f"{k}={list(v)}" for k, v in self.context)
        return f"{self.action} on {self.resource}" + (f" ({context})" if context else "")


# ---------------------------------------------------------------------------------------------
# the template's intrinsics, resolved in one imagined account


def table_arn(table: str) -> str:
    return f"arn:{PARTITION}:dynamodb:{REGION}:{ACCOUNT}:table/{table}"


def parameter_arn(name: str) -> str:
    return f"arn:{PARTITION}:ssm:{REGION}:{ACCOUNT}:parameter{name}"


def kms_key_arn(key_id: str = "1234abcd-12ab-34cd-56ef-1234567890ab") -> str:
    return f"arn:{PARTITION}:kms:{REGION}:{ACCOUNT}:key/{key_id}"


def names(template: Mapping[str, Any]) -> dict[str, str]:
    """What each `${Name}` in the template stands for: parameters' defaults, pseudo-parameters,
    and each resource as its logical id (a table's `.Arn` its ARN under that name)."""
    found = {
        "AWS::Partition": PARTITION,
        "AWS::Region": REGION,
        "AWS::AccountId": ACCOUNT,
        "AWS::URLSuffix": "amazonaws.com",
    }
    for name, spec in template.get("Parameters", {}).items():
        found[name] = str(spec.get("Default", name))
    for name, resource in template["Resources"].items():
        found[name] = name
        if resource["Type"] == "AWS::DynamoDB::Table":
            found[f"{name}.Arn"] = table_arn(name)
    return found


def resolve(value: Any, known: Mapping[str, str]) -> Any:
    """The value with every intrinsic replaced by what it stands for."""
    if isinstance(value, list):
        return [resolve(v, known) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        return known[value["Ref"]]
    if set(value) == {"Fn::GetAtt"}:
        target = value["Fn::GetAtt"]
        return known[".".join(target) if isinstance(target, list) else target]
    if set(value) == {"Fn::Sub"}:
        text = value["Fn::Sub"]
        assert isinstance(text, str), "Fn::Sub with its own variables is not read here"
        return re.sub(r"\$\{([^}]+)\}", lambda m: known[m.group(1)], text)
    return {key: resolve(item, known) for key, item in value.items()}


def function_statements(template: Mapping[str, Any], function: str) -> list[dict[str, Any]]:
    """The function's IAM statements, resolved (written-out documents only)."""
    known = names(template)
    found: list[dict[str, Any]] = []
    policies = template["Resources"][function]["Properties"].get("Policies", [])
    for policy in policies if isinstance(policies, list) else [policies]:
        assert isinstance(policy, dict) and "Statement" in policy, policy
        found += [resolve(s, known) for s in _as_list(policy["Statement"])]
    return found


# ---------------------------------------------------------------------------------------------
# deciding


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def glob(pattern: str, text: str, *, ignore_case: bool = False) -> bool:
    """IAM's wildcards: `*` any run of characters, `?` any one; everything else literal."""
    parts = ("." * (c == "?") + ".*" * (c == "*") or re.escape(c) for c in pattern)
    return re.fullmatch("".join(parts), text, re.IGNORECASE if ignore_case else 0) is not None


def _holds(operator: str, key: str, wanted: list[str], request: Request) -> bool:
    present = request.values(key)
    if operator == "StringEquals":
        return present is not None and all(v in wanted for v in present)
    if operator == "StringNotEquals":
        return present is None or all(v not in wanted for v in present)
    if operator == "StringLike":
        return present is not None and all(any(glob(w, v) for w in wanted) for v in present)
    if operator == "ForAllValues:StringLike":
        return all(any(glob(w, v) for w in wanted) for v in present or ())
    raise NotImplementedError(f"condition operator {operator} is not understood here")


def matches(statement: Mapping[str, Any], request: Request) -> bool:
    actions = _as_list(statement["Action"])
    if not any(glob(a, request.action, ignore_case=True) for a in actions):
        return False
    if not any(glob(r, request.resource) for r in _as_list(statement["Resource"])):
        return False
    for operator, tests in statement.get("Condition", {}).items():
        for key, wanted in tests.items():
            if not _holds(operator, key, [str(w) for w in _as_list(wanted)], request):
                return False
    return True


def decide(statements: list[dict[str, Any]], request: Request) -> str:
    """ "Deny" (an explicit Deny matched), "Allow", or "implicit" (nothing allowed it)."""
    if any(s["Effect"] == "Deny" and matches(s, request) for s in statements):
        return "Deny"
    if any(s["Effect"] == "Allow" and matches(s, request) for s in statements):
        return "Allow"
    return "implicit"


def allowed(statements: list[dict[str, Any]], request: Request) -> bool:
    return decide(statements, request) == "Allow"


# ---------------------------------------------------------------------------------------------
# recording what a client asks of DynamoDB


_TRANSACT = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}
_ONE_ITEM = {"GetItem", "PutItem", "UpdateItem", "DeleteItem"}


def partition_keys(template: Mapping[str, Any]) -> dict[str, str]:
    """Each table's partition key attribute (`id`, `pk`), by logical id."""
    return {
        name: next(
            k["AttributeName"] for k in r["Properties"]["KeySchema"] if k["KeyType"] == "HASH"
        )
        for name, r in template["Resources"].items()
        if r["Type"] == "AWS::DynamoDB::Table"
    }


def _value(attribute: Any) -> str:
    """A key's value as IAM sees it (DynamoDB's typed JSON: {"S": "MEMBERS"})."""
    return str(next(iter(attribute.values()))) if isinstance(attribute, dict) else str(attribute)


@dataclass
class DynamoCalls:
    """Every DynamoDB request a client makes, as IAM requests. `tables` maps each deployed table
    name to its logical id in the template; `keys` each logical id to its partition key."""

    tables: Mapping[str, str]
    keys: Mapping[str, str]
    requests: list[Request] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-call.dynamodb", self._record)

    def detach(self, client: Any) -> None:
        client.meta.events.unregister("before-call.dynamodb", self._record)

    def _record(self, model: Any, params: Mapping[str, Any], **_: Any) -> None:
        body = params.get("body") or b"{}"
        loaded = json.loads(body.decode() if isinstance(body, bytes | bytearray) else body)
        found = self.requests_of(model.name, loaded)
        with self._lock:
            self.requests += found

    def _request(self, operation: str, table: str, key: Mapping[str, Any] | None) -> Request:
        logical = self.tables[table]
        context: dict[str, Any] = {}
        if key is not None:
            context[LEADING_KEYS] = [_value(key[self.keys[logical]])]
        return Request.of(f"dynamodb:{operation}", table_arn(logical), **context)

    def requests_of(self, operation: str, body: Mapping[str, Any]) -> list[Request]:
        if operation in _ONE_ITEM:
            return [self._request(operation, body["TableName"], body.get("Key") or body["Item"])]
        if operation == "Query":
            return [self._query(body)]
        if operation == "BatchGetItem":
            return [
                self._request("BatchGetItem", table, key)
                for table, spec in body["RequestItems"].items()
                for key in spec["Keys"]
            ]
        if operation == "TransactWriteItems":
            found = []
            for item in body["TransactItems"]:
                ((kind, spec),) = item.items()
                key = spec.get("Key") or spec["Item"]
                found.append(self._request(_TRANSACT[kind], spec["TableName"], key))
            return found
        if operation == "TransactGetItems":
            return [
                self._request("GetItem", i["Get"]["TableName"], i["Get"]["Key"])
                for i in body["TransactItems"]
            ]
        # Anything else (Scan, BatchWriteItem, ...): the action on the table, no key.
        return [Request.of(f"dynamodb:{operation}", table_arn(self.tables[body["TableName"]]))]

    def _query(self, body: Mapping[str, Any]) -> Request:
        logical = self.tables[body["TableName"]]
        resource = table_arn(logical)
        if body.get("IndexName"):
            return Request.of("dynamodb:Query", f"{resource}/index/{body['IndexName']}")
        names = body.get("ExpressionAttributeNames", {})
        values = body.get("ExpressionAttributeValues", {})
        for name, placeholder in re.findall(
            r"(#?\w+)\s*=\s*(:\w+)", body.get("KeyConditionExpression", "")
        ):
            if names.get(name, name) == self.keys[logical]:
                return Request.of(
                    "dynamodb:Query", resource, **{LEADING_KEYS: [_value(values[placeholder])]}
                )
        raise AssertionError(f"a Query without its partition key: {body}")
