"""NoticeLog: each notice is recorded before it is sent, so it goes out at most once."""

from datetime import UTC, datetime, timedelta

import pytest

from chatdeck.domain.email import NOTICE_TTL, Email, FailedNotice
from chatdeck.ports import NoticeLog
from tests.contract.backends import Backend

EMAIL = Email(
    to=["rivera@school.example"],
    subject="Your post could not be sent",
    text="X refused it.",
    html="<p>X refused it.</p>",
)


NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def log(backend: Backend) -> NoticeLog:
    return backend.notice_log()


def test_a_notice_is_recorded_once(log: NoticeLog) -> None:
    assert log.record("post-failed#post-1", EMAIL, NOW)
    assert not log.record("post-failed#post-1", EMAIL, NOW)


def test_notices_are_recorded_each_under_their_own_id(log: NoticeLog) -> None:
    assert log.record("post-failed#post-1", EMAIL, NOW)
    assert log.record("post-failed#post-2", EMAIL, NOW)
    assert log.record("account-paused#x#cohort#2026-11-02T20:00:00Z", EMAIL, NOW)


def test_a_marked_notice_stays_recorded(log: NoticeLog) -> None:
    log.record("post-failed#post-1", EMAIL, NOW)
    log.mark_sent("post-failed#post-1", "ses-message-1")
    log.record("post-failed#post-2", EMAIL, NOW)
    log.mark_failed("post-failed#post-2", EMAIL, "MessageRejected", NOW)
    assert not log.record("post-failed#post-1", EMAIL, NOW)
    assert not log.record("post-failed#post-2", EMAIL, NOW)


def test_a_notice_marked_without_being_recorded_is_never_recorded_after(log: NoticeLog) -> None:
    log.mark_sent("post-failed#post-1", "ses-message-1")
    assert not log.record("post-failed#post-1", EMAIL, NOW)


# ----- failed notices: listed for admins, newest first, without a Scan ---------------------------


def failed_once(log: NoticeLog, notice_id: str, at: datetime, email: Email = EMAIL) -> None:
    assert log.record(notice_id, email, NOW)
    log.mark_failed(notice_id, email, "MessageRejected", at)


def test_nothing_failed_lists_nothing(log: NoticeLog) -> None:
    log.record("post-failed#post-1", EMAIL, NOW)
    log.mark_sent("post-failed#post-1", "ses-message-1")
    assert log.failed(20) == []


def test_a_failed_notice_is_listed_with_whom_what_why_and_when(log: NoticeLog) -> None:
    email = Email(["ana@school.example", "ben@school.example"], "Paused", "text", "<p>html</p>")
    failed_once(log, "account-paused#x#cohort#2026-11-02T12:00:00Z", NOW, email)

    assert log.failed(20) == [
        FailedNotice(
            notice_id="account-paused#x#cohort#2026-11-02T12:00:00Z",
            to=("ana@school.example", "ben@school.example"),
            subject="Paused",
            error="MessageRejected",
            failed_at=NOW,
        )
    ]


def test_only_failed_notices_are_listed_newest_first(log: NoticeLog) -> None:
    failed_once(log, "post-failed#old", NOW)
    log.record("post-failed#sent", EMAIL, NOW)
    log.mark_sent("post-failed#sent", "ses-message-1")
    failed_once(log, "post-failed#newest", NOW + timedelta(hours=2))
    log.record("post-failed#waiting", EMAIL, NOW)  # recorded, not sent yet
    failed_once(log, "post-failed#middle", NOW + timedelta(hours=1))

    listed = log.failed(20)

    assert [n.notice_id for n in listed] == [
        "post-failed#newest",
        "post-failed#middle",
        "post-failed#old",
    ]
    assert [n.failed_at for n in listed] == [NOW + timedelta(hours=h) for h in (2, 1, 0)]


def test_failed_notices_are_capped_at_the_newest(log: NoticeLog) -> None:
    for n in range(5):
        failed_once(log, f"post-failed#post-{n}", NOW + timedelta(minutes=n))

    assert [n.notice_id for n in log.failed(3)] == [
        "post-failed#post-4",
        "post-failed#post-3",
        "post-failed#post-2",
    ]
    assert log.failed(0) == []


def test_failed_at_is_kept_to_the_second_in_utc(log: NoticeLog) -> None:
    local = datetime(2026, 11, 2, 7, 0, 5, 999_000).astimezone()  # any zone, with microseconds
    failed_once(log, "post-failed#post-1", local)

    (listed,) = log.failed(1)
    assert listed.failed_at == local.astimezone(UTC).replace(microsecond=0)
    assert listed.failed_at.tzinfo == UTC


def test_two_failures_in_one_second_are_both_listed(log: NoticeLog) -> None:
    failed_once(log, "reminder#chat#2026-11-03T01:00:00Z#a@school.example", NOW)
    failed_once(log, "reminder#chat#2026-11-03T01:00:00Z#b@school.example", NOW)

    assert len(log.failed(20)) == 2


def test_a_failed_notice_is_still_never_recorded_again(log: NoticeLog) -> None:
    failed_once(log, "post-failed#post-1", NOW)
    assert not log.record("post-failed#post-1", EMAIL, NOW)
    assert len(log.failed(20)) == 1


# ----- a notice names its recipients: its items expire (the StateTable's TTL) --------------------


def test_a_recorded_notice_expires_ninety_days_after(backend: Backend, log: NoticeLog) -> None:
    log.record("post-failed#post-1", EMAIL, NOW)
    log.mark_sent("post-failed#post-1", "ses-message-1")

    assert NOTICE_TTL.days == 90
    assert backend.notice_expiries("post-failed#post-1") == [int((NOW + NOTICE_TTL).timestamp())]


def test_a_failed_notice_and_its_listing_both_expire(backend: Backend, log: NoticeLog) -> None:
    failed_at = NOW + timedelta(minutes=5)
    failed_once(log, "post-failed#post-1", failed_at)

    assert backend.notice_expiries("post-failed#post-1") == [
        int((NOW + NOTICE_TTL).timestamp()),
        int((failed_at + NOTICE_TTL).timestamp()),
    ]
