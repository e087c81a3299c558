"""Create the template's resources in moto server and work out each function's environment.

template.yaml is the single source of truth: tables come from its definitions (never a second
copy here), and each function's environment from Globals plus its own variables, with `!Ref`s
resolved to the local names.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

from devstack.sandbox.oauth import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from devstack.template import load_template

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
REGION = "us-east-1"
SANDBOX_CREDENTIALS = {
    "api_key": "sandbox-api-key",
    "api_secret": "sandbox-api-secret",  # the sandbox's published fake credentials  # nosec B105
    "access_token": "1-sandbox-cohort",  # the sandbox's published fake credentials  # nosec B105
    "access_token_secret": "sandbox-token-secret",  # the sandbox's published fake credentials  # nosec B105
}
SANDBOX_OAUTH2_CLIENT = {"client_id": SANDBOX_CLIENT_ID, "client_secret": SANDBOX_CLIENT_SECRET}
SEED_ADMIN = "admin@cohort.example"
# Signs the local stack's unsubscribe links; fixed, so links survive a restart. Not a secret.
LOCAL_SIGNING_KEY = "chatdeck-local-stack-signing-key-not-a-secret-0123456789"  # nosec B105
DYNAMODB_CREATE_KEYS = (
    "TableName",
    "KeySchema",
    "AttributeDefinitions",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "BillingMode",
    "ProvisionedThroughput",
    "StreamSpecification",
)


@dataclass(frozen=True)
class Schedule:
    function: str
    handler: str
    every_seconds: int
    input: dict[str, Any]


@dataclass
class Stack:
    parameters: dict[str, str]
    resources: dict[str, str] = field(default_factory=dict)  # logical id -> local physical name
    environment: dict[str, str] = field(default_factory=dict)
    schedules: list[Schedule] = field(default_factory=list)
    handlers: dict[str, str] = field(default_factory=dict)  # function -> module:function


def aws_client(service: str, endpoint: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - moto accepts any; not a credential  # nosec B106
    )


def local_parameters(template: dict[str, Any], overrides: dict[str, str]) -> dict[str, str]:
    values = {
        name: str(spec.get("Default", "")) for name, spec in template.get("Parameters", {}).items()
    }
    return {**values, **overrides}


def provision(moto_url: str, web_url: str, sandbox_url: str) -> Stack:
    """Create tables, queues, parameters and the SES identity; answer how each function is wired.
    (The tokens' data key is not made here: the first connect makes it in moto's SSM, as in AWS,
    and it stays there while moto is reused, so stored tokens stay readable.)"""
    template = load_template(TEMPLATE)
    stack = Stack(
        parameters=local_parameters(
            template,
            {
                "SenderEmail": "chatdeck@cohort.example",
                "AdminEmails": SEED_ADMIN,
                "XApiBaseUrl": sandbox_url,
                "XAuthorizeUrl": f"{sandbox_url}/i/oauth2/authorize",
            },
        )
    )
    resources: dict[str, Any] = template["Resources"]
    for logical_id, resource in resources.items():
        if resource["Type"] == "AWS::DynamoDB::Table":
            stack.resources[logical_id] = create_table(moto_url, logical_id, resource["Properties"])
        elif resource["Type"] == "AWS::SQS::Queue":
            queue = aws_client("sqs", moto_url).create_queue(QueueName=logical_id)
            stack.resources[logical_id] = queue["QueueUrl"]
        elif resource["Type"] == "AWS::SES::ConfigurationSet":
            stack.resources[logical_id] = create_configuration_set(moto_url, logical_id)
    ssm = aws_client("ssm", moto_url)
    secrets: dict[str, Any] = {
        "XCredentialsParameterName": SANDBOX_CREDENTIALS,
        "XOAuth2ClientParameterName": SANDBOX_OAUTH2_CLIENT,
        "SigningKeyParameterName": LOCAL_SIGNING_KEY,
    }
    for parameter, value in secrets.items():
        if parameter in stack.parameters:
            ssm.put_parameter(
                Name=stack.parameters[parameter],
                Value=value if isinstance(value, str) else json.dumps(value),
                Type="SecureString",
                Overwrite=True,
            )
    aws_client("ses", moto_url).verify_email_identity(EmailAddress=stack.parameters["SenderEmail"])
    try:
        aws_client("sesv2", moto_url).create_email_identity(
            EmailIdentity=stack.parameters["SenderEmail"]
        )
    except ClientError as error:
        if error.response["Error"]["Code"] != "AlreadyExistsException":
            raise
    wire_functions(template, stack, web_url)
    return stack


def create_configuration_set(moto_url: str, name: str) -> str:
    """The emails' configuration set (AWS records bounces and complaints through it)."""
    try:
        aws_client("sesv2", moto_url).create_configuration_set(ConfigurationSetName=name)
    except ClientError as error:
        # A restarted runtime reuses moto: the set is there already (SES and moto name the
        # error differently).
        if error.response["Error"]["Code"] not in (
            "AlreadyExistsException",
            "ConfigurationSetAlreadyExistsException",
        ):
            raise
    return name


