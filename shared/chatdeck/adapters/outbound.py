"""Fetching an address someone typed (a link card's page and image, a Mastodon instance): https
to public addresses only, with size and time limits.

Such an address can point anywhere, including inside the network the function runs in (an
instance metadata service, a private host), so every fetch:

- goes to `https` only; plain `http` only to a loopback address and only when the local stack
  says so (`allow_loopback_http`, settings' `outbound_allow_loopback_http`);
- resolves the host itself and refuses it unless every address is public: private, loopback,
  link-local, multicast, reserved, shared (100.64/10) and unspecified addresses are refused,
  IPv4 inside IPv6 included;
- connects to the address it checked (the URL names the IP, with the host in `Host`, in TLS's
  SNI and in the certificate check), so a name that resolves differently a second time cannot
  slip through;
- follows redirects itself, at most `max_redirects`, checking each new address the same way;
- reads the body in a stream (decompressed, so a small gzip of a huge page is caught too) and
  stops past `max_bytes`, and stops once the whole fetch (every redirect included) has taken
  longer than `timeout` seconds (checked as each piece arrives, each piece within the read
  timeout; the socket is shut at the limit, so headers or a body sent a byte at a time end
  then too);
  each request's timeouts also end before the invocation does (chatdeck.deadline);
- sends no credentials: no cookies, no proxy or netrc from the environment.

`locate` asks where an address leads (a shortened link) without reading any body: HEAD, or a GET
closed after its headers where HEAD is refused, each redirect checked as above, following them
while the caller says to (a shortener's redirect to the site it points at need not be fetched).

Every refusal or failure is `OutboundError` with a sentence saying why.
"""

import contextlib
import ipaddress
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool

from chatdeck import deadline

MAX_BYTES = 1_000_000
TIMEOUT = 4.0
MAX_REDIRECTS = 3
REDIRECTS = (301, 302, 303, 307, 308)
HEAD_REFUSED = (400, 403, 404, 405, 501)  # answers to HEAD that a GET may not give
WATCHDOG_GRACE = 0.25  # seconds past the time limit before a trickling answer is cut off
USER_AGENT = "Chatdeck link preview (+https://github.com/chatdeck)"

Resolver = Callable[[str, int], list[str]]


class OutboundError(Exception):
    """The address was refused, or fetching it failed; `reason` says which in a sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Fetched:
    url: str  # the address finally read, after redirects
    status: int
    content_type: str
    body: bytes


def resolve(host: str, port: int) -> list[str]:
    """Every address the host resolves to."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise OutboundError(f"{host} could not be found.") from error
    return list(dict.fromkeys(str(answer[4][0]) for answer in answers))


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast and not ip.is_reserved


def is_loopback(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


class PinnedAdapter(HTTPAdapter):
    """Connects to the IP in the URL while TLS names and checks `hostname`."""

    def __init__(self, hostname: str) -> None:
        self.hostname = hostname
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["server_hostname"] = self.hostname
        kwargs["assert_hostname"] = self.hostname
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTP, "https": _WatchedHTTPS}

    def shut(self) -> None:
        """End every read under way on this adapter's connections (from another thread): a
        server that sends its headers a line at a time never trips the read timeout."""
        for key in list(self.poolmanager.pools.keys()):
            pool = self.poolmanager.pools.get(key)
            for connection in getattr(pool, "opened", []):
                with contextlib.suppress(OSError, AttributeError):
                    connection.sock.shutdown(socket.SHUT_RDWR)


class _Watched:
    """A connection pool keeping the connections it opened, so PinnedAdapter.shut finds them."""

    def _new_conn(self) -> Any:
        connection = super()._new_conn()  # type: ignore[misc]
        self.__dict__.setdefault("opened", []).append(connection)
        return connection


class _WatchedHTTP(_Watched, HTTPConnectionPool):
    pass


class _WatchedHTTPS(_Watched, HTTPSConnectionPool):
    pass


