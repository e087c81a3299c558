"""Digests after a chat, on the fakes: once per subscriber after the counts are in, with the best
answers, nothing for a chat removed since, and the session's first-timers remembered."""

from datetime import datetime, timedelta

import pytest

from chatdeck.domain.archive import ArchivedPost
from chatdeck.domain.email import Email
from tests.unit.services.kit import (
    ADMIN,
    OCCURRENCE,
    OTHER_TEACHER,
    START,
    WINDOW_END,
    Kit,
    a_tweet,
)

TEACHER = "rivera@school.example"
NEXT_START = START + timedelta(days=7)
NEXT_OCCURRENCE = "edtechchat#2026-11-10T01:00:00Z"


def a_session(start: datetime, first_serial: int, newcomer: str = "cy") -> list[ArchivedPost]:
    """A moderator's question, four answers of different worth (a newcomer's among them), and
    the newcomer's second post."""
    n = first_serial

    def tweet(offset: int, text: str, by: str, minute: float, **fields: object) -> ArchivedPost:
        return a_tweet(n + offset, text, by=by, minute=minute, start=start, **fields)

    return [
        tweet(0, "Welcome to #edtechchat! Tonight: feedback.", "edtechmod", 0),
        tweet(1, "Q1 What feedback works best? #edtechchat", "edtechmod", 2),
        tweet(2, "A1 Feedback they can act on the same day #edtechchat", "ana", 4, likes=12),
        tweet(3, "A1 Marking less, talking more #edtechchat", "ben", 5, likes=3, reposts=1),
        tweet(4, f"A1 Exit tickets, then a quick chat #edtechchat (from {newcomer})", newcomer, 6),
        tweet(5, f"So glad I found #edtechchat, says {newcomer}", newcomer, 30, likes=1),
        tweet(6, "A1 Rubrics, co-written with the class #edtechchat", "eve", 7),
    ]


def run_the_session(kit: Kit, start: datetime, posts: list[ArchivedPost]) -> None:
    """Poll it through its window, then end it and refresh its counts."""
    kit.network.stage(*posts)
    for minutes in range(-15, 90, 15):
        kit.poller.poll(start + timedelta(minutes=minutes))
    end_of_window = start + timedelta(minutes=90)
    kit.poller.poll(end_of_window + timedelta(minutes=1))
    kit.poller.refresh_counts(end_of_window + timedelta(minutes=2))


@pytest.fixture
def chat_kit(kit: Kit) -> Kit:
    kit.follow()
    kit.add_member(TEACHER, "Ana Rivera", zone="Europe/London")
    kit.add_member(OTHER_TEACHER, "Ngozi Okafor")
    kit.subscribe(TEACHER)
    kit.subscribe(OTHER_TEACHER, digests=False)
    kit.subscribe(ADMIN, reminders=False)
    return kit


def status(kit: Kit, occurrence_id: str = OCCURRENCE) -> str:
    session = kit.archive.get(occurrence_id)
    assert session is not None
    return session.status


def section(email: Email, heading: str, until: str = "\n\n") -> str:
    """The text part from a heading to `until` (the next blank line), or "" without it."""
    after = email.text.split(heading + "\n", 1)
    return after[1].split(until, 1)[0] if len(after) == 2 else ""


def test_the_digest_goes_to_each_digest_subscriber_once_after_the_counts(chat_kit: Kit) -> None:
    kit = chat_kit
    kit.network.stage(*a_session(START, 1))
    for minutes in range(-15, 90, 15):
        kit.poller.poll(START + timedelta(minutes=minutes))
    kit.poller.poll(WINDOW_END + timedelta(minutes=1))

    before_counts = kit.digests.send_ready(WINDOW_END + timedelta(minutes=1))
    kit.poller.refresh_counts(WINDOW_END + timedelta(minutes=2))
    sent = kit.digests.send_ready(WINDOW_END + timedelta(minutes=2))
    again = kit.digests.send_ready(WINDOW_END + timedelta(minutes=3))

    assert (before_counts, sent, again) == (0, 2, 0)
    assert sorted(address for email in kit.mailer.sent for address in email.to) == [
        ADMIN,
        TEACHER,
    ]
    assert kit.emails_to(OTHER_TEACHER) == []  # reminders only
    assert status(kit) == "digested"


def test_the_digest_says_what_happened_best_answers_first(chat_kit: Kit) -> None:
    kit = chat_kit
    run_the_session(kit, START, a_session(START, 1))

    kit.digests.send_ready(WINDOW_END + timedelta(minutes=2))

    [mail] = kit.emails_to(TEACHER)
    assert mail.subject == "Highlights of #edtechchat, Mon 2 Nov 2026"
    assert "Hello Ana Rivera," in mail.text
    assert "7 posts · 5 participants · 4 answers · 1 question" in mail.text
    best = section(mail, "Q1 What feedback works best? #edtechchat", "MOST ACTIVE VOICES")
    assert best.index("Feedback they can act on") < best.index("Marking less")
    assert best.index("Marking less") < best.index("Exit tickets")
    assert "Rubrics" not in best  # the fourth answer is on the session page
    assert "… and 1 more answer on the session page." in best
    assert "Ana Rivera (@ana on X), 12 likes · 0 reposts · 0 replies" in best
    assert "https://chatdeck.example/sessions/edtechchat/20261103T0100Z" in mail.text
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = mail.headers["List-Unsubscribe"].strip("<>").rsplit("/", 1)[1]
    assert kit.calendar.unsubscribe_link(token, START).what == "digests"


def test_a_removed_chats_session_is_marked_digested_and_nobody_is_emailed(
    chat_kit: Kit,
) -> None:
    kit = chat_kit
    run_the_session(kit, START, a_session(START, 1))
    kit.calendar.remove(kit.admin(), "edtechchat")

    sent = kit.digests.send_ready(WINDOW_END + timedelta(minutes=2))

    assert sent == 0
    assert kit.mailer.sent == []
    assert status(kit) == "digested"
    assert kit.digests.send_ready(WINDOW_END + timedelta(minutes=3)) == 0


def test_no_digest_to_a_member_removed_since_subscribing(chat_kit: Kit) -> None:
    kit = chat_kit
    run_the_session(kit, START, a_session(START, 1))
    kit.membership.remove(kit.admin(), TEACHER, cancel_queued=False)

    assert kit.digests.send_ready(WINDOW_END + timedelta(minutes=2)) == 1
    assert [email.to for email in kit.mailer.sent] == [[ADMIN]]


def test_first_timers_are_remembered_for_the_next_session(chat_kit: Kit) -> None:
    kit = chat_kit
    run_the_session(kit, START, a_session(START, 1, newcomer="cy"))
    kit.digests.send_ready(WINDOW_END + timedelta(minutes=2))
    run_the_session(kit, NEXT_START, a_session(NEXT_START, 100, newcomer="dee"))
    kit.digests.send_ready(WINDOW_END + timedelta(days=7, minutes=2))

    first, second = kit.emails_to(TEACHER)

    assert first.subject == "Highlights of #edtechchat, Mon 2 Nov 2026"
    assert second.subject == "Highlights of #edtechchat, Mon 9 Nov 2026"
    new_then = section(first, "NEW FACES WORTH FOLLOWING")
    new_now = section(second, "NEW FACES WORTH FOLLOWING")
    assert "@ana" in new_then and "@cy" in new_then  # a best answer; two posts
    assert "@dee" in new_now
    assert "@ana" not in new_now and "@cy" not in new_now
    assert status(kit, NEXT_OCCURRENCE) == "digested"
