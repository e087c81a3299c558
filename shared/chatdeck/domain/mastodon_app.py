"""Chatdeck's app on one Mastodon instance: registered once (`POST /api/v1/apps`) and kept.

Any instance can be connected, so there is no app set up at deploy time: the first member to
connect an account on an instance registers Chatdeck there, and everyone after uses that app.
The client secret never shows in a repr.
"""

import base64
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


def state_for(nonce: str, instance: str) -> str:
    """A connect's OAuth `state`: a random nonce, then the instance it goes to (PendingConnect
    keeps no instance, and the callback must learn it from a connect it has taken, never from
    the query)."""
    encoded = base64.urlsafe_b64encode(instance.encode()).rstrip(b"=").decode()
    return f"{nonce}.{encoded}"


def instance_of_state(state: str) -> str | None:
    """The instance a connect's state names; None for a state Chatdeck did not make."""
    _, dot, encoded = state.partition(".")
    if not dot or not encoded:
        return None
    try:
        instance = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    return instance if instance.startswith(("https://", "http://")) else None
