"""A cohort admin and a teacher, each in their own browser, through the whole members journey.

The seeded admin invites a teacher and makes the cohort's posts wait for approval; the teacher
schedules, edits, and waits; the admin declines one post and approves another, which goes out at
its minute; the teacher connects their own X account (the sandbox's consent page stands in for
X's) and posts to it; the admin works the queue with the keyboard only; a removed teacher is
signed out and their queued posts cancelled. Every control is found by its role and accessible
name or label, on a phone (375 px) unless said otherwise, and each page is checked with axe-core.

Each test invites its own teacher (a distinct address: sign-in links are limited to 5 per address
per 10 minutes) and sets the approval setting it needs; the admin's session is reused through
`sign_in`'s cache. Approval is turned off again when the module ends.

(Long on purpose: one journey, step after step in the same browser, reads best whole.)
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.browser.helpers import (
    ADMIN,
    Draft,
    Teacher,
    checked_page,
    days_ahead,
    emails_to,
    focus_is_visible,
    focused,
    invite,
    iso,
    minutes_ahead,
    module_page,
    nav,
    on_signin_page,
    press_on,
    queue_json,
    sandbox_posts,
    schedule,
    sign_in,
    tab_to,
    tick,
)
from tests.e2e.conftest import LocalStack
from tests.polling import poll_until

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

APPROVAL = re.compile(r"wait for an admin's approval")
NewPage = Callable[..., Page]


def unique(text: str) -> str:
    return f"{text} #edchat {uuid.uuid4().hex[:8]}"


def emails_arriving(stack: LocalStack, address: str, subject: str) -> list[dict[str, Any]]:
    """`emails_to`, waiting up to 10 s for the first one to arrive."""
    return poll_until(
        lambda: emails_to(stack, address, subject),
        timeout=10,
        interval=0.2,
        message=f"no email to {address} about {subject!r}",
    )


def post_item(page: Page, text: str) -> Locator:
    """The queue's list item for the post with `text`."""
    return page.get_by_role("listitem").filter(has_text=text)


def badge(item: Locator, status: str) -> Locator:
    return item.get_by_text(status, exact=True)


# --- what the admin does ----------------------------------------------------------------------


def set_approval(admin: Page, stack: LocalStack, on: bool) -> None:
    """Settings → the approval checkbox → "Save settings"; the page then shows it saved."""
    admin.goto(f"{stack.web}/settings")
    admin.get_by_role("checkbox", name=APPROVAL).set_checked(on)
    admin.get_by_role("button", name="Save settings").click()
    admin.wait_for_load_state()
    expect(admin).to_have_url(re.compile(r"/settings$"))
    if on:
        expect(admin.get_by_role("checkbox", name=APPROVAL)).to_be_checked()
    else:
        expect(admin.get_by_role("checkbox", name=APPROVAL)).not_to_be_checked()


def signed_in_admin(new_page: NewPage, stack: LocalStack) -> Page:
    admin = new_page()
    sign_in(admin, stack, ADMIN)
    return admin


def invited_and_signed_in(new_page: NewPage, admin: Page, stack: LocalStack, who: Teacher) -> Page:
    """The admin invites `who`; `who` signs in with the emailed link in a browser of their own."""
    invite(admin, stack, who)
    page = new_page(timezone_id=who.zone)
    sign_in(page, stack, who.email)
    return page


@pytest.fixture(scope="module", autouse=True)
def approval_off_afterwards(browser: Browser, local_stack: LocalStack) -> Iterator[None]:
    """The setting is the cohort's: leave it as the stack started (off) for the tests after."""
    yield
    with module_page(browser) as page:
        sign_in(page, local_stack, ADMIN)
        set_approval(page, local_stack, on=False)


# --- the journey ------------------------------------------------------------------------------


def test_the_admin_invites_a_teacher_and_makes_cohort_posts_wait_for_approval(
    page: Page, local_stack: LocalStack
) -> None:
    who = Teacher.named("Ms. Rivera", "America/Chicago")
    sign_in(page, local_stack, ADMIN)

    nav(page, "Members")
    expect(page.get_by_role("heading", level=1)).to_have_text("Members")
    checked_page(page, "Members")
    page.get_by_label("Name", exact=True).fill(who.name)
    page.get_by_label("Email", exact=True).fill(who.email)
    zone = page.get_by_label("Time zone", exact=True)
    expect(zone).to_have_value("UTC")
    zone.fill(who.zone)
    page.get_by_role("button", name="Invite", exact=True).click()
    page.wait_for_load_state()

    expect(page).to_have_url(re.compile(r"/members$"))
    expect(page.get_by_text(who.email, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name=f"Remove {who.name}")).to_be_visible()
    make_admin = re.compile(rf"^Make admin for {re.escape(who.name)}$")
    expect(page.get_by_role("button", name=make_admin)).to_be_visible()
    checked_page(page, "Members with an invited teacher")

    invitations = emails_arriving(local_stack, who.email, "invited you")
    assert len(invitations) == 1, invitations
    invitation = invitations[0]
    assert who.name in invitation["text"]
    assert f"{local_stack.web}/signin" in invitation["text"], invitation["text"]
    assert who.email in invitation["text"]

    nav(page, "Settings")
    approval = page.get_by_role("checkbox", name=APPROVAL)
    expect(approval).to_be_visible()
    checked_page(page, "Settings")
    approval.check()
    page.get_by_role("button", name="Save settings").click()
    page.wait_for_load_state()
    page.reload()
    expect(page.get_by_role("checkbox", name=APPROVAL)).to_be_checked()
    checked_page(page, "Settings with approval on")


