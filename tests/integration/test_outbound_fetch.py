"""Outbound fetches over real sockets: the Bluesky sandbox's link-card pages (loopback http, as
the local stack allows), and a local TLS server showing that connecting to the checked address
still names and verifies the host in TLS."""

import contextlib
import datetime as dt
import socketserver
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from chatdeck.adapters.bluesky.cards import LinkCards, open_graph
from chatdeck.adapters.outbound import Outbound, OutboundError
from tests.integration.bluesky_fixtures import bluesky_server, bluesky_url

pytestmark = pytest.mark.integration
__all__ = ["bluesky_server", "bluesky_url"]

LOCAL = Outbound(allow_loopback_http=True, timeout=2.0)


def test_a_sandbox_page_is_read_and_its_open_graph_tags_found(bluesky_url: str) -> None:
    page = LOCAL.get(f"{bluesky_url.replace('127.0.0.1', 'localhost')}/sandbox/pages/article")
    tags = open_graph(page.body.decode())
    assert page.status == 200 and tags["title"] == "Article (sandbox page)"
    assert tags["image"].endswith("/sandbox/pages/image.png")


@pytest.mark.parametrize("query", ["", "?chunked=1"])
def test_a_page_over_the_size_limit_is_given_up(bluesky_url: str, query: str) -> None:
    with pytest.raises(OutboundError, match="larger than 1000000 bytes"):
        LOCAL.get(f"{bluesky_url}/sandbox/pages/large{query}", max_bytes=1_000_000)


def test_a_redirect_to_a_private_address_is_refused(bluesky_url: str) -> None:
    with pytest.raises(OutboundError, match="not a public address"):
        LOCAL.get(f"{bluesky_url}/sandbox/pages/redirect?to=https://169.254.169.254/latest/")
    followed = LOCAL.get(f"{bluesky_url}/sandbox/pages/redirect")  # to the article page
    assert followed.url.endswith("/sandbox/pages/article") and followed.status == 200


def test_a_slow_page_is_given_up_within_the_time_limit(bluesky_url: str) -> None:
    started = time.monotonic()
    with pytest.raises(OutboundError):
        Outbound(allow_loopback_http=True, timeout=0.5).get(
            f"{bluesky_url}/sandbox/pages/article?delay_ms=3000"
        )
    assert time.monotonic() - started < 1.5


def test_without_the_local_stacks_switch_loopback_is_refused(bluesky_url: str) -> None:
    with pytest.raises(OutboundError):
        Outbound().get(f"{bluesky_url}/sandbox/pages/article")


def test_a_card_from_a_page_without_open_graph_uses_its_title_without_a_thumb(
    bluesky_url: str,
) -> None:
    uploads: list[str] = []

    def upload(data: bytes, mime: str) -> dict[str, object]:
        uploads.append(mime)
        return {"$type": "blob", "mimeType": mime, "size": len(data)}

    cards = LinkCards(LOCAL)
    plain = cards.card(f"{bluesky_url}/sandbox/pages/plain", upload)
    assert plain is not None and "thumb" not in plain["external"]
    article = cards.card(f"{bluesky_url}/sandbox/pages/article", upload)
    assert article is not None and article["external"]["thumb"]["mimeType"] == "image/png"
    assert uploads == ["image/png"]
    assert cards.card(f"{bluesky_url}/sandbox/pages/large", upload) is None


# TLS to the checked address


def certificate(tmp: Path, host: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp / f"{host}.pem", tmp / f"{host}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


class Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = f"host={self.headers['Host']}".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def tls_server(cert: Path, key: Path) -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()


def test_tls_names_and_verifies_the_host_while_connecting_to_the_checked_address(
    tmp_path: Path,
) -> None:
    good, key = certificate(tmp_path, "localhost")
    with tls_server(good, key) as port:
        fetched = Outbound(allow_loopback_http=True, verify=str(good)).get(
            f"https://localhost:{port}/"
        )
    assert fetched.body == f"host=localhost:{port}".encode()


def test_a_trusted_certificate_for_another_host_is_refused(tmp_path: Path) -> None:
    other, key = certificate(tmp_path, "other.test")
    with tls_server(other, key) as port, pytest.raises(OutboundError, match="SSLError"):
        Outbound(allow_loopback_http=True, verify=str(other)).get(f"https://localhost:{port}/")


class Drip(BaseHTTPRequestHandler):
    """A body sent a byte at a time, each byte well within the read timeout: only the fetch's
    whole time limit can end it."""

    def do_GET(self) -> None:
        self.send_response(200)
        if "sized" in self.path:
            self.send_header("Content-Length", "1000")
        else:  # read until the server closes: cut short, it would look whole
            self.send_header("Connection", "close")
        self.end_headers()
        with contextlib.suppress(OSError):
            for _ in range(1000):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.1)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize("path", ["/sized.ics", "/until-closed.ics"])
def test_a_body_sent_a_byte_at_a_time_is_given_up_within_the_time_limit(path: str) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Drip)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        started = time.monotonic()
        with pytest.raises(OutboundError, match="took too long"):
            Outbound(allow_loopback_http=True, timeout=1.0).get(
                f"http://127.0.0.1:{server.server_port}{path}"
            )
        assert time.monotonic() - started < 2.0
    finally:
        server.shutdown()
        server.server_close()


class DripHeaders(socketserver.BaseRequestHandler):
    """Headers sent a line at a time, each line well within the read timeout."""

    def handle(self) -> None:
        self.request.recv(4096)
        with contextlib.suppress(OSError):
            self.request.sendall(b"HTTP/1.1 200 OK\r\n")
            for _ in range(90):
                self.request.sendall(b"X-Slow: yes\r\n")
                time.sleep(0.1)


@pytest.mark.parametrize("ask", ["get", "locate"])
def test_headers_sent_a_line_at_a_time_are_given_up_within_the_time_limit(ask: str) -> None:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), DripHeaders)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        started = time.monotonic()
        with pytest.raises(OutboundError, match="took too long"):
            fetch = getattr(Outbound(allow_loopback_http=True, timeout=1.0), ask)
            fetch(f"http://127.0.0.1:{server.server_address[1]}/calendar.ics")
        assert time.monotonic() - started < 2.0
    finally:
        server.shutdown()
        server.server_close()
