"""A sign-in link without email (the web function invoked directly, by someone who can deploy):
the same single-use, 15-minute link the sign-in page emails, returned instead of sent."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from chatdeck.domain.errors import InvalidLink
from chatdeck.services.membership import LINK_REQUESTS_ALLOWED
from tests.unit.services.kit import ADMIN, PUBLIC_URL, TEACHER, Kit

STRANGER = "stranger@elsewhere.example"


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


def test_a_member_gets_a_link_to_the_confirm_page_that_signs_in_once(kit: Kit) -> None:
    kit.add_member(TEACHER)
    now = kit.clock.now()

    link = kit.membership.signin_link(" Rivera@School.example", PUBLIC_URL, now)

    assert link is not None
    assert link.startswith("https://chatdeck.example/signin/confirm?token=")
    signed = kit.membership.sign_in(token_of(link), now + timedelta(minutes=14))
    assert signed.member.email == TEACHER
    with pytest.raises(InvalidLink):
        kit.membership.sign_in(token_of(link), now + timedelta(minutes=14))


def test_a_deploy_time_admin_who_never_signed_in_gets_one(kit: Kit) -> None:
    link = kit.membership.signin_link(ADMIN, PUBLIC_URL, kit.clock.now())

    assert link is not None
    assert kit.membership.sign_in(token_of(link), kit.clock.now()).member.is_admin


def test_the_link_lasts_15_minutes(kit: Kit) -> None:
    link = kit.membership.signin_link(ADMIN, PUBLIC_URL, kit.clock.now())
    assert link is not None
    with pytest.raises(InvalidLink):
        kit.membership.sign_in(token_of(link), kit.clock.now() + timedelta(minutes=15, seconds=1))


@pytest.mark.parametrize(
    "address", [STRANGER, "not an address", "a@b", "x" * 250 + "@school.example"]
)
def test_someone_who_is_not_a_member_gets_no_link(kit: Kit, address: str) -> None:
    assert kit.membership.signin_link(address, PUBLIC_URL, kit.clock.now()) is None


def test_no_email_is_recorded_or_sent(kit: Kit) -> None:
    kit.membership.signin_link(ADMIN, PUBLIC_URL, kit.clock.now())

    assert kit.mailer.sent == []
    assert kit.notice_log.notices == {}


def test_an_admin_whose_emailed_links_are_used_up_still_gets_one(kit: Kit) -> None:
    now = kit.clock.now()
    for _ in range(LINK_REQUESTS_ALLOWED + 1):
        kit.membership.request_link(ADMIN, PUBLIC_URL, now)
    assert len(kit.emails_to(ADMIN)) == LINK_REQUESTS_ALLOWED  # the page's limit is reached

    assert kit.membership.signin_link(ADMIN, PUBLIC_URL, now) is not None


def test_links_without_email_do_not_spend_the_emailed_links(kit: Kit) -> None:
    now = kit.clock.now()
    for _ in range(LINK_REQUESTS_ALLOWED + 1):
        assert kit.membership.signin_link(ADMIN, PUBLIC_URL, now) is not None

    kit.membership.request_link(ADMIN, PUBLIC_URL, now)

    assert len(kit.emails_to(ADMIN)) == 1


def test_each_link_is_new(kit: Kit) -> None:
    now = kit.clock.now()
    links = {kit.membership.signin_link(ADMIN, PUBLIC_URL, now) for _ in range(3)}
    assert len(links) == 3
