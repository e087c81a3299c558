"""Signing in, as an attacker would try it (issue 10's findings), on the fakes.

A stranger asking for links for a member's address can neither lock the member out (a browser
that signed in before has its own allowance) nor make Chatdeck email the address more than 10
times a day; only the newest link works; a link opened in a browser signed in as another member
refuses, changing nothing, and the confirm page names the account it signs in to.
"""

import base64
import re
from datetime import timedelta

import pytest

from chatdeck.domain.errors import InvalidLink, SignedInAsOther
from chatdeck.services.membership import (
    EMAILS_PER_DAY,
    EMAILS_PER_DAY_FROM_ANYONE,
    LINK_REQUESTS_ALLOWED,
    SignedIn,
)
from tests.unit.services.kit import OTHER_TEACHER, PUBLIC_URL, TEACHER, Kit

TOKEN = re.compile(r"/signin/confirm\?token=([A-Za-z0-9_-]+)")


def newest_token(kit: Kit, address: str) -> str:
    *_, mail = kit.emails_to(address)
    found = TOKEN.search(mail.text)
    assert found, mail.text
    return found.group(1)


def signs_in(kit: Kit, address: str, known_browser: str = "") -> SignedIn:
    kit.membership.request_link(address, PUBLIC_URL, kit.clock.now(), known_browser)
    return kit.membership.sign_in(newest_token(kit, address), kit.clock.now())


# ----- a stranger cannot lock a member out, nor flood their inbox --------------------------------


def test_a_browser_that_signed_in_before_gets_a_link_while_a_stranger_floods_the_address(
    kit: Kit,
) -> None:
    kit.add_member(TEACHER)
    browser = signs_in(kit, TEACHER).known_browser
    kit.clock.advance(hours=1)
    for _ in range(LINK_REQUESTS_ALLOWED + 3):  # a stranger, who has no such cookie
        kit.membership.request_link(TEACHER, PUBLIC_URL, kit.clock.now())
    flooded = len(kit.emails_to(TEACHER))

    kit.membership.request_link(TEACHER, PUBLIC_URL, kit.clock.now(), known_browser=browser)

    assert len(kit.emails_to(TEACHER)) == flooded + 1
    assert kit.membership.sign_in(newest_token(kit, TEACHER), kit.clock.now()).member.email == (
        TEACHER
    )


