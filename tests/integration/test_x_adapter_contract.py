"""Every request Chatdeck's X adapter sends validates against the official X API v2 description.

The description is read from the full reference copy outside the repository
(`extract_spec.DEFAULT_SOURCE`) when it is there (cut to the operations Chatdeck uses, as the
sandbox carries it), otherwise from the sandbox's carried copy.
"""

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from werkzeug.datastructures import MultiDict

from chatdeck.adapters.x import XClients, XPublishing
from chatdeck.domain.outgoing import Outgoing
from devstack.provision import SANDBOX_CREDENTIALS
from devstack.sandbox.description import Description, load_description
from devstack.sandbox.extract_spec import DEFAULT_SOURCE, OPERATIONS, extract_subset

pytestmark = pytest.mark.integration


def official_description() -> Description:
    if DEFAULT_SOURCE.exists():
        return Description(extract_subset(json.loads(DEFAULT_SOURCE.read_text(encoding="utf-8"))))
    return load_description()


def operation_for(description: Description, method: str, path: str) -> tuple[str, dict[str, str]]:
    """The description's path template matching a concrete path, and its path parameters."""
    parts = path.strip("/").split("/")
    for op_method, template in OPERATIONS:
        pattern = template.strip("/").split("/")
        if op_method != method.lower() or len(pattern) != len(parts):
            continue
        values = {}
        for want, got in zip(pattern, parts, strict=True):
            if want.startswith("{"):
                values[want.strip("{}")] = got
            elif want != got:
                break
        else:
            return template, values
    raise AssertionError(f"{method} {path} is not an operation of the X API v2 description")


@pytest.fixture
def sent(sandbox_url: str) -> tuple[XPublishing, list[requests.PreparedRequest]]:
    requests.delete(f"{sandbox_url}/sandbox/posts", timeout=5)
    clients = XClients(lambda account: SANDBOX_CREDENTIALS, sandbox_url, (3.05, 5.0))
    network = XPublishing(clients)
    captured: list[requests.PreparedRequest] = []

    def capture(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        captured.append(response.request)

    clients.client("cohort").session.hooks["response"].append(capture)
    return network, captured


def test_the_adapters_requests_are_valid_x_api_v2_requests(
    sent: tuple[XPublishing, list[requests.PreparedRequest]],
) -> None:
    network, captured = sent
    since = datetime.now(UTC) - timedelta(minutes=5)

    outgoing = Outgoing(
        post_id="contract-1",
        network="x",
        account="cohort",
        text="Reading list for #edchat: https://example.org/list",
        due_utc=since,
    )
    published = network.publish(outgoing)
    found = network.find_own_post(outgoing, since)

    assert found is not None and found.remote_id == published.remote_id
    description = official_description()
    checked = []
    for request in captured:
        url = urlsplit(request.url or "")
        template, path_values = operation_for(description, request.method or "", url.path)
        operation = description.operation((request.method or "").lower(), template)
        query = MultiDict(parse_qsl(url.query, keep_blank_values=True))
        body = json.loads(request.body) if request.body else None
        problems = operation.check_query(query) + operation.check_path(path_values)
        if operation.body is not None:
            problems += operation.check_body(body)
        assert problems == [], f"{operation.key}: {problems}"
        assert (request.headers.get("Authorization") or "").startswith("OAuth ")
        checked.append(operation.key)
    assert set(checked) == {"POST /2/tweets", "GET /2/users/me", "GET /2/users/{id}/tweets"}
