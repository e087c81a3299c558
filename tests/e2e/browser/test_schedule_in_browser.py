"""Scheduling a post in a real browser (Chromium), as a teacher on a phone or a laptop would.

Each test signs in through `sign_in` (nothing to do until sign-in lands), finds controls by their
labels and roles, checks the page with axe-core, and leaves a screenshot in
test-artifacts/screenshots/.
"""

import re
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.accessibility import assert_accessible
from tests.e2e.browser.helpers import (
    Draft,
    days_ahead,
    expect_confirmed_for,
    focus_order,
    minutes_ahead,
    no_horizontal_scroll,
    optional,
    queue_json,
    sandbox_posts,
    schedule,
    sign_in,
    tab_to,
    tick,
)
from tests.e2e.conftest import LocalStack

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def test_schedule_a_post_with_the_keyboard_only_on_a_phone(
    page: Page, local_stack: LocalStack
) -> None:
    sign_in(page, local_stack)
    page.goto(f"{local_stack.web}/")
    no_horizontal_scroll(page)
    assert_accessible(page, "the empty form")

    labels = ["Post", "Date", "Time", "Time zone", "Your name", "Your email"]
    labels = [label for label in labels if optional(page, label) is not None]
    order = focus_order(page)
    positions = [
        next((i for i, seen in enumerate(order) if seen.endswith(f'"{name}"')), -1)
        for name in [*labels, "Schedule post"]
    ]
    assert -1 not in positions and positions == sorted(positions), (
        f"Tab should visit {[*labels, 'Schedule post']} in that order; it visits {order}"
    )

    local = days_ahead(7, "Europe/Paris", hour=8, minute=30)
    text = f"Typed on a phone, keyboard only. #edchat {uuid.uuid4().hex[:6]}"
    page.locator("body").focus()
    tab_to(page, page.get_by_label("Post", exact=True))
    page.keyboard.type(text)
    tab_to(page, page.get_by_label("Date", exact=True))
    page.keyboard.type(f"{local:%m%d%Y}")  # en-US: month, day, year
    tab_to(page, page.get_by_label("Time", exact=True))
    page.keyboard.type(f"{local:%I%M%p}"[:5])  # 08, 30, then A for AM
    zone_field = page.get_by_label("Time zone", exact=True)
    tab_to(page, zone_field)
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("Europe/Paris")
    for label, value in (("Your name", "Ms. Rivera"), ("Your email", "rivera@school.example")):
        control = optional(page, label)
        if control is not None:
            tab_to(page, control)
            page.keyboard.type(value)
    expect(page.get_by_label("Date", exact=True)).to_have_value(f"{local:%Y-%m-%d}")
    expect(page.get_by_label("Time", exact=True)).to_have_value("08:30")
    expect(zone_field).to_have_value("Europe/Paris")

    tab_to(page, page.get_by_role("button", name="Schedule post"))
    page.keyboard.press("Enter")

    expect_confirmed_for(page, local)  # 07:30 or 06:30 UTC, by the season
    expect(page.get_by_text(text)).to_be_visible()
    no_horizontal_scroll(page)
    assert_accessible(page, "the confirmation")


def test_errors_are_announced_and_each_leads_to_its_field(
    page: Page, local_stack: LocalStack
) -> None:
    sign_in(page, local_stack)
    page.goto(f"{local_stack.web}/")
    submit = page.get_by_role("button", name="Schedule post")
    page.locator("body").focus()
    tab_to(page, submit)
    page.keyboard.press("Space")  # the empty form

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Please fix")
    post = page.get_by_label("Post", exact=True)
    expect(post).to_have_attribute("aria-invalid", "true")
    message = page.locator("#text-error")
    expect(message).to_be_visible()
    expect(post).to_have_accessible_description(re.compile(re.escape(message.inner_text())))
    links = summary.get_by_role("link")
    assert links.count() >= 1
    for i in range(links.count()):  # every summary line names a field that says what is wrong
        target = (links.nth(i).get_attribute("href") or "").removeprefix("#")
        field = page.locator(f'[id="{target}"]')
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(page.locator(f'[id="{target}-error"]')).to_have_text(links.nth(i).inner_text())
    no_horizontal_scroll(page)
    assert_accessible(page, "the form with errors")

    first = summary.get_by_role("link", name=message.inner_text())
    page.locator("body").focus()
    tab_to(page, first)
    page.keyboard.press("Enter")
    expect(post).to_be_focused()
    page.keyboard.type("Fixed.")
    expect(post).to_have_value("Fixed.")


