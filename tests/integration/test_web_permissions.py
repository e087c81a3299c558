"""The web function's IAM policy, held to what its routes really do: moto enforces no IAM, so every
DynamoDB call the web function's own client makes is recorded (tests/iam_policy.py, a botocore
`before-call` hook) while every case of the bad-input catalogue and then a walk of its routes run
through the real handler: signing in, posts scheduled, edited, approved and cancelled, members
invited, promoted and removed, the profile, settings, chats, a session's page, the calendar,
unsubscribing, connecting X, signing out everywhere and out; and, in a second test, a Mastodon
account connected and disconnected against the Mastodon sandbox. Each recorded (action, table,
partition key) must be allowed by WebFunction's statements as template.yaml writes them,
conditions included.

The walk also shows the policy is no wider than the routes: every DynamoDB action the policy
grants is used on its resource, and every partition-key prefix its `dynamodb:LeadingKeys`
condition allows is used (the ones in NOT_WALKED by the second test). That the check can fail
(a key outside the partitions is refused) is shown in tests/unit/test_iam_policy.py.
"""

import re
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from chatdeck.adapters.mastodon.oauth import sandbox_approver
from chatdeck.domain.posts import PostStatus
from devstack.provision import TEMPLATE
from devstack.template import load_template
from tests.iam_policy import (
    LEADING_KEYS,
    DynamoCalls,
    decide,
    function_statements,
    glob,
    partition_keys,
)
from tests.integration.bad_input_catalogue import CATALOGUE, CHAT, INVITE, POST, PROFILE, Case
from tests.integration.deployment import Deployment
from tests.integration.mastodon_kit import TIMEOUT, mastodon_url
from tests.integration.test_bad_input_catalogue import (
    OTHER,
    TEACHER,
    World,
    event_for,
    make_world,
)
from tests.integration.web_kit import invoke

pytestmark = pytest.mark.integration
__all__ = ["mastodon_url"]  # the fixture

# Partition-key prefixes the policy allows that the walk below does not reach, and the route
# that uses each (each has its own test elsewhere).
NOT_WALKED = {
    "MASTODON_APP#*": "POST /accounts/mastodon/connect registers Chatdeck's app on an instance "
    "(the second test below walks it, against the Mastodon sandbox)",
}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(TEMPLATE)


@pytest.fixture
def local_web(
    function: Callable[[str], ModuleType],
    monkeypatch: pytest.MonkeyPatch,
    mastodon_url: str,
) -> ModuleType:
    """The web function as the local stack runs it: plain http to the loopback sandboxes."""
    requests.delete(f"{mastodon_url}/sandbox/posts", timeout=5).raise_for_status()
    monkeypatch.setenv("OUTBOUND_ALLOW_LOOPBACK_HTTP", "true")
    return function("web")


@pytest.fixture
def recorded(
    local_web: ModuleType, deployment: Deployment, template: dict[str, Any]
) -> Iterator[DynamoCalls]:
    settings = deployment.services.settings
    tables = {
        settings.posts_table: "PostsTable",
        settings.state_table: "StateTable",
        str(settings.archive_table): "ArchiveTable",
    }
    calls = DynamoCalls(tables, partition_keys(template))
    client = local_web.services._dynamodb
    calls.attach(client)
    yield calls
    calls.detach(client)


def good(name: str, route: str, path: str, who: str = "admin", **details: Any) -> Case:
    """A request the route accepts (2xx or a redirect): the walk checks it was not refused."""
    ok = frozenset({200, 201, 202, 204, 302, 303})
    return Case(name, route, path, ok, who=who, **details)


