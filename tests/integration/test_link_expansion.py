"""Expanding shortened links with the real outbound fetcher against a local redirecting server
(loopback http, as the local stack allows) and the real cache on moto server's StateTable: the
site a shortener points at is never fetched, HEAD or an unread GET, redirects checked, failures
and the time limit keep the link as posted, and each link is asked once; a redirect to a
shortener on http asked over https (a local TLS server standing in for bit.ly)."""

import contextlib
import ssl
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import boto3
import pytest

from chatdeck.adapters.link_expansion import (
    EXPANDED_TTL,
    FAILED_TTL,
    CachedLinks,
    ShortLinkExpander,
    cache_key,
)
from chatdeck.adapters.outbound import Outbound, resolve
from tests.integration.deployment import Deployment
from tests.integration.test_outbound_fetch import certificate

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 3, 3, 0, tzinfo=UTC)


class Shortener(BaseHTTPRequestHandler):
    """/s/<code>: 301 to /article; /head-refused: 405 to HEAD, 302 with a large body to GET;
    /chain: 302 to /s/abc; /private: 302 to a private address; /slow: answers after 3 s;
    /to-http-bitly/<port>: 301 to http://bit.ly:<port>/abc (the TLS stand-in's port)."""

    seen: ClassVar[list[tuple[str, str]]] = []
    BIG = b"x" * 5_000_000

    def answer(self, method: str) -> None:
        Shortener.seen.append((method, self.path))
        port = int(self.server.server_address[1])  # type: ignore[index]
        base = f"http://127.0.0.1:{port}"
        if self.path.startswith("/s/"):
            self.redirect(301, f"{base}/article")
        elif self.path == "/head-refused":
            if method == "HEAD":
                self.send_response(405)
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self.redirect(302, f"{base}/article", self.BIG)
        elif self.path == "/chain":
            self.redirect(302, f"http://localhost:{port}/s/abc")
        elif self.path == "/private":
            self.redirect(302, "http://10.1.2.3/s/abc")
        elif self.path.startswith("/to-http-bitly/"):
            self.redirect(301, f"http://bit.ly:{self.path.rsplit('/', 1)[1]}/abc")
        elif self.path == "/slow":
            time.sleep(3)
            self.redirect(301, f"{base}/article")
        else:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            if method == "GET":
                self.wfile.write(b"ok")

    def redirect(self, status: int, to: str, body: bytes = b"") -> None:
        self.send_response(status)
        self.send_header("Location", to)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):  # the client closed without reading the body
            self.wfile.write(body)

    def do_HEAD(self) -> None:
        self.answer("HEAD")

    def do_GET(self) -> None:
        self.answer("GET")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def shortener() -> Iterator[str]:
    Shortener.seen.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Shortener)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def cache(deployment: Deployment) -> CachedLinks:
    return CachedLinks(deployment.services._state_table)


def expander(cache: CachedLinks, **options: object) -> ShortLinkExpander:
    outbound = Outbound(allow_loopback_http=True, timeout=2.0, max_redirects=5)
    return ShortLinkExpander(outbound, cache, lambda: NOW, **options)  # type: ignore[arg-type]


def stored(deployment: Deployment, url: str) -> dict[str, object]:
    table = boto3.resource("dynamodb").Table(deployment.services.settings.state_table)
    item: dict[str, object] = table.get_item(Key=cache_key(url), ConsistentRead=True)["Item"]
    return item


def test_a_short_link_is_expanded_once_and_the_site_itself_never_fetched(
    shortener: str, cache: CachedLinks, deployment: Deployment
) -> None:
    short = f"{shortener}/s/3xYz12"
    port = shortener.rsplit(":", 1)[1]
    article = f"http://127.0.0.1:{port}/article"

    assert expander(cache).expand([short]) == {short: article}
    assert expander(cache).expand([short]) == {short: article}  # from the cache
    assert Shortener.seen == [("HEAD", "/s/3xYz12")]
    item = stored(deployment, short)
    assert item["leads_to"] == article
    assert item["expires_at"] == int((NOW + EXPANDED_TTL).timestamp())


