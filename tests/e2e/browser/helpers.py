"""The end-to-end tests' helpers, each defined once: the local stack's own endpoints (the outbox,
the tick, the sandbox's posts), the times the tests schedule for, and what a person does in the
browser: sign in, tab to a control, invite a teacher, fill in and send the scheduling form.

The HTTP tests use the first two parts too (tests/e2e/member_client.py signs in through the same
outbox); nothing here needs a browser until it is given a page.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import requests

from tests.e2e.browser.accessibility import assert_accessible
from tests.e2e.conftest import LocalStack, new_context
from tests.polling import poll_until

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

ADMIN = "admin@cohort.example"  # seeded by devstack.provision
LINK = re.compile(r"https?://[^\s<>\"']*/signin/confirm\?[^\s<>\"']+")

# Sessions already made, per (web app, email): the sign-in links' rate limit (5 per address per
# 10 minutes) is not spent on every test. Each test still gets a fresh browser context.
_sessions: dict[tuple[str, str], list[Any]] = {}


# --- times -------------------------------------------------------------------------------------


def iso(instant: datetime) -> str:
    """An aware instant as the app and the local stack write it: 2026-12-01T20:00:00Z."""
    return f"{instant.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"


def minutes_ahead(minutes: int) -> datetime:
    """A whole UTC minute `minutes` from now: the publisher's tick for it is ours to send."""
    return (datetime.now(UTC) + timedelta(minutes=minutes)).replace(second=0, microsecond=0)


def days_ahead(days: int, zone: str, hour: int = 16, minute: int = 0) -> datetime:
    """A local time `days` ahead in `zone` (aware): no tick in the e2e tests reaches it."""
    local = datetime.now(ZoneInfo(zone)) + timedelta(days=days)
    return local.replace(hour=hour, minute=minute, second=0, microsecond=0)


# --- the local stack's own endpoints ------------------------------------------------------------


def outbox(stack: LocalStack) -> list[dict[str, Any]]:
    """The emails the local stack sent (SES in moto), newest first."""
    answer = requests.get(
        f"{stack.web}/_dev/outbox", headers={"Accept": "application/json"}, timeout=10
    )
    answer.raise_for_status()
    emails: list[dict[str, Any]] = answer.json()["emails"]
    return emails


def emails_to(stack: LocalStack, address: str, subject: str) -> list[dict[str, Any]]:
    """The emails to `address` whose subject contains `subject`, newest first."""
    return [
        mail
        for mail in outbox(stack)
        if address in str(mail.get("to")) and subject in str(mail.get("subject"))
    ]


def email_ids(stack: LocalStack) -> set[str]:
    """The ids of the emails sent so far: what `sign_in_link` is to look past."""
    return {mail["id"] for mail in outbox(stack)}


def sign_in_link(stack: LocalStack, email: str, earlier: set[str], seconds: float = 15) -> str:
    """The link in the newest sign-in email to `email` that was not in the outbox `earlier`."""
    new: list[dict[str, Any]] = []

    def new_link() -> str | None:
        new[:] = [mail for mail in outbox(stack) if mail["id"] not in earlier]
        for mail in new:
            found = LINK.search(mail.get("text") or "")
            if email in str(mail.get("to")) and found:
                return found.group(0)
        return None

    def what_came() -> str:
        subjects = [(mail.get("to"), mail.get("subject")) for mail in new[:5]]
        return f"no new sign-in email with a link to {email}; new: {subjects}"

    return poll_until(new_link, timeout=seconds, interval=0.2, message=what_came)


def tick(stack: LocalStack, at: datetime) -> dict[str, Any]:
    """POST /_dev/tick: every scheduled function runs once, as at `at`. Their answers, by name."""
    answer = requests.post(f"{stack.web}/_dev/tick", json={"at": iso(at)}, timeout=120)
    assert answer.status_code == 200, answer.text
    functions: dict[str, Any] = answer.json()["functions"]
    return functions


def companion_tick(stack: LocalStack, at: datetime) -> dict[str, Any]:
    """A tick at `at`, and what the chat companion did in it (polling, reminders, digests)."""
    companion: dict[str, Any] = tick(stack, at)["CompanionFunction"]
    return companion


def sandbox_posts(stack: LocalStack, text: str) -> list[dict[str, Any]]:
    """The posts on the sandbox network (the stand-in for X) whose text is `text`."""
    posts = requests.get(f"{stack.sandbox}/sandbox/posts", timeout=10).json()
    return [post for post in posts if post["text"] == text]


