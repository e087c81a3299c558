"""Shortened links: which links are asked, how the outbound fetcher follows a shortener's
redirects without reading a body, the bounds and the cache (the digest grouping links by where
they lead: tests/unit/services/test_digest_links.py). The stand-in transport of test_outbound
answers instead of the network."""

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from chatdeck.adapters.link_expansion import (
    EXPANDED_TTL,
    FAILED_TTL,
    UNCHANGED_TTL,
    ShortLinkExpander,
)
from chatdeck.domain.short_links import (
    expansion_order,
    is_short_link,
    over_https,
    with_expanded_links,
)
from tests.unit.services.kit import a_tweet
from tests.unit.test_outbound import DNS, Pages, outbound

NOW = datetime(2026, 11, 3, 3, 0, tzinfo=UTC)
ARTICLE = "https://example.org/2026/feedback-that-lands"


class FakeCache:
    def __init__(self) -> None:
        self.items: dict[str, tuple[str | None, datetime]] = {}
        self.reads = 0

    def known(self, urls: list[str], now: datetime) -> dict[str, str | None]:
        self.reads += 1
        return {u: self.items[u][0] for u in urls if u in self.items and self.items[u][1] > now}

    def keep(self, url: str, leads_to: str | None, now: datetime, ttl: timedelta) -> None:
        self.items[url] = (leads_to, now + ttl)


def redirect(to: str, status: int = 301) -> tuple[int, dict[str, str], bytes]:
    return status, {"location": to}, b"moved" * 1000


@pytest.fixture(autouse=True)
def shortener_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    for host in ("bit.ly", "t.co", "buff.ly", "nyti.ms"):
        monkeypatch.setitem(DNS, host, ["93.184.215.15"])


def expander(pages: Pages, cache: FakeCache | None = None, **options: Any) -> ShortLinkExpander:
    return ShortLinkExpander(
        outbound(pages, timeout=2.0, max_redirects=5),
        cache or FakeCache(),  # type: ignore[arg-type]
        lambda: NOW,
        **options,
    )


# ----- which links ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://bit.ly/3xYz12",
        "http://t.co/AbCdEf",
        "https://buff.ly/4kq",
        "https://www.tinyurl.com/yc7b2d4",
        "https://nyti.ms/3Qz9",  # a brand's own shortener: short host, one short segment
        "https://edut.to/abc123",
    ],
)
def test_short_links_are_recognised(url: str) -> None:
    assert is_short_link(url)


@pytest.mark.parametrize(
    "url",
    [
        ARTICLE,
        "https://example.org/feedback",  # short, but a site's page: not a code, .org
        "https://bbc.co/news",  # a word, not a code
        "https://x.com/ana/status/1851000000000000001",
        "https://edut.to/abc123?ref=x",
        "mailto:someone@bit.ly",
        "https://[::1",
    ],
)
def test_other_links_are_never_asked(url: str) -> None:
    assert not is_short_link(url)


@pytest.mark.parametrize(
    ("url", "asked"),
    [
        ("http://bit.ly/3xYz12", "https://bit.ly/3xYz12"),
        ("HTTP://T.CO/AbCdEf", "https://T.CO/AbCdEf"),
        ("http://bit.ly:80/3xYz12?s=1", "https://bit.ly/3xYz12?s=1"),
        ("http://nyti.ms/3Qz9", "https://nyti.ms/3Qz9"),  # looks shortened
        ("https://bit.ly/3xYz12", "https://bit.ly/3xYz12"),
        (
            "http://example.org/2026/feedback-that-lands",
            "http://example.org/2026/feedback-that-lands",
        ),
        ("http://localhost:8080/s/abc", "http://localhost:8080/s/abc"),
    ],
)
def test_a_short_link_on_http_is_asked_over_https_and_nothing_else_is(url: str, asked: str) -> None:
    assert over_https(url) == asked


def test_the_most_shared_short_links_are_asked_first_each_once() -> None:
    posts = [
        a_tweet(1, "see", links=("https://bit.ly/one", ARTICLE)),
        a_tweet(2, "see", links=("https://bit.ly/two", "https://bit.ly/two")),
        a_tweet(3, "see", links=("https://bit.ly/two",)),
    ]
    assert expansion_order(posts) == ["https://bit.ly/two", "https://bit.ly/one"]
    expanded = with_expanded_links(posts, {"https://bit.ly/one": ARTICLE})
    assert expanded[0].links == (ARTICLE, ARTICLE) and expanded[2] is posts[2]


