"""What an operator checks in template.yaml before deploying it. Pure: no AWS, no network.

The names (env vars, indexes, routes) are read from docs/architecture.md, the contract, so the
template cannot drift from it silently.

(Long on purpose: it pins every function's grants, events and settings in one reading of the
template, so a change to one is seen beside the others.)
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest

from devstack.template import load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
ARCHITECTURE = ROOT / "docs" / "architecture.md"

FUNCTION = "AWS::Serverless::Function"
PUBLISHER = "PublisherFunction"
WEB = "WebFunction"
COMPANION = "CompanionFunction"

# ---------------------------------------------------------------------------------------------
# helpers


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(TEMPLATE)


@pytest.fixture(scope="module")
def architecture() -> str:
    return ARCHITECTURE.read_text(encoding="utf-8")


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def merge_globals(global_value: Any, local_value: Any) -> Any:
    """SAM's Globals rules: maps merge, lists are globals then locals, else local wins."""
    if isinstance(global_value, dict) and isinstance(local_value, dict):
        merged = dict(global_value)
        for key, value in local_value.items():
            merged[key] = merge_globals(global_value[key], value) if key in global_value else value
        return merged
    if isinstance(global_value, list) and isinstance(local_value, list):
        return global_value + local_value
    return local_value


def functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every function's properties as deployed, Globals applied."""
    globals_ = template.get("Globals", {}).get("Function", {})
    return {
        name: merge_globals(globals_, resource.get("Properties", {}))
        for name, resource in template["Resources"].items()
        if resource["Type"] == FUNCTION
    }


def statements(function: dict[str, Any]) -> list[dict[str, Any]]:
    """The function's IAM statements. Policies must be written-out documents, not SAM templates."""
    found: list[dict[str, Any]] = []
    for policy in as_list(function.get("Policies", [])):
        assert isinstance(policy, dict) and "Statement" in policy, (
            f"policy {policy!r} is not a written-out IAM document (managed policies and SAM "
            "policy templates hide what they allow)"
        )
        found += as_list(policy["Statement"])
    return found


def resource_names(resource: Any) -> str:
    """A readable form of a Resource entry: the ARN pattern or the resource it points at."""
    if isinstance(resource, str):
        return resource
    if "Fn::GetAtt" in resource:
        return "${" + ".".join(resource["Fn::GetAtt"]) + "}"
    if "Fn::Sub" in resource:
        sub = resource["Fn::Sub"]
        return sub if isinstance(sub, str) else sub[0]
    return json.dumps(resource)


def grants(function: dict[str, Any], effect: str = "Allow") -> dict[str, set[str]]:
    """Resource (readable) -> actions allowed on it (or, with effect "Deny", denied)."""
    granted: dict[str, set[str]] = {}
    for statement in statements(function):
        assert statement.get("Effect") in ("Allow", "Deny"), statement
        if statement["Effect"] != effect:
            continue
        # Only a Deny may have a condition: an Allow's grant is all in its actions and resources,
        # except sending email, which is granted only from the sender address, and DynamoDB
        # items limited to some partitions (dynamodb:LeadingKeys: tests/unit/test_iam_policy.py
        # and tests/integration/test_web_permissions.py hold those to what the code uses).
        if effect == "Allow" and set(statement.get("Condition", {})) == {LEADING}:
            assert set(statement["Condition"][LEADING]) == {"dynamodb:LeadingKeys"}, statement
            assert all(a.startswith("dynamodb:") for a in as_list(statement["Action"])), statement
        else:
            condition = statement.get("Condition", FROM_SENDER)
            assert effect == "Deny" or condition == FROM_SENDER, statement
            assert (
                effect == "Deny"
                or "Condition" not in statement
                or set(as_list(statement["Action"])) == SEND
            ), statement
        for resource in as_list(statement["Resource"]):
            granted.setdefault(resource_names(resource), set()).update(as_list(statement["Action"]))
    return granted


def denials(function: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in statements(function) if s["Effect"] == "Deny"]


def all_actions(function: dict[str, Any]) -> set[str]:
    return {action for actions in grants(function).values() for action in actions}


FROM_SENDER = {"StringEquals": {"ses:FromAddress": {"Ref": "SenderEmail"}}}
LEADING = "ForAllValues:StringLike"
# SESv2 SendEmail with Raw content is authorised as ses:SendRawEmail.
SEND = {"ses:SendEmail", "ses:SendRawEmail"}
POSTS = "${PostsTable.Arn}"
STATE = "${StateTable.Arn}"
ARCHIVE = "${ArchiveTable.Arn}"


# ---------------------------------------------------------------------------------------------
# the loader


def test_loader_reads_short_tags_as_their_long_forms(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        'AWSTemplateFormatVersion: "2010-09-09"\n'
        "Date: 2010-09-09\n"
        "A: !Ref Thing\n"
        "B: !GetAtt Table.StreamArn\n"
        "C: !Sub arn:${AWS::Partition}:x\n"
        "D: !Sub [\"${X}\", {X: !Select [1, !Split ['@', !Ref Email]]}]\n"
        "E: !If [Cond, 1, !Ref AWS::NoValue]\n"
        "F: !Join ['', [a, b]]\n"
        "G: !GetAtt [Res, Attr]\n"
    )
    assert load_template(path) == {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Date": "2010-09-09",
        "A": {"Ref": "Thing"},
        "B": {"Fn::GetAtt": ["Table", "StreamArn"]},
        "C": {"Fn::Sub": "arn:${AWS::Partition}:x"},
        "D": {
            "Fn::Sub": [
                "${X}",
                {"X": {"Fn::Select": [1, {"Fn::Split": ["@", {"Ref": "Email"}]}]}},
            ]
        },
        "E": {"Fn::If": ["Cond", 1, {"Ref": "AWS::NoValue"}]},
        "F": {"Fn::Join": ["", ["a", "b"]]},
        "G": {"Fn::GetAtt": ["Res", "Attr"]},
    }


# ---------------------------------------------------------------------------------------------
# runtime and packaging


def test_every_function_is_python313_on_arm64(template: dict[str, Any]) -> None:
    found = functions(template)
    assert set(found) == {WEB, PUBLISHER, COMPANION}
    for name, function in found.items():
        assert function["Runtime"] == "python3.13", name
        assert function["Architectures"] == ["arm64"], name
        assert function["Handler"] == "app.handler", name
        code = ROOT / function["CodeUri"]
        assert code.is_dir(), f"{name}: {code} is missing"


def test_every_layer_is_built_for_python313_on_arm64(template: dict[str, Any]) -> None:
    layers = {
        name: resource
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::LayerVersion"
    }
    assert set(layers) == {"ChatdeckLayer", "DepsLayer"}
    # The deps layer is built by layers/deps/Makefile (pip for aarch64, then prune.txt's cuts).
    methods = {"ChatdeckLayer": "python3.13", "DepsLayer": "makefile"}
    for name, layer in layers.items():
        assert layer["Metadata"] == {"BuildMethod": methods[name], "BuildArchitecture": "arm64"}
        assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"], name
        assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"], name
    # The application package: shared/ is copied into python/, so /opt/python/chatdeck.
    assert layers["ChatdeckLayer"]["Properties"]["ContentUri"] == "shared/"
    assert (ROOT / "shared" / "chatdeck" / "__init__.py").is_file()
    # Third-party packages, installed from the pinned requirements by the layer's Makefile.
    assert layers["DepsLayer"]["Properties"]["ContentUri"] == "layers/deps/"
    for part in ("requirements.txt", "prune.txt", "Makefile"):
        assert (ROOT / "layers" / "deps" / part).is_file(), part
    assert "build-DepsLayer:" in (ROOT / "layers" / "deps" / "Makefile").read_text()