def test_the_live_count_weighs_text_as_x_does(page: Page, local_stack: LocalStack) -> None:
    sign_in(page, local_stack)
    page.goto(f"{local_stack.web}/")
    post = page.get_by_label("Post", exact=True)

    def shows(pattern: str) -> None:
        expect(post).to_have_accessible_description(re.compile(pattern))

    shows(r"\b0 of 280\b")  # app.js ran, under the page's Content-Security-Policy
    post.press_sequentially("Hello")
    shows(r"\b5 of 280 characters \(275 left\)")
    post.fill("https://example.com/a/very/long/path/that/goes/on?and=on")
    shows(r"\b23 of 280\b")
    post.fill("Read https://example.com/x today")
    shows(r"\b34 of 280\b")
    post.fill("🐦‍🔥")
    shows(r"\b2 of 280\b")
    post.fill("🐦‍🔥" + "a" * 278)
    shows(r"\b280 of 280 characters \(0 left\)")
    post.press("End")
    post.press_sequentially("a")
    shows(r"\b281 of 280\b.*\b1 too many\b")
    no_horizontal_scroll(page)
    assert_accessible(page, "the form with too long a post")


def test_the_time_zone_defaults_to_the_browsers(
    new_page: Callable[..., Page], local_stack: LocalStack
) -> None:
    page = new_page(timezone_id="America/New_York")
    sign_in(page, local_stack)
    page.goto(f"{local_stack.web}/")
    expect(page.get_by_label("Time zone", exact=True)).to_have_value("America/New_York")


def test_a_post_scheduled_in_the_browser_goes_out_once_at_its_minute(
    desktop_page: Page, local_stack: LocalStack
) -> None:
    page = desktop_page
    sign_in(page, local_stack)
    due = minutes_ahead(1)
    text = f"From the browser, out at {due:%H:%M} UTC. #edchat {uuid.uuid4().hex[:6]}"
    post_id = schedule(page, local_stack, Draft(text=text, when=due, zone="UTC"))

    tick(local_stack, due - timedelta(minutes=1))
    assert sandbox_posts(local_stack, text) == []
    tick(local_stack, due)
    tick(local_stack, due + timedelta(minutes=1))
    posted = sandbox_posts(local_stack, text)
    assert len(posted) == 1, posted

    page.goto(f"{local_stack.web}/posts")
    item = page.locator(f'[id="post-{post_id}"]')
    expect(item.get_by_text("Posted", exact=True)).to_be_visible()
    view = item.get_by_role("link", name="View on X")
    expect(view).to_have_attribute("href", re.compile(rf"^https://x\.com/.*{posted[0]['id']}$"))
    expect(item.get_by_role("button", name=re.compile("^Cancel"))).to_have_count(0)
    no_horizontal_scroll(page, width=1280)
    assert_accessible(page, "the queue with a posted post")


def test_cancel_a_queued_post_from_the_queue_with_the_keyboard(
    page: Page, local_stack: LocalStack
) -> None:
    sign_in(page, local_stack)
    when = days_ahead(3, "America/Chicago", hour=19)
    text = f"Cancel me from the queue. {uuid.uuid4().hex[:6]}"
    post_id = schedule(page, local_stack, Draft(text=text, when=when, zone="America/Chicago"))

    page.goto(f"{local_stack.web}/posts")
    item = page.locator(f'[id="post-{post_id}"]')
    expect(item.get_by_text("Queued", exact=True)).to_be_visible()
    cancel = item.get_by_role("button", name=re.compile("^Cancel"))
    expect(cancel).to_have_accessible_name(re.compile("^Cancel the post for "))  # not just "Cancel"
    no_horizontal_scroll(page)
    assert_accessible(page, "the queue with a queued post")

    page.locator("body").focus()
    tab_to(page, cancel, most=120)
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/posts$"))
    item = page.locator(f'[id="post-{post_id}"]')
    expect(item.get_by_text("Cancelled", exact=True)).to_be_visible()
    expect(item.get_by_role("button", name=re.compile("^Cancel"))).to_have_count(0)
    mine = [p for p in queue_json(page, local_stack) if p["id"] == post_id]
    assert [p["status"] for p in mine] == ["CANCELLED"]
    assert sandbox_posts(local_stack, text) == []
    no_horizontal_scroll(page)
    assert_accessible(page, "the queue with a cancelled post")