# --- in the browser -----------------------------------------------------------------------------


@contextlib.contextmanager
def module_page(browser: Browser) -> Iterator[Page]:
    """A phone's page for a module fixture (the `page` fixtures are per test), closed after."""
    context = new_context(browser)
    try:
        yield context.new_page()
    finally:
        context.close()


def on_signin_page(page: Page) -> bool:
    return (
        page.get_by_label("Email", exact=True).count() == 1
        and page.get_by_role("button", name="Email me a sign-in link").count() == 1
    )


def sign_in(page: Page, stack: LocalStack, email: str = ADMIN) -> None:
    """Sign in as `email` if the app asks who you are; does nothing while GET / is the form."""
    key = (stack.web, email)
    if key in _sessions:
        page.context.add_cookies(_sessions[key])
    page.goto(f"{stack.web}/")
    if not on_signin_page(page):
        return
    earlier = email_ids(stack)
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.wait_for_load_state()
    page.goto(sign_in_link(stack, email, earlier))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert not on_signin_page(page), f"signing in as {email} did not work: {page.url}"
    _sessions[key] = list(page.context.cookies(f"{stack.web}/"))


def checked_page(page: Page, where: str) -> None:
    """What every page must be on a phone: no sideways scrolling, no axe violation."""
    no_horizontal_scroll(page)
    assert_accessible(page, where)


def nav(page: Page, name: str) -> None:
    """Follow a link in the main navigation, as a visitor would."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()
    page.wait_for_load_state()


def focused(page: Page) -> str:
    """What has the keyboard focus, for messages: tag#id and its text or label."""
    description: str = page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el || el === document.body) return "(nothing)";
            const label = el.labels && el.labels.length ? el.labels[0] : el;
            const id = el.id ? "#" + el.id : "";
            return `${el.tagName.toLowerCase()}${id} "${(label.textContent || "").trim()}"`;
        }"""
    )
    return description


def has_focus(control: Locator) -> bool:
    return bool(control.evaluate("el => el === document.activeElement"))


def focus_is_visible(page: Page) -> bool:
    """Whether the focused control shows it: :focus-visible with an outline (or a ring) drawn."""
    visible: bool = page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el || el === document.body || !el.matches(":focus-visible")) return false;
            const style = getComputedStyle(el);
            const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
            return outline || style.boxShadow !== "none";
        }"""
    )
    return visible


def press_on(page: Page, control: Locator, key: str = "Enter") -> None:
    """Press `key` on `control`, which must have the focus, and show it."""
    assert has_focus(control), f"the focus is on {focused(page)}, not {control}"
    assert focus_is_visible(page), f"no visible focus on {focused(page)}"
    page.keyboard.press(key)


def tab_to(page: Page, control: Locator, most: int = 40) -> int:
    """Press Tab until `control` has the focus (a date or time field keeps it over its parts)."""
    for presses in range(1, most + 1):
        page.keyboard.press("Tab")
        if has_focus(control):
            return presses
    raise AssertionError(
        f"Tab never reached {control} in {most} presses; the focus is on {focused(page)}"
    )


def focus_order(page: Page, most: int = 60) -> list[str]:
    """The controls Tab visits from the top of the page, each once, in order."""
    page.locator("body").focus()
    visited: list[str] = []
    for _ in range(most):
        page.keyboard.press("Tab")
        now = focused(page)
        if visited and now == visited[0]:
            break  # wrapped around
        if now != "(nothing)" and (not visited or visited[-1] != now):
            visited.append(now)
    return visited


def no_horizontal_scroll(page: Page, width: int = 375) -> None:
    scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
    assert scroll_width <= width, (
        f"{page.url} scrolls sideways at {width} px: it is {scroll_width} px wide"
    )


def optional(page: Page, label: str) -> Locator | None:
    """A field that goes away once sign-in lands (the member's own name and email are used)."""
    control = page.get_by_label(label, exact=True)
    return control if control.count() == 1 else None


# --- people and forms ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Teacher:
    name: str
    email: str
    zone: str

    @classmethod
    def named(cls, name: str, zone: str = "America/Chicago") -> Teacher:
        """A teacher with an address no other test uses (the stack lives for the whole session)."""
        handle = re.sub(r"\W+", "-", name.lower()).strip("-")
        return cls(name, f"{handle}-{uuid.uuid4().hex[:6]}@school.example", zone)


