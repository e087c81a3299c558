"""The chat pages through the web handler: the calendar, subscriptions, feeds, unsubscribing."""

import re
from datetime import timedelta
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

import pytest
import vobject

from chatdeck.domain.chats import Subscription
from tests.integration.deployment import ADMIN, PUBLIC_URL, Deployment
from tests.integration.web_kit import SAMPLE_NOW, event_as, invoke, post_form

pytestmark = pytest.mark.integration

CHAT_FORM = {
    "name": "EdTech Chat",
    "hashtag": "#EdTechChat",
    "network": "x",
    "weekday": "0",
    "start_time": "20:00",
    "zone": "America/New_York",
    "duration_minutes": "60",
    "every_weeks": "1",
    "first_date": "2026-12-07",
    "moderators": "@edtechmod, @coach_k",
    "description": "Technology in the classroom.",
    "link": "https://example.org/edtechchat",
}


def get(web: ModuleType, session: str | None, path: str, query: str = "") -> dict[str, Any]:
    event = event_as("web_get_form", session)
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["rawQueryString"] = query
    return invoke(web, event)


@pytest.fixture
def chat(web: ModuleType, admin_session: str) -> str:
    created = post_form(web, admin_session, "/chats", CHAT_FORM)
    assert created["statusCode"] == 303, created.get("body")
    return str(created["headers"]["Location"])


def test_an_admin_adds_a_chat_and_a_member_sees_it_in_their_own_zone(
    web: ModuleType, chat: str, deployment: Deployment, teacher_session: str
) -> None:
    assert chat == "/chats/edtechchat"
    london = deployment.services.membership.member("rivera@school.example")
    deployment.services.membership.members.save_profile(london.email, london.name, "Europe/London")

    page = get(web, teacher_session, "/chats")

    assert page["statusCode"] == 200
    # Mondays 20:00 in New York are Tuesdays 01:00 in London.
    assert "Tue 08 Dec, 01:00" in page["body"]


def test_only_admins_add_chats_and_bad_input_names_each_field(
    web: ModuleType, admin_session: str, teacher_session: str, deployment: Deployment
) -> None:
    refused = post_form(web, teacher_session, "/chats", CHAT_FORM)
    bad = post_form(
        web, admin_session, "/chats", {**CHAT_FORM, "zone": "Mars/Olympus", "start_time": "25:00"}
    )

    assert refused["statusCode"] == 403
    assert bad["statusCode"] == 422
    assert 'id="zone-error"' in bad["body"] and 'id="start_time-error"' in bad["body"]
    assert deployment.services.chats.all() == []


def test_skipping_and_planning_questions_for_a_session(
    web: ModuleType, chat: str, admin_session: str, deployment: Deployment
) -> None:
    planned = post_form(
        web,
        admin_session,
        f"{chat}/questions",
        {"local_date": "2026-12-07", "questions": "What works?\nWhat doesn't?\n"},
    )
    skipped = post_form(web, admin_session, f"{chat}/skip", {"local_date": "2026-12-14"})
    not_a_session = post_form(web, admin_session, f"{chat}/skip", {"local_date": "2026-12-15"})

    assert planned["statusCode"] == skipped["statusCode"] == 303
    assert not_a_session["statusCode"] == 400
    stored = deployment.services.chats.get("edtechchat")
    assert stored.questions[SAMPLE_NOW.date().replace(day=7)] == ["What works?", "What doesn't?"]
    assert [d.isoformat() for d in stored.skipped] == ["2026-12-14"]
    page = get(web, admin_session, chat)["body"]
    assert "What works?" in page and "Mon 14 Dec 2026" not in page


def test_a_member_subscribes_with_a_lead_time(
    web: ModuleType, chat: str, teacher_session: str, deployment: Deployment
) -> None:
    saved = post_form(
        web,
        teacher_session,
        f"{chat}/subscription",
        {"reminders": "on", "digests": "on", "lead_minutes": "45"},
    )
    out_of_range = post_form(
        web, teacher_session, f"{chat}/subscription", {"reminders": "on", "lead_minutes": "2"}
    )

    assert saved["statusCode"] == 303 and out_of_range["statusCode"] == 400
    assert deployment.services.subscriptions.subscription(
        "edtechchat", "rivera@school.example"
    ) == (
        Subscription(
            chat_id="edtechchat",
            email="rivera@school.example",
            reminders=True,
            digests=True,
            lead_minutes=45,
        )
    )


