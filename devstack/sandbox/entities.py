"""What X does to a post's text when it stores it.

Every link becomes a `https://t.co/<10 characters>` link; what was written is kept aside in
`entities.urls` (`expanded_url`, `display_url`), with `start`/`end` as code-point offsets in the
stored text. Hashtags and mentions are found in the stored text the same way.

Counting and finding links is Chatdeck's own `chatdeck.domain.text` (twitter-text rules),
imported when first needed so the sandbox starts without it.
"""

from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass, field
from typing import Any

MAX_WEIGHTED_LENGTH = 280
TCO_PREFIX = "https://t.co/"
DISPLAY_URL_MAX = 26

Entity = dict[str, Any]

_HASHTAG = re.compile(r"(?<![\w&])[#＃](\w*[^\W\d]\w*)")
_MENTION = re.compile(r"(?<![\w@])[@＠](\w{1,15})")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


@dataclass(frozen=True)
class StoredText:
    text: str
    entities: dict[str, list[Entity]] = field(default_factory=dict)

    def hashtags(self) -> set[str]:
        return {entity["tag"].casefold() for entity in self.entities.get("hashtags", [])}

    def mentions(self) -> set[str]:
        return {entity["username"].casefold() for entity in self.entities.get("mentions", [])}


def weighted_length(text: str) -> int:
    from chatdeck.domain.text import weighted_length as count

    return int(count(text))


def store_text(submitted: str) -> StoredText:
    """The text as X stores it, and its entities."""
    from chatdeck.domain.text import find_urls

    parts: list[str] = []
    urls: list[Entity] = []
    position = 0  # in `submitted`
    length = 0  # of the stored text so far
    for url in find_urls(submitted):
        start = submitted.find(url, position)
        if start < 0:
            continue
        before = submitted[position:start]
        link = _tco_link()
        parts += [before, link]
        length += len(before)
        urls.append(_url_entity(url, link, length))
        length += len(link)
        position = start + len(url)
    parts.append(submitted[position:])
    text = "".join(parts)
    entities = {
        "urls": urls,
        "hashtags": [_hashtag(match) for match in _HASHTAG.finditer(text)],
        "mentions": [_mention(match) for match in _MENTION.finditer(text)],
    }
    return StoredText(text, {kind: found for kind, found in entities.items() if found})


def _tco_link() -> str:
    # t.co-style link ids need no secrecy, only variety
    letters = random.choices(string.ascii_letters + string.digits, k=10)  # nosec B311
    return TCO_PREFIX + "".join(letters)


def _url_entity(written: str, link: str, start: int) -> Entity:
    expanded = written if _SCHEME.match(written) else f"http://{written}"
    return {
        "start": start,
        "end": start + len(link),
        "url": link,
        "expanded_url": expanded,
        "display_url": _display_url(expanded),
    }


def _display_url(expanded: str) -> str:
    shown = _SCHEME.sub("", expanded).removeprefix("www.")
    return shown if len(shown) <= DISPLAY_URL_MAX else shown[:DISPLAY_URL_MAX] + "…"


def _hashtag(match: re.Match[str]) -> Entity:
    return {"start": match.start(), "end": match.end(), "tag": match.group(1)}


def _mention(match: re.Match[str]) -> Entity:
    return {"start": match.start(), "end": match.end(), "username": match.group(1)}