def test_every_function_has_both_layers(template: dict[str, Any]) -> None:
    for name, function in functions(template).items():
        assert function["Layers"] == [{"Ref": "ChatdeckLayer"}, {"Ref": "DepsLayer"}], name


# ---------------------------------------------------------------------------------------------
# permissions

SSM = "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter"
SES_IDENTITY = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/"
X_COHORT_CREDENTIALS = SSM + "${XCredentialsParameterName}"
X_OAUTH2_CLIENT = SSM + "${XOAuth2ClientParameterName}"
SIGNING_KEY = SSM + "${SigningKeyParameterName}"
TOKENS_DATA_KEY = SSM + "${TokensDataKeyParameterName}"
# Any identity (the sender's address or domain, and in the SES sandbox each recipient's), on
# the one condition that the From address is the sender; and the configuration set, which
# SESv2 also authorises (moto does not check that).
SENDER = {
    SES_IDENTITY + "*",
    "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:configuration-set/"
    "${EmailConfigurationSet}",
}
READ = {"ssm:GetParameter"}
READ_AND_MAKE = {"ssm:GetParameter", "ssm:PutParameter"}


def test_no_function_may_scan_delete_posts_or_archive_or_use_wildcards(
    template: dict[str, Any],
) -> None:
    for name, function in functions(template).items():
        for resource, actions in grants(function).items():
            assert resource != "*" and not resource.endswith(":*"), (name, resource)
            for action in actions:
                assert "*" not in action, (name, action)
                # No Scan anywhere: every read is a GetItem or a Query on a key or an index.
                assert action not in {
                    "dynamodb:Scan",
                    "dynamodb:BatchWriteItem",
                    "dynamodb:PartiQLSelect",
                    "dynamodb:PartiQLDelete",
                    "dynamodb:DeleteTable",
                }, (name, action)
            if resource.startswith(POSTS):
                # Posts are never deleted: cancelling, declining and failing are states.
                assert "dynamodb:DeleteItem" not in actions, (name, resource)
            if resource.startswith(ARCHIVE):
                # Old sessions are deleted by the table's TTL, never by a function.
                assert "dynamodb:DeleteItem" not in actions, (name, resource)


