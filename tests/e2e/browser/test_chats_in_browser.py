"""The chat calendar in a real browser (Chromium) on a phone (375 px): Chats, a chat's page, adding
a chat, subscriptions, a session's digest page, the iCal feed and the unsubscribe page.

Controls are found by their role and accessible name or label; every page is checked with
axe-core and must not scroll sideways.

The session page needs an archived session. The seeded live chat (#chatdecklive) belongs to
tests/e2e/test_chat_companion.py, which runs after this folder and expects its window untouched
(no reminder sent yet, nothing polled), so these tests stage a chat of their own instead: the
sandbox seeds a realistic hour for a fresh hashtag three hours ahead (after the live chat's
window, so no tick here acts on it), the admin adds that chat through the form, a teacher
subscribes, and the ticks carry it through its window as test_chat_companion does.

(Long on purpose: one journey, step after step in the same browser, reads best whole.)
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest
import requests
import vobject
from playwright.sync_api import Locator, Page, expect

from devstack.sandbox.chat_session import plan_session
from devstack.sandbox.demo import transcript
from tests.e2e.browser.helpers import (
    ADMIN,
    Teacher,
    checked_page,
    companion_tick,
    emails_to,
    invite,
    minutes_ahead,
    module_page,
    nav,
    press_on,
    sign_in,
    tab_to,
)
from tests.e2e.conftest import PHONE, LocalStack

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

NewPage = Callable[..., Page]
SEEDED = {  # devstack/seed.py: name, hashtag, and for the two weekly chats their wall clock
    "chatdecklive": ("Feedback that moves learning (demo)", "#chatdecklive", None),
    "edtechchat": ("EdTech Chat", "#edtechchat", (0, "20:00", "America/New_York")),
    "ukedchat": ("UKEdChat", "#ukedchat", (3, "20:00", "Europe/London")),
}
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SESSION_START = "%Y%m%dT%H%MZ"
MODERATOR = "edtechmod"
NO_ARCHIVE = "This session has no archive yet."


@dataclass(frozen=True)
class StagedChat:
    id: str
    name: str
    start: datetime  # UTC
    teacher: Teacher

    @property
    def end(self) -> datetime:
        return self.start + timedelta(hours=1)


# --- helpers ---------------------------------------------------------------------------------


def tag() -> str:
    return f"deck{uuid.uuid4().hex[:8]}"


def chat_card(page: Page, name: str) -> Locator:
    """The Chats page's list item for the chat called `name`."""
    return page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name=re.compile(rf"^{re.escape(name)}(\s|$)"))
    )


def instant(time_element: Locator) -> datetime:
    value = time_element.get_attribute("datetime")
    assert value, f"a <time> without datetime: {time_element}"
    return datetime.fromisoformat(value).astimezone(UTC)


def upcoming(page: Page) -> list[datetime]:
    """The chat page's next sessions, as the <time datetime> of each says (UTC)."""
    values = page.locator("ul.sessions > li > time").evaluate_all(
        "els => els.map(el => el.getAttribute('datetime'))"
    )
    return [datetime.fromisoformat(v).astimezone(UTC) for v in values]


def session_item(page: Page, start: datetime) -> Locator:
    """The chat page's list item of the session starting at `start`."""
    return page.locator("ul.sessions > li").filter(
        has=page.locator(f'time[datetime="{start.isoformat()}"]')
    )


def tick_without_errors(stack: LocalStack, at: datetime) -> None:
    """A tick at `at` that the chat companion gets through without an error."""
    companion = companion_tick(stack, at)
    failed = {k: v for k, v in companion.items() if isinstance(v, dict) and "error" in v}
    assert not failed, f"the companion failed at {at}: {failed}"


def add_chat(page: Page, stack: LocalStack, values: dict[str, str]) -> None:
    """Chats → "Add a chat" → every field by its label (the selects by their option's label)."""
    page.goto(f"{stack.web}/chats")
    page.get_by_role("link", name="Add a chat").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a chat")
    fill_chat_form(page, values)
    page.get_by_role("button", name="Add chat").click()
    page.wait_for_load_state()


