"""Fault injection on expanding a digest's shortened links, against moto server and a local
shortener (bit.ly resolved to it, over TLS with a certificate for bit.ly; its links posted on
http, as the expander asks a shortener over https): the link cache unreadable (BatchGetItem
throttled) or unwritable (PutItem failing), and the shortener hanging or gone. Invariants: the
digest still goes out, once to each subscriber, within the expansion's time bound; a link is
expanded when the shortener answered, and kept as posted otherwise; the session moves on to
digested."""

import ssl
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from email import message_from_string
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from chatdeck.adapters.link_expansion import CachedLinks, ShortLinkExpander
from chatdeck.adapters.outbound import Outbound
from chatdeck.domain.chats import Subscription
from chatdeck.domain.members import Member
from chatdeck.services.digests import Digests
from tests.contract.builders import SESSION_START, a_chat, a_session, an_archived_post
from tests.integration import botocore_faults as faults
from tests.integration.deployment import Deployment
from tests.integration.test_outbound_fetch import certificate

pytestmark = pytest.mark.integration

MEMBERS = ["ana@school.example", "ben@school.example"]
DIGEST_AT = SESSION_START + timedelta(hours=2)
OCCURRENCE = "edtechchat#2026-11-03T01:00:00Z"
ARTICLE = "https://example.org/2026/feedback-that-lands"


class Shortener(BaseHTTPRequestHandler):
    """/s/<code> redirects to the article; /hang answers after 5 seconds."""

    def do_HEAD(self) -> None:
        if self.path == "/hang":
            time.sleep(5)
        self.send_response(301)
        self.send_header("Location", ARTICLE)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def bitly_cert(tmp_path: Path) -> Path:
    """A certificate for bit.ly, trusted by the fetcher below; its key beside it (.key)."""
    return certificate(tmp_path, "bit.ly")[0]


@pytest.fixture
def shortener(bitly_cert: Path) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Shortener)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(bitly_cert, bitly_cert.with_suffix(".key"))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        # bit.ly, as the resolver below says; posted on http, asked over https
        yield f"http://bit.ly:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def on_loopback(host: str, port: int) -> list[str]:
    """bit.ly is the local shortener here (the real fetcher still checks the address)."""
    return ["127.0.0.1"]


def cohort(deployment: Deployment, short: str, cert: Path) -> Digests:
    """A counted session whose one answer shares `short`, two digest subscribers, and the
    digests service expanding through the real fetcher (loopback allowed) and cache."""
    services = deployment.services
    services.chats.save(a_chat())
    for address in MEMBERS:
        services.membership.members.add(
            Member(email=address, name=address.split("@")[0].title(), zone="UTC"), SESSION_START
        )
        services.subscriptions.subscribe(
            Subscription(chat_id="edtechchat", email=address, reminders=False, digests=True)
        )
    session = services.archive.start(a_session(status="counted"))
    services.archive.add_posts(
        session, [an_archived_post(links=(short,))], read_on=date(2026, 11, 3)
    )
    first = services.digests
    links = ShortLinkExpander(
        Outbound(allow_loopback_http=True, timeout=3.0, resolver=on_loopback, verify=str(cert)),
        CachedLinks(services._state_table),
        services.clock.now,
        total_seconds=1.0,
        follow=lambda url: False,
    )
    return Digests(
        first.archive, first.chats, first.subscriptions, first.membership, first.notices, links
    )


def text_of(raw: str) -> str:
    message = message_from_string(raw)
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload: Any = part.get_payload(decode=True)
            return str(payload.decode(part.get_content_charset() or "utf-8"))
    raise AssertionError("no text part")


def digest_texts(deployment: Deployment) -> list[str]:
    texts = [text_of(raw) for address in MEMBERS for raw in deployment.emails_to(address)]
    assert len(texts) == len(MEMBERS)  # once each
    return texts


def digested(deployment: Deployment) -> bool:
    session = deployment.services.archive.get(OCCURRENCE)
    return session is not None and session.status == "digested"


def test_an_unreadable_link_cache_still_expands_and_sends_the_digest_once(
    deployment: Deployment, shortener: str, bitly_cert: Path
) -> None:
    digests = cohort(deployment, f"{shortener}/s/3xYz12", bitly_cert)
    dynamodb = deployment.services._dynamodb
    with faults.fail(dynamodb, "BatchGetItem", "ProvisionedThroughputExceededException") as hit:
        assert digests.send_ready(DIGEST_AT) == 2
    assert hit.failed == 1
    assert all(ARTICLE in text and "/s/3xYz12" not in text for text in digest_texts(deployment))
    assert digested(deployment)


def test_an_unwritable_link_cache_still_sends_the_expanded_digest(
    deployment: Deployment, shortener: str, bitly_cert: Path
) -> None:
    digests = cohort(deployment, f"{shortener}/s/3xYz12", bitly_cert)
    dynamodb = deployment.services._dynamodb

    def caches_a_link(body: faults.Body) -> bool:
        return str(body.get("Item", {}).get("pk", {}).get("S", "")).startswith("LINK#")

    with faults.fail(dynamodb, "PutItem", "InternalServerError", when=caches_a_link) as hit:
        assert digests.send_ready(DIGEST_AT) == 2
    assert hit.failed == 1
    assert all(ARTICLE in text for text in digest_texts(deployment))
    assert digested(deployment)


@pytest.mark.parametrize("path", ["/hang", "gone"])
def test_a_hanging_or_gone_shortener_keeps_the_link_and_the_digest_goes_out_in_time(
    deployment: Deployment, shortener: str, bitly_cert: Path, path: str
) -> None:
    short = f"{shortener}{path}" if path.startswith("/") else "http://bit.ly:9/s/AbC123"
    digests = cohort(deployment, short, bitly_cert)
    started = time.monotonic()
    assert digests.send_ready(DIGEST_AT) == 2
    assert time.monotonic() - started < 4.0  # the 1 s bound, and the emails
    assert all(short in text and ARTICLE not in text for text in digest_texts(deployment))
    assert digested(deployment)
