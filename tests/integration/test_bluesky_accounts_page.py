"""The Accounts page connects Bluesky accounts with a handle and an app password: the web
function as Lambda runs it, the Bluesky sandbox over real HTTP, the session in moto's DynamoDB."""

from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from devstack.bluesky.accounts import (
    COHORT_APP_PASSWORD,
    COHORT_HANDLE,
    MEMBER_APP_PASSWORD,
    MEMBER_HANDLE,
)
from tests.integration.bluesky_fixtures import bluesky_server, bluesky_url
from tests.integration.deployment import Deployment, deployment
from tests.integration.web_kit import (
    admin_session,
    event_as,
    function,
    invoke,
    post_form,
    teacher_session,
)

pytestmark = pytest.mark.integration
__all__ = [
    "admin_session",
    "bluesky_server",
    "bluesky_url",
    "deployment",
    "function",
    "teacher_session",
]


@pytest.fixture
def web(
    function: Callable[[str], ModuleType], bluesky_url: str, monkeypatch: pytest.MonkeyPatch
) -> ModuleType:
    monkeypatch.setenv("BLUESKY_SERVICE_URL", bluesky_url)
    return function("web")


def page(web: ModuleType, session: str) -> str:
    event = event_as("web_get_form", session)
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/accounts"
    answer = invoke(web, event)
    assert answer["statusCode"] == 200
    return str(answer["body"])


def connect(web: ModuleType, session: str, **fields: str) -> dict[str, Any]:
    return post_form(web, session, "/accounts/bluesky/connect", fields)


def test_an_admin_connects_the_cohorts_bluesky_account(
    web: ModuleType, admin_session: str, deployment: Deployment
) -> None:
    before = page(web, admin_session)
    assert 'action="/accounts/bluesky/connect"' in before and 'name="app_password"' in before

    answer = connect(
        web, admin_session, account="cohort", handle=f"@{COHORT_HANDLE.upper()}",
        app_password=COHORT_APP_PASSWORD,
    )  # fmt: skip

    assert answer["statusCode"] == 303 and answer["headers"]["Location"] == "/accounts"
    after = page(web, admin_session)
    assert f"Connected as <strong>@{COHORT_HANDLE}</strong>" in after
    assert COHORT_APP_PASSWORD not in after
    stored = web.services.bluesky_connections.get("cohort")
    assert stored is not None and stored.tokens.app_password == COHORT_APP_PASSWORD


def test_a_wrong_app_password_shows_the_page_again_with_why(
    web: ModuleType, admin_session: str
) -> None:
    answer = connect(
        web, admin_session, account="cohort", handle=COHORT_HANDLE, app_password="nope-nope"
    )

    assert answer["statusCode"] == 400
    assert "did not accept this handle and app password" in answer["body"]
    assert f'value="{COHORT_HANDLE}"' in answer["body"]  # the handle stays typed
    assert "nope-nope" not in answer["body"]


def test_an_empty_handle_is_refused_before_bluesky_is_asked(
    web: ModuleType, admin_session: str
) -> None:
    answer = connect(web, admin_session, account="cohort", handle="  ", app_password="x")
    assert (
        answer["statusCode"] == 400 and "Bluesky handle, such as ann.bsky.social" in answer["body"]
    )


def test_a_member_connects_their_own_account_but_not_the_cohorts(
    web: ModuleType, teacher_session: str
) -> None:
    assert "Connect the cohort&#39;s Bluesky account" not in page(web, teacher_session)
    refused = connect(
        web, teacher_session, account="cohort", handle=COHORT_HANDLE,
        app_password=COHORT_APP_PASSWORD,
    )  # fmt: skip
    assert refused["statusCode"] == 403

    mine = connect(
        web, teacher_session, account="mine", handle=MEMBER_HANDLE,
        app_password=MEMBER_APP_PASSWORD,
    )  # fmt: skip

    assert mine["statusCode"] == 303
    own = web.services.bluesky_accounts.connection("member:rivera@school.example")
    assert own is not None and own.username == MEMBER_HANDLE
    assert web.services.bluesky_accounts.connection("cohort") is None


def test_disconnecting_forgets_the_session_and_the_app_password(
    web: ModuleType, admin_session: str
) -> None:
    connect(
        web, admin_session, account="cohort", handle=COHORT_HANDLE,
        app_password=COHORT_APP_PASSWORD,
    )  # fmt: skip

    answer = post_form(web, admin_session, "/accounts/bluesky/disconnect", {"account": "cohort"})

    assert answer["statusCode"] == 303
    stored = web.services.bluesky_connections.get("cohort")
    assert stored is not None and not stored.connected and stored.tokens is None
    assert "Connect the cohort&#39;s Bluesky account" in page(web, admin_session)