def fill_chat_form(page: Page, values: dict[str, str]) -> None:
    """Every field by its label; "Runs on" ticks the networks' checkboxes named in its value."""
    selects = {"Day"}
    for label, value in values.items():
        if label == "Runs on":
            for network in value.split(","):
                page.get_by_role("checkbox", name=network.strip(), exact=True).check()
            continue
        control = page.get_by_label(label, exact=True)
        if label in selects:
            control.select_option(label=value)
        else:
            control.fill(value)


def chat_values(name: str, hashtag: str, start: datetime, zone: str, **more: str) -> dict[str, str]:
    """The form's values for a weekly chat whose first session is `start` (aware, local)."""
    local = start.astimezone(ZoneInfo(zone))
    return {
        "Name": name,
        "Hashtag": f"#{hashtag}",
        "Runs on": "X",
        "Day": DAYS[local.weekday()],
        "Starts at (local time)": f"{local:%H:%M}",
        "Time zone": zone,
        "Length (minutes)": "60",
        "Every how many weeks": "1",
        "First session": f"{local:%Y-%m-%d}",
        "Moderators' handles": f"@{MODERATOR}",
        **more,
    }


_ticked: set[tuple[str, str]] = set()


def tick_through(stack: LocalStack, chat: StagedChat) -> None:
    """Tick the chat through its window as test_chat_companion does (every 5 minutes from 15
    before the start), then at end + 31 and end + 32 minutes: polled, counted, digested, emailed.
    Once per chat: later calls do nothing."""
    if (stack.web, chat.id) in _ticked:
        return
    for minute in range(-15, 90, 5):
        tick_without_errors(stack, chat.start + timedelta(minutes=minute))
    tick_without_errors(stack, chat.end + timedelta(minutes=31))
    tick_without_errors(stack, chat.end + timedelta(minutes=32))
    # A tick leaves the sandbox's clock at its instant: back to real time for the tests after.
    requests.post(f"{stack.sandbox}/sandbox/clock", json={}, timeout=10).raise_for_status()
    _ticked.add((stack.web, chat.id))


def feed_starts(event: Any, since: datetime, until: datetime) -> list[datetime]:
    """A VEVENT's starts between two instants, in UTC, read as wall clock in its TZID.

    For some zones (Europe/London) vobject swaps the feed's VTIMEZONE for pytz's zone, and its
    expansion then keeps DTSTART's offset (summer time) for every later date; so each start's
    wall clock is taken and placed in the zone again.
    """
    tzid = event.dtstart.params.get("X-VOBJ-ORIGINAL-TZID", ["UTC"])[0]  # vobject keeps it here
    zone = ZoneInfo(tzid)
    rules = event.getrruleset(addRDate=True)
    wall = rules.between(since - timedelta(days=1), until + timedelta(days=1), inc=True)
    starts = sorted(s.replace(tzinfo=None).replace(tzinfo=zone).astimezone(UTC) for s in wall)
    return [s for s in starts if since <= s <= until]


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def teacher(browser: Browser, local_stack: LocalStack) -> Teacher:
    """A teacher the admin invited, in a zone half an hour off UTC (times must be converted)."""
    who = Teacher.named("Ms. Anand", "Asia/Kolkata")
    with module_page(browser) as admin:
        sign_in(admin, local_stack, ADMIN)
        invite(admin, local_stack, who)
    return who


