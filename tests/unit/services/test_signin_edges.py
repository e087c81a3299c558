"""Sign-in's edges, on the fakes, written for mutants `make mutate` found alive (bench/mutation.py):
the address check and its longest address, what the email promises, the day's counter per
address and its expiry, what is logged when a link is held back, and sessions at the second of
joining, an hour after their last use, of a removed member, and of a link used up meanwhile.
"""

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chatdeck.domain.errors import InvalidLink
from chatdeck.domain.members import Member
from chatdeck.domain.posts import FieldErrors
from chatdeck.services.membership import (
    EMAILS_PER_DAY,
    LINK_REQUESTS_ALLOWED,
    MAX_EMAIL_LENGTH,
    SESSION_IDLE,
    SESSION_TOUCH,
)
from tests.unit.services.kit import OTHER_TEACHER, PUBLIC_URL, TEACHER, Kit
from tests.unit.services.test_signin_security import newest_token

LONGEST = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * (MAX_EMAIL_LENGTH - 197) + ".org"
ADDRESS_ERROR = {"email": "Enter an email address such as name@school.org."}


def ask(kit: Kit, address: str, known_browser: str = "") -> None:
    kit.membership.request_link(address, PUBLIC_URL, kit.clock.now(), known_browser)


@pytest.mark.parametrize(
    "address", ["not-an-address", "", "rivera@", "x" * 250 + "@school.example"]
)
def test_what_is_not_an_address_is_told_so_and_gets_no_link(kit: Kit, address: str) -> None:
    kit.add_member(TEACHER)
    with pytest.raises(FieldErrors) as refused:
        ask(kit, address)

    assert refused.value.errors == ADDRESS_ERROR
    assert kit.membership.signin_link(address, PUBLIC_URL, kit.clock.now()) is None
    assert kit.mailer.sent == []


def test_a_member_with_the_longest_address_allowed_gets_a_link(kit: Kit) -> None:
    assert len(LONGEST) == MAX_EMAIL_LENGTH
    kit.add_member(LONGEST)

    ask(kit, LONGEST)
    link = kit.membership.signin_link(LONGEST, PUBLIC_URL, kit.clock.now())

    assert len(kit.emails_to(LONGEST)) == 1
    assert link is not None and link.startswith(f"{PUBLIC_URL.rstrip('/')}/signin/confirm?token=")


def test_the_email_says_the_link_works_once_for_15_minutes(kit: Kit) -> None:
    kit.add_member(TEACHER)
    ask(kit, TEACHER)

    [mail] = kit.emails_to(TEACHER)
    assert "It works once, for 15 minutes" in mail.text


def test_one_address_using_up_its_day_leaves_anothers(kit: Kit) -> None:
    kit.add_member(TEACHER)
    kit.add_member(OTHER_TEACHER)
    for _ in range(EMAILS_PER_DAY):
        signed = (
            kit.membership.sign_in(newest_token(kit, TEACHER), kit.clock.now())
            if (kit.emails_to(TEACHER))
            else None
        )
        ask(kit, TEACHER, signed.known_browser if signed else "")
        kit.clock.advance(minutes=10)
    assert len(kit.emails_to(TEACHER)) >= EMAILS_PER_DAY - 1

    ask(kit, OTHER_TEACHER)

    assert len(kit.emails_to(OTHER_TEACHER)) == 1


@pytest.fixture
def new_york_machine() -> Iterator[None]:
    """The machine's own time zone is not UTC (Lambda's is, a developer's may not be)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.mark.usefixtures("new_york_machine")
def test_the_days_counter_is_the_utc_days_and_kept_two_days_after_it_began(
    kit: Kit, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The limit counts a UTC day, wherever the function runs; DynamoDB deletes the counter
    after its TTL: not before the day is over, nor long after."""
    kit.add_member(TEACHER)
    kit.clock.set(datetime(2026, 11, 4, 2, 0, tzinfo=UTC))  # 21:00 on the 3rd in New York
    seen: list[dict[str, Any]] = []
    allow_email = kit.signin_links.allow_email

    def recording(*args: Any) -> bool:
        email, day, allowance, _limit, _share, ttl = args
        seen.append({"email": email, "day": day, "allowance": allowance, "ttl": ttl})
        return allow_email(*args)

    monkeypatch.setattr(kit.signin_links, "allow_email", recording)
    ask(kit, TEACHER)

    day_began = datetime(2026, 11, 4, tzinfo=UTC)
    assert seen == [
        {
            "email": TEACHER,
            "day": "2026-11-04",
            "allowance": "anyone",
            "ttl": int((day_began + timedelta(days=2)).timestamp()),
        }
    ]


