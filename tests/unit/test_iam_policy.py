"""The IAM evaluator (tests/iam_policy.py) and what it finds in template.yaml's statements: a key
outside the web function's partitions is refused, and only the functions that use members'
network tokens may decrypt the data key that seals them."""

from typing import Any

import pytest

from devstack.template import load_template
from tests.iam_policy import (
    LEADING_KEYS,
    DynamoCalls,
    Request,
    decide,
    function_statements,
    glob,
    kms_key_arn,
    names,
    parameter_arn,
    partition_keys,
    table_arn,
)
from tests.unit.test_template import COMPANION, PUBLISHER, TEMPLATE, WEB

STATE = table_arn("StateTable")
POSTS = table_arn("PostsTable")
ARCHIVE = table_arn("ArchiveTable")

# Who uses members' network tokens, and so must open the data key that seals them.
TOKEN_USERS = {
    WEB: "connects (seals), disconnects and, on a removal, revokes members' accounts",
    PUBLISHER: "posts as members and as the cohort, and seals refreshed tokens",
    COMPANION: "reads chats as the cohort's connected accounts on X, Bluesky and Mastodon",
}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(TEMPLATE)


def state(action: str, key: str) -> Request:
    return Request.of(f"dynamodb:{action}", STATE, **{LEADING_KEYS: [key]})


# the evaluator itself

STATEMENTS: list[dict[str, Any]] = [
    {
        "Effect": "Allow",
        "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
        "Resource": STATE,
        "Condition": {"ForAllValues:StringLike": {LEADING_KEYS: ["MEMBERS", "SESSION#*"]}},
    },
    {
        "Effect": "Deny",
        "Action": "kms:Decrypt",
        "Resource": "arn:aws:kms:us-east-1:123456789012:key/*",
        "Condition": {
            "StringEquals": {"kms:ViaService": "ssm.us-east-1.amazonaws.com"},
            "StringNotEquals": {"kms:EncryptionContext:PARAMETER_ARN": ["arn:mine"]},
        },
    },
]


@pytest.mark.parametrize(
    ("request_", "decision"),
    [
        (state("GetItem", "MEMBERS"), "Allow"),
        (state("PutItem", "SESSION#abc"), "Allow"),
        (state("PutItem", "SESSION#"), "Allow"),  # `*` is any run, the empty one too
        (state("PutItem", "SESSIONS#abc"), "implicit"),  # a prefix is not a pattern
        (state("GetItem", "MEMBERSHIP"), "implicit"),  # without `*`, the whole key
        (state("GetItem", "members"), "implicit"),  # case-sensitive
        (state("DeleteItem", "MEMBERS"), "implicit"),  # an action not granted
        (Request.of("dynamodb:GetItem", POSTS), "implicit"),  # another table
        (
            Request.of(
                "kms:Decrypt",
                kms_key_arn(),
                **{
                    "kms:ViaService": "ssm.us-east-1.amazonaws.com",
                    "kms:EncryptionContext:PARAMETER_ARN": "arn:theirs",
                },
            ),
            "Deny",
        ),
        (
            Request.of(
                "kms:Decrypt",
                kms_key_arn(),
                **{
                    "kms:ViaService": "ssm.us-east-1.amazonaws.com",
                    "kms:EncryptionContext:PARAMETER_ARN": "arn:mine",
                },
            ),
            "implicit",  # not denied: aws/ssm's key policy is what allows it
        ),
    ],
)
def test_requests_are_decided_as_iam_does(request_: Request, decision: str) -> None:
    assert decide(STATEMENTS, request_) == decision


def test_for_all_values_over_several_keys_needs_every_one_to_match() -> None:
    batch = Request.of("dynamodb:GetItem", STATE, **{LEADING_KEYS: ["MEMBERS", "FEED#x"]})
    assert decide(STATEMENTS, batch) == "implicit"
    both = Request.of("dynamodb:GetItem", STATE, **{LEADING_KEYS: ["MEMBERS", "SESSION#x"]})
    assert decide(STATEMENTS, both) == "Allow"


def test_an_unknown_condition_operator_is_not_read_as_allowing() -> None:
    statement = {**STATEMENTS[0], "Condition": {"ForAnyValue:StringEquals": {LEADING_KEYS: "x"}}}
    with pytest.raises(NotImplementedError):
        decide([statement], state("GetItem", "x"))


def test_globs_are_iam_wildcards_and_nothing_else() -> None:
    assert glob("a?c*", "abcdef") and not glob("a?c", "ac")
    assert not glob("SIGNIN#*", "SIGNIN-RATE#x")
    assert not glob("a.b", "axb")  # a dot is a dot