@pytest.fixture(scope="module")
def staged(browser: Browser, local_stack: LocalStack, teacher: Teacher) -> StagedChat:
    """A chat of our own three hours ahead, with the sandbox's realistic hour staged for it, and
    the teacher subscribed to its reminders (10 minutes before) and digests."""
    hashtag = tag()
    start = minutes_ahead(3 * 60)
    staged = requests.post(
        f"{local_stack.sandbox}/sandbox/chats",
        json=transcript(plan_session(hashtag, [MODERATOR], start, 3), hashtag),
        timeout=30,
    )
    assert staged.status_code == 201, staged.text
    chat = StagedChat(hashtag, "Assessment for learning (staged)", start, teacher)
    with module_page(browser) as admin:
        sign_in(admin, local_stack, ADMIN)
        add_chat(admin, local_stack, chat_values(chat.name, hashtag, start, "UTC"))
        expect(admin).to_have_url(f"{local_stack.web}/chats/{hashtag}")
    with module_page(browser) as page:
        sign_in(page, local_stack, teacher.email)
        page.goto(f"{local_stack.web}/chats/{hashtag}")
        page.get_by_role("checkbox", name="Email me a reminder before each session").check()
        page.get_by_label("How long before (minutes)").fill("10")
        page.get_by_role("checkbox", name="Email me the highlights after each session").check()
        page.get_by_role("button", name="Save subscription").click()
        page.wait_for_load_state()
        expect(page.get_by_label("How long before (minutes)")).to_have_value("10")
    return chat


# --- the tests -------------------------------------------------------------------------------


def test_chats_lists_the_seeded_chats_with_their_next_session_in_the_admins_zone(
    page: Page, local_stack: LocalStack
) -> None:
    sign_in(page, local_stack, ADMIN)
    nav(page, "Chats")
    expect(page.get_by_role("heading", level=1)).to_have_text("Chats the cohort follows")
    hint = page.get_by_text(re.compile(r"^Times are in your time zone, "))
    found = re.search(r"time zone, ([\w/+-]+)", hint.inner_text())
    assert found, hint.inner_text()
    zone = ZoneInfo(found.group(1))
    now = datetime.now(UTC)

    for chat_id, (name, hashtag, wall_clock) in SEEDED.items():
        card = chat_card(page, name)
        expect(card).to_have_count(1)
        expect(card.get_by_role("link", name=name, exact=True)).to_have_attribute(
            "href", f"/chats/{chat_id}"
        )
        expect(card).to_contain_text(hashtag)
        when = card.locator("time")
        expect(when).to_have_count(1)
        start = instant(when)
        assert now - timedelta(hours=1) < start < now + timedelta(days=7), (chat_id, start)
        expect(when).to_have_text(f"{start.astimezone(zone):%a %d %b, %H:%M}")
        if wall_clock is not None:  # the chat's own wall clock, right across DST
            weekday, hhmm, chat_zone = wall_clock
            local = start.astimezone(ZoneInfo(chat_zone))
            assert (local.weekday(), f"{local:%H:%M}") == (weekday, hhmm), (chat_id, local)
    expect(chat_card(page, SEEDED["chatdecklive"][0])).to_contain_text("Reminders on")

    feed = page.get_by_label("Calendar address for all chats")
    expect(feed).to_have_attribute("readonly", "")
    expect(feed).to_have_value(re.compile(rf"^{re.escape(local_stack.web)}/calendar/\S+/all\.ics$"))
    box = feed.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    expect(page.get_by_role("link", name="Add a chat")).to_be_visible()
    checked_page(page, "Chats")


