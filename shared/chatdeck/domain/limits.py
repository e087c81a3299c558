"""How long a post may be on each network, counted as that network counts it.

- X: 280, weighted (links 23, emoji and CJK 2): `domain.text`.
- Bluesky: 300 graphemes (user-perceived characters: a joined emoji or a flag is one).
- Mastodon: the instance's `max_characters` (500 unless it says otherwise), each link counting
  its `characters_reserved_per_url` (23), whatever its length.
One text goes to every target of a post, so it must fit the strictest of them; the form shows
each network's count live, and the server checks again.
"""

from dataclasses import dataclass
from typing import Literal

from chatdeck.domain import text as x_text

Unit = Literal["weighted", "graphemes", "characters"]
BLUESKY_LIMIT = 300
MASTODON_DEFAULT_LIMIT = 500
MASTODON_URL_LENGTH = 23
NAMES = {"x": "X", "bluesky": "Bluesky", "mastodon": "Mastodon"}


@dataclass(frozen=True)
class LengthRule:
    network: str
    limit: int
    unit: Unit
    url_length: int | None = None  # what a link counts, when not its own length

    def length(self, text: str) -> int:
        if self.unit == "weighted":
            return x_text.weighted_length(text)
        if self.unit == "graphemes":
            return grapheme_count(text)
        return mastodon_length(text, self.url_length or MASTODON_URL_LENGTH)

    @property
    def hint(self) -> str:
        name = NAMES.get(self.network, self.network)
        if self.unit == "weighted":
            return f"{name}: {self.limit}, each link 23, emoji and CJK characters 2"
        if self.unit == "graphemes":
            return f"{name}: {self.limit} characters (an emoji counts 1)"
        return f"{name}: {self.limit} characters, each link {self.url_length}"

    def problem(self, text: str) -> str | None:
        """Why `text` does not fit, or None."""
        length = self.length(text)
        if length <= self.limit:
            return None
        name = NAMES.get(self.network, self.network)
        return f"Too long for {name}: {length} of {self.limit} ({self.hint})."


X_RULE = LengthRule("x", x_text.MAX_WEIGHTED_LENGTH, "weighted", x_text.URL_WEIGHT)
BLUESKY_RULE = LengthRule("bluesky", BLUESKY_LIMIT, "graphemes")


def mastodon_rule(
    max_characters: int = MASTODON_DEFAULT_LIMIT, url_length: int = MASTODON_URL_LENGTH
) -> LengthRule:
    return LengthRule("mastodon", max_characters, "characters", url_length)


def grapheme_count(text: str) -> int:
    """User-perceived characters (extended grapheme clusters), as Bluesky counts them."""
    from chatdeck.domain.bluesky_text import graphemes  # regex loads only where text is counted

    return graphemes(text)


def mastodon_length(text: str, url_length: int) -> int:
    """Mastodon's count: graphemes, each link counting `url_length`, a mention its local part."""
    from chatdeck.domain.mastodon_text import InstanceRules, text_length

    return text_length(text, InstanceRules(characters_reserved_per_url=url_length))