def test_the_recorder_reads_what_iam_authorises(template: dict[str, Any]) -> None:
    """A transaction's items as their own actions, a batch read key by key, a Query by its
    partition, an index Query on the index: each with its partition key."""
    calls = DynamoCalls(
        {"state-x": "StateTable", "posts-x": "PostsTable"}, partition_keys(template)
    )
    transact = calls.requests_of(
        "TransactWriteItems",
        {
            "TransactItems": [
                {"Put": {"TableName": "posts-x", "Item": {"id": {"S": "p1"}}}},
                {"Update": {"TableName": "state-x", "Key": {"pk": {"S": "MEMBERS"}, "sk": {}}}},
                {"ConditionCheck": {"TableName": "state-x", "Key": {"pk": {"S": "CHATS"}}}},
            ]
        },
    )
    assert transact == [
        Request.of("dynamodb:PutItem", POSTS, **{LEADING_KEYS: "p1"}),
        state("UpdateItem", "MEMBERS"),
        state("ConditionCheckItem", "CHATS"),
    ]
    batch = calls.requests_of(
        "BatchGetItem",
        {"RequestItems": {"posts-x": {"Keys": [{"id": {"S": "a"}}, {"id": {"S": "b"}}]}}},
    )
    assert [r.values(LEADING_KEYS) for r in batch] == [("a",), ("b",)]
    query = {
        "TableName": "state-x",
        "KeyConditionExpression": "#p = :members AND begins_with(sk, :x)",
        "ExpressionAttributeNames": {"#p": "pk"},
        "ExpressionAttributeValues": {":members": {"S": "MEMBERS"}, ":x": {"S": "a"}},
    }
    assert calls.requests_of("Query", query) == [state("Query", "MEMBERS")]
    index = calls.requests_of("Query", {"TableName": "posts-x", "IndexName": "by_author"})
    assert index == [Request.of("dynamodb:Query", f"{POSTS}/index/by_author")]


# the template's statements


def test_the_web_function_reaches_only_its_partitions(template: dict[str, Any]) -> None:
    """What tests/integration/test_web_permissions.py relies on to fail: a route that used a
    partition outside the list (another function's items, a new prefix) is refused."""
    web = function_statements(template, WEB)
    for key in ("MEMBERS", "SESSION#ab12", "CHAT#edtechchat", "ACCOUNT#x#member:a@b.example"):
        assert decide(web, state("GetItem", key)) == "Allow", key
    for key in ("XSPEND", "XCHARGE#1", "SESSIONX#1", "members", "NEW-PREFIX#1", ""):
        assert decide(web, state("PutItem", key)) == "implicit", key
    session = {LEADING_KEYS: "SESSION#20261208T0100Z"}
    assert decide(web, Request.of("dynamodb:Query", ARCHIVE, **session)) == "Allow"
    assert decide(web, Request.of("dynamodb:GetItem", ARCHIVE, **session)) == "implicit"
    # Posts are keyed by their random ids: any post, but only these actions.
    for action in ("GetItem", "BatchGetItem", "PutItem", "UpdateItem"):
        assert decide(web, Request.of(f"dynamodb:{action}", POSTS)) == "Allow", action
    for action in ("DeleteItem", "ConditionCheckItem", "Scan", "BatchWriteItem"):
        assert decide(web, Request.of(f"dynamodb:{action}", POSTS)) == "implicit", action


def can_decrypt(template: dict[str, Any], function: str, parameter: str) -> bool:
    """Whether the function can read the SecureString `parameter` (a template parameter naming
    it) decrypted: GetParameter allowed on it, and SSM's kms:Decrypt on the aws/ssm key (allowed
    by that key's policy to everyone in the account) not denied for its encryption context."""
    statements = function_statements(template, function)
    arn = parameter_arn(names(template)[parameter])
    read = Request.of("ssm:GetParameter", arn)
    decrypt = Request.of(
        "kms:Decrypt",
        kms_key_arn(),
        **{
            "kms:ViaService": "ssm.us-east-1.amazonaws.com",
            "kms:EncryptionContext:PARAMETER_ARN": arn,
        },
    )
    return decide(statements, read) == "Allow" and decide(statements, decrypt) != "Deny"


def functions(template: dict[str, Any]) -> list[str]:
    return [n for n, r in template["Resources"].items() if r["Type"].endswith("::Function")]


def test_only_functions_that_use_network_tokens_can_decrypt_their_data_key(
    template: dict[str, Any],
) -> None:
    decrypting = {
        f for f in functions(template) if can_decrypt(template, f, "TokensDataKeyParameterName")
    }
    assert decrypting == set(TOKEN_USERS)


def test_no_function_decrypts_a_secure_string_it_is_not_granted(template: dict[str, Any]) -> None:
    """The deny holds even where a grant is wider than it should be: a function given
    GetParameter on a parameter it does not use still cannot decrypt it."""
    for function in functions(template):
        statements = function_statements(template, function)
        granted = {
            r
            for s in statements
            if s["Effect"] == "Allow" and "ssm:GetParameter" in str(s["Action"])
            for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
        }
        for parameter in (
            "XCredentialsParameterName",
            "XOAuth2ClientParameterName",
            "SigningKeyParameterName",
            "TokensDataKeyParameterName",
        ):
            arn = parameter_arn(names(template)[parameter])
            decrypt = Request.of(
                "kms:Decrypt",
                kms_key_arn(),
                **{
                    "kms:ViaService": "ssm.us-east-1.amazonaws.com",
                    "kms:EncryptionContext:PARAMETER_ARN": arn,
                },
            )
            expected = "implicit" if arn in granted else "Deny"
            assert decide(statements, decrypt) == expected, (function, parameter)
        # Any other SecureString in the account, through SSM: denied.
        other = {
            "kms:ViaService": "ssm.us-east-1.amazonaws.com",
            "kms:EncryptionContext:PARAMETER_ARN": parameter_arn("/someone-else/secret"),
        }
        assert decide(statements, Request.of("kms:Decrypt", kms_key_arn(), **other)) == "Deny"
