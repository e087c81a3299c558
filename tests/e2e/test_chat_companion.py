"""The ed-chat companion in the local stack: the seeded live chat, ticked through its window.

A subscribed member gets the reminder before the chat and the digest after it in the outbox;
the digest groups answers under their questions, ranks them by refreshed counts, lists links.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
import requests
import vobject

from tests.e2e.browser.helpers import ADMIN, companion_tick, emails_to
from tests.e2e.conftest import LocalStack
from tests.e2e.member_client import MemberClient

pytestmark = pytest.mark.e2e

LIVE = "chatdecklive"


def live_start(admin: MemberClient) -> datetime:
    page = admin.get(f"/chats/{LIVE}").text
    found = re.search(r'<time datetime="([^"]+)"', page)
    assert found, page
    return datetime.fromisoformat(found.group(1)).astimezone(UTC)


def test_the_calendar_feed_parses_and_names_every_chat(
    local_stack: LocalStack, admin: MemberClient
) -> None:
    page = admin.get("/chats").text
    feed_url = re.search(r'value="(http[^"]+/all\.ics)"', page)
    assert feed_url, page

    feed = requests.get(feed_url.group(1), timeout=10)  # a calendar app: no cookies, no sign-in

    assert feed.status_code == 200
    assert feed.headers["Content-Type"].startswith("text/calendar")
    calendar = vobject.readOne(feed.text, validate=True)
    summaries = {event.summary.value for event in calendar.vevent_list}
    assert any("#edtechchat" in s for s in summaries) and any(LIVE in s for s in summaries)
    wrong = feed_url.group(1).replace("/calendar/", "/calendar/x")
    assert requests.get(wrong, timeout=10).status_code == 404


def test_a_subscriber_gets_the_reminder_before_and_the_digest_after_the_live_chat(
    local_stack: LocalStack, admin: MemberClient
) -> None:
    start = live_start(admin)
    end = start + timedelta(hours=1)

    # The stack seeds the live chat an hour ahead for the tests (DEVSTACK_LIVE_CHAT_IN_MINUTES),
    # so these instants are still to come: a tick never acts in the past.
    assert companion_tick(local_stack, start - timedelta(minutes=17))["polling"]["polled"] == 0
    assert emails_to(local_stack, ADMIN, "starts at") == []
    companion_tick(local_stack, start - timedelta(minutes=5))
    (reminder,) = emails_to(local_stack, ADMIN, "starts at")
    assert "#chatdecklive" in reminder["text"]
    assert reminder["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    minute = start - timedelta(minutes=15)
    polled = 0
    while minute <= end + timedelta(minutes=30):
        polled += companion_tick(local_stack, minute)["polling"]["polled"]
        minute += timedelta(minutes=3)
    assert polled > 0
    after = companion_tick(local_stack, end + timedelta(minutes=31))
    companion_tick(local_stack, end + timedelta(minutes=32))

    assert emails_to(local_stack, ADMIN, "starts at") == [reminder]  # at most once
    digests = [m for m in emails_to(local_stack, ADMIN, "Highlights")]
    assert len(digests) == 1, after
    digest = digests[0]
    text = digest["text"]
    # Each question's heading is the line above its underline; a "Q3" may also appear by chance
    # inside a shared link's letters, so the sections are found by their headings.
    headings = list(re.finditer(r"^(.*)\r?\n-{40}\r?$", text, re.MULTILINE))
    assert [h.group(1)[:2] for h in headings[:3]] == ["Q1", "Q2", "Q3"]
    # The sandbox's session is generated from a seed, so its best answers to Q1 are known:
    # ranked by the counts refreshed after the chat (likes + 2 x reposts + replies).
    q1 = text[headings[0].start() : headings[1].start()]
    best = re.findall(r"\(@(\w+)\), (\d+) likes · (\d+) reposts", q1)
    assert best == [("esl_elena", "34", "6"), ("ScienceSue", "31", "5"), ("ms_quinn_k2", "27", "4")]
    assert "… and 17 more answers on the session page." in q1
    assert "http" in text  # the links people shared
    assert "<script" not in digest["html"]
    assert digest["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    session = admin.get(f"/sessions/{LIVE}/{start:%Y%m%dT%H%MZ}")
    assert session.status_code == 200
    assert "Q1" in session.text and "Q6" in session.text
    assert re.search(
        r"What X billed for this session: \d+ posts read, about \$\d+\.\d\d", session.text
    )

    one_click = digest["headers"]["List-Unsubscribe"].strip("<>")
    assert (
        requests.post(one_click, data={"List-Unsubscribe": "One-Click"}, timeout=10).status_code
        == 200
    )
    assert 'name="digests" checked' not in admin.get(f"/chats/{LIVE}").text
