"""A real transcript replayed in the local stack and digested (issue 11, "Done when").

An admin adds a chat through the web form (POST /chats, as the form sends it), a member
subscribes to its digest, and one whole labelled session of #NGSSchat (tests/data/chats/, real
posts, authors pseudonymised, no counts, no reply links) is staged with `POST /sandbox/chats` on
the chat's network, placed in the chat's next occurrence as it ran: each post as many minutes from
the start as in the transcript. Ticks (`/_dev/tick`) then run the companion through the window
and after it, and the member's digest must list the session's questions as the hand labels say,
in order, with best answers labelled as answers to them, and no count anywhere (the transcript
has none, so none is made up); the session page names the moderators it inferred, as none is
configured on the chat.

Key decisions:
- The transcript's authors stay handles and its times relative; nothing in the text is changed,
  except the hashtag of the second case, renamed so that its chat is a chat of its own (the
  form's hashtag gives the chat its id), in the case each post wrote it.
- The occurrence is days ahead of the real clock, each case on a day of its own: ticks set the
  sandboxes' clocks, so a window other tests ticked through is never this one's.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.corpus import Label, Row, labelled_moderators, read_labels, read_transcript
from tests.e2e.browser.helpers import companion_tick, emails_to
from tests.e2e.conftest import LocalStack
from tests.e2e.member_client import MemberClient

pytestmark = pytest.mark.e2e

ZONE = ZoneInfo("America/New_York")  # the zone the transcript's sessions ran in
DURATION = timedelta(minutes=60)
STEP = timedelta(minutes=5)  # between two ticks in the window


@dataclass(frozen=True)
class Case:
    network: str  # the form's value
    name: str  # as pages and emails name the network
    session: str  # a labelled session of tests/data/chats/ngsschat-2012-2013.jsonl
    hashtag: str  # the form's hashtag
    days_ahead: int

    @property
    def sandbox(self) -> str:
        return {"bluesky": "bluesky", "mastodon": "mastodon", "x": "sandbox"}[self.network]


CASES = [
    # The plain form: five numbered questions, several answers each.
    Case("bluesky", "Bluesky", "2012-05-24T2000", "#NGSSchat", 3),
    # Messy: Q1 asked without its number, half the posts repeated texts.
    Case("mastodon", "Mastodon", "2013-01-29T2000", "#NGSSchatReplay", 4),
]


def occurrence(days_ahead: int) -> datetime:
    """20:00 in New York, `days_ahead` days from today there (aware, UTC)."""
    day = datetime.now(ZONE).date() + timedelta(days=days_ahead)
    return datetime(day.year, day.month, day.day, 20, 0, tzinfo=ZONE).astimezone(UTC)


def session_rows(case: Case) -> list[Row]:
    rows = read_transcript()[case.session]
    if case.hashtag.lower() == "#ngsschat":
        return rows
    suffix = case.hashtag.removeprefix("#NGSSchat")
    renamed = re.compile(r"#ngsschat\b", re.IGNORECASE)
    return [replace(row, text=renamed.sub(lambda m: m.group(0) + suffix, row.text)) for row in rows]


def staging_body(case: Case, rows: list[Row], start: datetime) -> dict[str, Any]:
    """The session as `POST /sandbox/chats` takes it: handles, times as in the transcript (its
    local minutes, in its zone), no counts; `start` places its first post."""
    first = min(datetime.fromisoformat(row.time_local) for row in rows)
    session_start = datetime.strptime(case.session, "%Y-%m-%dT%H%M")
    assert first >= session_start - timedelta(minutes=15)
    return {
        "hashtag": case.hashtag,
        "start": f"{start + (first - session_start):%Y-%m-%dT%H:%M:%SZ}",
        "posts": [
            {
                "id": f"{row.session}/{row.index}",
                "author": row.author,
                "text": row.text,
                "created_at": datetime.fromisoformat(row.time_local)
                .replace(tzinfo=ZoneInfo(row.zone))
                .isoformat(),
            }
            for row in rows
        ],
    }


def add_chat(admin: MemberClient, case: Case, start: datetime) -> str:
    """The chat form as an admin sends it; the chat's page address."""
    local = start.astimezone(ZONE)
    form = [
        ("name", f"NGSS chat replayed on {case.name}"),
        ("hashtag", case.hashtag),
        ("networks", case.network),
        ("weekday", str(local.weekday())),
        ("start_time", f"{local:%H:%M}"),
        ("zone", str(ZONE)),
        ("duration_minutes", str(DURATION.seconds // 60)),
        ("every_weeks", "1"),
        ("first_date", f"{local:%Y-%m-%d}"),
        ("moderators", ""),
        ("chat_account", ""),
        ("description", "Next Generation Science Standards, replayed from a real transcript."),
        ("link", ""),
    ]
    added = admin.post("/chats", data=form)
    assert added.status_code == 303, added.text
    path: str = added.headers["Location"]
    return path


def next_start(admin: MemberClient, path: str) -> datetime:
    page = admin.get(path)
    assert page.status_code == 200, page.text
    found = re.search(r'<time datetime="([^"]+)"', page.text)
    assert found, page.text
    return datetime.fromisoformat(found.group(1)).astimezone(UTC)


def subscribed_member(stack: LocalStack, admin: MemberClient, path: str) -> str:
    """A teacher invited by the admin, signed in, subscribed to the chat's digests only."""
    email = f"digest-reader-{uuid.uuid4().hex[:6]}@school.example"
    invited = admin.post(
        "/members", data={"name": "Digest Reader", "email": email, "zone": str(ZONE)}
    )
    assert invited.status_code in (200, 303), invited.text
    member = MemberClient(stack).sign_in(email)
    saved = member.post(f"{path}/subscription", data={"digests": "on", "lead_minutes": "30"})
    assert saved.status_code == 303, saved.text
    page = member.get(path).text
    assert 'name="digests" checked' in page and 'name="reminders" checked' not in page
    return email


def sections(text: str) -> list[tuple[str, str]]:
    """The digest's questions: (heading, what is under it), in order."""
    headings = list(re.finditer(r"^(.*)\r?\n-{40}\r?$", text, re.MULTILINE))
    ends = [h.start() for h in headings[1:]]
    tail = re.search(r"^(LINKS SHARED|MOST ACTIVE VOICES|Read the whole)", text, re.MULTILINE)
    ends.append(tail.start() if tail else len(text))
    return [
        (h.group(1).strip(), text[h.end() : end]) for h, end in zip(headings, ends, strict=True)
    ]


def best_answers(section: str, network: str) -> list[tuple[str, str]]:
    """(author line, text) of each best answer listed in a question's section."""
    found = re.finditer(rf"^  (.+\(@\S+ on {network}\).*)\r?\n  (.+)$", section, re.MULTILINE)
    return [(m.group(1), m.group(2).strip()) for m in found]


def expected_questions(
    case: Case, labels: dict[tuple[str, int], Label], rows: list[Row]
) -> list[tuple[int, str]]:
    """(number, text) of the session's labelled questions, in the order of their numbers."""
    asked = [
        (n, rows[label.index].text)
        for (session, _), label in labels.items()
        if session == case.session and label.kind == "question"
        for n in label.numbers
    ]
    return sorted(asked)


@pytest.mark.parametrize("case", CASES, ids=[case.network for case in CASES])
def test_a_real_transcript_replayed_for_a_chat_added_through_the_form_is_digested(
    local_stack: LocalStack, admin: MemberClient, case: Case
) -> None:
    start = occurrence(case.days_ahead)
    path = add_chat(admin, case, start)
    assert next_start(admin, path) == start  # the chat's next occurrence
    assert f"On {case.name}" in admin.get(path).text
    email = subscribed_member(local_stack, admin, path)

    rows = session_rows(case)
    body = staging_body(case, rows, start)
    sandbox = getattr(local_stack, case.sandbox)
    staged = requests.post(f"{sandbox}/sandbox/chats", json=body, timeout=30)
    assert staged.status_code == 201, staged.text
    assert len(staged.json()["ids"]) == len(rows)

    end = start + DURATION
    minute = start - timedelta(minutes=15)
    polled = 0
    while minute <= end + timedelta(minutes=30):
        polled += companion_tick(local_stack, minute)["polling"]["polled"]
        minute += STEP
    assert polled > 0
    companion_tick(local_stack, end + timedelta(minutes=31))  # counted, then digested
    after = companion_tick(local_stack, end + timedelta(minutes=32))

    digests = emails_to(local_stack, email, f"Highlights of {case.hashtag}")
    assert len(digests) == 1, json.dumps(after)[:2000]
    text, html = digests[0]["text"], digests[0]["html"]
    assert f"on {case.name}, " in text

    # Every post of the session was archived, and is counted but its retweets and repeated
    # texts, which the labels mark.
    labels = read_labels()
    numbers = re.search(r"^(\d+) posts · (\d+) participants? ·", text, re.MULTILINE)
    assert numbers, text
    originals = [labels[case.session, row.index] for row in rows]
    assert int(numbers.group(1)) == sum(not o.repost and o.copy_of is None for o in originals)

    expected = expected_questions(case, labels, rows)
    found = sections(text)
    assert [heading for heading, _ in found] == [question for _, question in expected], text

    by_text: dict[str, set[int]] = {}
    for row in rows:
        label = labels[case.session, row.index]
        if label.kind in ("answer", "answer_unmarked"):
            by_text.setdefault(row.text, set()).update(label.numbers)
    marked = {
        n
        for (session, _), label in labels.items()
        if session == case.session and label.kind == "answer"
        for n in label.numbers
    }
    for (number, _), (heading, section) in zip(expected, found, strict=True):
        answers = best_answers(section, case.name)
        for author_line, answer in answers:
            assert number in by_text.get(answer, set()), (
                f"under Q{number} ({heading[:40]!r}): {author_line} {answer!r} is not "
                "labelled an answer to it"
            )
        if number in marked:
            assert answers, f"no best answer under Q{number}:\n{section}"

    # The transcript has no counts: none is shown, none made up.
    for shown in (text, html):
        assert not re.search(r"\b0 (likes?|reposts?|repl(y|ies))\b", shown)
        assert not re.search(rf"on {case.name}\), \d", shown)

    session_page = admin.get(f"/sessions/{path.rsplit('/', 1)[1]}/{start:%Y%m%dT%H%MZ}")
    assert session_page.status_code == 200, session_page.text
    taken = re.search(r"Taken as moderators: (.*?)<span", session_page.text)
    assert taken, session_page.text
    shown_moderators = re.findall(r"<strong>@([^<]+)</strong>", taken.group(1))
    assert [h.split(".")[0].split("@")[0] for h in shown_moderators] == labelled_moderators()[
        case.session
    ]
    assert "inferred from who asked the numbered questions" in session_page.text