def test_a_shortener_refusing_head_is_asked_with_a_get_left_unread(
    shortener: str, cache: CachedLinks
) -> None:
    short = f"{shortener}/head-refused"
    started = time.monotonic()
    expanded = expander(cache).expand([short])
    assert expanded == {short: f"http://127.0.0.1:{shortener.rsplit(':', 1)[1]}/article"}
    assert Shortener.seen == [("HEAD", "/head-refused"), ("GET", "/head-refused")]
    assert time.monotonic() - started < 1.5


def test_a_chain_of_shorteners_is_followed_while_the_caller_says_so(
    shortener: str, cache: CachedLinks
) -> None:
    short = f"{shortener}/chain"
    expanded = expander(cache, follow=lambda url: "/s/" in url).expand([short])
    assert expanded == {short: f"http://127.0.0.1:{shortener.rsplit(':', 1)[1]}/article"}
    assert [path for _, path in Shortener.seen] == ["/chain", "/s/abc"]


def test_a_redirect_to_a_private_address_keeps_the_link_and_is_remembered_as_failed(
    shortener: str, cache: CachedLinks, deployment: Deployment
) -> None:
    short = f"{shortener}/private"
    assert expander(cache, follow=lambda url: True).expand([short]) == {}
    item = stored(deployment, short)
    assert "leads_to" not in item
    assert item["expires_at"] == int((NOW + FAILED_TTL).timestamp())


def test_without_the_local_stacks_switch_loopback_is_refused(
    shortener: str, cache: CachedLinks
) -> None:
    links = ShortLinkExpander(Outbound(timeout=2.0), cache, lambda: NOW)
    assert links.expand([f"{shortener}/s/abc"]) == {}
    assert Shortener.seen == []


def test_a_slow_shortener_is_given_up_at_the_total_time_and_asked_another_time(
    shortener: str, cache: CachedLinks, deployment: Deployment
) -> None:
    fast, slow = f"{shortener}/s/fast", f"{shortener}/slow"
    started = time.monotonic()
    expanded = expander(cache, total_seconds=0.7).expand([slow, fast])
    assert time.monotonic() - started < 1.5
    assert list(expanded) == [fast]
    table = boto3.resource("dynamodb").Table(deployment.services.settings.state_table)
    assert "Item" not in table.get_item(Key=cache_key(slow), ConsistentRead=True)


class SecureShortener(Shortener):
    """bit.ly over TLS: /abc 301 to the article, which is never fetched."""

    def answer(self, method: str) -> None:
        Shortener.seen.append((f"https {method}", self.path))
        self.redirect(301, "https://example.org/2026/feedback-that-lands")


@pytest.fixture
def secure_bitly(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """A local TLS server with a certificate for bit.ly: its port and the certificate."""
    cert, key = certificate(tmp_path, "bit.ly")
    server = ThreadingHTTPServer(("127.0.0.1", 0), SecureShortener)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port, cert
    finally:
        server.shutdown()
        server.server_close()


def test_a_redirect_to_a_shortener_on_http_is_followed_over_https(
    shortener: str, secure_bitly: tuple[int, Path], cache: CachedLinks, deployment: Deployment
) -> None:
    port, cert = secure_bitly
    short = f"{shortener}/to-http-bitly/{port}"

    def resolver(host: str, port: int) -> list[str]:
        return ["127.0.0.1"] if host == "bit.ly" else resolve(host, port)

    outbound = Outbound(
        allow_loopback_http=True, timeout=2.0, max_redirects=5, resolver=resolver, verify=str(cert)
    )
    links = ShortLinkExpander(outbound, cache, lambda: NOW)  # follows what is_short_link takes
    article = "https://example.org/2026/feedback-that-lands"
    assert links.expand([short]) == {short: article}
    assert Shortener.seen == [("HEAD", f"/to-http-bitly/{port}"), ("https HEAD", "/abc")]
    assert stored(deployment, short)["leads_to"] == article