# ----- asking the shortener ---------------------------------------------------------------------


def test_a_chain_of_shorteners_is_followed_to_the_site_which_is_not_fetched() -> None:
    pages = Pages(
        {
            ("t.co", "/AbCdEf"): redirect("https://bit.ly/3xYz12"),
            ("bit.ly", "/3xYz12"): redirect(ARTICLE, 302),
        }
    )
    assert expander(pages).expand(["https://t.co/AbCdEf"]) == {"https://t.co/AbCdEf": ARTICLE}
    assert [(r.method, r.headers["Host"]) for r in pages.seen] == [
        ("HEAD", "t.co"),
        ("HEAD", "bit.ly"),
    ]


def test_a_shortener_redirecting_to_an_http_shortener_is_followed_over_https() -> None:
    pages = Pages(
        {
            ("t.co", "/AbCdEf"): redirect("http://bit.ly/3xYz12"),
            ("bit.ly", "/3xYz12"): redirect(ARTICLE, 302),
        }
    )
    cache = FakeCache()
    assert expander(pages, cache).expand(["https://t.co/AbCdEf"]) == {
        "https://t.co/AbCdEf": ARTICLE
    }
    assert [(r.method, r.headers["Host"], str(r.url).split(":")[0]) for r in pages.seen] == [
        ("HEAD", "t.co", "https"),
        ("HEAD", "bit.ly", "https"),
    ]
    assert cache.items["https://t.co/AbCdEf"] == (ARTICLE, NOW + EXPANDED_TTL)


def test_a_short_link_posted_on_http_is_asked_over_https_and_keyed_as_posted() -> None:
    pages = Pages({("t.co", "/AbCdEf"): redirect("http://example.org/2026/page")})
    cache = FakeCache()
    expanded = expander(pages, cache).expand(["http://t.co/AbCdEf"])
    # the site on http is where it leads: named, never fetched
    assert expanded == {"http://t.co/AbCdEf": "http://example.org/2026/page"}
    assert [str(r.url).split(":")[0] for r in pages.seen] == ["https"]


def test_an_http_short_link_that_does_not_redirect_stays_as_posted() -> None:
    pages = Pages({("nyti.ms", "/3Qz9"): (200, {}, b"a page")})
    cache = FakeCache()
    assert expander(pages, cache).expand(["http://nyti.ms/3Qz9"]) == {}
    assert cache.items["http://nyti.ms/3Qz9"] == (None, NOW + UNCHANGED_TTL)


def test_a_chain_ending_on_a_shortener_that_answers_leads_there() -> None:
    pages = Pages(
        {
            ("t.co", "/AbCdEf"): redirect("http://bit.ly/3xYz12"),
            ("bit.ly", "/3xYz12"): (200, {}, b"a preview page"),
        }
    )
    expanded = expander(pages).expand(["https://t.co/AbCdEf"])
    assert expanded == {"https://t.co/AbCdEf": "https://bit.ly/3xYz12"}


def test_shorteners_redirecting_in_a_circle_are_given_up_after_max_redirects() -> None:
    pages = Pages(
        {
            ("t.co", "/AbCdEf"): redirect("http://bit.ly/3xYz12"),
            ("bit.ly", "/3xYz12"): redirect("http://t.co/AbCdEf"),
        }
    )
    cache = FakeCache()
    assert expander(pages, cache).expand(["https://t.co/AbCdEf"]) == {}
    assert cache.items["https://t.co/AbCdEf"] == (None, NOW + FAILED_TTL)
    assert len(pages.seen) == 6  # max_redirects (5) redirects followed, then given up


def test_no_hop_starts_once_the_fetchers_time_is_spent() -> None:
    class Slow(Pages):
        def send(  # type: ignore[override]
            self, request: requests.PreparedRequest, **kwargs: Any
        ) -> requests.Response:
            time.sleep(0.3)
            return super().send(request, **kwargs)

    pages = Slow({("bit.ly", f"/hop{n}"): redirect(f"http://bit.ly/hop{n + 1}") for n in range(6)})
    links = ShortLinkExpander(
        outbound(pages, timeout=0.5, max_redirects=5),
        FakeCache(),  # type: ignore[arg-type]
        lambda: NOW,
    )
    started = time.monotonic()
    assert links.expand(["https://bit.ly/hop0"]) == {}
    assert len(pages.seen) == 2 and time.monotonic() - started < 1.0