def test_publisher_grants_are_exactly_the_contract(template: dict[str, Any]) -> None:
    granted = grants(functions(template)[PUBLISHER])
    # Posts: find due work on the sparse index, claim and record with conditional updates.
    assert granted[f"{POSTS}/index/work"] == {"dynamodb:Query"}
    assert granted[POSTS] == {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:UpdateItem"}
    # Account state, tokens and notices; a disconnect keeps a record, so nothing is deleted.
    assert granted[STATE] == {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}
    # Nothing on the archive: that is the companion's.
    dynamodb = {r for r, a in granted.items() if any(x.startswith("dynamodb:") for x in a)}
    assert dynamodb == {f"{POSTS}/index/work", POSTS, STATE}


def test_web_grants_are_exactly_the_contract(template: dict[str, Any]) -> None:
    granted = grants(functions(template)[WEB])
    assert granted == {
        # Schedule, edit, cancel, approve, decline (a post and its targets, an edit in one
        # transaction of puts and updates): never delete.
        POSTS: {
            "dynamodb:GetItem",
            "dynamodb:BatchGetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
        },
        # The queue page: every post for admins, one member's own otherwise.
        f"{POSTS}/index/by_created": {"dynamodb:Query"},
        f"{POSTS}/index/by_author": {"dynamodb:Query"},
        # Members, sign-in links, sessions (deleted at sign-out), OAuth connects, settings;
        # the session page's expanded links, read in one batch.
        STATE: {
            "dynamodb:GetItem",
            "dynamodb:BatchGetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:Query",
        },
        # The session page: a session's META and its posts, in one Query; never the
        # open-sessions index. An admin's correction of its moderators updates its META.
        ARCHIVE: {"dynamodb:Query", "dynamodb:UpdateItem"},
        X_OAUTH2_CLIENT: {"ssm:GetParameter"},
        # Verifying unsubscribe links.
        SIGNING_KEY: {"ssm:GetParameter"},
        # The tokens' data key: read, and made at the first connect.
        TOKENS_DATA_KEY: READ_AND_MAKE,
        **dict.fromkeys(SENDER, SEND),
    }


def test_companion_grants_are_exactly_the_contract(template: dict[str, Any]) -> None:
    granted = grants(functions(template)[COMPANION])
    assert granted == {
        # Chats, subscriptions, members, notices, participants, the reading account's state
        # and tokens; shortened links' expansions, read in one batch. No DeleteItem:
        # unsubscribing is the web's.
        STATE: {
            "dynamodb:GetItem",
            "dynamodb:BatchGetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:Query",
        },
        # Sessions and their posts: started, stored once, updated; old ones go by TTL.
        ARCHIVE: {
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:Query",
        },
        # The sessions that need work, each minute.
        f"{ARCHIVE}/index/open_sessions": {"dynamodb:Query"},
        # Reading as the cohort account (OAuth 1.0a, or OAuth 2.0 when connected that way),
        # and signing unsubscribe links.
        X_COHORT_CREDENTIALS: {"ssm:GetParameter"},
        X_OAUTH2_CLIENT: {"ssm:GetParameter"},
        SIGNING_KEY: {"ssm:GetParameter"},
        # The tokens' data key, to open (and seal refreshed) cohort tokens: read only.
        TOKENS_DATA_KEY: READ,
        # Reminders and digests.
        **dict.fromkeys(SENDER, SEND),
    }
    # Nothing at all on posts.
    assert not any(resource.startswith(POSTS) for resource in granted)


def test_each_function_reads_only_its_ssm_parameters(template: dict[str, Any]) -> None:
    found = functions(template)
    expected = {
        # The cohort account's OAuth 1.0a credentials, the app's OAuth 2.0 client to refresh
        # members' tokens, and the tokens' data key.
        PUBLISHER: {X_COHORT_CREDENTIALS: READ, X_OAUTH2_CLIENT: READ, TOKENS_DATA_KEY: READ},
        # The OAuth 2.0 client, to connect accounts; the signing key, to verify email links;
        # the tokens' data key, which the first connect makes.
        WEB: {X_OAUTH2_CLIENT: READ, SIGNING_KEY: READ, TOKENS_DATA_KEY: READ_AND_MAKE},
        # Reading the chats as the cohort account; the signing key, to sign email links.
        COMPANION: {
            X_COHORT_CREDENTIALS: READ,
            X_OAUTH2_CLIENT: READ,
            SIGNING_KEY: READ,
            TOKENS_DATA_KEY: READ,
        },
    }
    assert set(expected) == set(found)
    for name, parameters in expected.items():
        granted = grants(found[name])
        ssm = {r: a for r, a in granted.items() if any(x.startswith("ssm:") for x in a)}
        assert ssm == parameters, name


def test_only_web_and_companion_read_the_signing_key(template: dict[str, Any]) -> None:
    readers = {
        name for name, function in functions(template).items() if SIGNING_KEY in grants(function)
    }
    assert readers == {WEB, COMPANION}


@pytest.mark.parametrize(
    ("parameter", "default"),
    [
        ("XCredentialsParameterName", "/chatdeck/x/cohort"),
        ("XOAuth2ClientParameterName", "/chatdeck/x/oauth2-client"),
        ("SigningKeyParameterName", "/chatdeck/signing-key"),
        ("TokensDataKeyParameterName", "/chatdeck/tokens-data-key"),
    ],
)
def test_parameter_names_start_with_a_slash(
    template: dict[str, Any], parameter: str, default: str
) -> None:
    # The ARN is "parameter" + name, one slash: a name without its leading "/" would be a
    # grant on a parameter that does not exist.
    spec = template["Parameters"][parameter]
    assert spec["Default"] == default
    assert spec["AllowedPattern"].startswith("^/")
    assert re.fullmatch(spec["AllowedPattern"], spec["Default"])
    assert not re.fullmatch(spec["AllowedPattern"], default.lstrip("/"))


def test_functions_send_email_only_as_the_sender(template: dict[str, Any]) -> None:
    for name, function in functions(template).items():
        granted = grants(function)
        ses = {r: a for r, a in granted.items() if any(x.startswith("ses:") for x in a)}
        # Any recipient and the configuration set, always from the sender address.
        assert set(ses) == SENDER, name
        for actions in ses.values():
            assert actions == SEND, name
        sending = [s for s in statements(function) if set(as_list(s["Action"])) & SEND]
        assert sending and all(s["Condition"] == FROM_SENDER for s in sending), name


def test_sending_is_granted_on_the_configuration_set(template: dict[str, Any]) -> None:
    """SESv2 checks IAM on the configuration set's ARN as well as the identities'."""
    config_set = template["Resources"]["EmailConfigurationSet"]
    assert config_set["Type"] == "AWS::SES::ConfigurationSet"
    assert config_set["Properties"]["ReputationOptions"] == {"ReputationMetricsEnabled": True}
    arn = (
        "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:configuration-set/"
        "${EmailConfigurationSet}"
    )
    for name, function in functions(template).items():
        assert grants(function)[arn] == SEND, name
        variables = function["Environment"]["Variables"]
        assert variables["SES_CONFIGURATION_SET"] == {"Ref": "EmailConfigurationSet"}, name


def test_only_the_web_function_makes_the_tokens_data_key_and_never_overwrites_it(
    template: dict[str, Any],
) -> None:
    """Only a connect (the web function) seals tokens before any exist, so only it may make the
    key; and create-only is enforced in IAM too: a PutParameter that would overwrite is denied."""
    for name, function in functions(template).items():
        writes = {r for r, a in grants(function).items() if "ssm:PutParameter" in a}
        assert writes == ({TOKENS_DATA_KEY} if name == WEB else set()), name
    (deny,) = [d for d in denials(functions(template)[WEB]) if d["Action"] != "kms:Decrypt"]
    assert as_list(deny["Action"]) == ["ssm:PutParameter"]
    assert [resource_names(r) for r in as_list(deny["Resource"])] == [TOKENS_DATA_KEY]
    assert deny["Condition"] == {"StringEquals": {"ssm:Overwrite": "true"}}
    for name in (PUBLISHER, COMPANION):
        # Only the one that limits decryption (tests/unit/test_iam_policy.py).
        found = denials(functions(template)[name])
        assert [d["Action"] for d in found] == ["kms:Decrypt"], name


def test_no_kms_key_and_no_kms_grant_the_tokens_key_is_free(template: dict[str, Any]) -> None:
    # A customer managed KMS key is $1 a month. The data key is a SecureString under the AWS
    # managed aws/ssm key, which SSM uses for the functions with no kms grant at all.
    resources = template["Resources"]
    assert not [n for n, r in resources.items() if r["Type"].startswith("AWS::KMS::")]
    for name, function in functions(template).items():
        assert not [a for a in all_actions(function) if a.startswith("kms:")], name
    # What the functions are told is the parameter's name (never a secret).
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["TOKENS_DATA_KEY_PARAMETER"] == {"Ref": "TokensDataKeyParameterName"}


# ---------------------------------------------------------------------------------------------
# the schedules: the publisher's and the companion's, each with its own dead-letter queue

SCHEDULED = {PUBLISHER: "PublisherDeadLetterQueue", COMPANION: "CompanionDeadLetterQueue"}


def test_only_the_publisher_and_the_companion_are_scheduled(template: dict[str, Any]) -> None:
    scheduled = {
        name
        for name, function in functions(template).items()
        if any(e["Type"] == "ScheduleV2" for e in function.get("Events", {}).values())
    }
    assert scheduled == set(SCHEDULED)
    # One queue each, so a lost tick says whose it was.
    assert len(set(SCHEDULED.values())) == len(SCHEDULED)


@pytest.mark.parametrize(("function", "queue"), SCHEDULED.items())
def test_ticks_every_minute_with_its_time_retries_and_a_dead_letter_queue(
    template: dict[str, Any], function: str, queue: str
) -> None:
    events = functions(template)[function]["Events"]
    assert len(events) == 1
    (tick,) = events.values()
    assert tick["Type"] == "ScheduleV2"
    properties = tick["Properties"]
    assert properties["ScheduleExpression"] == "rate(1 minute)"
    # The scheduled instant, so a late delivery never acts as if it were earlier or later.
    assert json.loads(properties["Input"]) == {"scheduled_time": "<aws.scheduler.scheduled-time>"}
    assert properties["RetryPolicy"] == {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 300}
    assert properties["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [queue, "Arn"]}}
    # A second stack in the same account must not collide on the schedule's name.
    assert properties.get("OmitName") is True
    resource = template["Resources"][queue]
    assert resource["Type"] == "AWS::SQS::Queue"
    assert resource["Properties"].get("SqsManagedSseEnabled") is True
    assert resource["Properties"]["MessageRetentionPeriod"] == 1209600  # 14 days, to look


@pytest.mark.parametrize(("function", "queue"), SCHEDULED.items())
def test_failed_ticks_are_not_retried_by_lambda_and_land_in_the_dead_letter_queue(
    template: dict[str, Any], function: str, queue: str
) -> None:
    config = functions(template)[function]["EventInvokeConfig"]
    assert config["MaximumRetryAttempts"] == 0
    assert config["DestinationConfig"]["OnFailure"] == {
        "Type": "SQS",
        "Destination": {"Fn::GetAtt": [queue, "Arn"]},
    }


def test_a_companion_tick_has_a_minute(template: dict[str, Any]) -> None:
    companion = functions(template)[COMPANION]
    assert companion["Timeout"] == 60
    assert companion["CodeUri"] == "functions/companion/"


def test_publisher_reserves_concurrency_only_when_asked(template: dict[str, Any]) -> None:
    """A new account's quota is 10 concurrent executions and Lambda keeps 10 unreserved, so a
    reservation by default would fail the first deploy. Claims keep publishing single anyway."""
    publisher = functions(template)[PUBLISHER]
    assert publisher["Timeout"] == 60
    condition, reserved, otherwise = publisher["ReservedConcurrentExecutions"]["Fn::If"]
    assert (reserved, otherwise) == (1, {"Ref": "AWS::NoValue"})
    assert template["Conditions"][condition] == {
        "Fn::Equals": [{"Ref": "ReservePublisherConcurrency"}, "true"]
    }
    assert template["Parameters"]["ReservePublisherConcurrency"]["Default"] == "false"
    # No function reserves any by default.
    for name, function in functions(template).items():
        assert name == PUBLISHER or "ReservedConcurrentExecutions" not in function, name


def test_a_tick_ends_before_its_claims_expire(template: dict[str, Any]) -> None:
    publisher = functions(template)[PUBLISHER]
    lease = int(publisher["Environment"]["Variables"]["LEASE_SECONDS"])
    assert publisher["Timeout"] < lease


# ---------------------------------------------------------------------------------------------
# tables


def key_schema(schema: list[dict[str, str]]) -> list[tuple[str, str]]:
    return [(key["AttributeName"], key["KeyType"]) for key in schema]


def test_every_table_is_kept_recoverable_and_encrypted(template: dict[str, Any]) -> None:
    tables = {
        name: resource
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::DynamoDB::Table"
    }
    assert set(tables) == {"PostsTable", "StateTable", "ArchiveTable"}
    for name, table in tables.items():
        # Kept when the stack is deleted, but not left behind by a first create that failed
        # (a retry would then fail on tables that already exist). UpdateReplacePolicy has no
        # "except on create": a replaced table is kept.
        assert table["DeletionPolicy"] == "RetainExceptOnCreate", name
        assert table["UpdateReplacePolicy"] == "Retain", name
        properties = table["Properties"]
        assert properties["BillingMode"] == "PAY_PER_REQUEST", name
        # Deleted data (a removed member's, expired items) leaves the backups within 30 days.
        assert properties["PointInTimeRecoverySpecification"] == {
            "PointInTimeRecoveryEnabled": True,
            "RecoveryPeriodInDays": 30,
        }, name
        assert properties["SSESpecification"]["SSEEnabled"] is True, name


def test_posts_table_has_the_indexes_of_the_architecture(
    template: dict[str, Any], architecture: str
) -> None:
    documented = {
        name: ([(hash_key, "HASH"), (range_key, "RANGE")], projection)
        for name, hash_key, range_key, projection in re.findall(
            r"`(\w+)` \(`(\w+)` HASH, `(\w+)` RANGE, (\w+)\)", architecture
        )
    }
    assert set(documented) == {"work", "by_created", "by_author"}, (
        "docs/architecture.md changed its indexes?"
    )
    properties = template["Resources"]["PostsTable"]["Properties"]
    assert key_schema(properties["KeySchema"]) == [("id", "HASH")]
    indexes = {
        index["IndexName"]: (key_schema(index["KeySchema"]), index["Projection"]["ProjectionType"])
        for index in properties["GlobalSecondaryIndexes"]
    }
    assert indexes == documented
    # Every key is a string: ids, "WORK"/"POSTS", and UTC instants as YYYY-MM-DDTHH:MM:SSZ.
    types = {a["AttributeName"]: a["AttributeType"] for a in properties["AttributeDefinitions"]}
    assert types == dict.fromkeys(
        ["id", "work_pk", "next_action_at", "list_pk", "created_at", "author_email"], "S"
    )


def test_state_table_has_pk_sk_and_expires(template: dict[str, Any]) -> None:
    properties = template["Resources"]["StateTable"]["Properties"]
    assert key_schema(properties["KeySchema"]) == [("pk", "HASH"), ("sk", "RANGE")]
    types = {a["AttributeName"]: a["AttributeType"] for a in properties["AttributeDefinitions"]}
    assert types == {"pk": "S", "sk": "S"}
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}


def test_archive_table_has_pk_sk_the_open_sessions_index_and_expires(
    template: dict[str, Any], architecture: str
) -> None:
    documented = re.findall(
        r"`(\w+)` \(`(\w+)` HASH, `(\w+)` RANGE, INCLUDE `(\w+)`\)",
        architecture.split("**ArchiveTable**", 1)[1],
    )
    assert documented == [("open_sessions", "open_pk", "session_end", "status")], (
        "docs/architecture.md changed the archive's index?"
    )
    properties = template["Resources"]["ArchiveTable"]["Properties"]
    assert key_schema(properties["KeySchema"]) == [("pk", "HASH"), ("sk", "RANGE")]
    types = {a["AttributeName"]: a["AttributeType"] for a in properties["AttributeDefinitions"]}
    assert types == dict.fromkeys(["pk", "sk", "open_pk", "session_end"], "S")
    (index,) = properties["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "open_sessions"
    assert key_schema(index["KeySchema"]) == [("open_pk", "HASH"), ("session_end", "RANGE")]
    # Only the status is projected: the META's per-minute updates while polling write nothing
    # to the index.
    assert index["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["status"]}
    # Old sessions are deleted by DynamoDB, after ArchiveRetentionDays; no function deletes.
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}


# ---------------------------------------------------------------------------------------------
# environment


# The contract's tables with a "set by" column: the first ones, and the chats' (issue 4).
ENVIRONMENT_SECTIONS = ("## Environment", "### Chat environment")
# How the "set by" cells name the functions: "template (publisher and companion only)".
FUNCTION_WORDS = {"web": WEB, "publisher": PUBLISHER, "companion": COMPANION}


def documented_environment(architecture: str) -> dict[str, str]:
    """Rows of the environment tables with a "set by" column: variable -> that cell."""
    rows: dict[str, str] = {}
    for heading in ENVIRONMENT_SECTIONS:
        assert heading in architecture, f"docs/architecture.md lost its {heading!r} table?"
        section = architecture.split(heading, 1)[1].split("\n#", 1)[0]
        for line in section.splitlines():
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if len(cells) == 3 and cells[0].startswith("`"):
                for variable in re.findall(r"`([A-Z][A-Z0-9_]+)`", cells[0]):
                    rows[variable] = cells[2]
    return rows


def needed_by(set_by: str, found: dict[str, Any]) -> set[str]:
    """The functions a "set by template" cell names, "(publisher only)"; else every one."""
    scope = re.search(r"\(([^)]*) only\)", set_by)
    if scope is None:
        return set(found)
    names = {FUNCTION_WORDS[word] for word in re.findall(r"\w+", scope.group(1)) if word != "and"}
    assert names, set_by
    return names


def test_every_documented_variable_is_set_where_it_is_needed(
    template: dict[str, Any], architecture: str
) -> None:
    """Rows "set by template": on every function, or exactly on the ones the row names."""
    documented = documented_environment(architecture)
    assert {
        "POSTS_TABLE",
        "STATE_TABLE",
        "PUBLIC_URL",
        "AWS_ENDPOINT_URL",
        "ARCHIVE_TABLE",
        "SIGNING_KEY_PARAMETER",
        "CHAT_READ_BUDGET",
        "ARCHIVE_RETENTION_DAYS",
    } <= set(documented)
    found = functions(template)
    for variable, set_by in documented.items():
        if not set_by.startswith("template"):
            # "defaults" or "local stack only": never in the deployed template.
            for name, function in found.items():
                assert variable not in function["Environment"]["Variables"], (name, variable)
            continue
        reference = re.search(r"`!Ref (\w+)`|parameter `(\w+)`", set_by)
        needed = needed_by(set_by, found)
        for name, function in found.items():
            variables = function["Environment"]["Variables"]
            if name not in needed:
                assert variable not in variables, f"{name} has {variable} ({set_by})"
                continue
            assert variable in variables, f"{name} lacks {variable} ({set_by})"
            if reference:
                assert variables[variable] == {"Ref": reference.group(1) or reference.group(2)}
        default = re.search(r"\(default `([^`]+)`\)", set_by)
        if reference and reference.group(2) and default:
            assert template["Parameters"][reference.group(2)]["Default"] == default.group(1)


# Variables of "More environment" (members, sign-in, personal accounts): the parameter or
# resource each is set from, on every function, and the default the contract names.
MEMBERS_ENVIRONMENT = {
    "X_OAUTH2_CLIENT_PARAMETER": ("XOAuth2ClientParameterName", "/chatdeck/x/oauth2-client"),
    "X_AUTHORIZE_URL": ("XAuthorizeUrl", "https://x.com/i/oauth2/authorize"),
    "TOKENS_DATA_KEY_PARAMETER": ("TokensDataKeyParameterName", "/chatdeck/tokens-data-key"),
    "REQUIRE_APPROVAL": ("RequireApproval", "false"),
}


def test_members_environment_is_set_on_every_function(
    template: dict[str, Any], architecture: str
) -> None:
    section = architecture.split("### More environment", 1)[1].split("\n#", 1)[0]
    rows = {
        variable: meaning
        for variable, meaning in re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \| (.*) \|$", section, re.M)
    }
    assert set(rows) == set(MEMBERS_ENVIRONMENT), "docs/architecture.md changed its variables?"
    global_variables = template["Globals"]["Function"]["Environment"]["Variables"]
    for variable, (source, default) in MEMBERS_ENVIRONMENT.items():
        # In Globals: every function needs them (the publisher posts as members too, the
        # companion reads as the cohort account, which may be connected through OAuth 2.0).
        assert global_variables[variable] == {"Ref": source}, variable
        for name, function in functions(template).items():
            assert function["Environment"]["Variables"][variable] == {"Ref": source}, name
        if default is not None:
            assert f"`{default}`" in rows[variable], (variable, "the contract's default?")
            assert template["Parameters"][source]["Default"] == default, variable


def test_approval_and_admins_are_chosen_at_deploy_time(template: dict[str, Any]) -> None:
    parameters = template["Parameters"]
    approval = parameters["RequireApproval"]
    assert approval["AllowedValues"] == ["true", "false"]
    assert approval["Default"] == "false"
    # Admins are named by whoever deploys: no default, so no stack starts without one.
    admins = parameters["AdminEmails"]
    assert "Default" not in admins
    pattern = admins["AllowedPattern"]
    assert re.fullmatch(pattern, "ana@school.example")
    assert re.fullmatch(pattern, "ana@school.example, ben@school.example")
    assert not re.fullmatch(pattern, "Ana <ana@school.example>")
    authorize = parameters["XAuthorizeUrl"]
    assert re.fullmatch(authorize["AllowedPattern"], authorize["Default"])
    assert not re.fullmatch(authorize["AllowedPattern"], "http://x.com/i/oauth2/authorize")


def settings_variables() -> dict[str, Any]:
    """Environment variable -> the settings model's field, for every field it reads."""
    settings = pytest.importorskip("chatdeck.settings")
    model = settings.Settings
    prefix = str(model.model_config.get("env_prefix") or "")
    return {(prefix + name).upper(): field for name, field in model.model_fields.items()}


def test_every_variable_the_settings_model_reads_is_set_or_left_to_its_default(
    template: dict[str, Any], architecture: str
) -> None:
    """The converse of the test below: a setting the template forgets would silently run on its
    default (a local table name, a local parameter name) in Lambda."""
    documented = documented_environment(architecture)
    found = functions(template)
    for variable in settings_variables():
        assert f"`{variable}`" in architecture, f"docs/architecture.md does not name {variable}"
        if documented.get(variable) == "defaults":
            continue  # deliberately left to the model's default (the X timeouts)
        setters = {n for n, f in found.items() if variable in f["Environment"]["Variables"]}
        assert setters, f"no function sets {variable}"


@pytest.mark.parametrize(
    ("parameter", "variable", "default"),
    [
        ("ChatReadBudget", "CHAT_READ_BUDGET", 2000),
        ("ArchiveRetentionDays", "ARCHIVE_RETENTION_DAYS", 180),
    ],
)
def test_chat_numbers_are_parameters_the_settings_model_accepts(
    template: dict[str, Any], parameter: str, variable: str, default: int
) -> None:
    # Every function reads every setting: a value the model refuses would break them all at
    # import, so CloudFormation refuses it first.
    spec = template["Parameters"][parameter]
    assert spec["Type"] == "Number"
    assert spec["Default"] == default
    field = settings_variables()[variable]
    assert field.default == default
    (lower,) = [m.ge for m in field.metadata if getattr(m, "ge", None) is not None]
    assert spec["MinValue"] == lower


def test_every_variable_set_is_one_the_settings_model_reads(template: dict[str, Any]) -> None:
    """Settings ignores unknown variables and has defaults: a misspelt name would pass silently."""
    settings = pytest.importorskip("chatdeck.settings")
    model = settings.Settings
    prefix = str(model.model_config.get("env_prefix") or "")
    read = {(prefix + name).upper() for name in model.model_fields}
    required = {(prefix + n).upper() for n, f in model.model_fields.items() if f.is_required()}
    for name, function in functions(template).items():
        variables = set(function["Environment"]["Variables"])
        assert required <= variables, (name, required - variables)
        ours = {v for v in variables if not v.startswith("POWERTOOLS_")}
        assert ours <= read, (name, ours - read)


def test_powertools_is_configured(template: dict[str, Any]) -> None:
    for name, function in functions(template).items():
        variables = function["Environment"]["Variables"]
        assert variables["POWERTOOLS_SERVICE_NAME"] == "chatdeck", name
        assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "Chatdeck", name
        # Powertools alone filters the app's logs, by LogLevel. Lambda filters nothing: with an
        # ApplicationLogLevel it would read EMF metric lines (no level) as INFO and drop them at
        # WARN, and its AWS_LAMBDA_LOG_LEVEL would override POWERTOOLS_LOG_LEVEL.
        assert variables["POWERTOOLS_LOG_LEVEL"] == {"Ref": "LogLevel"}, name
        assert function["LoggingConfig"]["LogFormat"] == "Text", name
        assert "ApplicationLogLevel" not in function["LoggingConfig"], name
        assert "SystemLogLevel" not in function["LoggingConfig"], name


API_URL = {"Fn::Sub": "https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"}


@pytest.mark.parametrize("function", [WEB, PUBLISHER, COMPANION])
def test_every_link_starts_with_the_public_url_or_the_apis_own(
    template: dict[str, Any], function: str
) -> None:
    """PUBLIC_URL is PublicUrl, or the API's own URL when it is left empty: computed in the
    template, so nothing has to be set, and the same for every function (the web function's
    pages and emails, the scheduled functions' emails)."""
    variables = functions(template)[function]["Environment"]["Variables"]
    assert variables["PUBLIC_URL"] == {"Fn::If": ["HasPublicUrl", {"Ref": "PublicUrl"}, API_URL]}
    assert template["Conditions"]["HasPublicUrl"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "PublicUrl"}, ""]}]
    }


