"""The link rules: one spelling per link, and which links count as shared.

A link is shared when it is http(s) with a host and is not a post's own page (a quote or a photo
links to a post: ``x.com/<user>/status/<id>``, ``bsky.app/profile/<user>/post/<id>``). Two
links are the same link when ``normalise_url`` spells them alike.
"""

import re
from urllib.parse import urlsplit, urlunsplit

TRACKING_PARAMETERS = frozenset({"fbclid", "gclid", "igshid", "mc_cid", "mc_eid"})
X_HOSTS = frozenset(
    {"x.com", "www.x.com", "mobile.x.com", "twitter.com", "www.twitter.com", "mobile.twitter.com"}
)
POST_PAGES = {
    **dict.fromkeys(X_HOSTS, re.compile(r"/(?:i/web|[^/]+)/status(?:es)?/\d+", re.IGNORECASE)),
    "bsky.app": re.compile(r"/profile/[^/]+/post/", re.IGNORECASE),
}
_DEFAULT_PORTS = {"http": ":80", "https": ":443"}


def normalise_url(url: str) -> str:
    """One spelling per link: lowercase scheme and host, no default port, no tracking parameters
    (``utm_*``, ``fbclid``, ``gclid``, ``igshid``, ``mc_cid``, ``mc_eid``), no fragment, no
    trailing slash. The rest of the query keeps its order and encoding."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = parts.netloc.lower()
    default_port = _DEFAULT_PORTS.get(scheme)
    if default_port and host.endswith(default_port):
        host = host.removesuffix(default_port)
    query = "&".join(
        pair
        for pair in parts.query.split("&")
        if pair and not _is_tracking(pair.partition("=")[0].lower())
    )
    return urlunsplit((scheme, host, parts.path.rstrip("/"), query, ""))


def is_shareable(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    post_page = POST_PAGES.get(parts.netloc)
    return not (post_page and post_page.match(parts.path))


def _is_tracking(parameter: str) -> bool:
    return parameter.startswith("utm_") or parameter in TRACKING_PARAMETERS