def test_the_admin_adds_a_chat_after_fixing_a_wrong_time_zone(
    page: Page, local_stack: LocalStack
) -> None:
    sign_in(page, local_stack, ADMIN)
    page.goto(f"{local_stack.web}/chats")
    page.get_by_role("link", name="Add a chat").click()
    expect(page).to_have_url(f"{local_stack.web}/chats/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a chat")
    checked_page(page, "the empty Add a chat form")

    hashtag = tag()
    first = datetime.now(ZoneInfo("America/Chicago")).replace(hour=19, minute=30) + timedelta(
        days=9
    )
    values = chat_values(
        "Science teachers' chat",
        hashtag,
        first,
        "America/Chicago",
        **{
            "Runs on": "Bluesky",
            "Moderators' handles": "@scienceteach.bsky.social, labmod.bsky.social",
            "Other hashtags (optional)": "#scichat",
            "Description (optional)": "Labs, inquiry and everything in between.",
            "Link (optional)": "https://example.org/scichat",
        },
    )
    fill_chat_form(page, {**values, "Time zone": "Mars/Olympus_Mons"})
    page.get_by_role("button", name="Add chat").click()
    page.wait_for_load_state()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Please fix 1 thing")
    expect(summary).to_be_focused()  # app.js moves the focus there, so it is read out
    zone = page.get_by_label("Time zone", exact=True)
    expect(zone).to_have_attribute("aria-invalid", "true")
    message = page.locator("#zone-error")
    expect(message).to_be_visible()
    expect(zone).to_have_accessible_description(re.compile(re.escape(message.inner_text())))
    moderators = page.get_by_label("Moderators' handles", exact=True)
    expect(moderators).to_have_accessible_description(re.compile("^Separated by commas"))
    link = summary.get_by_role("link", name=message.inner_text())
    expect(link).to_have_attribute("href", "#zone")
    # Everything else the admin typed is kept, the selects and checkboxes too.
    expect(page.get_by_label("Name", exact=True)).to_have_value(values["Name"])
    expect(page.get_by_role("checkbox", name="Bluesky", exact=True)).to_be_checked()
    expect(page.get_by_role("checkbox", name="X", exact=True)).not_to_be_checked()
    expect(page.get_by_label("Day", exact=True)).to_have_value(str(first.weekday()))
    expect(page.get_by_label("Starts at (local time)", exact=True)).to_have_value("19:30")
    expect(page.get_by_label("First session", exact=True)).to_have_value(f"{first:%Y-%m-%d}")
    expect(page.get_by_label("Name", exact=True)).not_to_have_attribute("aria-invalid", "true")
    expect(page).to_have_title(re.compile(r"^Error: "))
    checked_page(page, "the Add a chat form with an error")

    link.click()
    expect(zone).to_be_focused()
    zone.fill("America/Chicago")
    page.get_by_role("button", name="Add chat").click()
    page.wait_for_load_state()

    expect(page).to_have_url(f"{local_stack.web}/chats/{hashtag}")
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_contain_text(values["Name"])
    where = page.locator("p.meta").filter(has_text="On Bluesky")
    expect(where).to_contain_text("@scienceteach.bsky.social")
    starts = upcoming(page)
    assert starts and starts[0] == first.replace(second=0, microsecond=0).astimezone(UTC), starts
    checked_page(page, "the new chat's page")