def create_table(moto_url: str, logical_id: str, properties: dict[str, Any]) -> str:
    spec = {k: v for k, v in properties.items() if k in DYNAMODB_CREATE_KEYS}
    spec.setdefault("TableName", logical_id)
    client = aws_client("dynamodb", moto_url)
    try:
        client.create_table(**spec)
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceInUseException":
            raise
        return str(spec["TableName"])  # reused: moto kept the data, as a real table would
    ttl = properties.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        client.update_time_to_live(TableName=spec["TableName"], TimeToLiveSpecification=ttl)
    return str(spec["TableName"])


def wire_functions(template: dict[str, Any], stack: Stack, web_url: str) -> None:
    globals_env = (
        template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    )
    conditions = evaluate_conditions(template, stack.parameters)
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        properties = resource["Properties"]
        code_uri = str(properties["CodeUri"]).strip("/").replace("/", ".")
        module, _, function = str(properties["Handler"]).rpartition(".")
        stack.handlers[logical_id] = f"{code_uri}.{module}:{function}"
        variables = {**globals_env, **properties.get("Environment", {}).get("Variables", {})}
        for name, value in variables.items():
            resolved = resolve(value, stack, web_url, conditions)
            if stack.environment.get(name, resolved) != resolved:
                raise ValueError(f"{name} differs between functions; the local stack shares one")
            stack.environment[name] = resolved
        for event in properties.get("Events", {}).values():
            if event["Type"] == "ScheduleV2":
                spec = event["Properties"]
                stack.schedules.append(
                    Schedule(
                        function=logical_id,
                        handler=stack.handlers[logical_id],
                        every_seconds=rate_seconds(spec["ScheduleExpression"]),
                        input=json.loads(spec.get("Input", "{}")),
                    )
                )


def evaluate_conditions(template: dict[str, Any], parameters: dict[str, str]) -> dict[str, bool]:
    """The template's Conditions, with the local parameters: `Fn::Equals` of `Ref`s and strings,
    `Fn::Not`, `Fn::And`, `Fn::Or`, `Condition`."""
    specs: dict[str, Any] = template.get("Conditions", {})

    def value(term: Any) -> str:
        if isinstance(term, dict) and "Ref" in term:
            return parameters[term["Ref"]]
        if isinstance(term, str | int | float | bool):
            return str(term).lower() if isinstance(term, bool) else str(term)
        raise ValueError(f"cannot compare {term!r} locally")

    def holds(spec: Any) -> bool:
        if "Condition" in spec:
            return holds(specs[spec["Condition"]])
        if "Fn::Equals" in spec:
            left, right = spec["Fn::Equals"]
            return value(left) == value(right)
        if "Fn::Not" in spec:
            return not holds(spec["Fn::Not"][0])
        if "Fn::And" in spec:
            return all(holds(s) for s in spec["Fn::And"])
        if "Fn::Or" in spec:
            return any(holds(s) for s in spec["Fn::Or"])
        raise ValueError(f"cannot evaluate the condition {spec!r} locally")

    return {name: holds(spec) for name, spec in specs.items()}


def resolve(
    value: Any, stack: Stack, web_url: str, conditions: dict[str, bool] | None = None
) -> str:
    if isinstance(value, str | int | float):
        return str(value)
    if "Fn::If" in value:
        condition, when_true, when_false = value["Fn::If"]
        chosen = when_true if (conditions or {})[condition] else when_false
        return resolve(chosen, stack, web_url, conditions)
    if "Ref" in value:
        name = value["Ref"]
        if name in stack.parameters:
            return stack.parameters[name]
        if name in stack.resources:
            return stack.resources[name]
        if name == "AWS::Region":
            return REGION
        raise ValueError(f"cannot resolve !Ref {name} locally")
    if "Fn::Sub" in value and "${HttpApi}" in str(value["Fn::Sub"]):
        return web_url  # the API's own URL (PUBLIC_URL without a PublicUrl): here, the runtime's
    if "Fn::GetAtt" in value:
        resource, attribute = value["Fn::GetAtt"]
        if resource in stack.resources:
            return stack.resources[resource]
        raise ValueError(f"cannot resolve !GetAtt {resource}.{attribute} locally")
    raise ValueError(f"cannot resolve {value!r} locally")


def rate_seconds(expression: str) -> int:
    """`rate(1 minute)`, `rate(5 minutes)`, `rate(1 hour)` in seconds."""
    inner = expression.strip()
    if not (inner.startswith("rate(") and inner.endswith(")")):
        raise ValueError(f"the local stack runs rate() schedules only, not {expression}")
    amount, unit = inner[5:-1].split()
    seconds = {"minute": 60, "hour": 3600, "day": 86400}[unit.rstrip("s")]
    return int(amount) * seconds