def test_a_teacher_schedules_a_post_that_waits_for_approval_and_edits_it(
    new_page: NewPage, local_stack: LocalStack
) -> None:
    who = Teacher.named("Mr. Okafor", "America/Chicago")
    admin = signed_in_admin(new_page, local_stack)
    set_approval(admin, local_stack, on=True)
    page = invited_and_signed_in(new_page, admin, local_stack, who)

    page.goto(f"{local_stack.web}/")
    expect(page.get_by_text(APPROVAL)).to_be_visible()  # the form says posts wait
    expect(page.get_by_label("Time zone", exact=True)).to_have_value(who.zone)
    post_to = page.get_by_role("group", name="Post to")  # the cohort's accounts, X ticked
    expect(post_to.get_by_role("checkbox", name="The cohort's X account")).to_be_checked()
    expect(post_to.get_by_role("checkbox", name=re.compile("The cohort's Bluesky"))).to_be_visible()
    expect(post_to.get_by_role("checkbox", name=re.compile("My own"))).to_have_count(0)
    text = unique("Our unit on fractions starts Monday.")
    when = days_ahead(5, who.zone, hour=16, minute=0)
    schedule(page, local_stack, Draft(text, when, who.zone), waits=True)

    nav(page, "Scheduled posts")
    item = post_item(page, text)
    expect(badge(item, "Pending approval")).to_be_visible()
    expect(item.get_by_role("button", name=re.compile("^Approve"))).to_have_count(0)
    expect(item.get_by_text(re.compile(r"\bby\b"))).to_have_count(0)  # no author: it is hers

    item.get_by_role("link", name=re.compile(r"^Edit the post for ")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit post")
    post = page.get_by_label("Post", exact=True)
    expect(post).to_have_value(text)
    expect(page.get_by_label("Date", exact=True)).to_have_value(f"{when:%Y-%m-%d}")
    expect(page.get_by_label("Time", exact=True)).to_have_value("16:00")
    expect(page.get_by_label("Time zone", exact=True)).to_have_value(who.zone)
    checked_page(page, "the edit form")

    edited = unique("Our unit on fractions starts Tuesday.")
    later = when + timedelta(days=1, hours=1, minutes=30)
    post.fill(edited)
    page.get_by_label("Date", exact=True).fill(f"{later:%Y-%m-%d}")
    page.get_by_label("Time", exact=True).fill(f"{later:%H:%M}")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_load_state()

    expect(page).to_have_url(re.compile(r"/posts$"))
    item = post_item(page, edited)
    expect(badge(item, "Pending approval")).to_be_visible()
    expect(item.locator("time")).to_have_attribute("datetime", iso(later))
    expect(item).to_contain_text(f"{later:%Y-%m-%d} 17:30")
    expect(post_item(page, text)).to_have_count(0)
    mine = [p for p in queue_json(page, local_stack) if p["text"] == edited]
    assert [(p["status"], p["due_utc"]) for p in mine] == [("PENDING_APPROVAL", iso(later))]
    checked_page(page, "the teacher's queue with a post pending approval")


def test_the_admin_declines_one_post_and_approves_another_which_goes_out_once(
    new_page: NewPage, local_stack: LocalStack
) -> None:
    who = Teacher.named("Ms. Chen", "America/Chicago")
    admin = signed_in_admin(new_page, local_stack)
    set_approval(admin, local_stack, on=True)
    page = invited_and_signed_in(new_page, admin, local_stack, who)

    declined_text = unique("Vote in our poll about homework!")
    schedule(page, local_stack, Draft(declined_text, days_ahead(4, who.zone), who.zone), waits=True)
    due = minutes_ahead(3)
    approved_text = unique(f"Tonight's #mathchat starts at {due:%H:%M} UTC.")
    schedule(page, local_stack, Draft(approved_text, due, who.zone), waits=True)

    admin.goto(f"{local_stack.web}/")
    nav(admin, "Scheduled posts")
    for text in (declined_text, approved_text):
        item = post_item(admin, text)
        expect(badge(item, "Pending approval")).to_be_visible()
        expect(item).to_contain_text(f"by {who.name}")
        expect(
            item.get_by_role("button", name=re.compile(r"^Approve the post for "))
        ).to_be_visible()
        expect(
            item.get_by_role("button", name=re.compile(r"^Decline the post for "))
        ).to_be_visible()
    checked_page(admin, "the admin's queue with approval controls")

    reason = "Polls go out from the cohort's account only after the Monday meeting."
    item = post_item(admin, declined_text)
    item.get_by_label("Reason for declining").fill(reason)
    item.get_by_role("button", name=re.compile(r"^Decline the post for ")).click()
    admin.wait_for_load_state()
    item = post_item(admin, declined_text)
    expect(badge(item, "Declined")).to_be_visible()
    expect(item).to_contain_text(reason)
    expect(item.get_by_role("button", name=re.compile(r"^Approve the post for "))).to_have_count(0)

    post_item(admin, approved_text).get_by_role(
        "button", name=re.compile(r"^Approve the post for ")
    ).click()
    admin.wait_for_load_state()
    expect(badge(post_item(admin, approved_text), "Queued")).to_be_visible()
    checked_page(admin, "the admin's queue after declining and approving")

    emails = emails_arriving(local_stack, who.email, "was not approved")
    assert len(emails) == 1, emails
    assert reason in emails[0]["text"], emails[0]["text"]
    assert declined_text in emails[0]["text"]

    page.goto(f"{local_stack.web}/posts")
    item = post_item(page, declined_text)
    expect(badge(item, "Declined")).to_be_visible()
    expect(item).to_contain_text(reason)
    expect(item.get_by_role("link", name=re.compile(r"^Edit the post for "))).to_have_count(0)
    expect(badge(post_item(page, approved_text), "Queued")).to_be_visible()

    tick(local_stack, due - timedelta(minutes=1))
    assert sandbox_posts(local_stack, approved_text) == []
    tick(local_stack, due)
    tick(local_stack, due + timedelta(minutes=1))
    posted = sandbox_posts(local_stack, approved_text)
    assert len(posted) == 1, posted
    assert sandbox_posts(local_stack, declined_text) == []

    page.reload()
    item = post_item(page, approved_text)
    expect(badge(item, "Posted")).to_be_visible()
    view = item.get_by_role("link", name="View on X")
    expect(view).to_have_attribute("href", re.compile(rf"^https://x\.com/.*{posted[0]['id']}$"))
    checked_page(page, "the teacher's queue with a declined and a posted post")


def test_a_teacher_connects_their_own_x_account_and_posts_to_it(
    new_page: NewPage, local_stack: LocalStack
) -> None:
    who = Teacher.named("Ms. Rivera", "America/Denver")
    username = f"ms_rivera_{uuid.uuid4().hex[:4]}"  # X handles: at most 15 characters
    admin = signed_in_admin(new_page, local_stack)
    page = invited_and_signed_in(new_page, admin, local_stack, who)

    nav(page, "Accounts")
    expect(page.get_by_role("heading", name="Your own account")).to_be_visible()
    checked_page(page, "Accounts, nothing connected")
    page.get_by_role("button", name="Connect my X account").click()

    # The Content-Security-Policy's form-action governs the redirect that follows the POST.
    expect(page).to_have_url(re.compile(rf"^{re.escape(local_stack.sandbox)}/i/oauth2/authorize"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("to use your account?")
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_role("button", name="Authorize app").click()
    page.wait_for_load_state()

    expect(page).to_have_url(f"{local_stack.web}/accounts")
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.get_by_text(f"Connected as @{username}")).to_be_visible()
    expect(page.get_by_role("button", name="Connect my X account")).to_have_count(0)
    expect(page.get_by_role("button", name="Disconnect my account")).to_be_visible()
    checked_page(page, "Accounts after returning from the consent page")

    page.goto(f"{local_stack.web}/")
    post_to = page.get_by_role("group", name="Post to")
    expect(post_to.get_by_role("checkbox", name="The cohort's X account")).to_be_checked()
    mine = f"My own X account (@{username})"
    expect(post_to.get_by_role("checkbox", name=mine)).not_to_be_checked()
    checked_page(page, "the form with a choice of accounts")
    due = minutes_ahead(3)
    text = unique(f"From my own account at {due:%H:%M} UTC.")
    schedule(page, local_stack, Draft(text, due, who.zone), account=mine, waits=False)

    page.goto(f"{local_stack.web}/posts")
    item = post_item(page, text)
    expect(badge(item, "Queued")).to_be_visible()  # own account: never waits for approval
    expect(item).to_contain_text("own account")

    tick(local_stack, due - timedelta(minutes=1))
    assert sandbox_posts(local_stack, text) == []
    tick(local_stack, due)
    tick(local_stack, due + timedelta(minutes=1))
    posted = sandbox_posts(local_stack, text)
    assert [p["author"] for p in posted] == [username], posted

    page.reload()
    item = post_item(page, text)
    expect(badge(item, "Posted")).to_be_visible()
    expect(item.get_by_role("link", name="View on X")).to_have_attribute(
        "href", re.compile(rf"^https://x\.com/.*{posted[0]['id']}$")
    )


def test_the_admin_works_the_approval_queue_with_the_keyboard_only(
    new_page: NewPage, local_stack: LocalStack
) -> None:
    who = Teacher.named("Mr. Haddad", "Europe/London")
    admin = signed_in_admin(new_page, local_stack)
    set_approval(admin, local_stack, on=True)
    page = invited_and_signed_in(new_page, admin, local_stack, who)
    to_approve = unique("Book club: chapter 3 tonight.")
    to_decline = unique("Buy my lesson plans!")
    schedule(page, local_stack, Draft(to_approve, days_ahead(6, who.zone), who.zone))
    schedule(page, local_stack, Draft(to_decline, days_ahead(6, who.zone, minute=30), who.zone))

    admin.goto(f"{local_stack.web}/")
    admin.locator("body").focus()
    queue_link = admin.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Scheduled posts"
    )
    tab_to(admin, queue_link)
    press_on(admin, queue_link)
    expect(admin).to_have_url(re.compile(r"/posts$"))
    checked_page(admin, "the admin's queue with approval controls")

    approve = post_item(admin, to_approve).get_by_role(
        "button", name=re.compile(r"^Approve the post for ")
    )
    admin.locator("body").focus()
    tab_to(admin, approve, most=150)
    press_on(admin, approve)
    expect(badge(post_item(admin, to_approve), "Queued")).to_be_visible()

    reason = post_item(admin, to_decline).get_by_label("Reason for declining")
    admin.locator("body").focus()
    tab_to(admin, reason, most=150)
    assert focus_is_visible(admin), f"no visible focus on {focused(admin)}"
    admin.keyboard.type("The cohort's account does not advertise.")
    decline = post_item(admin, to_decline).get_by_role(
        "button", name=re.compile(r"^Decline the post for ")
    )
    tab_to(admin, decline, most=3)
    press_on(admin, decline)
    item = post_item(admin, to_decline)
    expect(badge(item, "Declined")).to_be_visible()
    expect(item).to_contain_text("The cohort's account does not advertise.")
    checked_page(admin, "the admin's queue after keyboard approval")

    statuses = {p["text"]: p["status"] for p in queue_json(page, local_stack)}
    assert statuses[to_approve] == "QUEUED" and statuses[to_decline] == "DECLINED", statuses

    for path, where in (
        ("/members", "Members"),
        ("/settings", "Settings"),
        ("/accounts", "Accounts (an admin's)"),
        ("/me", "the profile"),
    ):
        admin.goto(f"{local_stack.web}{path}")
        checked_page(admin, where)


def test_a_removed_teacher_is_signed_out_and_their_queued_posts_are_cancelled(
    new_page: NewPage, local_stack: LocalStack
) -> None:
    who = Teacher.named("Mr. Silva", "America/Sao_Paulo")
    admin = signed_in_admin(new_page, local_stack)
    page = invited_and_signed_in(new_page, admin, local_stack, who)
    texts = [unique("Field trip forms are due Friday."), unique("Science fair next week.")]
    for offset, text in enumerate(texts):
        schedule(page, local_stack, Draft(text, days_ahead(8 + offset, who.zone), who.zone))

    admin.goto(f"{local_stack.web}/")
    nav(admin, "Members")
    row = admin.get_by_role("row").filter(has_text=who.email)
    expect(row).to_have_count(1)
    row.get_by_label("Their queued posts").select_option(label="Cancel them")
    row.get_by_role("button", name=f"Remove {who.name}").click()
    admin.wait_for_load_state()
    expect(admin).to_have_url(re.compile(r"/members$"))
    expect(admin.get_by_text(who.email, exact=True)).to_have_count(0)
    checked_page(admin, "Members after removing a teacher")

    page.goto(f"{local_stack.web}/posts")
    expect(page).to_have_url(re.compile(r"/signin$"))
    assert on_signin_page(page), page.url
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)

    admin.goto(f"{local_stack.web}/posts")
    for text in texts:
        item = post_item(admin, text)
        expect(badge(item, "Cancelled")).to_be_visible()
        expect(item.get_by_role("button", name=re.compile("^(Cancel|Approve)"))).to_have_count(0)
    statuses = {p["text"]: p["status"] for p in queue_json(admin, local_stack)}
    assert [statuses[text] for text in texts] == ["CANCELLED", "CANCELLED"], statuses