def walk(deployment: Deployment, world: World) -> list[Case]:
    """Requests that do what members and admins do, in an order that makes sense."""
    own, waiting = world.values["own_post"], world.values["waiting_post"]
    version = str(deployment.post(waiting).version)
    own_version = str(deployment.post(own).version)
    return [
        good("sign-in page", "GET /signin", "/signin", who="nobody"),
        good("ask for a link", "POST /signin", "/signin", who="nobody", fields={"email": TEACHER}),
        good(
            "the link's page",
            "GET /signin/confirm",
            "/signin/confirm",
            who="nobody",
            query=f"token={world.values['signin_link']}",
        ),
        good(
            "confirm the link",
            "POST /signin/confirm",
            "/signin/confirm",
            who="nobody",
            fields={"token": world.values["signin_link"]},
        ),
        good("the form", "GET /", "/", who="teacher"),
        good("schedule", "POST /posts", "/posts", who="teacher", fields=POST),
        good("the queue", "GET /posts", "/posts", who="teacher"),
        good("the whole queue", "GET /posts", "/posts"),
        good("edit page", "GET /posts/{id}/edit", f"/posts/{own}/edit", who="teacher"),
        good(
            "edit",
            "POST /posts/{id}",
            f"/posts/{own}",
            who="teacher",
            fields={**POST, "submission_id": own, "version": own_version, "text": "Edited."},
        ),
        good("cancel", "POST /posts/{id}/cancel", f"/posts/{own}/cancel", who="teacher", fields={}),
        good(
            "approve",
            "POST /posts/{id}/approve",
            f"/posts/{waiting}/approve",
            fields={"version": version},
        ),
        good("members", "GET /members", "/members"),
        good("invite", "POST /members", "/members", fields=INVITE),
        good(
            "make an admin",
            "POST /members/{email}/role",
            f"/members/{INVITE['email']}/role",
            fields={"role": "admin"},
        ),
        good("profile page", "GET /me", "/me", who="teacher"),
        good("save the profile", "POST /me", "/me", who="teacher", fields=PROFILE),
        good("settings page", "GET /settings", "/settings"),
        good("save settings", "POST /settings", "/settings", fields={"require_approval": "on"}),
        good("chats", "GET /chats", "/chats", who="teacher"),
        good("a chat", "GET /chats/{id}", "/chats/edtechchat", who="teacher"),
        good(
            "subscribe",
            "POST /chats/{id}/subscription",
            "/chats/edtechchat/subscription",
            who="teacher",
            fields={"reminders": "on", "digests": "on"},
        ),
        good("new chat page", "GET /chats/new", "/chats/new"),
        good("add a chat", "POST /chats", "/chats", fields=CHAT),
        good("chat edit page", "GET /chats/{id}/edit", "/chats/edtechchat/edit"),
        # Monday 7 December 2026, 20:00 in New York
        good("a session", "GET /sessions/{chat}/{start}", "/sessions/edtechchat/20261208T0100Z"),
        # The archived one (make_world): its page reads the link cache; an admin corrects its
        # moderators, kept in its META.
        good(
            "an archived session",
            "GET /sessions/{chat}/{start}",
            f"/sessions/edtechchat/{world.values['archived_session']}",
        ),
        good(
            "correct its moderators",
            "POST /sessions/{chat}/{start}/moderators",
            f"/sessions/edtechchat/{world.values['archived_session']}/moderators",
            fields={"moderators": "edtechmod"},
        ),
        good(
            "the calendar",
            "GET /calendar/{token}/{file}",
            f"/calendar/{world.values['feed_token']}/all.ics",
            who="nobody",
        ),
        good("renew the calendar", "POST /calendar/renew", "/calendar/renew", who="teacher"),
        good(
            "unsubscribe page",
            "GET /unsubscribe/{token}",
            f"/unsubscribe/{world.values['unsubscribe_token']}",
            who="nobody",
        ),
        good(
            "unsubscribe",
            "POST /unsubscribe/{token}",
            f"/unsubscribe/{world.values['unsubscribe_token']}",
            who="nobody",
            fields={},
        ),
        good("accounts", "GET /accounts", "/accounts", who="teacher"),
        good(
            "connect X",
            "POST /accounts/connect",
            "/accounts/connect",
            who="teacher",
            fields={"account": "mine"},
        ),
        good(
            "remove a member",
            "POST /members/{email}/remove",
            f"/members/{OTHER}/remove",
            fields={"posts": "cancel"},
        ),
        good(
            "sign out everywhere",
            "POST /me/signout-everywhere",
            "/me/signout-everywhere",
            who="teacher",
            fields={},
        ),
        good("sign out", "POST /signout", "/signout", fields={}),
    ]