def test_a_shortener_refusing_head_is_asked_with_a_get_whose_body_is_not_read() -> None:
    class HeadRefused(Pages):
        def send(  # type: ignore[override]
            self, request: requests.PreparedRequest, **kwargs: Any
        ) -> requests.Response:
            response = super().send(request, **kwargs)
            if request.method == "HEAD":
                response.status_code = 405
                response.headers.clear()
            return response

    pages = HeadRefused({("bit.ly", "/abc"): redirect(ARTICLE)})
    assert expander(pages).expand(["https://bit.ly/abc"]) == {"https://bit.ly/abc": ARTICLE}
    assert [r.method for r in pages.seen] == ["HEAD", "GET"]


def test_a_redirect_to_a_private_address_keeps_the_short_link_and_is_remembered() -> None:
    pages = Pages(
        {
            ("bit.ly", "/in"): redirect("https://t.co/metadata"),
            ("t.co", "/metadata"): redirect("https://bit.ly/next"),
        }
    )
    DNS["t.co"] = ["169.254.169.254"]
    cache = FakeCache()
    assert expander(pages, cache).expand(["https://bit.ly/in"]) == {}
    assert cache.items["https://bit.ly/in"] == (None, NOW + FAILED_TTL)
    assert ("t.co", "/metadata") not in {(r.headers["Host"], r.path_url) for r in pages.seen}


def test_a_link_that_does_not_redirect_stays_and_is_remembered_for_a_week() -> None:
    pages = Pages({("nyti.ms", "/3Qz9"): (200, {}, b"a page")})
    cache = FakeCache()
    assert expander(pages, cache).expand(["https://nyti.ms/3Qz9"]) == {}
    assert cache.items["https://nyti.ms/3Qz9"] == (None, NOW + UNCHANGED_TTL)


def test_each_link_is_asked_once_then_read_from_the_cache() -> None:
    pages = Pages({("bit.ly", "/abc"): redirect(ARTICLE)})
    cache = FakeCache()
    first = expander(pages, cache).expand(["https://bit.ly/abc"])
    again = expander(pages, cache).expand(["https://bit.ly/abc"])
    assert first == again == {"https://bit.ly/abc": ARTICLE}
    assert len(pages.seen) == 1
    assert cache.items["https://bit.ly/abc"] == (ARTICLE, NOW + EXPANDED_TTL)


def test_reading_only_asks_no_shortener() -> None:
    pages = Pages({("bit.ly", "/abc"): redirect(ARTICLE)})
    cache = FakeCache()
    cache.keep("https://bit.ly/known", ARTICLE, NOW, EXPANDED_TTL)
    reading = expander(pages, cache, resolve=False)
    assert reading.expand(["https://bit.ly/abc", "https://bit.ly/known"]) == {
        "https://bit.ly/known": ARTICLE
    }
    assert pages.seen == []


def test_at_most_max_links_are_asked() -> None:
    pages = Pages({("bit.ly", f"/l{n}"): redirect(f"{ARTICLE}/{n}") for n in range(10)})
    urls = [f"https://bit.ly/l{n}" for n in range(10)]
    expanded = expander(pages, max_links=3).expand(urls)
    assert sorted(expanded) == urls[:3] and len(pages.seen) == 3


def test_slow_shorteners_are_given_up_within_the_total_time() -> None:
    release = threading.Event()

    class Slow(Pages):
        def send(  # type: ignore[override]
            self, request: requests.PreparedRequest, **kwargs: Any
        ) -> requests.Response:
            if "slow" in request.path_url:
                release.wait(5)
            return super().send(request, **kwargs)

    pages = Slow(
        {("bit.ly", "/fast"): redirect(ARTICLE), ("bit.ly", "/slow1"): redirect(ARTICLE)}
        | {("bit.ly", f"/slow{n}"): redirect(ARTICLE) for n in range(2, 6)}
    )
    cache = FakeCache()
    started = time.monotonic()
    urls = ["https://bit.ly/fast", *(f"https://bit.ly/slow{n}" for n in range(1, 6))]
    expanded = expander(pages, cache, total_seconds=0.3, workers=2).expand(urls)
    took = time.monotonic() - started
    release.set()
    assert expanded == {"https://bit.ly/fast": ARTICLE}
    assert took < 1.0
    assert set(cache.items) == {"https://bit.ly/fast"}  # the others are asked another time