def test_a_teacher_subscribes_by_keyboard_and_the_admin_plans_and_skips_sessions(
    new_page: NewPage, local_stack: LocalStack, teacher: Teacher
) -> None:
    admin = new_page()
    sign_in(admin, local_stack, ADMIN)
    hashtag = tag()
    chicago = ZoneInfo("America/Chicago")
    first = (datetime.now(chicago) - timedelta(days=14)).replace(
        hour=19, minute=0, second=0, microsecond=0
    )
    add_chat(admin, local_stack, chat_values("Maths chat", hashtag, first, "America/Chicago"))
    expect(admin).to_have_url(f"{local_stack.web}/chats/{hashtag}")
    sessions = upcoming(admin)
    assert len(sessions) >= 3, sessions
    next_one, following, after = sessions[:3]

    # The teacher, keyboard only: reminders 45 minutes before, and digests.
    page = new_page()
    sign_in(page, local_stack, teacher.email)
    page.goto(f"{local_stack.web}/chats/{hashtag}")
    expect(page.get_by_text(f"In your time zone, {teacher.zone}.")).to_be_visible()
    shown = session_item(page, next_one).locator("time")
    expect(shown).to_have_text(f"{next_one.astimezone(ZoneInfo(teacher.zone)):%a %d %b %Y, %H:%M}")
    expect(page.get_by_text("Manage this session")).to_have_count(0)  # admins only
    checked_page(page, "a chat's page (teacher)")

    reminders = page.get_by_role("checkbox", name="Email me a reminder before each session")
    lead = page.get_by_label("How long before (minutes)")
    digests = page.get_by_role("checkbox", name="Email me the highlights after each session")
    save = page.get_by_role("button", name="Save subscription")
    expect(reminders).not_to_be_checked()
    expect(lead).to_have_value("30")

    page.locator("body").focus()
    tab_to(page, reminders)
    press_on(page, reminders, "Space")
    tab_to(page, lead, most=2)
    press_on(page, lead, "ControlOrMeta+a")
    page.keyboard.type("45")
    tab_to(page, digests, most=2)
    press_on(page, digests, "Space")
    tab_to(page, save, most=2)
    press_on(page, save, "Enter")
    page.wait_for_load_state()
    expect(page).to_have_url(f"{local_stack.web}/chats/{hashtag}")

    page.reload()
    expect(reminders).to_be_checked()
    expect(lead).to_have_value("45")
    expect(digests).to_be_checked()
    nav(page, "Chats")
    expect(chat_card(page, "Maths chat")).to_contain_text("Reminders on · Digests on")

    # The admin plans the next session's questions and skips the one after.
    questions = [
        "How do you start a lesson on fractions?",
        "Which manipulatives earn their place in your room?",
    ]
    admin.goto(f"{local_stack.web}/chats/{hashtag}")
    item = session_item(admin, next_one)
    item.get_by_text("Manage this session").click()  # the <summary>: it has no ARIA role
    item.get_by_label("Questions, one per line").fill("\n".join(questions) + "\n\n")
    checked_page(admin, "a chat's page with a session's management open")
    item.get_by_role("button", name="Save questions").click()
    admin.wait_for_load_state()
    item = session_item(admin, next_one)
    planned = item.get_by_role("list").get_by_role("listitem")
    expect(planned).to_have_text(questions)

    skipped = session_item(admin, following)
    skipped.get_by_text("Manage this session").click()
    skipped.get_by_role("button", name="Skip this session").click()
    admin.wait_for_load_state()
    expect(session_item(admin, following)).to_have_count(0)
    assert upcoming(admin)[:2] == [next_one, after], upcoming(admin)
    checked_page(admin, "a chat's page after planning and skipping (admin)")

    page.goto(f"{local_stack.web}/chats/{hashtag}")
    expect(session_item(page, next_one).get_by_role("listitem")).to_have_text(questions)
    expect(session_item(page, following)).to_have_count(0)


def test_the_calendar_feed_is_an_icalendar_that_agrees_with_the_page(
    page: Page, local_stack: LocalStack
) -> None:
    sign_in(page, local_stack, ADMIN)
    rendered = datetime.now(UTC).replace(microsecond=0)
    page.goto(f"{local_stack.web}/chats")
    address = page.get_by_label("Calendar address for all chats").input_value()
    nexts = {
        chat_id: instant(chat_card(page, name).locator("time"))
        for chat_id, (name, _, _) in SEEDED.items()
    }

    answer = page.request.get(address)

    assert answer.status == 200, answer.text()
    assert answer.headers["content-type"].startswith("text/calendar"), answer.headers
    calendar = vobject.readOne(answer.text(), validate=True)
    events = {event.uid.value.removesuffix("@chatdeck"): event for event in calendar.vevent_list}
    assert set(SEEDED) <= set(events), sorted(events)
    for chat_id, (_, hashtag, _) in SEEDED.items():
        event = events[chat_id]
        assert hashtag in event.summary.value, event.summary.value
        # The feed's next session is the page's: the first start at or after the page was made.
        starts = feed_starts(event, rendered - timedelta(days=8), rendered + timedelta(days=8))
        first = next(s for s in starts if s >= rendered - timedelta(minutes=1))
        assert first == nexts[chat_id], (chat_id, starts, nexts[chat_id])

    page.goto(f"{local_stack.web}/chats/edtechchat")
    one = page.get_by_label("Calendar address for EdTech Chat").input_value()
    assert one.endswith("/edtechchat.ics"), one
    calendar = vobject.readOne(page.request.get(one).text(), validate=True)
    assert [e.uid.value for e in calendar.vevent_list] == ["edtechchat@chatdeck"]
    start = calendar.vevent.dtstart
    assert (start.value.weekday(), f"{start.value:%H:%M}") == (0, "20:00"), start
    assert start.params["X-VOBJ-ORIGINAL-TZID"] == ["America/New_York"], start.params
    assert calendar.vevent.rrule.value == "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO"


