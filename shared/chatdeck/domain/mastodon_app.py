"""Chatdeck's app on one Mastodon instance: registered once (`POST /api/v1/apps`) and kept.

Any instance can be connected, so there is no app set up at deploy time: the first member to
connect an account on an instance registers Chatdeck there, and everyone after uses that app.
The client secret never shows in a repr.
"""

from dataclasses import dataclass, field
from datetime import datetime

SCOPES = ("read:accounts", "read:statuses", "write:statuses")


@dataclass(frozen=True)
class MastodonApp:
    instance: str  # the instance's base URL, `https://host` (lowercase, no path)
    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str
    scopes: tuple[str, ...]
    registered_at: datetime
