"""Members' own calendar feed addresses (services/chats.py, domain/feed_addresses.py) on the
fakes: each member's address is theirs, renewing ends the old one, removing a member ends
theirs, and an address that is not a member's current one answers 404 like any unknown page."""

import pytest

from chatdeck.domain.errors import NotFound
from chatdeck.domain.feed_addresses import FeedSeed, token_hash
from chatdeck.domain.members import Member
from chatdeck.services.chats import ChatCalendar
from tests.unit.services.kit import OTHER_TEACHER, TEACHER, Kit


def token_of(path: str) -> str:
    _, calendar, token, file = path.split("/")
    assert (calendar, file) == ("calendar", "all.ics")
    return token


def works(calendar: ChatCalendar, path: str) -> bool:
    """Whether a calendar app fetching this address gets the feed (not 404)."""
    try:
        feed = calendar.feed(token_of(path), "all.ics")
    except NotFound:
        return False
    assert feed.body.startswith(b"BEGIN:VCALENDAR")
    return True


@pytest.fixture
def teacher(kit: Kit) -> Member:
    return kit.add_member(TEACHER, "Ana Rivera")


def test_a_removed_members_feed_address_stops_working(kit: Kit, teacher: Member) -> None:
    kit.follow()
    address = kit.calendar.feed_path(teacher)
    assert works(kit.calendar, address)

    kit.membership.remove(kit.admin(), TEACHER, cancel_queued=False)

    assert not works(kit.calendar, address)
    assert kit.chats.feed_seed(TEACHER) is None


def test_each_member_has_their_own_address_kept_across_page_loads(
    kit: Kit, teacher: Member
) -> None:
    other = kit.add_member(OTHER_TEACHER, "Sam Okafor")
    mine = kit.calendar.feed_path(teacher)
    theirs = kit.calendar.feed_path(other)

    assert mine != theirs
    assert kit.calendar.feed_path(teacher) == mine
    assert kit.calendar.feed_path(teacher, "edtechchat.ics") == mine.replace(
        "all.ics", "edtechchat.ics"
    )
    assert len(token_of(mine)) == 43  # 256 bits, URL-safe base64
    assert works(kit.calendar, mine) and works(kit.calendar, theirs)


def test_removing_one_member_leaves_the_others_address_working(kit: Kit, teacher: Member) -> None:
    other = kit.add_member(OTHER_TEACHER, "Sam Okafor")
    theirs = kit.calendar.feed_path(other)
    kit.calendar.feed_path(teacher)

    kit.membership.remove(kit.admin(), TEACHER, cancel_queued=False)

    assert works(kit.calendar, theirs)


def test_renewing_ends_the_old_address_at_once_and_the_new_one_works(
    kit: Kit, teacher: Member
) -> None:
    old = kit.calendar.feed_path(teacher)

    new = kit.calendar.renew_feed(teacher)

    assert new != old
    assert not works(kit.calendar, old)
    assert works(kit.calendar, new)
    assert kit.calendar.feed_path(teacher) == new


def test_a_member_invited_again_gets_a_new_address_not_the_old_one(
    kit: Kit, teacher: Member
) -> None:
    old = kit.calendar.feed_path(teacher)
    kit.membership.remove(kit.admin(), TEACHER, cancel_queued=False)
    again = kit.add_member(TEACHER, "Ana Rivera")

    new = kit.calendar.feed_path(again)

    assert new != old
    assert not works(kit.calendar, old)
    assert works(kit.calendar, new)


@pytest.mark.parametrize(
    "token",
    ["guess", "", "x" * 43, "x" * 10_000, "%00", "../all.ics"],
    ids=["a guess", "empty", "our length", "very long", "a nul", "a path"],
)
def test_a_token_that_is_no_members_is_not_found(kit: Kit, teacher: Member, token: str) -> None:
    kit.calendar.feed_path(teacher)
    with pytest.raises(NotFound, match="No such calendar"):
        kit.calendar.feed(token, "all.ics")


def test_the_table_keeps_the_hash_of_the_token_never_the_token(kit: Kit, teacher: Member) -> None:
    token = token_of(kit.calendar.feed_path(teacher))

    seed = kit.chats.feed_seed(TEACHER)

    assert seed is not None and seed.token_hash == token_hash(token)
    assert token not in (seed.nonce, seed.token_hash)
    assert kit.chats.feed_owner(token_hash(token)) == TEACHER
    assert kit.chats.feed_owner(token) is None  # the token itself finds nobody


def test_a_request_that_loses_the_race_to_make_the_first_address_shows_the_winners(
    kit: Kit, teacher: Member
) -> None:
    winner = kit.email_actions.new_feed_seed(TEACHER)
    real_seed = kit.chats.feed_seed
    reads = []

    def missed_once(email: str) -> FeedSeed | None:
        # The page load read before the other request stored its address.
        reads.append(email)
        if len(reads) == 1:
            assert kit.chats.set_feed_seed(winner, None)
            return None
        return real_seed(email)

    kit.chats.feed_seed = missed_once  # type: ignore[method-assign]
    path = kit.calendar.feed_path(teacher)

    assert token_of(path) == kit.email_actions.feed_token(winner)
    assert works(kit.calendar, path)


def test_two_renewals_at_once_leave_one_working_address_that_both_show(
    kit: Kit, teacher: Member
) -> None:
    first = kit.calendar.feed_path(teacher)
    stale = kit.chats.feed_seed(TEACHER)
    renewed = kit.calendar.renew_feed(teacher)
    late = kit.email_actions.new_feed_seed(TEACHER)

    assert not kit.chats.set_feed_seed(late, stale)  # the other renewal replaced `stale`

    assert kit.calendar.feed_path(teacher) == renewed
    assert not works(kit.calendar, first)
    assert kit.chats.feed_owner(late.token_hash) is None


def test_an_address_made_by_a_page_load_that_raced_the_removal_does_not_work(
    kit: Kit, teacher: Member
) -> None:
    kit.membership.remove(kit.admin(), TEACHER, cancel_queued=False)
    # A page load that passed the membership check just before the removal ended, and stored
    # a first address just after the removal revoked theirs.
    raced = kit.email_actions.new_feed_seed(TEACHER)
    assert kit.chats.set_feed_seed(raced, None)

    with pytest.raises(NotFound):
        kit.calendar.feed(kit.email_actions.feed_token(raced), "all.ics")


def test_a_renewal_that_loses_to_another_shows_the_winners_address(
    kit: Kit, teacher: Member
) -> None:
    first = kit.calendar.feed_path(teacher)
    stale = kit.chats.feed_seed(TEACHER)
    real_seed = kit.chats.feed_seed
    winner = kit.email_actions.new_feed_seed(TEACHER)

    def read_before_the_other_renewal(email: str) -> FeedSeed | None:
        # This renewal read the address; then another request (a second tab) renewed it.
        kit.chats.feed_seed = real_seed  # type: ignore[method-assign]
        assert kit.chats.set_feed_seed(winner, stale)
        return stale

    kit.chats.feed_seed = read_before_the_other_renewal  # type: ignore[method-assign]
    shown = kit.calendar.renew_feed(teacher)

    assert token_of(shown) == kit.email_actions.feed_token(winner)
    assert works(kit.calendar, shown)
    assert not works(kit.calendar, first)
