"""A link card for a Bluesky post (`app.bsky.embed.external`) from the page's Open Graph tags.

- The page is fetched through the outbound fetcher (https and public addresses only, every
  redirect checked): at most 1 MB of it, within a few seconds. `og:title`, `og:description` and
  `og:image` are read (`twitter:*` and `<title>` when they are missing).
- The image becomes the card's thumb only when it is an image of at most 1,000,000 bytes (the
  `app.bsky.embed.external` thumb's limit); it is uploaded with uploadBlob.
- A card is a courtesy: any failure (the page unreachable, refused, too large, without a title,
  the image missing or refused) gives a card without a thumb, or no card at all, and the post
  goes out with its link as a plain facet. Never a failed post for a card.
"""

from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

from chatdeck.adapters.outbound import Outbound, OutboundError
from chatdeck.observability import logger

PAGE_LIMIT = 1_000_000
THUMB_LIMIT = 1_000_000  # app.bsky.embed.external#external thumb: maxSize 1000000
TITLE_LIMIT = 300
DESCRIPTION_LIMIT = 1000
THUMB_TYPES = ("image/png", "image/jpeg", "image/webp", "image/gif")

Upload = Callable[[bytes, str], dict[str, Any]]  # (image bytes, MIME type) -> blob object


class _OpenGraph(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: dict[str, str] = {}
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        if tag != "meta":
            return
        found = {name.lower(): value or "" for name, value in attrs}
        key = (found.get("property") or found.get("name") or "").lower()
        if key.startswith(("og:", "twitter:")) and key not in self.tags and "content" in found:
            self.tags[key] = found["content"].strip()

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title and len(self.title) < TITLE_LIMIT:
            self.title += data


def open_graph(html: str) -> dict[str, str]:
    """The page's title, description and image address (absolute or as written)."""
    parser = _OpenGraph()
    parser.feed(html)
    tags = parser.tags
    return {
        "title": (tags.get("og:title") or tags.get("twitter:title") or parser.title).strip(),
        "description": (
            tags.get("og:description") or tags.get("twitter:description") or ""
        ).strip(),
        "image": (tags.get("og:image") or tags.get("twitter:image") or "").strip(),
    }


class LinkCards:
    def __init__(self, outbound: Outbound) -> None:
        self.outbound = outbound

    def card(self, uri: str, upload: Upload) -> dict[str, Any] | None:
        """The `app.bsky.embed.external` embed for `uri`, or None when there is no card."""
        try:
            page = self.outbound.get(uri, PAGE_LIMIT, "text/html,application/xhtml+xml")
        except OutboundError as error:
            logger.info("No link card", extra={"why": error.reason})
            return None
        if page.status != 200 or "html" not in page.content_type.lower():
            return None
        found = open_graph(page.body.decode(_charset(page.content_type), errors="replace"))
        if not found["title"]:
            return None
        external: dict[str, Any] = {
            "uri": uri,
            "title": found["title"][:TITLE_LIMIT],
            "description": found["description"][:DESCRIPTION_LIMIT],
        }
        if found["image"]:
            thumb = self._thumb(urljoin(page.url, found["image"]), upload)
            if thumb is not None:
                external["thumb"] = thumb
        return {"$type": "app.bsky.embed.external", "external": external}

    def _thumb(self, image_url: str, upload: Upload) -> dict[str, Any] | None:
        try:
            image = self.outbound.get(image_url, THUMB_LIMIT, "image/*")
        except OutboundError as error:
            logger.info("No thumb for the link card", extra={"why": error.reason})
            return None
        mime = image.content_type.split(";")[0].strip().lower()
        if image.status != 200 or mime not in THUMB_TYPES or not image.body:
            return None
        try:
            return upload(image.body, mime)
        except Exception as error:  # the card goes without its thumb
            logger.info("Thumb not uploaded", extra={"why": type(error).__name__})
            return None


def _charset(content_type: str) -> str:
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            candidate = value.strip("\"' ").lower()
            try:
                "".encode(candidate)
            except LookupError:
                return "utf-8"
            return candidate
    return "utf-8"
