"""Fetching addresses people type: https and public addresses only, checked at every redirect,
with size and time limits. A stand-in transport answers instead of the network (unit tests open
no sockets); the resolver is a table."""

import io
import time
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from chatdeck.adapters.outbound import Outbound, OutboundError, is_public

PUBLIC = "93.184.215.14"
DNS = {
    "example.org": [PUBLIC],
    "cdn.example.org": ["2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
    "metadata.example": ["169.254.169.254"],
    "intranet.example": ["10.0.0.5"],
    "split.example": [PUBLIC, "192.168.1.10"],
    "localhost": ["127.0.0.1"],
}


def resolver(host: str, port: int) -> list[str]:
    if host in DNS:
        return DNS[host]
    try:  # an IP literal resolves to itself
        is_public(host)
    except ValueError:
        raise OutboundError(f"{host} could not be found.") from None
    return [host]


class Raw(io.BytesIO):
    def __init__(self, body: bytes, delay: float = 0.0) -> None:
        super().__init__(body)
        self.delay = delay

    def read(self, size: int | None = -1) -> bytes:
        time.sleep(self.delay)
        return super().read(min(size or 1024, 1024))


class Pages(BaseAdapter):
    """Answers by URL path and host: {(host, path): (status, headers, body)}."""

    def __init__(self, pages: dict[tuple[str, str], tuple[int, dict[str, str], bytes]]) -> None:
        super().__init__()
        self.pages = pages
        self.seen: list[requests.PreparedRequest] = []
        self.delay = 0.0

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        self.seen.append(request)
        host = str(request.headers["Host"]).split(":")[0]
        path = urlsplit(str(request.url)).path
        status, headers, body = self.pages[(host, path)]
        response = requests.Response()
        response.status_code = status
        response.headers = CaseInsensitiveDict(headers)
        response.raw = Raw(body, self.delay)
        response.url = str(request.url)
        response.request = request
        return response

    def close(self) -> None:
        pass


def outbound(pages: Pages, **options: Any) -> Outbound:
    return Outbound(resolver=resolver, transport=lambda host: pages, **options)


PAGE = (200, {"content-type": "text/html"}, b"<title>Hi</title>")


def test_a_public_https_page_is_read_from_the_address_that_was_checked() -> None:
    pages = Pages({("example.org", "/a"): PAGE})
    fetched = outbound(pages).get("https://example.org/a?x=1")
    assert (fetched.status, fetched.body, fetched.url) == (
        200,
        b"<title>Hi</title>",
        "https://example.org/a?x=1",
    )
    sent = pages.seen[0]
    assert sent.url == f"https://{PUBLIC}/a?x=1"  # connected to the checked IP
    assert sent.headers["Host"] == "example.org"
    assert "Cookie" not in sent.headers and "Authorization" not in sent.headers


def test_an_ipv6_address_is_bracketed_and_a_port_kept() -> None:
    pages = Pages({("cdn.example.org", "/i.png"): PAGE})
    outbound(pages).get("https://cdn.example.org:8443/i.png")
    assert pages.seen[0].url == "https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]:8443/i.png"
    assert pages.seen[0].headers["Host"] == "cdn.example.org:8443"


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://example.org/", "Only https"),
        ("ftp://example.org/", "Only https"),
        ("file:///etc/passwd", "Only https"),
        ("https://metadata.example/latest/meta-data", "not a public address"),
        ("https://169.254.169.254/latest/meta-data", "not a public address"),
        ("https://intranet.example/", "not a public address"),
        ("https://split.example/", "not a public address"),
        ("https://localhost/", "not a public address"),
        ("https://127.0.0.1/", "not a public address"),
        ("https://[::1]/", "not a public address"),
        ("https://[::ffff:127.0.0.1]/", "not a public address"),
        ("https://[fe80::1]/", "not a public address"),
        ("https://100.64.0.1/", "not a public address"),
        ("https://224.0.0.1/", "not a public address"),
        ("https://0.0.0.0/", "not a public address"),
        ("https://240.0.0.1/", "not a public address"),
        ("https://nowhere.invalid/", "could not be found"),
        ("https://ann:secret@example.org/", "user name or password"),
    ],
)
def test_addresses_that_are_not_public_https_are_refused_before_any_request(
    url: str, why: str
) -> None:
    pages = Pages({})
    with pytest.raises(OutboundError, match=why):
        outbound(pages).get(url)
    assert pages.seen == []


def test_plain_http_to_loopback_only_when_the_local_stack_allows_it() -> None:
    pages = Pages({("localhost", "/sandbox/pages/card"): PAGE})
    with pytest.raises(OutboundError):
        outbound(pages).get("http://localhost:8701/sandbox/pages/card")
    fetched = outbound(pages, allow_loopback_http=True).get(
        "http://localhost:8701/sandbox/pages/card"
    )
    assert fetched.status == 200
    assert pages.seen[0].url == "http://127.0.0.1:8701/sandbox/pages/card"
    with pytest.raises(OutboundError, match="Only https"):  # the flag opens loopback only
        outbound(pages, allow_loopback_http=True).get("http://example.org/")
    with pytest.raises(OutboundError, match="not a public"):
        outbound(pages, allow_loopback_http=True).get("https://intranet.example/")


def test_every_redirect_is_checked_again() -> None:
    pages = Pages(
        {
            ("example.org", "/go"): (302, {"location": "https://metadata.example/secret"}, b""),
        }
    )
    with pytest.raises(OutboundError, match="not a public address"):
        outbound(pages).get("https://example.org/go")
    assert len(pages.seen) == 1


def test_a_redirect_to_plain_http_is_refused() -> None:
    pages = Pages({("example.org", "/go"): (301, {"location": "http://example.org/"}, b"")})
    with pytest.raises(OutboundError, match="Only https"):
        outbound(pages).get("https://example.org/go")


def test_at_most_three_redirects_are_followed() -> None:
    chain = {("example.org", f"/{n}"): (302, {"location": f"/{n + 1}"}, b"") for n in range(4)}
    pages = Pages({**chain, ("example.org", "/3"): PAGE})
    assert outbound(pages).get("https://example.org/0").url == "https://example.org/3"
    pages = Pages({**chain, ("example.org", "/4"): PAGE})
    with pytest.raises(OutboundError, match="more than 3 times"):
        outbound(pages).get("https://example.org/0")
    assert len(pages.seen) == 4


def test_a_page_over_the_size_limit_is_not_read() -> None:
    big = b"x" * 2_000
    declared = Pages({("example.org", "/big"): (200, {"content-length": "2000"}, big)})
    with pytest.raises(OutboundError, match="larger than 1000 bytes"):
        outbound(declared).get("https://example.org/big", max_bytes=1000)
    undeclared = Pages({("example.org", "/big"): (200, {}, big)})
    with pytest.raises(OutboundError, match="larger than 1000 bytes"):
        outbound(undeclared).get("https://example.org/big", max_bytes=1000)
    exact = Pages({("example.org", "/big"): (200, {}, big[:1000])})
    assert len(outbound(exact).get("https://example.org/big", max_bytes=1000).body) == 1000


def test_a_page_that_trickles_in_is_given_up_on_after_the_time_limit() -> None:
    pages = Pages({("example.org", "/slow"): (200, {}, b"x" * 20_000)})
    pages.delay = 0.05  # 1 KB every 50 ms: 20 KB would take a second
    started = time.monotonic()
    with pytest.raises(OutboundError, match="took too long"):
        outbound(pages, timeout=0.2).get("https://example.org/slow")
    assert time.monotonic() - started < 0.6