class Outbound:
    def __init__(
        self,
        allow_loopback_http: bool = False,
        timeout: float = TIMEOUT,
        max_redirects: int = MAX_REDIRECTS,
        resolver: Resolver = resolve,
        transport: Callable[[str], BaseAdapter] = PinnedAdapter,
        verify: bool | str = True,
    ) -> None:
        self.allow_loopback_http = allow_loopback_http
        self.timeout = timeout
        self.max_redirects = max_redirects
        self.resolver = resolver
        self.transport = transport
        self.verify = verify  # the CA bundle: certifi's, or (tests) a file's

    def get(self, url: str, max_bytes: int = MAX_BYTES, accept: str = "*/*") -> Fetched:
        """GET the address, following at most `max_redirects` redirects; raises OutboundError."""
        ends_at = time.monotonic() + self.timeout
        for _ in range(self.max_redirects + 1):
            session = requests.Session()
            session.trust_env = False
            try:
                response = self._request(session, url, accept, ends_at)
                location = response.headers.get("location")
                if response.status_code in REDIRECTS and location:
                    url = urljoin(url, location)
                    continue
                body = _read(response, max_bytes, ends_at)
                content_type = response.headers.get("content-type", "")
                return Fetched(url, response.status_code, content_type, body)
            finally:
                session.close()
        raise OutboundError(f"The address redirected more than {self.max_redirects} times.")

    def locate(self, url: str, follow: Callable[[str], bool] = lambda _: True) -> str:
        """The address `url` leads to: its redirects followed, at most `max_redirects`, while
        `follow(next address)` is true, and no body read. The address itself when it does not
        redirect; raises OutboundError (refused, failed, too slow, too many redirects)."""
        ends_at = time.monotonic() + self.timeout
        for _ in range(self.max_redirects + 1):
            location = self._location(url, ends_at)
            if location is None:
                return url
            url = urljoin(url, location)
            if not follow(url):
                return url
        raise OutboundError(f"The address redirected more than {self.max_redirects} times.")

    def _location(self, url: str, ends_at: float) -> str | None:
        """Where the address redirects to, or None when it answers without redirecting."""
        status, location = self._headers(url, ends_at, "HEAD")
        if status in HEAD_REFUSED:  # some servers refuse HEAD: ask with a GET, left unread
            status, location = self._headers(url, ends_at, "GET")
        return location if status in REDIRECTS and location else None

    def _headers(self, url: str, ends_at: float, method: str) -> tuple[int, str]:
        session = requests.Session()
        session.trust_env = False
        try:
            response = self._request(session, url, "*/*", ends_at, method)
            response.close()  # the body is never read
            return response.status_code, response.headers.get("location", "")
        finally:
            session.close()

    def check(self, url: str) -> tuple[str, str]:
        """The address to connect to for `url` and the host to name, once the URL and every
        address of its host are allowed; raises OutboundError."""
        parts = urlsplit(url)
        scheme, host = parts.scheme.lower(), parts.hostname
        if scheme not in ("https", "http") or not host:
            raise OutboundError("Only https addresses can be fetched.")
        if parts.username or parts.password:
            raise OutboundError("An address with a user name or password is not fetched.")
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError as error:
            raise OutboundError("The address has an invalid port.") from error
        addresses = self.resolver(host, port)
        if not addresses:
            raise OutboundError(f"{host} could not be found.")
        loopback = self.allow_loopback_http and all(is_loopback(a) for a in addresses)
        if not loopback and not all(is_public(a) for a in addresses):
            raise OutboundError(f"{host} is not a public address, so it is not fetched.")
        if scheme == "http" and not loopback:
            raise OutboundError("Only https addresses can be fetched.")
        return addresses[0], host

    def _request(
        self,
        session: requests.Session,
        url: str,
        accept: str,
        ends_at: float,
        method: str = "GET",
    ) -> requests.Response:
        address, host = self.check(url)
        parts = urlsplit(url)
        literal = f"[{address}]" if ":" in address else address
        netloc = f"{literal}:{parts.port}" if parts.port else literal
        pinned = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
        transport = self.transport(host)
        session.mount(f"{parts.scheme}://", transport)
        host_header = f"{host}:{parts.port}" if parts.port else host
        left = ends_at - time.monotonic()
        if left <= 0:
            raise OutboundError("The address took too long to answer.")
        fired = threading.Event()

        def shut() -> None:
            fired.set()
            getattr(transport, "shut", lambda: None)()

        # A little after the read timeout, which ends a server that sends nothing on its own.
        watchdog = threading.Timer(left + WATCHDOG_GRACE, shut)
        watchdog.daemon = True
        try:
            connect, read = deadline.timeouts(min(2.0, left), left)
            watchdog.start()
            response = session.request(
                method,
                pinned,
                headers={"Host": host_header, "Accept": accept, "User-Agent": USER_AGENT},
                allow_redirects=False,
                stream=True,
                verify=self.verify,
                timeout=(connect, read),
            )
        except deadline.TooLate as error:
            raise OutboundError("Too little time was left to fetch the address.") from error
        except requests.RequestException as error:
            if fired.is_set():  # the watchdog shut it
                raise OutboundError("The address took too long to answer.") from error
            raise OutboundError(f"{host} could not be read ({type(error).__name__}).") from error
        finally:
            watchdog.cancel()
        if fired.is_set():  # shut while its headers came: they may be cut short
            response.close()
            raise OutboundError("The address took too long to answer.")
        return response


def _read(response: requests.Response, max_bytes: int, ends_at: float) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise OutboundError(f"The page is larger than {max_bytes} bytes.")
    body = bytearray()
    # A body sent a byte at a time never trips the read timeout, and a piece is not handed over
    # until it is whole: the socket is shut at the time limit so the read under way ends then.
    watchdog = threading.Timer(max(0.0, ends_at - time.monotonic()), _shut, (response,))
    watchdog.daemon = True
    watchdog.start()
    try:
        for chunk in response.iter_content(chunk_size=16_384):
            body += chunk
            if len(body) > max_bytes:
                raise OutboundError(f"The page is larger than {max_bytes} bytes.")
            if time.monotonic() > ends_at:
                raise OutboundError("The address took too long to answer.")
    except requests.RequestException as error:
        if time.monotonic() > ends_at:
            raise OutboundError("The address took too long to answer.") from error
        raise OutboundError(f"The page could not be read ({type(error).__name__}).") from error
    finally:
        watchdog.cancel()
    if time.monotonic() > ends_at:  # shut by the watchdog: a body read until close is cut short
        raise OutboundError("The address took too long to answer.")
    return bytes(body)


def _shut(response: requests.Response) -> None:
    # already released, or a stand-in with no socket
    with contextlib.suppress(ValueError, RuntimeError, OSError, AttributeError):
        response.raw.shutdown()
