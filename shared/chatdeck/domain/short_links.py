"""Shortened links: which links are worth expanding, and a session's posts with them expanded.

A digest groups links by where they lead, so ``bit.ly/3xyz`` and the article it points to are
one link. Expanding means asking the shortener where it redirects (``LinkExpander``, a port:
the adapter does it through the outbound fetcher, bounded and cached); this module stays pure:

- **Which links**: a host on ``KNOWN_SHORTENERS`` (bit.ly, t.co, buff.ly, ow.ly, tinyurl.com,
  goo.gl, and the like), and any link that *looks* shortened: a short name (at most 6
  characters) on a two-letter top-level domain, as brands' shorteners are (``nyti.ms``,
  ``edut.to``, ``cnn.it``), with one short path segment that is a code, not a word (letters and
  digits with a digit or a capital in it: ``3Qz9``), and no query. Brands run shorteners of their
  own, so a list alone misses many; a link that looks short but does not redirect is kept as it
  is. Other links are never fetched: most are the article itself, and asking each site would be
  slow and tell it who read the chat.
- **Following**: a shortener may redirect to another (``t.co`` → ``bit.ly`` → the article), and
  often over plain http (``t.co`` → ``http://bit.ly/…``). Only https is fetched, so a short link
  on http is asked over https (``over_https``): shorteners serve both, and redirect http to https
  themselves. A redirect to an address that is not a shortener ends the chain there, on http
  or https (that site is named, never fetched).
- **Expanding**: a post's links are replaced by the addresses they lead to; a link that could
  not be expanded (a failure, a time limit, a shortener that did not redirect) stays as it was
  posted. Which are tried first when only so many can be: the links shared most, then in the
  order first shared (``expansion_order``).
"""

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import urlsplit, urlunsplit

from chatdeck.domain.archive import ArchivedPost

KNOWN_SHORTENERS = frozenset(
    {
        "bit.ly",
        "bitly.com",
        "j.mp",
        "t.co",
        "buff.ly",
        "ow.ly",
        "tinyurl.com",
        "goo.gl",
        "g.co",
        "is.gd",
        "v.gd",
        "t.ly",
        "tiny.cc",
        "rebrand.ly",
        "rb.gy",
        "cutt.ly",
        "shorturl.at",
        "lnkd.in",
        "fb.me",
        "youtu.be",
        "dlvr.it",
        "ift.tt",
        "trib.al",
        "s.id",
        "bl.ink",
        "shor.by",
        "linktr.ee",
        "wp.me",
        "amzn.to",
        "flip.it",
        "apple.co",
        "spoti.fi",
        "tr.im",
        "qr.ae",
        "msft.it",
        "aka.ms",
    }
)
_SHORT_HOST = re.compile(r"(?:www\.)?[a-z0-9-]{1,6}\.[a-z]{2}")
_SHORT_PATH = re.compile(r"/[A-Za-z0-9_-]{3,12}")
_CODE = re.compile(r"[0-9A-Z]")


def is_short_link(url: str) -> bool:
    """Whether a link is on a known shortener, or looks like a shortened link."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
    except ValueError:
        return False
    if parts.scheme.lower() not in ("http", "https") or not host:
        return False
    if host in KNOWN_SHORTENERS or host.removeprefix("www.") in KNOWN_SHORTENERS:
        return True
    return bool(
        _SHORT_HOST.fullmatch(host)
        and _SHORT_PATH.fullmatch(parts.path)
        and _CODE.search(parts.path)
        and not parts.query
    )


def over_https(url: str) -> str:
    """A short link as it is asked: ``http://bit.ly/3xyz`` as ``https://bit.ly/3xyz`` (port 80
    dropped); any other address as it is."""
    if not is_short_link(url):
        return url
    parts = urlsplit(url.strip())
    if parts.scheme.lower() != "http":
        return url
    netloc = parts.netloc.removesuffix(":80")
    return urlunsplit(("https", netloc, parts.path, parts.query, parts.fragment))


def expansion_order(posts: Iterable[ArchivedPost]) -> list[str]:
    """The session's short links, each once, the most shared first, then the first shared."""
    seen: Counter[str] = Counter()
    first: dict[str, int] = {}
    for post in posts:
        for link in dict.fromkeys(post.links):
            if is_short_link(link):
                seen[link] += 1
                first.setdefault(link, len(first))
    return sorted(seen, key=lambda link: (-seen[link], first[link]))


def with_expanded_links(
    posts: Sequence[ArchivedPost], expanded: Mapping[str, str]
) -> list[ArchivedPost]:
    """The posts with each link replaced by where it leads, where that is known."""
    if not expanded:
        return list(posts)
    return [
        post.model_copy(update={"links": tuple(expanded.get(link, link) for link in post.links)})
        if any(link in expanded for link in post.links)
        else post
        for post in posts
    ]