class Log:
    """Stands in for the service's logger: what it was told, in order."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def info(self, message: str, extra: dict[str, Any] | None = None) -> None:
        self.records.append({"message": message, **(extra or {})})

    def refusals(self) -> list[dict[str, Any]]:
        return [r for r in self.records if "refused" in str(r["message"])]


@pytest.fixture
def log(monkeypatch: pytest.MonkeyPatch) -> Log:
    recorded = Log()
    monkeypatch.setattr("chatdeck.services.membership.logger", recorded)
    return recorded


def test_a_link_held_back_by_the_request_limit_is_logged_with_its_allowance(
    kit: Kit, log: Log
) -> None:
    kit.add_member(TEACHER)
    for _ in range(LINK_REQUESTS_ALLOWED + 1):
        ask(kit, TEACHER)

    assert log.refusals() == [
        {"message": "sign-in link refused: too many requests", "allowance": "anyone"}
    ]


def test_a_link_held_back_by_the_days_emails_is_logged_with_its_allowance(
    kit: Kit, log: Log
) -> None:
    kit.add_member(TEACHER)
    for _ in range(EMAILS_PER_DAY):
        ask(kit, TEACHER)
        kit.clock.advance(minutes=11)

    assert log.refusals()[-1] == {
        "message": "sign-in link refused: the day's emails",
        "allowance": "anyone",
    }


def signed_in_session(kit: Kit) -> str:
    ask(kit, TEACHER)
    return kit.membership.sign_in(newest_token(kit, TEACHER), kit.clock.now()).session_token


def test_a_session_begun_in_the_second_of_joining_is_good(kit: Kit) -> None:
    """Sessions keep whole seconds: one begun later in the second the member joined is theirs."""
    joined = kit.clock.now().replace(microsecond=500_000)
    assert kit.members.add(Member(email=TEACHER, name="Ana Rivera", zone="UTC"), joined)
    kit.clock.set(joined + timedelta(microseconds=400_000))

    session = signed_in_session(kit)

    assert kit.membership.member_for_session(session, kit.clock.now()) is not None


def test_a_removed_members_session_signs_no_one_in(kit: Kit) -> None:
    kit.add_member(TEACHER)
    session = signed_in_session(kit)
    assert kit.membership.member_for_session(session, kit.clock.now()) is not None

    kit.members.remove(TEACHER)

    assert kit.membership.member_for_session(session, kit.clock.now()) is None


def test_a_use_an_hour_after_the_last_keeps_the_session_from_going_idle(kit: Kit) -> None:
    kit.add_member(TEACHER)
    session = signed_in_session(kit)
    began = kit.clock.now()

    kit.clock.set(began + SESSION_TOUCH)
    assert kit.membership.member_for_session(session, kit.clock.now()) is not None
    kit.clock.set(began + SESSION_IDLE + SESSION_TOUCH / 2)

    assert kit.membership.member_for_session(session, kit.clock.now()) is not None


def test_a_link_used_up_meanwhile_ends_the_session_it_began(
    kit: Kit, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two clicks at once: the session is written first, then the link turns out used."""
    kit.add_member(TEACHER)
    ask(kit, TEACHER)
    token = newest_token(kit, TEACHER)
    began: list[str] = []
    add = kit.sessions.add

    def recording(token_hash: str, *args: Any) -> None:
        began.append(token_hash)
        add(token_hash, *args)

    use = kit.signin_links.use

    def used_by_the_other_click(token_hash: str, now: int) -> str | None:
        use(token_hash, now)  # the other click
        return use(token_hash, now)

    monkeypatch.setattr(kit.sessions, "add", recording)
    monkeypatch.setattr(kit.signin_links, "use", used_by_the_other_click)
    with pytest.raises(InvalidLink):
        kit.membership.sign_in(token, kit.clock.now())

    [session_hash] = began
    assert kit.sessions.get(session_hash, int(kit.clock.now().timestamp())) is None
