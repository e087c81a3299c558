"""Importing many chats through the web routes, against moto server: a pasted CSV and a public
calendar fetched over real HTTP, previewed with bad rows named and nothing saved, then confirmed
(validated again); duplicates skipped; members refused. And the calendar links: webcal:// and
Google Calendar's, made from each member's own secret feed address."""

import html
import re
from types import ModuleType
from typing import Any
from urllib.parse import quote, unquote

import pytest

from chatdeck.domain.chats import Chat
from tests.integration.calendar_server import calendar_url, local_web
from tests.integration.deployment import Deployment
from tests.integration.web_kit import event_as, invoke, post_form

pytestmark = pytest.mark.integration
__all__ = ["calendar_url", "local_web"]  # the fixtures

CSV = (
    "name,hashtag,network,weekday,time,zone\n"
    "EdTech Chat,#edtechchat,x,Monday,20:00,America/New_York\n"
    "Sci Chat,#scichat,bluesky mastodon,Thu,8:30pm,Europe/London\n"
    "Eastern Chat,#easternchat,x,Tue,20:00,EST5\n"
    "No Tag Chat,,x,Tue,20:00,UTC\n"
)


def get(web: ModuleType, session: str, path: str) -> dict[str, Any]:
    event = event_as("web_get_form", session)
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    return invoke(web, event)


def carried_rows(page: str) -> str:
    found = re.search(r'name="rows" value="([^"]*)"', page)
    assert found, "the preview has no confirm form"
    return html.unescape(found.group(1))


def chats(deployment: Deployment) -> dict[str, Chat]:
    return {c.id: c for c in deployment.services.chats.all()}


def test_a_pasted_csv_is_previewed_with_bad_rows_named_then_confirmed(
    web: ModuleType, admin_session: str, deployment: Deployment
) -> None:
    preview = post_form(web, admin_session, "/import/chats", {"csv": CSV})
    page = preview["body"]
    assert preview["statusCode"] == 200
    assert "row 4: unknown time zone &#39;EST5&#39;" in page
    assert "row 5: hashtag missing" in page
    assert "Mondays at 20:00, America/New_York" in page
    assert "Thursdays at 20:30, Europe/London" in page and "Bluesky and Mastodon" in page
    assert "Import 2 chats" in page
    assert chats(deployment) == {}  # nothing is saved before confirm

    done = post_form(web, admin_session, "/import/chats/confirm", {"rows": carried_rows(page)})
    assert done["statusCode"] == 200 and "Added 2 chats" in done["body"]
    saved = chats(deployment)
    assert sorted(saved) == ["edtechchat", "scichat"]
    sci = saved["scichat"]
    assert sci.networks == ["bluesky", "mastodon"] and sci.recurrence.zone == "Europe/London"
    assert f"{sci.recurrence.start:%H:%M}" == "20:30" and sci.recurrence.weekday == 3

    again = post_form(web, admin_session, "/import/chats", {"csv": CSV})
    assert "already follows #EdTechChat at this time; skipped".lower() in again["body"].lower()
    assert "Import 2 chats" not in again["body"]
    twice = post_form(web, admin_session, "/import/chats/confirm", {"rows": carried_rows(page)})
    assert "Added 0 chats" in twice["body"] and "skipped" in twice["body"]
    assert sorted(chats(deployment)) == ["edtechchat", "scichat"]


def test_confirm_validates_again_and_never_trusts_the_preview(
    web: ModuleType, admin_session: str, deployment: Deployment
) -> None:
    forged = (
        "name,hashtag,network,weekday,time,zone,duration,every_weeks,first_date\n"
        "Forever,#forever,x,monday,20:00,UTC,99999,1,2026-12-07\n"
        "Wrong day,#wrongday,x,monday,20:00,UTC,60,1,2026-12-08\n"
        "Good,#goodchat,x,monday,20:00,UTC,60,1,2026-12-07\n"
    )
    done = post_form(web, admin_session, "/import/chats/confirm", {"rows": forged})
    body = html.unescape(done["body"])
    assert done["statusCode"] == 200 and "Added 1 chat" in body
    assert "row 2: A chat lasts from 15 to 240 minutes." in body
    assert "row 3: the first date 2026-12-08 is not a Monday" in body
    assert sorted(chats(deployment)) == ["goodchat"]


def test_a_public_calendar_is_fetched_previewed_and_imported(
    local_web: ModuleType, admin_session: str, deployment: Deployment, calendar_url: str
) -> None:
    url = f"{calendar_url}/chats.ics"
    preview = post_form(local_web, admin_session, "/import/chats", {"url": url})
    page = html.unescape(preview["body"])
    assert preview["statusCode"] == 200, page[-1500:]
    assert "event 3 (“Spring conference #edcon”): does not repeat weekly" in page
    assert "Import 2 chats" in page and chats(deployment) == {}
    done = post_form(
        local_web, admin_session, "/import/chats/confirm", {"rows": carried_rows(preview["body"])}
    )
    assert "Added 2 chats" in done["body"]
    saved = chats(deployment)
    assert saved["edtechchat"].networks == ["x"]
    assert saved["scichat"].networks == ["bluesky"]
    assert saved["scichat"].recurrence.duration_minutes == 45


def test_import_is_for_admins_only_and_says_what_is_wrong(
    web: ModuleType, admin_session: str, teacher_session: str, deployment: Deployment
) -> None:
    assert get(web, teacher_session, "/import/chats")["statusCode"] == 403
    assert post_form(web, teacher_session, "/import/chats", {"csv": CSV})["statusCode"] == 403
    refused = post_form(web, teacher_session, "/import/chats/confirm", {"rows": CSV})
    assert refused["statusCode"] == 403 and chats(deployment) == {}
    form = get(web, admin_session, "/import/chats")
    assert form["statusCode"] == 200 and 'name="csv"' in form["body"]
    both = post_form(
        web, admin_session, "/import/chats", {"csv": CSV, "url": "https://a.example/x.ics"}
    )
    assert both["statusCode"] == 422 and "not both" in both["body"]
    private = post_form(web, admin_session, "/import/chats", {"url": "https://10.0.0.1/x.ics"})
    assert private["statusCode"] == 422 and "not a public address" in private["body"]


def test_the_calendar_links_use_each_members_own_secret_address(
    web: ModuleType, admin_session: str, teacher_session: str, deployment: Deployment
) -> None:
    post_form(web, admin_session, "/import/chats/confirm", {"rows": CSV})
    addresses = {}
    for who, session in (("admin", admin_session), ("teacher", teacher_session)):
        page = html.unescape(get(web, session, "/chats")["body"])
        feed = re.search(r'readonly value="(https://[^"]+/all\.ics)"', page)
        assert feed, page[-2000:]
        webcal = "webcal://" + feed.group(1).removeprefix("https://")
        assert f'href="{webcal}"' in page
        google = "https://calendar.google.com/calendar/r?cid=" + quote(webcal, safe="")
        assert f'href="{google}"' in page
        addresses[who] = feed.group(1)
        chat_page = html.unescape(get(web, session, "/chats/edtechchat")["body"])
        own = feed.group(1).removesuffix("all.ics") + "edtechchat.ics"
        assert 'href="webcal://' + own.removeprefix("https://") + '"' in chat_page
        event = re.search(
            r'href="(https://calendar\.google\.com/calendar/render\?[^"]+)"', chat_page
        )
        assert event and "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO" in unquote(event.group(1))
        assert "ctz=America%2FNew_York" in event.group(1)
    assert addresses["admin"] != addresses["teacher"]