def test_public_url_is_optional_and_an_https_origin(template: dict[str, Any]) -> None:
    spec = template["Parameters"]["PublicUrl"]
    assert spec["Type"] == "String" and spec["Default"] == ""
    pattern = spec["AllowedPattern"]
    for good in ("", "https://chatdeck.school.example", "https://chatdeck.example:8443"):
        assert re.fullmatch(pattern, good), good
    # Not http, no path (the routes are at the root) and no trailing slash (links add theirs).
    for bad in (
        "http://chatdeck.school.example",
        "https://chatdeck.school.example/",
        "https://school.example/chatdeck",
        "https://chatdeck.school.example?x=1",
        "chatdeck.school.example",
    ):
        assert not re.fullmatch(pattern, bad), bad


def test_publisher_lease_and_concurrency(template: dict[str, Any]) -> None:
    variables = functions(template)[PUBLISHER]["Environment"]["Variables"]
    assert variables["LEASE_SECONDS"] == "120"
    assert variables["PUBLISH_CONCURRENCY"] == "16"


# ---------------------------------------------------------------------------------------------
# web, logs and outputs


def documented_routes(architecture: str) -> set[str]:
    """Every route of the contract's route tables (each "### Routes" section: members and
    sign-in, then the chats), query strings left out."""
    sections = [part.split("\n### ", 1)[0] for part in architecture.split("### Routes")[1:]]
    assert len(sections) == 2, "docs/architecture.md changed its route tables?"
    routes = set()
    for section in sections:
        for line in section.splitlines():
            if line.startswith("| `"):
                first_cell = line.strip("|").split("|")[0]
                for route in re.findall(r"`((?:GET|POST|PUT|PATCH|DELETE) /[^`]*)`", first_cell):
                    routes.add(route.split("?", 1)[0])
    return routes


