"""Mastodon's text rules: how long an instance counts a status, and its HTML content as plain text.

- `InstanceRules` are one instance's own, from `GET /api/v2/instance`: `max_characters`,
  `characters_reserved_per_url`, and whether its hashtag feeds can be read at all
  (`configuration.timelines_access.hashtag_feeds`; `disabled` for local or remote posts means a
  chat followed there misses them, and admins are told). Instances that predate these fields
  (before 4.5) are taken as open, with 500 and 23.
- `text_length` counts as Mastodon's StatusLengthValidator does: extended grapheme clusters
  (a joined emoji or a flag is one), each http(s) link counting `characters_reserved_per_url`
  whatever its length, a mention `@user@domain` counting as `@user`.
- `plain_text` turns a status's `content` back into the text as typed: paragraphs become blank
  lines, `<br>` a newline, a link its `href` (Mastodon shows links shortened, with the scheme and
  the tail in invisible spans), a hashtag or mention its text, entities unescaped.
No network and no SDK here: the form, the server and the Mastodon adapter all use it.
"""

import re
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser

DEFAULT_MAX_CHARACTERS = 500
DEFAULT_URL_LENGTH = 23

_URL = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
_TRAILING = ".,;:!?'\")]}"
_MENTION = re.compile(r"(?<![=/\w])@(\w+)@[\w.-]+\w")


@dataclass(frozen=True)
class InstanceRules:
    max_characters: int = DEFAULT_MAX_CHARACTERS
    characters_reserved_per_url: int = DEFAULT_URL_LENGTH
    hashtag_feeds_open: bool = True


def links_in(text: str) -> list[str]:
    """The http(s) links in a text, trailing punctuation left out, as Mastodon finds them."""
    found = []
    for match in _URL.finditer(text):
        link = match.group(0)
        while link and link[-1] in _TRAILING:
            link = link[:-1]
        if link:
            found.append(link)
    return found


def text_length(text: str, rules: InstanceRules) -> int:
    """How long the instance counts `text` against `rules.max_characters`."""
    import regex  # the standard library has no grapheme clusters

    countable = text
    for link in sorted(set(links_in(text)), key=len, reverse=True):
        countable = countable.replace(link, "x" * rules.characters_reserved_per_url)
    countable = _MENTION.sub(lambda match: f"@{match.group(1)}", countable)
    return len(regex.findall(r"\X", countable))


def too_long(text: str, rules: InstanceRules) -> str | None:
    """Why `text` does not fit on the instance, in a sentence; None when it fits."""
    length = text_length(text, rules)
    if length <= rules.max_characters:
        return None
    return (
        f"Too long for Mastodon: {length} of {rules.max_characters} characters (each link counts"
        f" {rules.characters_reserved_per_url})."
    )


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._links: list[str | None] = []  # the href of each open <a>, None for an entity link
        self._paragraphs = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "p":
            if self._paragraphs:
                self.parts.append("\n\n")
            self._paragraphs += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "a":
            classes = (attributes.get("class") or "").split()
            entity = "mention" in classes or "hashtag" in classes
            href = attributes.get("href")
            self._links.append(None if entity or not href else href)
            if not entity and href:
                self.parts.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._links:
            self._links.pop()

    def handle_data(self, data: str) -> None:
        if self._links and self._links[-1] is not None:
            return  # a link's shortened display: its href stands for it
        self.parts.append(data)


def plain_text(content: str) -> str:
    """A status's HTML `content` as the text its author typed."""
    parser = _Text()
    parser.feed(content)
    parser.close()
    return unescape("".join(parser.parts))
