"""SignInLinkStore: links that work once, before they expire, and how often one is sent."""

import pytest

from chatdeck.ports import SignInLinkStore
from tests.contract.backends import Backend

NOW = 1_793_649_600  # 2026-11-02T20:00:00Z
TEACHER = "rivera@school.example"


@pytest.fixture
def links(backend: Backend) -> SignInLinkStore:
    return backend.signin_links()


def test_a_link_works_once(links: SignInLinkStore) -> None:
    links.add("hash-1", TEACHER, NOW + 900)
    assert links.use("hash-1", NOW) == TEACHER
    assert links.use("hash-1", NOW + 1) is None


def test_a_link_works_until_it_expires(links: SignInLinkStore) -> None:
    links.add("hash-1", TEACHER, NOW + 900)
    links.add("hash-2", TEACHER, NOW + 900)
    assert links.use("hash-1", NOW + 900) is None
    assert links.use("hash-2", NOW + 899) == TEACHER


def test_an_expired_link_stays_unused_and_useless(links: SignInLinkStore) -> None:
    links.add("hash-1", TEACHER, NOW)
    assert links.use("hash-1", NOW + 1) is None
    assert links.use("hash-1", NOW - 1) == TEACHER  # (only a clock gone backwards would see it)


def test_an_unknown_link_works_for_nobody(links: SignInLinkStore) -> None:
    assert links.use("hash-unknown", NOW) is None


def test_each_link_is_its_own(links: SignInLinkStore) -> None:
    links.add("hash-1", TEACHER, NOW + 900)
    links.add("hash-2", "okafor@school.example", NOW + 900)
    assert links.use("hash-2", NOW) == "okafor@school.example"
    assert links.use("hash-1", NOW) == TEACHER


def test_link_requests_are_limited_in_any_window(links: SignInLinkStore) -> None:
    window, limit = 600, 3
    assert all(links.allow_request(TEACHER, NOW + t, window, limit) for t in (0, 10, 20))
    assert not links.allow_request(TEACHER, NOW + 30, window, limit)
    assert not links.allow_request(TEACHER, NOW + 599, window, limit)  # 0 is in the window
    assert links.allow_request(TEACHER, NOW + 600, window, limit)  # 0 is out: 10, 20, 600
    assert not links.allow_request(TEACHER, NOW + 601, window, limit)
    assert links.allow_request(TEACHER, NOW + 610, window, limit)  # 20, 600, 610


def test_refused_requests_do_not_count(links: SignInLinkStore) -> None:
    assert links.allow_request(TEACHER, NOW, 600, 1)
    for t in range(1, 5):
        assert not links.allow_request(TEACHER, NOW + t * 100, 600, 1)
    assert links.allow_request(TEACHER, NOW + 600, 600, 1)


def test_requests_are_counted_per_address(links: SignInLinkStore) -> None:
    assert links.allow_request(TEACHER, NOW, 600, 1)
    assert links.allow_request("okafor@school.example", NOW, 600, 1)
    assert not links.allow_request(TEACHER, NOW + 1, 600, 1)


def test_forgotten_requests_count_no_more(links: SignInLinkStore) -> None:
    assert links.allow_request(TEACHER, NOW, 600, 1)
    assert links.allow_request("okafor@school.example", NOW, 600, 1)

    links.forget_requests(TEACHER)
    links.forget_requests("nobody@school.example")  # nothing to forget: no error

    assert links.allow_request(TEACHER, NOW + 1, 600, 1)
    assert not links.allow_request("okafor@school.example", NOW + 1, 600, 1)
