"""NoticeLog: each notice is recorded before it is sent, so it goes out at most once."""

import pytest

from chatdeck.domain.email import Email
from chatdeck.ports import NoticeLog
from tests.contract.backends import Backend

EMAIL = Email(
    to=["rivera@school.example"],
    subject="Your post could not be sent",
    text="X refused it.",
    html="<p>X refused it.</p>",
)


@pytest.fixture
def log(backend: Backend) -> NoticeLog:
    return backend.notice_log()


def test_a_notice_is_recorded_once(log: NoticeLog) -> None:
    assert log.record("post-failed#post-1", EMAIL)
    assert not log.record("post-failed#post-1", EMAIL)


def test_notices_are_recorded_each_under_their_own_id(log: NoticeLog) -> None:
    assert log.record("post-failed#post-1", EMAIL)
    assert log.record("post-failed#post-2", EMAIL)
    assert log.record("account-paused#x#cohort#2026-11-02T20:00:00Z", EMAIL)


def test_a_marked_notice_stays_recorded(log: NoticeLog) -> None:
    log.record("post-failed#post-1", EMAIL)
    log.mark("post-failed#post-1", "SENT")
    log.record("post-failed#post-2", EMAIL)
    log.mark("post-failed#post-2", "FAILED", "SES refused the address.")
    assert not log.record("post-failed#post-1", EMAIL)
    assert not log.record("post-failed#post-2", EMAIL)


def test_a_notice_marked_without_being_recorded_is_never_recorded_after(log: NoticeLog) -> None:
    log.mark("post-failed#post-1", "SENT")
    assert not log.record("post-failed#post-1", EMAIL)
