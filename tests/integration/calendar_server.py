"""A public chat calendar served over real HTTP on loopback, for the chat import's tests: a
good calendar, and the ways a fetch goes wrong (slow, 5xx, a redirect to a private address,
too large). The web function reaches it as the local stack does (plain http to loopback only,
OUTBOUND_ALLOW_LOOPBACK_HTTP); every other check of the outbound fetcher still applies."""

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType

import pytest

from chatdeck.domain.chat_import import MAX_CALENDAR_BYTES

CALENDAR = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Example school district//Ed chats//EN\r
X-WR-CALNAME:Ed chats\r
BEGIN:VEVENT\r
UID:edtech@example\r
DTSTAMP:20261101T000000Z\r
SUMMARY:EdTech Chat\r
DESCRIPTION:#edtechchat on Twitter, Mondays\r
DTSTART;TZID=America/New_York:20260907T200000\r
DTEND;TZID=America/New_York:20260907T210000\r
RRULE:FREQ=WEEKLY;BYDAY=MO\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:sci@example\r
DTSTAMP:20261101T000000Z\r
SUMMARY:Science Chat #scichat\r
DESCRIPTION:On Bluesky: https://bsky.app/profile/scichat.example\r
DTSTART;TZID=Europe/London:20260910T190000\r
DURATION:PT45M\r
RRULE:FREQ=WEEKLY;BYDAY=TH\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:con@example\r
DTSTAMP:20261101T000000Z\r
SUMMARY:Spring conference #edcon\r
DTSTART;TZID=Europe/London:20270410T090000\r
END:VEVENT\r
END:VCALENDAR\r
"""
SLOW_SECONDS = 6.0  # past the fetcher's 4 s for the whole fetch


class CalendarHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/chats.ics":
            self._send(200, CALENDAR)
        elif self.path == "/slow.ics":
            time.sleep(SLOW_SECONDS)
            self._send(200, CALENDAR)
        elif self.path == "/broken.ics":
            self._send(503, b"Service Unavailable")
        elif self.path == "/private.ics":
            self.send_response(302)
            self.send_header("Location", "https://169.254.169.254/latest/meta-data/")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/huge.ics":
            self._send(200, CALENDAR + b" " * MAX_CALENDAR_BYTES)
        else:
            self._send(404, b"Not found")

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/calendar; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):  # the fetcher may have given up first
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def calendar_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), CalendarHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def local_web(function: Callable[[str], ModuleType], monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The web function as the local stack runs it: plain http to loopback allowed."""
    monkeypatch.setenv("OUTBOUND_ALLOW_LOOPBACK_HTTP", "true")
    return function("web")
