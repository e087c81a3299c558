"""Mastodon, on any instance, through Mastodon.py, mapped onto the domain's outcomes.

- client.py: one Mastodon.py client per connected account and token, on a session that checks
  every address (outbound.py) and puts the invocation's timeouts on every request;
- apps.py: Chatdeck's app, registered once per instance and kept (MastodonAppStore);
- oauth.py: connecting an account with OAuth 2.0 and PKCE S256 (MastodonOAuthClient);
- publishing.py: creating a status once with `Idempotency-Key`, and finding it (Network);
- reading.py: hashtag timelines paged with `min_id`, and statuses by id (PostReader);
- instance.py: the instance's own rules from `/api/v2/instance` (length, hashtag feeds);
- errors.py: what Mastodon.py raises, as the domain's outcomes (docs/mastodon.md).

Importing this package loads Mastodon.py, so it is imported only where Mastodon is called
(bootstrap does so lazily): no function pays for it at cold start.
"""

from chatdeck.adapters.mastodon.client import MastodonClients
from chatdeck.adapters.mastodon.publishing import MastodonPublishing
from chatdeck.adapters.mastodon.reading import MastodonReading

__all__ = ["MastodonClients", "MastodonPublishing", "MastodonReading"]
