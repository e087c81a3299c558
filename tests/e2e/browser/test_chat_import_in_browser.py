"""Importing many chats, and subscribing to the calendar in one tap, in a real browser (Chromium)
on a phone (375 px), against the local stack.

The admin pastes a CSV of two chats (fresh hashtags, so the seeded chats and other tests are
untouched) and one bad row, sees the preview name the bad row and save nothing, imports, and
finds the chats on the Chats page; a teacher's Chats page has the webcal:// and Google Calendar
links made from their own feed address. Every page is checked with axe-core and must not scroll
sideways.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.helpers import ADMIN, checked_page, nav, sign_in
from tests.e2e.conftest import PHONE, LocalStack

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def subscribe_links_of(page: Page, label: str) -> tuple[str, str, str]:
    """The feed address in the field labelled `label`, and the two subscribe links' targets."""
    feed = page.get_by_label(label).input_value()
    webcal = page.get_by_role("link", name="Subscribe in your calendar app").get_attribute("href")
    google = page.get_by_role("link", name="Add to Google Calendar").get_attribute("href")
    assert webcal is not None and google is not None
    return feed, webcal, google


def test_an_admin_imports_chats_from_a_pasted_csv_after_a_preview(
    page: Page, local_stack: LocalStack
) -> None:
    first, second = (f"imp{uuid.uuid4().hex[:8]}" for _ in range(2))
    sign_in(page, local_stack, ADMIN)
    nav(page, "Chats")
    page.get_by_role("link", name="Import many chats").click()
    page.wait_for_load_state()
    checked_page(page, "the import form")
    page.get_by_label("Or paste a CSV").fill(
        "name,hashtag,network,weekday,time,zone\n"
        f"Import One,#{first},x,Tuesday,19:00,America/Chicago\n"
        f"Import Two,#{second},bluesky mastodon,Sat,9:30am,Australia/Sydney\n"
        "Broken,#brokenchat,x,Wednesday,20:00,EST5\n"
    )
    page.get_by_role("button", name="Preview").click()
    page.wait_for_load_state()
    expect(page.get_by_text("row 4: unknown time zone 'EST5'")).to_be_visible()
    expect(page.get_by_text("Tuesdays at 19:00, America/Chicago")).to_be_visible()
    expect(page.get_by_text("Saturdays at 09:30, Australia/Sydney")).to_be_visible()
    checked_page(page, "the import preview")

    chats = page.context.new_page()  # another tab: nothing is saved before confirm
    chats.goto(f"{local_stack.web}/chats")
    expect(chats.get_by_role("link", name="Import many chats")).to_be_visible()
    expect(chats.get_by_text(f"#{first}")).to_have_count(0)
    chats.close()
    page.get_by_role("button", name="Import 2 chats").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Added 2 chats")).to_be_visible()
    checked_page(page, "the import result")
    page.get_by_role("link", name="Import One").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name=re.compile("Import One"))).to_be_visible()
    nav(page, "Chats")
    expect(page.get_by_role("link", name="Import Two")).to_be_visible()


def test_the_chats_page_has_one_tap_calendar_links_of_the_members_own_address(
    new_page: Callable[..., Page], local_stack: LocalStack
) -> None:
    page = new_page(viewport=PHONE)
    sign_in(page, local_stack, ADMIN)
    nav(page, "Chats")
    feed, webcal, google = subscribe_links_of(page, "Calendar address for all chats")
    assert feed.startswith(local_stack.web + "/calendar/") and feed.endswith("/all.ics")
    assert webcal == "webcal://" + feed.split("://", 1)[1]
    assert google == "https://calendar.google.com/calendar/r?cid=" + quote(webcal, safe="")
    checked_page(page, "the chats page with its calendar links")

    page.get_by_role("link", name="EdTech Chat", exact=True).first.click()
    page.wait_for_load_state()
    own, chat_webcal, _ = subscribe_links_of(page, "Calendar address for EdTech Chat")
    assert own == feed.removesuffix("all.ics") + "edtechchat.ics"
    assert chat_webcal == "webcal://" + own.split("://", 1)[1]
    event = page.get_by_role("link", name="Add this chat as one repeating event instead")
    assert "BYDAY%3DMO" in (event.get_attribute("href") or "")
