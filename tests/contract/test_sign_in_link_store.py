"""SignInLinkStore: links that work once, before they expire, only the newest of an address's;
how often one is asked for, in each allowance, and how many are emailed a day."""

from concurrent.futures import ThreadPoolExecutor

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


# ----- only the newest link works ----------------------------------------------------------------


def test_a_newer_link_makes_the_earlier_ones_useless(links: SignInLinkStore) -> None:
    links.add("hash-1", TEACHER, NOW + 900)
    links.add("hash-2", TEACHER, NOW + 900)
    links.add("hash-other", "okafor@school.example", NOW + 900)  # another address's: no effect

    assert links.peek("hash-1", NOW) is None
    assert links.use("hash-1", NOW) is None
    assert links.use("hash-2", NOW) == TEACHER
    assert links.use("hash-other", NOW) == "okafor@school.example"


def test_a_peek_names_the_address_and_leaves_the_link_usable(links: SignInLinkStore) -> None:
    links.add("hash-1", TEACHER, NOW + 900)

    assert links.peek("hash-1", NOW) == TEACHER
    assert links.peek("hash-1", NOW) == TEACHER
    assert links.use("hash-1", NOW) == TEACHER
    assert links.peek("hash-1", NOW) is None  # used
    assert links.peek("hash-unknown", NOW) is None
    links.add("hash-2", TEACHER, NOW + 900)
    assert links.peek("hash-2", NOW + 900) is None  # expired


def test_a_forgotten_address_has_no_working_link(links: SignInLinkStore) -> None:
    links.add("hash-1", TEACHER, NOW + 900)
    links.forget_requests(TEACHER)
    assert links.use("hash-1", NOW) is None


# ----- allowances and the day's emails ----------------------------------------------------------


def test_each_allowance_of_an_address_is_counted_apart(links: SignInLinkStore) -> None:
    assert links.allow_request(TEACHER, NOW, 600, 1)
    assert not links.allow_request(TEACHER, NOW + 1, 600, 1)
    assert links.allow_request(TEACHER, NOW + 1, 600, 1, "known")
    assert not links.allow_request(TEACHER, NOW + 2, 600, 1, "known")

    links.forget_requests(TEACHER)
    assert links.allow_request(TEACHER, NOW + 3, 600, 1, "known")


DAY, NEXT_DAY, TTL = "2026-11-02", "2026-11-03", NOW + 2 * 86_400


def test_emails_stop_at_the_days_limit_whoever_asks(links: SignInLinkStore) -> None:
    assert [links.allow_email(TEACHER, DAY, "anyone", 4, 3, TTL) for _ in range(4)] == [
        True,
        True,
        True,
        False,  # the allowance's share is used up
    ]
    assert links.allow_email(TEACHER, DAY, "known", 4, 4, TTL)  # the rest of the day's
    assert not links.allow_email(TEACHER, DAY, "known", 4, 4, TTL)  # the day's limit
    assert links.allow_email("okafor@school.example", DAY, "anyone", 4, 3, TTL)  # per address


def test_a_new_day_counts_from_nothing(links: SignInLinkStore) -> None:
    for _ in range(2):
        assert links.allow_email(TEACHER, DAY, "anyone", 2, 2, TTL)
    assert not links.allow_email(TEACHER, DAY, "known", 2, 2, TTL)

    assert links.allow_email(TEACHER, NEXT_DAY, "known", 2, 2, TTL)
    assert links.allow_email(TEACHER, NEXT_DAY, "anyone", 2, 2, TTL)
    assert not links.allow_email(TEACHER, NEXT_DAY, "anyone", 2, 2, TTL)


def test_the_days_count_is_never_passed_by_concurrent_requests(links: SignInLinkStore) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(
            pool.map(lambda _: links.allow_email(TEACHER, DAY, "anyone", 5, 5, TTL), range(16))
        )
    assert answers.count(True) == 5


def test_a_forgotten_address_counts_its_day_from_nothing(links: SignInLinkStore) -> None:
    assert links.allow_email(TEACHER, DAY, "anyone", 1, 1, TTL)
    links.forget_requests(TEACHER)
    assert links.allow_email(TEACHER, DAY, "anyone", 1, 1, TTL)