def test_the_known_browser_token_names_the_member_by_a_keyed_hash_not_the_address(
    kit: Kit,
) -> None:
    kit.add_member(TEACHER)
    browser = signs_in(kit, TEACHER).known_browser

    payload = browser.split(".")[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    assert "rivera" not in decoded.lower() and "school" not in decoded.lower()


@pytest.mark.parametrize(
    "forged",
    ["", "not-a-token", "eyJwIjoia25vd24tYnJvd3NlciJ9.AAAA", "x" * 5000],
)
def test_a_forged_or_another_members_known_browser_token_is_counted_as_anyones(
    kit: Kit, forged: str
) -> None:
    kit.add_member(TEACHER)
    kit.add_member(OTHER_TEACHER)
    others = signs_in(kit, OTHER_TEACHER).known_browser
    for token in (forged, others):
        for _ in range(LINK_REQUESTS_ALLOWED + 1):
            kit.membership.request_link(TEACHER, PUBLIC_URL, kit.clock.now(), token)
    assert len(kit.emails_to(TEACHER)) == LINK_REQUESTS_ALLOWED


def test_no_address_gets_more_than_10_emails_a_day_whoever_asks(kit: Kit) -> None:
    kit.add_member(TEACHER)
    browser = signs_in(kit, TEACHER).known_browser
    start = kit.clock.now()
    for minute in range(0, 24 * 60, 5):  # a stranger, every 5 minutes for a day
        kit.clock.set(start + timedelta(minutes=minute))
        if kit.clock.now().date() != start.date():
            break
        kit.membership.request_link(TEACHER, PUBLIC_URL, kit.clock.now())
        kit.membership.request_link(TEACHER, PUBLIC_URL, kit.clock.now(), known_browser=browser)
    assert len(kit.emails_to(TEACHER)) == EMAILS_PER_DAY


def test_a_stranger_alone_causes_at_most_6_a_day_leaving_the_members_own(kit: Kit) -> None:
    kit.add_member(TEACHER)
    browser = signs_in(kit, TEACHER).known_browser  # one email, from the member's own request
    start = kit.clock.now()
    for minute in range(0, 11 * 60, 5):  # a stranger, all the rest of the (UTC) day
        kit.clock.set(start + timedelta(minutes=minute))
        kit.membership.request_link(TEACHER, PUBLIC_URL, kit.clock.now())
    assert len(kit.emails_to(TEACHER)) == EMAILS_PER_DAY_FROM_ANYONE

    kit.membership.request_link(TEACHER, PUBLIC_URL, kit.clock.now(), known_browser=browser)
    assert len(kit.emails_to(TEACHER)) == EMAILS_PER_DAY_FROM_ANYONE + 1


def test_past_the_days_limit_nothing_is_said_and_a_new_day_sends_again(kit: Kit) -> None:
    kit.add_member(TEACHER)
    start = kit.clock.now()
    for hour in range(EMAILS_PER_DAY_FROM_ANYONE + 2):
        kit.clock.set(start + timedelta(minutes=hour * 11))
        kit.membership.request_link(TEACHER, PUBLIC_URL, kit.clock.now())  # the same answer
    assert len(kit.emails_to(TEACHER)) == EMAILS_PER_DAY_FROM_ANYONE

    kit.clock.set(start + timedelta(days=1))
    kit.membership.request_link(TEACHER, PUBLIC_URL, kit.clock.now())
    assert len(kit.emails_to(TEACHER)) == EMAILS_PER_DAY_FROM_ANYONE + 1


# ----- only the newest link works ---------------------------------------------------------------


def test_a_new_link_makes_the_earlier_unused_one_useless(kit: Kit) -> None:
    kit.add_member(TEACHER)
    kit.membership.request_link(TEACHER, PUBLIC_URL, kit.clock.now())
    first = newest_token(kit, TEACHER)
    kit.membership.request_link(TEACHER, PUBLIC_URL, kit.clock.now())
    second = newest_token(kit, TEACHER)

    assert kit.membership.link_account(first, kit.clock.now()) is None
    with pytest.raises(InvalidLink):
        kit.membership.sign_in(first, kit.clock.now())
    assert kit.membership.sign_in(second, kit.clock.now()).member.email == TEACHER


# ----- the confirm page names the account; no swapping a signed-in member ------------------------


def test_a_link_names_its_account_and_stays_usable(kit: Kit) -> None:
    kit.add_member(TEACHER)
    kit.membership.request_link(TEACHER, PUBLIC_URL, kit.clock.now())
    token = newest_token(kit, TEACHER)

    assert kit.membership.link_account(token, kit.clock.now()) == TEACHER
    assert kit.membership.link_account(token, kit.clock.now()) == TEACHER
    assert kit.membership.link_account("", kit.clock.now()) is None
    assert kit.membership.sign_in(token, kit.clock.now()).member.email == TEACHER


def test_a_link_for_another_member_refuses_and_changes_nothing(kit: Kit) -> None:
    victim = kit.add_member(TEACHER)
    kit.add_member(OTHER_TEACHER)  # the sender of their own link
    kit.membership.request_link(OTHER_TEACHER, PUBLIC_URL, kit.clock.now())
    token = newest_token(kit, OTHER_TEACHER)

    with pytest.raises(SignedInAsOther) as refused:
        kit.membership.sign_in(token, kit.clock.now(), signed_in_as=victim)

    assert (refused.value.signed_in, refused.value.link_for) == (TEACHER, OTHER_TEACHER)
    assert OTHER_TEACHER in refused.value.message and TEACHER in refused.value.message
    assert kit.membership.link_account(token, kit.clock.now()) == OTHER_TEACHER  # still usable
    assert kit.membership.sign_in(token, kit.clock.now()).member.email == OTHER_TEACHER


def test_a_link_for_the_signed_in_member_signs_in_again(kit: Kit) -> None:
    member = kit.add_member(TEACHER)
    kit.membership.request_link(TEACHER, PUBLIC_URL, kit.clock.now())
    signed = kit.membership.sign_in(newest_token(kit, TEACHER), kit.clock.now(), member)
    assert signed.member.email == TEACHER
