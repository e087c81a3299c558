"""What a person does in the browser: sign in, tab to a control, fill in the form."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import requests

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

    from tests.e2e.conftest import LocalStack

ADMIN = "admin@cohort.example"  # seeded by devstack.provision
LINK = re.compile(r"https?://[^\s<>\"']*/signin/confirm\?[^\s<>\"']+")

# Sessions already made, per (web app, email): the sign-in links' rate limit (5 per address per
# 10 minutes) is not spent on every test. Each test still gets a fresh browser context.
_sessions: dict[tuple[str, str], list[Any]] = {}


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
    earlier = {message["id"] for message in outbox(stack)}
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.wait_for_load_state()
    page.goto(sign_in_link(stack, email, earlier))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert not on_signin_page(page), f"signing in as {email} did not work: {page.url}"
    _sessions[key] = list(page.context.cookies(f"{stack.web}/"))


def outbox(stack: LocalStack) -> list[dict[str, Any]]:
    """The emails the local stack sent (SES in moto), newest first."""
    answer = requests.get(
        f"{stack.web}/_dev/outbox", headers={"Accept": "application/json"}, timeout=10
    )
    answer.raise_for_status()
    emails: list[dict[str, Any]] = answer.json()["emails"]
    return emails


def sign_in_link(stack: LocalStack, email: str, earlier: set[str], seconds: float = 15) -> str:
    """The link in the newest sign-in email to `email` that was not in the outbox `earlier`."""
    deadline = time.monotonic() + seconds
    seen: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        seen = [message for message in outbox(stack) if message["id"] not in earlier]
        for message in seen:
            found = LINK.search(message.get("text") or "")
            if email in str(message.get("to")) and found:
                return found.group(0)
        time.sleep(0.2)
    subjects = [(m.get("to"), m.get("subject")) for m in seen[:5]]
    raise AssertionError(f"no new sign-in email with a link to {email}; new: {subjects}")


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


@dataclass
class Draft:
    text: str
    when: datetime  # naive local date and time
    zone: str
    name: str = "Ms. Rivera"
    email: str = "rivera@school.example"


def fill_form(page: Page, draft: Draft) -> str:
    """Fill in the scheduling form (not keyboard-only); returns the form's submission id."""
    page.get_by_label("Post", exact=True).fill(draft.text)
    page.get_by_label("Date", exact=True).fill(f"{draft.when:%Y-%m-%d}")
    page.get_by_label("Time", exact=True).fill(f"{draft.when:%H:%M}")
    page.get_by_label("Time zone", exact=True).fill(draft.zone)
    for label, value in (("Your name", draft.name), ("Your email", draft.email)):
        control = optional(page, label)
        if control is not None:
            control.fill(value)
    submission_id = page.locator('input[name="submission_id"]').input_value()
    assert submission_id
    return submission_id


def sandbox_posts(stack: LocalStack, text: str) -> list[dict[str, Any]]:
    posts = requests.get(f"{stack.sandbox}/sandbox/posts", timeout=10).json()
    return [post for post in posts if post["text"] == text]