def drive(web: ModuleType, world: World, cases: list[Case]) -> list[str]:
    """Send each case; what answered otherwise than the case expects."""
    wrong = []
    for case in cases:
        answer = invoke(web, event_for(case, world))
        if answer["statusCode"] not in case.expect:
            text = re.sub(r"<[^>]+>|\s+", " ", str(answer.get("body", "")))
            body = text.split("Chatdeck", 1)[-1][:300]
            wrong.append(f"{case.name}: {answer['statusCode']} {body}")
    return wrong


def test_every_dynamodb_call_of_the_web_routes_is_allowed_by_its_policy(
    local_web: ModuleType,
    deployment: Deployment,
    recorded: DynamoCalls,
    template: dict[str, Any],
) -> None:
    web = local_web
    world = make_world(deployment)
    assert world.values["waiting_post"]
    for group in sorted(CATALOGUE):  # refused, they change nothing (its own test says so)
        drive(web, world, CATALOGUE[group])
    refused = drive(web, world, walk(deployment, world))
    assert refused == [], "\n".join(refused)
    assert deployment.post(world.values["own_post"]).status is PostStatus.CANCELLED

    statements = function_statements(template, "WebFunction")
    denied = sorted({str(r) for r in recorded.requests if decide(statements, r) != "Allow"})
    assert denied == [], "the web function's policy refuses:\n" + "\n".join(denied)

    # No wider than the routes: each granted DynamoDB action is used on its resource, and each
    # allowed key prefix by some key.
    used = {(r.action, r.resource) for r in recorded.requests}
    keys = [value for r in recorded.requests for value in r.values(LEADING_KEYS) or ()]
    for statement in statements:
        actions, resources = as_list(statement["Action"]), as_list(statement["Resource"])
        if statement["Effect"] != "Allow" or not actions[0].startswith("dynamodb:"):
            continue
        unused = [(a, r) for a in actions for r in resources if (a, r) not in used]
        assert unused == [], f"granted, but no route uses it: {unused}"
        condition = statement.get("Condition", {}).get("ForAllValues:StringLike", {})
        for pattern in condition.get(LEADING_KEYS, []):
            if pattern not in NOT_WALKED:
                assert any(glob(pattern, key) for key in keys), f"{pattern}: allowed, unused"


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_connecting_and_disconnecting_a_mastodon_account_stays_within_the_policy(
    local_web: ModuleType,
    deployment: Deployment,
    recorded: DynamoCalls,
    template: dict[str, Any],
    mastodon_url: str,
) -> None:
    """The routes the walk above cannot take without a Mastodon instance: registering the app
    on it (MASTODON_APP#), storing the account's sealed token (ACCOUNT#), disconnecting."""
    world = make_world(deployment)
    connect = Case(
        "connect",
        "POST /accounts/mastodon/connect",
        "/accounts/mastodon/connect",
        frozenset({303}),
        fields={"instance": mastodon_url},
    )
    sent = invoke(local_web, event_for(connect, world))
    assert sent["statusCode"] == 303, sent.get("body", "")[-500:]
    callback = urlsplit(sandbox_approver(TIMEOUT)(sent["headers"]["Location"], "ann"))
    back = Case(
        "callback",
        "GET /accounts/mastodon/callback",
        callback.path,
        frozenset({303}),
        query=callback.query,
    )
    disconnect = Case(
        "disconnect",
        "POST /accounts/mastodon/disconnect",
        "/accounts/mastodon/disconnect",
        frozenset({303}),
        fields={"account": "mine"},
    )
    refused = drive(local_web, world, [back, disconnect])
    assert refused == [], refused

    statements = function_statements(template, "WebFunction")
    denied = sorted({str(r) for r in recorded.requests if decide(statements, r) != "Allow"})
    assert denied == [], "the web function's policy refuses:\n" + "\n".join(denied)
    keys = [value for r in recorded.requests for value in r.values(LEADING_KEYS) or ()]
    for pattern in [*NOT_WALKED, "ACCOUNT#*", "OAUTH#*"]:
        assert any(glob(pattern, key) for key in keys), pattern