CHAT_ROUTES = {
    "GET /chats",
    "GET /chats/new",
    "POST /chats",
    "GET /chats/{id}",
    "GET /chats/{id}/edit",
    "POST /chats/{id}",
    "POST /chats/{id}/remove",
    "POST /chats/{id}/skip",
    "POST /chats/{id}/questions",
    "POST /chats/{id}/subscription",
    "GET /calendar/{token}/{file}",
    "POST /calendar/renew",
    "GET /sessions/{chat}/{start}",
    "POST /sessions/{chat}/{start}/moderators",
    "GET /unsubscribe/{token}",
    "POST /unsubscribe/{token}",
    "GET /import/chats",
    "POST /import/chats",
    "POST /import/chats/confirm",
}
# Reached without a session, by whoever holds the token in the URL: the calendar feeds and the
# unsubscribe links (whose POST is also mail providers' RFC 8058 one-click).
TOKEN_ROUTES = {
    "GET /calendar/{token}/{file}",
    "GET /unsubscribe/{token}",
    "POST /unsubscribe/{token}",
}


class _Unused:
    """Stands in for every service while the routes are registered (none is called)."""

    def __getattr__(self, name: str) -> None:
        return None


def served_routes() -> set[str]:
    """Every route the web app's resolver knows, as "METHOD /path/{}" (powertools keeps them)."""
    from chatdeck.web.app import create_app

    app = create_app(cast(Any, _Unused()), now=lambda: datetime.now(UTC))
    app.register_every_route()  # some register on their first request
    known = app._static_routes + app._dynamic_routes
    return {f"{route.method} {re.sub(r'<\w+>', '{}', route.path)}" for route in known}