def invite(admin: Page, stack: LocalStack, who: Teacher) -> None:
    """Members → fill in "Invite a member" → the new member is listed."""
    from playwright.sync_api import expect

    admin.goto(f"{stack.web}/members")
    admin.get_by_label("Name", exact=True).fill(who.name)
    admin.get_by_label("Email", exact=True).fill(who.email)
    admin.get_by_label("Time zone", exact=True).fill(who.zone)
    admin.get_by_role("button", name="Invite", exact=True).click()
    admin.wait_for_load_state()
    expect(admin).to_have_url(re.compile(r"/members$"))
    expect(admin.get_by_role("alert")).to_have_count(0)
    expect(admin.get_by_text(who.email, exact=True)).to_be_visible()


@dataclass
class Draft:
    text: str
    when: datetime  # the local date and time, naive; or aware, then typed as the clock in `zone`
    zone: str
    name: str = "Ms. Rivera"
    email: str = "rivera@school.example"

    @property
    def local(self) -> datetime:
        """The date and time typed into the form (naive): the wall clock in `zone`."""
        if self.when.tzinfo is None:
            return self.when
        return self.when.astimezone(ZoneInfo(self.zone)).replace(tzinfo=None)

    @property
    def due(self) -> datetime:
        """The instant the post is due (aware)."""
        if self.when.tzinfo is None:
            return self.when.replace(tzinfo=ZoneInfo(self.zone))
        return self.when


def _value_of(page: Page, label: str) -> str | None:
    """The form value (`x:mine`) of the "Post to" checkbox labelled `label`."""
    box = page.get_by_role("group", name="Post to").get_by_role("checkbox", name=label)
    return box.get_attribute("value")


def fill_form(page: Page, draft: Draft, account: str | None = None) -> str:
    """Fill in the scheduling form (not keyboard-only), and "Post to" only `account` if given
    (every other account unticked); returns the form's submission id."""
    page.get_by_label("Post", exact=True).fill(draft.text)
    if account is not None:
        boxes = page.get_by_role("group", name="Post to").get_by_role("checkbox")
        for index in range(boxes.count()):
            box = boxes.nth(index)
            box.set_checked(box.get_attribute("value") == _value_of(page, account))
    page.get_by_label("Date", exact=True).fill(f"{draft.local:%Y-%m-%d}")
    page.get_by_label("Time", exact=True).fill(f"{draft.local:%H:%M}")
    page.get_by_label("Time zone", exact=True).fill(draft.zone)
    for label, value in (("Your name", draft.name), ("Your email", draft.email)):
        control = optional(page, label)
        if control is not None:
            control.fill(value)
    submission_id = page.locator('input[name="submission_id"]').input_value()
    assert submission_id
    return submission_id


def expect_confirmed_for(page: Page, due: datetime) -> None:
    """The confirmation names the UTC time for people, and carries it exactly for machines."""
    from playwright.sync_api import expect

    confirmation = page.get_by_role("status")
    expect(confirmation).to_contain_text(f"{due.astimezone(UTC):%H:%M} UTC")
    expect(confirmation.locator("time")).to_have_attribute("datetime", iso(due))


def schedule(
    page: Page,
    stack: LocalStack,
    draft: Draft,
    account: str | None = None,
    waits: bool | None = None,
) -> str:
    """The scheduling form: Post, ("Post to"), Date, Time, Time zone; then "Schedule post". The
    confirmation must name the due time, and whether the post `waits` for approval if given.
    Returns the post's id."""
    from playwright.sync_api import expect

    page.goto(f"{stack.web}/")
    post_id = fill_form(page, draft, account)
    page.get_by_role("button", name="Schedule post").click()
    expect_confirmed_for(page, draft.due)
    if waits is not None:
        expect(page.get_by_role("status")).to_contain_text(
            "waits for an admin's approval" if waits else "goes out on"
        )
    return post_id


def queue_json(page: Page, stack: LocalStack) -> list[dict[str, Any]]:
    """The queue as the signed-in member's browser gets it as JSON."""
    answer = page.request.get(f"{stack.web}/posts", headers={"Accept": "application/json"})
    assert answer.ok, answer.text()
    posts: list[dict[str, Any]] = answer.json()["posts"]
    return posts