def test_the_feeds_need_no_sign_in_only_the_secret_address(
    web: ModuleType, chat: str, admin_session: str
) -> None:
    page = get(web, admin_session, "/chats")["body"]
    address = re.search(r'value="https://[^/]+(/calendar/[^/]+/all\.ics)"', page)
    assert address, page

    feed = get(web, None, address.group(1))
    one = get(web, None, address.group(1).replace("all.ics", "edtechchat.ics"))
    guessed = get(web, None, "/calendar/guess/all.ics")

    assert feed["statusCode"] == one["statusCode"] == 200
    assert guessed["statusCode"] == 404
    event = vobject.readOne(feed["body"], validate=True).vevent
    assert "#edtechchat" in event.summary.value.lower()
    assert event.rrule.value == "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO"


def test_unsubscribing_from_an_email_link_needs_the_button_or_a_one_click_post(
    web: ModuleType, chat: str, deployment: Deployment
) -> None:
    deployment.services.subscriptions.subscribe(
        Subscription(
            chat_id="edtechchat", email="rivera@school.example", reminders=True, digests=True
        )
    )
    actions = deployment.services.email_actions
    url = actions.unsubscribe_url("rivera@school.example", "edtechchat", "digests", SAMPLE_NOW)
    path = url.removeprefix(PUBLIC_URL)

    page = get(web, None, path)  # a mail scanner opening the link
    still = deployment.services.subscriptions.subscription("edtechchat", "rivera@school.example")
    one_click = event_as("web_signin_request", None)  # a POST with no session and no CSRF token
    one_click["rawPath"] = one_click["requestContext"]["http"]["path"] = path
    one_click["cookies"] = []
    one_click["body"] = "List-Unsubscribe=One-Click"
    one_click["headers"].pop("origin", None)
    done = invoke(web, one_click)
    forged = invoke(web, {**one_click, "rawPath": path[:-3] + "abc"})

    assert page["statusCode"] == 200 and "Unsubscribe" in page["body"]
    assert "stop digests for EdTech Chat to rivera@school.example" in page["body"]
    assert still is not None and still.digests
    assert done["statusCode"] == 200
    after = deployment.services.subscriptions.subscription("edtechchat", "rivera@school.example")
    assert after is not None and not after.digests and after.reminders
    assert forged["statusCode"] == 400


def test_an_unsubscribe_link_expires(web: ModuleType, chat: str, deployment: Deployment) -> None:
    old = SAMPLE_NOW - timedelta(days=91)
    url = deployment.services.email_actions.unsubscribe_url(ADMIN, "edtechchat", "all", old)
    event = event_as("web_signin_request", None)
    path = url.removeprefix(PUBLIC_URL)
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    assert invoke(web, event)["statusCode"] == 400
    page = get(web, None, path)  # the page says so before anyone presses a button
    assert page["statusCode"] == 400 and "not valid any more" in page["body"]


def test_an_admin_changes_a_chat_and_keeps_its_skips_and_questions(
    web: ModuleType, chat: str, admin_session: str, teacher_session: str, deployment: Deployment
) -> None:
    post_form(web, admin_session, f"{chat}/skip", {"local_date": "2026-12-14"})
    form = get(web, admin_session, f"{chat}/edit")
    moved = post_form(web, admin_session, chat, {**CHAT_FORM, "start_time": "19:00"})
    by_a_member = post_form(web, teacher_session, chat, {**CHAT_FORM, "start_time": "07:00"})

    assert form["statusCode"] == 200 and 'value="20:00"' in form["body"]
    assert moved["statusCode"] == 303 and by_a_member["statusCode"] == 403
    stored = deployment.services.chats.get("edtechchat")
    assert f"{stored.recurrence.start:%H:%M}" == "19:00"
    assert [d.isoformat() for d in stored.skipped] == ["2026-12-14"]