def unnamed(routes: set[str]) -> set[str]:
    return {re.sub(r"\{\w+\}", "{}", route) for route in routes}


def test_the_documented_routes_are_the_ones_the_app_serves(architecture: str) -> None:
    """The template has one catch-all route, so the routes are in the code alone; the contract's
    route tables must list exactly those (tests/integration/test_routes.py serves each one
    through the catch-all route)."""
    documented = documented_routes(architecture)
    assert len(documented) == 32 + len(CHAT_ROUTES), "docs/architecture.md changed its routes?"
    assert documented >= CHAT_ROUTES
    # The Functions table's older list is part of the route table.
    row = next(line for line in architecture.splitlines() if line.startswith("| `WebFunction`"))
    assert set(re.findall(r"`((?:GET|POST) /[^`]*)`", row)) <= documented
    assert unnamed(documented) == served_routes()
    # Path parameters are named as the contract names them, each a whole segment.
    parameters = {p for route in documented for p in re.findall(r"\{(\w+)\}", route)}
    assert parameters == {"id", "email", "file", "token", "chat", "start"}
    for route in documented:
        for segment in route.split(" ", 1)[1].split("/"):
            assert "{" not in segment or re.fullmatch(r"\{\w+\}", segment), route
    # The local stack's /_dev/ routes are its runtime's, never the deployed app's.
    assert not any(route.split(" ", 1)[1].startswith("/_dev") for route in served_routes())


def test_routes_opened_by_a_token_in_the_url_are_the_documented_ones(architecture: str) -> None:
    """Calendar feeds and unsubscribe links need no session: whoever has (or guesses at) a URL
    can call them, so they are exactly these, and each checks its token (docs/security.md)."""
    documented = {route for route in documented_routes(architecture) if "{token}" in route}
    assert documented == TOKEN_ROUTES
    assert unnamed(TOKEN_ROUTES) <= served_routes()


