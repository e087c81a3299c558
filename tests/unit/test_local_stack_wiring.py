"""The local stack gives each function the environment template.yaml gives it (devstack/provision.py
`wire_functions`), conditions included: PUBLIC_URL is the runtime's own URL, as a stack without a
PublicUrl has the API's own."""

from typing import Any

import pytest

from devstack.provision import (
    TEMPLATE,
    Stack,
    evaluate_conditions,
    local_parameters,
    resolve,
    wire_functions,
)
from devstack.template import load_template

WEB_URL = "http://127.0.0.1:3000"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(TEMPLATE)


def local_stack(template: dict[str, Any], **parameters: str) -> Stack:
    stack = Stack(
        parameters=local_parameters(template, {"SenderEmail": "s@x.example", **parameters})
    )
    for logical_id in template["Resources"]:
        stack.resources[logical_id] = f"local-{logical_id}"
    wire_functions(template, stack, WEB_URL)
    return stack


def test_every_function_links_to_the_runtime_itself(template: dict[str, Any]) -> None:
    stack = local_stack(template)
    assert stack.environment["PUBLIC_URL"] == WEB_URL
    assert set(stack.handlers) == {"WebFunction", "PublisherFunction", "CompanionFunction"}


def test_a_public_url_parameter_is_what_every_function_gets(template: dict[str, Any]) -> None:
    stack = local_stack(template, PublicUrl="https://chatdeck.school.example")
    assert stack.environment["PUBLIC_URL"] == "https://chatdeck.school.example"


def test_conditions_are_read_from_the_template(template: dict[str, Any]) -> None:
    defaults = local_parameters(template, {})
    assert evaluate_conditions(template, defaults) == {
        "ReservePublisherConcurrency": False,
        "HasPublicUrl": False,
        "HasAlarmEmail": False,
    }
    chosen = {
        **defaults,
        "PublicUrl": "https://a.example",
        "ReservePublisherConcurrency": "true",
        "AlarmEmail": "admin@school.example",
    }
    assert all(evaluate_conditions(template, chosen).values())


def test_an_if_without_its_condition_is_refused(template: dict[str, Any]) -> None:
    stack = Stack(parameters={})
    with pytest.raises(KeyError):
        resolve({"Fn::If": ["Unknown", "a", "b"]}, stack, WEB_URL, {})
