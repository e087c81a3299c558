"""The ed-chat companion's minute on the fakes, run every minute of one session: one reminder
before it, the archive during it, and one digest after it."""

from datetime import timedelta

import pytest

from tests.unit.services.kit import OCCURRENCE, START, TEACHER, WINDOW_END, Kit, a_tweet


def test_a_session_minute_by_minute_one_reminder_the_archive_one_digest(kit: Kit) -> None:
    kit.follow()
    kit.add_member(TEACHER, "Ana Rivera")
    kit.subscribe(TEACHER, lead_minutes=30)
    posts = [
        a_tweet(1, "Q1 What feedback works? #edtechchat", by="edtechmod", minute=2),
        a_tweet(2, "A1 Timely feedback #edtechchat", by="ana", minute=4, likes=5),
        a_tweet(3, "A1 Talk, do not mark #edtechchat", by="ben", minute=40),
    ]
    now = START - timedelta(minutes=45)
    reports = []
    while now <= WINDOW_END + timedelta(minutes=3):
        kit.clock.set(now)
        kit.network.stage(*[p for p in posts if p.created_at <= now])  # X as it is by then
        reports.append(kit.companion.run(now))
        now += timedelta(minutes=1)

    reminder, digest = kit.emails_to(TEACHER)
    assert reminder.subject == "EdTech Chat starts at 01:00: #edtechchat"
    assert digest.subject == "Highlights of #edtechchat, Mon 2 Nov 2026"
    assert "A1 Timely feedback" in digest.text and "A1 Talk, do not mark" in digest.text
    assert sum(r["reminders"] for r in reports) == sum(r["digests"] for r in reports) == 1
    archive = kit.archive.session(OCCURRENCE)
    assert archive is not None
    assert [p.id for p in archive.posts] == [p.id for p in posts]
    assert archive.session.status == "digested"


def test_one_step_failing_does_not_stop_the_others(
    kit: Kit, monkeypatch: pytest.MonkeyPatch
) -> None:
    kit.follow()
    kit.add_member(TEACHER, "Ana Rivera")
    kit.subscribe(TEACHER, lead_minutes=15)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the X client fell over")

    monkeypatch.setattr(kit.network, "search_recent", broken)

    report = kit.companion.run(START - timedelta(minutes=15))  # the window opens, too

    assert report["polling"] == {"error": "RuntimeError"}
    assert report["reminders"] == 1
    assert report["counts"]["errors"] == [] and report["digests"] == 0
    assert len(kit.emails_to(TEACHER)) == 1
