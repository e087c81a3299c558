"""Members' own calendar feed addresses through the web handler, on moto server: each member's
page shows their own address; removing a member ends theirs; "Make a new address" ends the old
one at once; the cohort-wide address of old answers 404 like any unknown page."""

import re
from types import ModuleType
from typing import Any

import pytest
import vobject

from tests.integration.deployment import Deployment
from tests.integration.test_chat_pages import CHAT_FORM, get
from tests.integration.web_kit import event_as, invoke, post_form

pytestmark = pytest.mark.integration

TEACHER = "rivera@school.example"


@pytest.fixture
def chat(web: ModuleType, admin_session: str) -> str:
    created = post_form(web, admin_session, "/chats", CHAT_FORM)
    assert created["statusCode"] == 303, created.get("body")
    return str(created["headers"]["Location"])


def shown_address(web: ModuleType, session: str, path: str = "/chats") -> str:
    page = get(web, session, path)
    assert page["statusCode"] == 200, page.get("body")
    found = re.search(r'value="https://[^/]+(/calendar/[^/"]+/[^/"]+\.ics)"', page["body"])
    assert found, page["body"]
    return found.group(1)


def fetch(web: ModuleType, path: str) -> dict[str, Any]:
    """What a calendar app gets: no cookies, no session."""
    return get(web, None, path)


def test_a_removed_members_feed_address_stops_working(
    web: ModuleType, chat: str, admin_session: str, teacher_session: str
) -> None:
    theirs = shown_address(web, teacher_session)
    mine = shown_address(web, admin_session)
    assert fetch(web, theirs)["statusCode"] == 200

    removed = post_form(web, admin_session, f"/members/{TEACHER}/remove", {"queued": "keep"})

    assert removed["statusCode"] == 303
    gone = fetch(web, theirs)
    assert gone["statusCode"] == 404
    assert "BEGIN:VCALENDAR" not in gone["body"]
    assert fetch(web, theirs.replace("all.ics", "edtechchat.ics"))["statusCode"] == 404
    assert fetch(web, mine)["statusCode"] == 200  # the admin's own address still works


def test_each_member_sees_their_own_address_on_every_chat_page(
    web: ModuleType, chat: str, admin_session: str, teacher_session: str
) -> None:
    theirs = shown_address(web, teacher_session)
    mine = shown_address(web, admin_session)
    one_chat = shown_address(web, teacher_session, chat)

    assert theirs != mine
    assert one_chat == theirs.replace("all.ics", "edtechchat.ics")
    assert shown_address(web, teacher_session) == theirs  # kept across page loads
    feed = fetch(web, one_chat)
    assert feed["statusCode"] == 200
    assert feed["headers"]["Content-Type"].startswith("text/calendar")
    event = vobject.readOne(feed["body"], validate=True).vevent
    assert "#edtechchat" in event.summary.value.lower()


def test_renewing_ends_the_old_address_at_once(
    web: ModuleType, chat: str, teacher_session: str, admin_session: str
) -> None:
    old = shown_address(web, teacher_session)
    admins = shown_address(web, admin_session)

    renewed = post_form(web, teacher_session, "/calendar/renew", {})

    assert renewed["statusCode"] == 303
    assert renewed["headers"]["Location"] == "/chats?renewed=1#calendar"
    event = event_as("web_get_form", teacher_session)
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/chats"
    event["rawQueryString"], event["queryStringParameters"] = "renewed=1", {"renewed": "1"}
    page = invoke(web, event)["body"]
    assert "the old one no longer works" in page
    new = shown_address(web, teacher_session)
    assert new != old
    assert fetch(web, old)["statusCode"] == 404
    assert fetch(web, new)["statusCode"] == 200
    assert fetch(web, admins)["statusCode"] == 200  # one member's renewal is theirs alone


def test_renewing_needs_a_signed_in_member_and_a_same_site_form(
    web: ModuleType, chat: str, teacher_session: str
) -> None:
    address = shown_address(web, teacher_session)

    anonymous = post_form(web, "", "/calendar/renew", {})

    assert anonymous["statusCode"] in (302, 303, 401)
    assert fetch(web, address)["statusCode"] == 200


def test_the_cohort_wide_address_of_old_answers_404(
    web: ModuleType, chat: str, deployment: Deployment, admin_session: str
) -> None:
    old_token = "cohort-wide-secret-of-before-1234"
    deployment.services.chats.table.put_item(  # type: ignore[attr-defined]
        Item={"pk": "FEED", "sk": "TOKEN", "token": old_token}
    )
    shown_address(web, admin_session)

    old = fetch(web, f"/calendar/{old_token}/all.ics")

    assert old["statusCode"] == 404
    assert fetch(web, "/calendar/guess/all.ics")["statusCode"] == 404
