"""What X does to a post's text when it stores it.

Every link becomes a `https://t.co/<10 characters>` link; what was written is kept aside in
`entities.urls` (`expanded_url`, `display_url`), with `start`/`end` as code-point offsets in the
stored text. Hashtags and mentions are found in the stored text the same way. A link that went
through a shortener (bit.ly and the like) also carries `unwound_url`, where it finally leads, when
the seed says so. Seeded posts get t.co ids derived from the post's id, so a seeded chat renders
the same text every time; posts created through the API get random ones, as on X.

Counting and finding links is Chatdeck's own `chatdeck.domain.text` (twitter-text rules),
imported when first needed so the sandbox starts without it.
"""

from __future__ import annotations

import hashlib
import random
import re
import string
from collections.abc import Mapping
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


def store_text(
    submitted: str, salt: str | None = None, unwound: Mapping[str, str] | None = None
) -> StoredText:
    """The text as X stores it, and its entities (`salt`: make the t.co ids from it, not at
    random; `unwound`: where shortened links written in the text finally lead)."""
    from chatdeck.domain.text import find_urls

    parts: list[str] = []
    urls: list[Entity] = []
    position = 0  # in `submitted`
    length = 0  # of the stored text so far
    for number, url in enumerate(find_urls(submitted)):
        start = submitted.find(url, position)
        if start < 0:
            continue
        before = submitted[position:start]
        link = _tco_link(None if salt is None else f"{salt}#{number}")
        parts += [before, link]
        length += len(before)
        entity = _url_entity(url, link, length)
        if unwound and url in unwound:
            entity |= {"unwound_url": unwound[url], "status": 200}
        urls.append(entity)
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


_TCO_ALPHABET = string.ascii_letters + string.digits


def _tco_link(salt: str | None = None) -> str:
    if salt is not None:
        number = int.from_bytes(hashlib.sha256(salt.encode()).digest()[:8])
        letters = []
        for _ in range(10):
            number, index = divmod(number, len(_TCO_ALPHABET))
            letters.append(_TCO_ALPHABET[index])
        return TCO_PREFIX + "".join(letters)
    # t.co-style link ids need no secrecy, only variety
    return TCO_PREFIX + "".join(random.choices(_TCO_ALPHABET, k=10))  # nosec B311


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