def resources_of(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {n: r for n, r in template["Resources"].items() if r["Type"] == kind}


def test_one_catch_all_route_to_the_web_function(template: dict[str, Any]) -> None:
    """One `$default` route: `sam deploy --guided` has no per-route event to ask about, the web
    function's resource policy holds one statement, and a route lives only in the code."""
    (api,) = resources_of(template, "AWS::ApiGatewayV2::Api").values()
    assert api is template["Resources"]["HttpApi"]
    assert api["Properties"]["ProtocolType"] == "HTTP"
    assert "Body" not in api["Properties"] and "Target" not in api["Properties"]
    assert "CorsConfiguration" not in api["Properties"]  # same-origin pages only
    assert not resources_of(template, "AWS::Serverless::HttpApi")
    # Exactly one route, the catch-all, to the web function's integration.
    (route,) = resources_of(template, "AWS::ApiGatewayV2::Route").values()
    assert route["Properties"]["RouteKey"] == "$default"
    assert route["Properties"]["ApiId"] == {"Ref": "HttpApi"}
    ((name, integration),) = resources_of(template, "AWS::ApiGatewayV2::Integration").items()
    assert route["Properties"]["Target"] == {"Fn::Sub": "integrations/${" + name + "}"}
    assert integration["Properties"] == {
        "ApiId": {"Ref": "HttpApi"},
        "IntegrationType": "AWS_PROXY",
        "IntegrationUri": {"Fn::GetAtt": [WEB, "Arn"]},
        "PayloadFormatVersion": "2.0",
        "TimeoutInMillis": 30000,
    }
    # No function has an API event (SAM would add a route, and a permission, per event).
    for function_name, function in functions(template).items():
        for event in function.get("Events", {}).values():
            assert event["Type"] not in ("HttpApi", "Api"), function_name
    # One statement in the web function's resource policy: this API may invoke it.
    (permission,) = resources_of(template, "AWS::Lambda::Permission").values()
    assert permission["Properties"] == {
        "Action": "lambda:InvokeFunction",
        "FunctionName": {"Ref": WEB},
        "Principal": "apigateway.amazonaws.com",
        "SourceArn": {
            "Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}"
            ":${HttpApi}/*/*"
        },
    }


def test_the_stage_throttles_the_whole_api_and_no_route_has_settings(
    template: dict[str, Any],
) -> None:
    """About 10 requests a second (burst 20) for the whole API: a flood of web requests is
    answered 429 by API Gateway, not run, so it cannot take a new account's 10 concurrent
    executions from the scheduled functions. Per-route settings went with the routes (API
    Gateway refuses settings for a route that does not exist)."""
    (stage,) = resources_of(template, "AWS::ApiGatewayV2::Stage").values()
    properties = stage["Properties"]
    assert properties["ApiId"] == {"Ref": "HttpApi"}
    assert properties["StageName"] == "$default" and properties["AutoDeploy"] is True
    limits = properties["DefaultRouteSettings"]
    assert 0 < limits["ThrottlingRateLimit"] <= 10
    assert limits["ThrottlingRateLimit"] <= limits["ThrottlingBurstLimit"] <= 20
    assert "RouteSettings" not in properties
    assert "RouteSettings" not in TEMPLATE.read_text(encoding="utf-8").replace(
        "DefaultRouteSettings", ""
    )


def test_a_web_request_ends_before_the_http_api_gives_up(template: dict[str, Any]) -> None:
    """The web function's slowest request is connecting an X account: two X calls in a row (the
    token exchange, then whose account it is), each up to X_CONNECT_TIMEOUT + X_READ_TIMEOUT.
    Its timeout must cover both with a margin and end before the HTTP API's 29-30 s limit, so
    the function, not API Gateway, decides what the member sees."""
    fields = settings_variables()
    one_call = fields["X_CONNECT_TIMEOUT"].default + fields["X_READ_TIMEOUT"].default
    timeout = functions(template)[WEB]["Timeout"]
    margin = 1
    assert 2 * one_call + margin < timeout <= 29
    (integration,) = resources_of(template, "AWS::ApiGatewayV2::Integration").values()
    assert timeout * 1000 < integration["Properties"]["TimeoutInMillis"] <= 30000


def test_http_api_logs_every_request_without_client_addresses_or_tokens(
    template: dict[str, Any],
) -> None:
    (stage,) = resources_of(template, "AWS::ApiGatewayV2::Stage").values()
    settings = stage["Properties"]["AccessLogSettings"]
    assert settings["DestinationArn"] == {"Fn::GetAtt": ["HttpApiAccessLogGroup", "Arn"]}
    line = json.loads(settings["Format"])
    assert {"requestId", "routeKey", "status"} <= set(line)
    assert not any("sourceIp" in value or "userAgent" in value for value in line.values())
    # Not the path: calendar feeds and unsubscribe links carry their secret token in it (the
    # catch-all route's key is always "$default", so it gives nothing away).
    assert not any("path" in value.lower() for value in line.values())


def test_every_log_group_has_a_retention(template: dict[str, Any]) -> None:
    groups = {
        name: resource
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Logs::LogGroup"
    }
    for name, group in groups.items():
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, name
    assert template["Parameters"]["LogRetentionDays"]["Default"] == 30
    used = []
    for name, function in functions(template).items():
        logging = function["LoggingConfig"]
        assert logging["LogFormat"] == "Text", name
        # Its own group with a retention, not Lambda's default one that keeps logs forever.
        assert logging["LogGroup"]["Ref"] in groups, name
        used.append(logging["LogGroup"]["Ref"])
    assert len(set(used)) == len(used)


def test_outputs_give_the_form_url_and_where_to_look(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    api_url = {"Fn::Sub": API_URL["Fn::Sub"] + "/"}
    assert outputs["FormUrl"]["Value"] == {
        "Fn::If": ["HasPublicUrl", {"Fn::Sub": "${PublicUrl}/"}, api_url]
    }
    # Where a custom domain or proxy (PublicUrl) sends requests.
    assert outputs["ApiUrl"]["Value"] == api_url
    assert outputs["PostsTableName"]["Value"] == {"Ref": "PostsTable"}
    assert outputs["PublisherDeadLetterQueueUrl"]["Value"] == {"Ref": "PublisherDeadLetterQueue"}
    # The callback URL the X app's OAuth 2.0 settings need (docs/deploy.md).
    assert outputs["XCallbackUrl"]["Value"] == {
        "Fn::If": [
            "HasPublicUrl",
            {"Fn::Sub": "${PublicUrl}/accounts/callback"},
            {"Fn::Sub": API_URL["Fn::Sub"] + "/accounts/callback"},
        ]
    }
    assert outputs["TokensDataKeyParameter"]["Value"] == {"Ref": "TokensDataKeyParameterName"}
    assert outputs["ArchiveTableName"]["Value"] == {"Ref": "ArchiveTable"}
    assert outputs["CompanionDeadLetterQueueUrl"]["Value"] == {"Ref": "CompanionDeadLetterQueue"}
    assert outputs["CompanionLogGroupName"]["Value"] == {"Ref": "CompanionLogGroup"}


def test_outputs_name_the_web_function_for_a_sign_in_link_without_email(
    template: dict[str, Any],
) -> None:
    """docs/deploy.md's `aws lambda invoke` reads the function's name from this output."""
    assert template["Outputs"]["WebFunctionName"]["Value"] == {"Ref": WEB}
    assert "WebFunctionName" in (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# linter suppressions: each one on its resource, with its reason, and listed in security.md

SECURITY = ROOT / "docs" / "security.md"
RULE_ID = re.compile(r"^(?:CKV2?_AWS_\d+|[EWI]\d{4}|[EW]S\d{4})$")


def suppressions(template: dict[str, Any]) -> set[tuple[str, str]]:
    """(resource, check id) for every checkov skip and cfn-lint ignore in the template."""
    found = set()
    for name, resource in template["Resources"].items():
        metadata = resource.get("Metadata", {})
        for skip in metadata.get("checkov", {}).get("skip", []):
            found.add((name, skip["id"]))
        for check in metadata.get("cfn-lint", {}).get("config", {}).get("ignore_checks", []):
            found.add((name, check))
    return found


def test_linters_are_silenced_only_resource_by_resource(template: dict[str, Any]) -> None:
    # No template-wide ignore, no configuration file that silences a check everywhere.
    assert "cfn-lint" not in template.get("Metadata", {})
    for config in (".cfnlintrc", ".cfnlintrc.yaml", ".cfnlintrc.json", ".checkov.yaml"):
        assert not (ROOT / config).exists(), config
    for name, check in suppressions(template):
        assert RULE_ID.match(check), (name, check)


def test_every_checkov_skip_says_why(template: dict[str, Any]) -> None:
    for name, resource in template["Resources"].items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert set(skip) == {"id", "comment"}, (name, skip)
            assert len(skip["comment"].split()) >= 8, (name, skip["id"], "a real reason")


def test_every_cfn_lint_ignore_has_a_comment_saying_why(template: dict[str, Any]) -> None:
    lines = TEMPLATE.read_text(encoding="utf-8").splitlines()
    commented = 0
    for number, line in enumerate(lines):
        match = re.fullmatch(r"\s*- ([EW]S\d{4}|[EWI]\d{4})", line)
        if not match:
            continue
        above = number - 1
        while above >= 0 and lines[above].strip().startswith("#"):
            above -= 1
        comment = " ".join(line.strip("# ") for line in lines[above + 1 : number])
        assert comment.startswith(match.group(1)), (number + 1, "no comment naming the check")
        assert len(comment.split()) >= 8, (number + 1, "a real reason")
        commented += 1
    ignored = [c for n, c in suppressions(template) if not c.startswith("CKV")]
    assert commented == len(ignored)


def test_security_md_lists_every_suppression(template: dict[str, Any]) -> None:
    """docs/security.md's table: | resources | tool | check | why |, one row per check."""
    text = SECURITY.read_text(encoding="utf-8")
    section = text.split("## Suppressed findings", 1)[1].split("\n## ", 1)[0]
    listed = set()
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and RULE_ID.match(cells[2].strip("`")):
            for name in re.findall(r"`(\w+)`", cells[0]):
                listed.add((name, cells[2].strip("`")))
            assert len(cells[3].split()) >= 8, (cells[2], "a real reason")
    assert listed == suppressions(template)


# ---------------------------------------------------------------------------------------------
# alarms: failures reach the admins through one topic, within about five minutes

ALARM_TOPIC = [{"Ref": "AlarmTopic"}]


def custom_metrics() -> tuple[str, ...]:
    """Every custom metric's name: shared/chatdeck/observability.py's METRICS."""
    return tuple(pytest.importorskip("chatdeck.observability").METRICS)


def documented_rows(architecture: str, heading: str) -> list[list[str]]:
    assert heading in architecture, f"docs/architecture.md lost its {heading!r} table?"
    section = architecture.split(heading, 1)[1].split("\n#", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0].startswith("`"):
            rows.append(cells)
    return rows


def test_at_most_ten_alarms_each_a_minute_quiet_without_data_and_to_the_topic(
    template: dict[str, Any], architecture: str
) -> None:
    alarms = resources_of(template, "AWS::CloudWatch::Alarm")
    assert 0 < len(alarms) <= 10  # CloudWatch's free tier: 10 alarm metrics
    for name, alarm in alarms.items():
        properties = alarm["Properties"]
        assert properties["Period"] == 60, name
        assert properties["EvaluationPeriods"] == properties["DatapointsToAlarm"] == 1, name
        assert properties["TreatMissingData"] == "notBreaching", name
        assert properties["AlarmActions"] == ALARM_TOPIC, name
        assert "docs/operations.md" in properties["AlarmDescription"], name
    documented = {row[0].strip("`") for row in documented_rows(architecture, "### Alarms")}
    assert documented == set(alarms)
    operations = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    for name in alarms:
        assert f"`{name}`" in operations, f"docs/operations.md does not explain {name}"


def watched(template: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    """(namespace, metric, the one dimension's value or "") -> the alarm's properties."""
    found = {}
    for alarm in resources_of(template, "AWS::CloudWatch::Alarm").values():
        properties = alarm["Properties"]
        dimensions = properties.get("Dimensions", [])
        assert len(dimensions) <= 1, properties
        value = json.dumps(dimensions[0]["Value"]) if dimensions else ""
        found[(properties["Namespace"], properties["MetricName"], value)] = properties
    return found


def test_alarms_watch_every_function_queue_email_and_chat_failure(
    template: dict[str, Any],
) -> None:
    alarms = watched(template)
    for function in (WEB, PUBLISHER, COMPANION):
        errors = alarms[("AWS/Lambda", "Errors", json.dumps({"Ref": function}))]
        assert (errors["Statistic"], errors["Threshold"]) == ("Sum", 0), function
        assert errors["ComparisonOperator"] == "GreaterThanThreshold", function
    for queue in ("PublisherDeadLetterQueue", "CompanionDeadLetterQueue"):
        depth = alarms[
            (
                "AWS/SQS",
                "ApproximateNumberOfMessagesVisible",
                json.dumps({"Fn::GetAtt": [queue, "QueueName"]}),
            )
        ]
        assert depth["Threshold"] == 0 and depth["ComparisonOperator"] == "GreaterThanThreshold"
    # SES puts an account under review at 5% bounces and 0.1% complaints.
    for metric, threshold in (("BounceRate", 0.02), ("ComplaintRate", 0.0005)):
        rate = alarms[("AWS/SES", f"Reputation.{metric}", "")]
        assert rate["Threshold"] == threshold, metric
        assert rate["ComparisonOperator"] == "GreaterThanOrEqualToThreshold", metric
    for metric in ("emails_failed", "sessions_unread"):
        ours = alarms[("Chatdeck", metric, json.dumps("chatdeck"))]
        assert ours["Dimensions"][0]["Name"] == "service", metric  # Powertools' dimension
        assert ours["Threshold"] == 0 and ours["Statistic"] == "Sum", metric
        assert metric in custom_metrics()


def test_custom_metrics_are_at_most_ten_and_the_documented_ones() -> None:
    METRICS = custom_metrics()
    # One dimension set (service) each, so each name is one metric.
    assert len(METRICS) == len(set(METRICS)) <= 10
    used = set()
    for path in (ROOT / "shared").rglob("*.py"):
        used |= set(re.findall(r"\bcount\(\s*\"(\w+)\"", path.read_text(encoding="utf-8")))
        # the publisher's outcomes are counted in a loop over their names
        assert "add_metric(" not in path.read_text(encoding="utf-8") or path.name == (
            "observability.py"
        ), path
    used |= {"posted", "failed", "unconfirmed", "requeued", "paused"}
    assert used == set(METRICS)


def test_custom_metrics_are_listed_in_the_architecture(architecture: str) -> None:
    rows = documented_rows(architecture, "### Custom metrics")
    documented = {name for row in rows for name in re.findall(r"`(\w+)`", row[0])}
    assert documented == set(custom_metrics())


def test_alarm_topic_emails_the_admin_only_when_given(template: dict[str, Any]) -> None:
    parameters = template["Parameters"]
    assert parameters["AlarmEmail"]["Default"] == ""
    assert re.fullmatch(parameters["AlarmEmail"]["AllowedPattern"], "")
    assert re.fullmatch(parameters["AlarmEmail"]["AllowedPattern"], "admin@school.example")
    assert template["Conditions"]["HasAlarmEmail"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]
    }
    topic = template["Resources"]["AlarmTopic"]
    assert topic["Type"] == "AWS::SNS::Topic"
    # No aws/sns key: CloudWatch alarms and Budgets cannot publish to a topic under it.
    assert "KmsMasterKeyId" not in topic["Properties"]
    (subscription,) = resources_of(template, "AWS::SNS::Subscription").values()
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"] == {
        "TopicArn": {"Ref": "AlarmTopic"},
        "Protocol": "email",
        "Endpoint": {"Ref": "AlarmEmail"},
    }


def test_the_budget_notifies_the_topic_which_lets_budgets_publish(
    template: dict[str, Any],
) -> None:
    (budget,) = resources_of(template, "AWS::Budgets::Budget").values()
    spec = budget["Properties"]["Budget"]
    assert spec["BudgetLimit"] == {"Amount": {"Ref": "MonthlyBudgetUsd"}, "Unit": "USD"}
    assert (spec["BudgetType"], spec["TimeUnit"]) == ("COST", "MONTHLY")
    assert template["Parameters"]["MonthlyBudgetUsd"]["Type"] == "Number"
    for notification in budget["Properties"]["NotificationsWithSubscribers"]:
        assert notification["Subscribers"] == [
            {"SubscriptionType": "SNS", "Address": {"Ref": "AlarmTopic"}}
        ]
    (policy,) = resources_of(template, "AWS::SNS::TopicPolicy").values()
    assert budget["DependsOn"] == "AlarmTopicPolicy"
    assert policy["Properties"]["Topics"] == [{"Ref": "AlarmTopic"}]
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == "sns:Publish"
    assert set(statement["Principal"]["Service"]) == {
        "budgets.amazonaws.com",
        "cloudwatch.amazonaws.com",
    }
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    }
