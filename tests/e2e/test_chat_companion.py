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
    assert emails_to(local_stack, ADMIN, f"starts at {start:%H:%M}: #{LIVE}") == []
    companion_tick(local_stack, start - timedelta(minutes=5))
    (reminder,) = emails_to(local_stack, ADMIN, f"starts at {start:%H:%M}: #{LIVE}")
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

    reminders = emails_to(local_stack, ADMIN, f"starts at {start:%H:%M}: #{LIVE}")
    assert reminders == [reminder]  # at most once
    digests = [m for m in emails_to(local_stack, ADMIN, f"Highlights of #{LIVE}")]
    assert len(digests) == 1, after
    digest = digests[0]
    text = digest["text"]
    # Each question's heading is the line above its underline; a "Q3" may also appear by chance
    # inside a shared link's letters, so the sections are found by their headings.
    headings = list(re.finditer(r"^(.*)\r?\n-{40}\r?$", text, re.MULTILINE))
    assert [h.group(1)[:2] for h in headings[:3]] == ["Q1", "Q2", "Q3"]
    # The best answers to Q1, ranked by the counts refreshed after the chat (likes + 2 x
    # reposts + replies), each saying where it was posted.
    q1 = text[headings[0].start() : headings[1].start()]
    best = re.findall(r"\(@\w+ on X\), (\d+) likes? · (\d+) reposts? · (\d+) repl", q1)
    ranks = [int(likes) + 2 * int(reposts) + int(replies) for likes, reposts, replies in best]
    assert len(best) == 3 and ranks == sorted(ranks, reverse=True) and ranks[0] > 0
    assert re.search(r"… and \d+ more answers on the session page\.", q1)
    assert "http" in text  # the links people shared
    assert "<script" not in digest["html"]
    assert digest["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    session = admin.get(f"/sessions/{LIVE}/{start:%Y%m%dT%H%MZ}")
    assert session.status_code == 200
    assert "Q1" in session.text and "Q6" in session.text
    assert re.search(r"X: \d+ posts read, billed about \$\d+\.\d\d", session.text)

    one_click = digest["headers"]["List-Unsubscribe"].strip("<>")
    assert (
        requests.post(one_click, data={"List-Unsubscribe": "One-Click"}, timeout=10).status_code
        == 200
    )
    assert 'name="digests" checked' not in admin.get(f"/chats/{LIVE}").text


DEMOS = {  # devstack/seed.py: each network's demo chat, live at the same minute
    "x": ("chatdecklive", "X"),
    "bluesky": ("skyedchatdemo", "Bluesky"),
    "mastodon": ("mastoedchatdemo", "Mastodon"),
}


@pytest.mark.parametrize("network", list(DEMOS))
def test_each_networks_demo_chat_is_in_the_calendar_and_digested_after_its_window(
    local_stack: LocalStack, admin: MemberClient, network: str
) -> None:
    tag, name = DEMOS[network]
    assert f"#{tag}" in admin.get("/chats").text
    assert f"On {name}" in admin.get(f"/chats/{tag}").text
    start = live_start(admin)
    end = start + timedelta(hours=1)

    minute = start - timedelta(minutes=15)
    while minute <= end + timedelta(minutes=30):
        companion_tick(local_stack, minute)
        minute += timedelta(minutes=3)
    companion_tick(local_stack, end + timedelta(minutes=31))
    companion_tick(local_stack, end + timedelta(minutes=32))

    (digest,) = emails_to(local_stack, ADMIN, f"Highlights of #{tag}")
    text = digest["text"]
    assert f"on {name}, " in text  # where the session ran
    headings = re.findall(r"^(Q\d).*\r?\n-{40}\r?$", text, re.MULTILINE)
    assert headings[:2] == ["Q1", "Q2"], text
    assert re.search(rf"\(@\S+ on {name}\), \d+ likes?", text), text  # answers say where
    session = admin.get(f"/sessions/{tag}/{start:%Y%m%dT%H%MZ}").text
    assert re.search(rf"{name}: \d+ posts? read", session)  # reads per network
    assert f"View on {name}" in session
