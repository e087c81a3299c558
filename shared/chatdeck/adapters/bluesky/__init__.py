"""Bluesky through the `atproto` package, mapped onto the domain's outcomes.

- sessions.py: sessions stored in the bluesky ConnectionStore, refreshed under a claim, created
  again from the app password only when refreshing fails;
- publishing.py: creating a post once under a TID record key, and reading it back (Network);
- reading.py: a chat's hashtags through searchPosts, and getPosts lookups (PostReader);
- cards.py: a link card from the page's Open Graph tags, fetched through adapters/outbound.py;
- errors.py: what atproto raises, as the domain's outcomes (docs/bluesky.md has the table).

Importing this package loads atproto, so only bootstrap imports it, lazily: no function pays
for atproto at cold start unless it calls Bluesky.
"""

from chatdeck.adapters.bluesky.cards import LinkCards
from chatdeck.adapters.bluesky.publishing import BlueskyPublishing
from chatdeck.adapters.bluesky.reading import BlueskyReading
from chatdeck.adapters.bluesky.sessions import BlueskySessions, SessionRefused

__all__ = ["BlueskyPublishing", "BlueskyReading", "BlueskySessions", "LinkCards", "SessionRefused"]