def test_an_admin_removes_a_chat(
    web: ModuleType, chat: str, admin_session: str, deployment: Deployment
) -> None:
    assert post_form(web, admin_session, f"{chat}/remove", {})["statusCode"] == 303
    assert deployment.services.chats.get("edtechchat") is None
    assert get(web, admin_session, chat)["statusCode"] == 404


def test_two_admins_adding_one_hashtag_at_once_make_one_chat(
    web: ModuleType, chat: str, admin_session: str, deployment: Deployment, monkeypatch: Any
) -> None:
    # The second admin's request looked before the first one's chat was stored: whatever it
    # read, adding is one conditional write, so it cannot replace the first admin's chat.
    monkeypatch.setattr(type(deployment.services.chats), "get", lambda self, chat_id: None)
    second = post_form(web, admin_session, "/chats", {**CHAT_FORM, "name": "Another EdTech"})
    monkeypatch.undo()

    assert second["statusCode"] == 422
    assert "already follows #EdTechChat" in second["body"]
    assert deployment.services.chats.get("edtechchat").name == "EdTech Chat"


@pytest.mark.parametrize(
    ("action", "form"),
    [
        ("/skip", {"local_date": "2026-12-14"}),
        ("/questions", {"local_date": "2026-12-14"}),
        ("", {**CHAT_FORM, "name": "Changed after it was removed"}),
    ],
)
def test_a_chat_removed_while_an_admin_changes_it_answers_404(
    web: ModuleType,
    chat: str,
    admin_session: str,
    deployment: Deployment,
    monkeypatch: Any,
    action: str,
    form: dict[str, str],
) -> None:
    # The admin's request read the chat; another admin removed it before the write.
    seen = deployment.services.chats.get("edtechchat")
    deployment.services.chats.remove("edtechchat")
    monkeypatch.setattr(web.services.calendar, "chat", lambda chat_id: seen)

    answer = post_form(web, admin_session, f"{chat}{action}", form)

    assert answer["statusCode"] == 404
    assert "No such chat." in answer["body"]
    assert deployment.services.chats.get("edtechchat") is None


def test_a_chat_on_two_networks_from_the_forms_checkboxes_says_where_it_runs(
    web: ModuleType, admin_session: str, teacher_session: str, deployment: Deployment
) -> None:
    fields = [(k, v) for k, v in CHAT_FORM.items() if k not in ("network", "moderators")]
    event = event_as("web_cancel_post", admin_session)
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/chats"
    event["body"] = urlencode(
        [
            ("csrf_token", "sample-csrf-token-kept-in-the-cookie-0001"),
            *fields,
            ("networks", "bluesky"),  # a ticked checkbox is sent once per box
            ("networks", "x"),
            ("moderators", "@edtechmod, @edtechmod.bsky.social"),
        ]
    )
    created = invoke(web, event)

    assert created["statusCode"] == 303, created.get("body")
    stored = deployment.services.chats.get("edtechchat")
    assert stored is not None and stored.networks == ["x", "bluesky"]
    assert stored.moderators == ["edtechmod", "edtechmod.bsky.social"]
    assert "On X and Bluesky" in get(web, teacher_session, "/chats")["body"]
    assert "On X and Bluesky" in get(web, teacher_session, "/chats/edtechchat")["body"]
    form = get(web, admin_session, "/chats/edtechchat/edit")["body"]
    assert re.search(r'value="x"\s+checked', form) and re.search(r'value="bluesky"\s+checked', form)
    assert not re.search(r'value="mastodon"\s+checked', form)


def test_a_chat_with_no_network_ticked_is_refused_saying_so(
    web: ModuleType, admin_session: str, deployment: Deployment
) -> None:
    refused = post_form(
        web, admin_session, "/chats", {k: v for k, v in CHAT_FORM.items() if k != "network"}
    )

    assert refused["statusCode"] == 422
    assert 'id="networks-error"' in refused["body"]
    assert "Tick the networks the chat runs on" in refused["body"]
    assert deployment.services.chats.all() == []