def test_a_sessions_page_shows_numbers_best_answers_and_transcript(
    page: Page, local_stack: LocalStack, staged: StagedChat
) -> None:
    sign_in(page, local_stack, ADMIN)
    page.goto(f"{local_stack.web}/chats/{staged.id}")
    start = upcoming(page)[0]  # not past in real time yet: no "highlights and transcript" link
    assert start == staged.start, (start, staged.start)
    expect(page.get_by_role("link", name=re.compile("highlights and transcript"))).to_have_count(0)

    page.goto(f"{local_stack.web}/sessions/{staged.id}/{start:{SESSION_START}}")
    if page.get_by_text(NO_ARCHIVE).count():
        checked_page(page, "a session's page before its archive")
        tick_through(local_stack, staged)
        page.reload()

    expect(page.get_by_role("heading", level=1)).to_contain_text(f"#{staged.id}")
    reads = page.get_by_role("list", name="Posts read per network")
    expect(reads.get_by_text(re.compile(r"^X: \d+ posts read, billed about \$"))).to_be_visible()
    numbers = {
        term: int(page.locator(f"dl.numbers dt:text-is('{term}') + dd").inner_text())
        for term in ("Posts", "Participants", "Answers", "Questions", "Links")
    }
    assert numbers["Questions"] == 6, numbers
    assert numbers["Posts"] >= 200 and numbers["Participants"] >= 10, numbers
    assert numbers["Answers"] > 0 and numbers["Links"] > 0, numbers

    best = page.get_by_role("region", name="Best answers")
    headings = best.get_by_role("heading", level=3)
    expect(headings).to_have_count(6)
    for number in range(1, 7):
        expect(headings.nth(number - 1)).to_contain_text(f"Q{number}")
    first_best = best.get_by_role("list").first.get_by_role("listitem")
    assert 1 <= first_best.count() <= 3, first_best.count()
    expect(
        first_best.first.get_by_role("link", name=re.compile(r"^View on X the post by @"))
    ).to_be_visible()
    expect(best.get_by_role("link", name=re.compile(r"^All \d+ answers to Q1$"))).to_be_visible()

    transcript = page.get_by_role("region", name="Transcript")
    expect(transcript.get_by_role("heading", level=3, name=re.compile(r"^Q1\b"))).to_be_visible()
    expect(transcript.get_by_role("heading", level=3, name="Conversation")).to_be_visible()
    assert transcript.get_by_role("listitem").count() >= numbers["Answers"]
    links = page.get_by_role("region", name="Links shared").get_by_role("link")
    assert links.count() >= 1
    longest = max(len(href or "") for href in links.evaluate_all("els => els.map(e => e.href)"))
    assert longest > 60, longest  # the long addresses people share must wrap on a phone
    checked_page(page, "a session's page with its digest and transcript")

    page.get_by_role("navigation", name="On this page").get_by_role(
        "link", name="Transcript"
    ).click()
    expect(page).to_have_url(re.compile(r"#transcript$"))


