"""Web pages for tests of outbound fetches (link cards), served by the Bluesky sandbox.

- `GET /sandbox/pages/<name>`: an article page whose Open Graph tags are `og:title`
  "<Name> (sandbox page)", `og:description` and `og:image` (the sandbox's own PNG below), plus a
  `<title>` and `description` meta as a real page has.
- `GET /sandbox/pages/plain`: a page with a `<title>` and no Open Graph tags.
- `GET /sandbox/pages/large`: a page of LARGE_PAGE_BYTES (its tags first), sent with its
  Content-Length; `?chunked=1` sends it chunked, without one, so a size limit must count bytes.
- `GET /sandbox/pages/redirect?to=<url>`: a 302 to `to` (default: the `article` page). `to` can
  be any address, so a test can check that a fetcher re-checks each redirect's target.
- `GET /sandbox/pages/image.png`: a PNG for `og:image` (IMAGE_SIZE pixels square).
- `?delay_ms=<n>` on any page waits that long (at most MAX_DELAY_MS) before answering: a slow page.
"""

from __future__ import annotations

import html
import struct
import time
import zlib
from collections.abc import Iterator

from werkzeug.wrappers import Request, Response

PREFIX = "/sandbox/pages/"
LARGE_PAGE_BYTES = 8 * 1024 * 1024
MAX_DELAY_MS = 60_000
IMAGE_SIZE = 64
_FILLER = "<p>" + "Sandbox filler text for a very large page. " * 23 + "</p>\n"


def png(size: int = IMAGE_SIZE) -> bytes:
    """A valid PNG: a square of Chatdeck blue."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = b"\x00" + bytes((29, 78, 216)) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    body = zlib.compress(row * size)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


IMAGE = png()


def head(request: Request, name: str, *, open_graph: bool = True) -> str:
    title = html.escape(f"{name.replace('-', ' ').capitalize()} (sandbox page)")
    description = html.escape(f"A page the Bluesky sandbox serves for link cards: {name}.")
    image = html.escape(request.host_url.rstrip("/") + PREFIX + "image.png")
    tags = [
        '<meta charset="utf-8">',
        f"<title>{title}</title>",
        f'<meta name="description" content="{description}">',
    ]
    if open_graph:
        tags += [
            f'<meta property="og:title" content="{title}">',
            f'<meta property="og:description" content="{description}">',
            f'<meta property="og:image" content="{image}">',
            '<meta property="og:type" content="article">',
        ]
    return '<!doctype html>\n<html lang="en"><head>\n' + "\n".join(tags) + "\n</head>\n"


def serve(request: Request) -> Response:
    name = request.path.removeprefix(PREFIX).strip("/") or "article"
    delay = request.args.get("delay_ms", "0")
    if not delay.isdigit():
        return Response("delay_ms must be a whole number of milliseconds\n", 400)
    time.sleep(min(int(delay), MAX_DELAY_MS) / 1000)
    if name == "image.png":
        return Response(IMAGE, content_type="image/png")
    if name == "redirect":
        target = request.args.get("to") or request.host_url.rstrip("/") + PREFIX + "article"
        return Response("", 302, headers={"Location": target})
    if name == "large":
        return _large(request)
    page = head(request, name, open_graph=name != "plain")
    page += f"<body><h1>{html.escape(name)}</h1><p>Made up by the sandbox.</p></body></html>\n"
    return Response(page, content_type="text/html; charset=utf-8")


def _large(request: Request) -> Response:
    top = head(request, "large").encode() + b"<body>\n"
    filler = _FILLER.encode()
    count = (LARGE_PAGE_BYTES - len(top)) // len(filler)
    tail = b"</body></html>\n"

    def body() -> Iterator[bytes]:
        yield top
        for _ in range(count):
            yield filler
        yield tail

    response = Response(body(), content_type="text/html; charset=utf-8")
    if request.args.get("chunked") != "1":
        response.headers["Content-Length"] = str(len(top) + count * len(filler) + len(tail))
    return response
