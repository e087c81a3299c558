"""Sessions on the fakes: over after 14 days unused (their last use written at most once an
hour), never past 30 days, and "sign out everywhere" ends every session of one member (issue 10)."""

from datetime import datetime, timedelta

from tests.unit.services.kit import NOW, OTHER_TEACHER, PUBLIC_URL, TEACHER, Kit


def session(kit: Kit, email: str = TEACHER, at: datetime = NOW) -> str:
    link = kit.membership.signin_link(email, PUBLIC_URL, at)
    assert link is not None
    return kit.membership.sign_in(link.split("token=")[1], at).session_token


def test_a_session_unused_for_14_days_is_over(kit: Kit) -> None:
    kit.add_member(TEACHER)
    almost, unused = session(kit), session(kit)

    assert kit.membership.member_for_session(almost, NOW + timedelta(days=14, seconds=-1))
    assert kit.membership.member_for_session(unused, NOW + timedelta(days=14)) is None
    assert kit.membership.member_for_session(unused, NOW + timedelta(days=1)) is None  # ended


def test_a_session_used_goes_on_past_14_days_but_not_past_30(kit: Kit) -> None:
    kit.add_member(TEACHER)
    token = session(kit)

    for day in range(0, 30, 10):
        assert kit.membership.member_for_session(token, NOW + timedelta(days=day)) is not None
    assert kit.membership.member_for_session(token, NOW + timedelta(days=30)) is None


def test_the_last_use_is_written_at_most_once_an_hour(kit: Kit) -> None:
    kit.add_member(TEACHER)
    token = session(kit)

    for minute in range(0, 180, 2):  # a request every 2 minutes for 3 hours
        assert kit.membership.member_for_session(token, NOW + timedelta(minutes=minute))

    assert kit.sessions.touches == 2  # at the first and the second hour


def test_an_hours_use_is_not_lost_a_session_in_use_hourly_never_idles(kit: Kit) -> None:
    kit.add_member(TEACHER)
    token = session(kit)
    kit.membership.member_for_session(token, NOW + timedelta(days=13))

    assert kit.membership.member_for_session(token, NOW + timedelta(days=26)) is not None


def test_sign_out_everywhere_ends_every_session_of_the_member_only(kit: Kit) -> None:
    member = kit.add_member(TEACHER)
    kit.add_member(OTHER_TEACHER, name="Ben Okafor")
    phone, laptop = session(kit, at=NOW - timedelta(days=1)), session(kit)
    theirs = session(kit, OTHER_TEACHER)

    kit.membership.sign_out_everywhere(member, NOW)
    later = NOW + timedelta(minutes=5)
    again = session(kit, at=later)

    assert kit.membership.member_for_session(phone, later) is None
    assert kit.membership.member_for_session(laptop, later) is None
    assert kit.membership.member_for_session(theirs, later) is not None
    assert kit.membership.member_for_session(again, later) is not None  # signing in again works