def test_an_admin_corrects_who_moderated_a_session_and_the_digest_follows(
    page: Page, local_stack: LocalStack, staged: StagedChat
) -> None:
    """The session page names who was taken as moderator; the admin ticks someone else, sees
    the digest rebuilt without questions, is told when nobody is ticked, and infers them again."""
    sign_in(page, local_stack, ADMIN)
    tick_through(local_stack, staged)
    address = f"{local_stack.web}/sessions/{staged.id}/{staged.start:{SESSION_START}}"
    page.goto(address)
    moderators = page.get_by_role("region", name="Moderators")
    expect(moderators).to_contain_text(re.compile(f"Taken as moderators: .*@{MODERATOR}"))
    expect(moderators).to_contain_text("inferred from who asked the numbered questions")
    correct = moderators.get_by_text("Correct who moderated")
    form = moderators.get_by_role("group", name=re.compile("Who moderated this session"))
    expect(form).to_be_hidden()  # folded away: the digest comes first
    correct.click()
    own = form.get_by_role("checkbox", name=re.compile(f"^@{MODERATOR} "))
    expect(own).to_be_checked()
    boxes = form.get_by_role("checkbox")
    assert boxes.count() >= 10, boxes.count()  # one per author of the session
    checked_page(page, "a session's page with its moderators' form")

    own.uncheck()  # nobody ticked: refused, saying so, nothing kept
    moderators.get_by_role("button", name="Save moderators").click()
    page.wait_for_load_state()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Tick at least one moderator")
    expect(own).to_be_visible()  # the form stays open beside its error
    expect(own).not_to_be_checked()
    checked_page(page, "a session's page refusing a correction")

    values = boxes.evaluate_all("boxes => boxes.map(box => box.value)")
    chosen = next(value for value in values if value != MODERATOR)  # the busiest participant
    form.locator(f'input[value="{chosen}"]').check()
    moderators.get_by_role("button", name="Save moderators").click()
    expect(page).to_have_url(re.compile(r"moderators=saved#moderators$"))
    expect(page.get_by_role("status").filter(has_text="Moderators saved")).to_be_visible()
    expect(moderators).to_contain_text(f"Taken as moderators: @{chosen}")
    expect(moderators).to_contain_text("set by an admin")
    expect(moderators).to_contain_text("already emailed and is not sent again")
    questions = page.locator("dl.numbers dt:text-is('Questions') + dd")
    expect(questions).not_to_have_text("6")  # the chat's own moderator asked them

    correct.click()
    moderators.get_by_role("button", name="Infer them again").click()
    page.wait_for_load_state()
    expect(moderators).to_contain_text(re.compile(f"Taken as moderators: .*@{MODERATOR}"))
    expect(moderators).to_contain_text("inferred from who asked the numbered questions")
    expect(questions).to_have_text("6")
    expect(moderators.get_by_role("button", name="Infer them again")).to_have_count(0)


def test_the_unsubscribe_link_in_a_digest_shows_a_button_that_unsubscribes(
    new_page: NewPage, local_stack: LocalStack, staged: StagedChat
) -> None:
    tick_through(local_stack, staged)
    teacher = staged.teacher
    (reminder,) = emails_to(local_stack, teacher.email, "starts at")
    (digest,) = emails_to(local_stack, teacher.email, "Highlights")
    assert f"#{staged.id}" in reminder["text"] and f"#{staged.id}" in digest["text"]
    found = re.search(r"^Unsubscribe: (\S+)", digest["text"], re.MULTILINE)
    assert found, digest["text"]
    link = found.group(1)
    assert link.startswith(f"{local_stack.web}/unsubscribe/"), link
    assert digest["headers"]["List-Unsubscribe"] == f"<{link}>"

    page = new_page()  # a mail client's browser: nobody is signed in
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Unsubscribe")
    button = page.get_by_role("button", name="Unsubscribe", exact=True)
    expect(button).to_be_visible()
    checked_page(page, "the unsubscribe page")
    button.click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("Unsubscribed")
    expect(page.get_by_role("alert")).to_contain_text(f"no more digests for {staged.name}")
    checked_page(page, "the unsubscribed page")

    mine = new_page()
    sign_in(mine, local_stack, teacher.email)
    mine.goto(f"{local_stack.web}/chats/{staged.id}")
    expect(
        mine.get_by_role("checkbox", name="Email me the highlights after each session")
    ).not_to_be_checked()
    expect(
        mine.get_by_role("checkbox", name="Email me a reminder before each session")
    ).to_be_checked()
