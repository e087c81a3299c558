"""X (Twitter) API v2 through tweepy, mapped onto the domain's outcomes.

One adapter per port, both on one `XClients`, so an account is set up once for both:

- client.py: the tweepy clients, one per account (OAuth 2.0 bearer or OAuth 1.0a), sent to
  X_API_BASE_URL with a timeout, and access renewed after X refuses it;
- publishing.py: creating a post and finding it again (the Network port);
- reading.py: reading a chat's hashtag (the PostReader port), every field in one read;
- errors.py: what tweepy and requests raise, as the domain's outcomes;

Importing this package loads tweepy, so it is imported only where X is called (bootstrap does so
lazily): no function pays for tweepy at cold start.
"""

from chatdeck.adapters.x.client import XClients
from chatdeck.adapters.x.publishing import XPublishing
from chatdeck.adapters.x.reading import XReading

__all__ = ["XClients", "XPublishing", "XReading"]
