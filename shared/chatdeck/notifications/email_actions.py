"""Links in emails that act without signing in: signed with the stack's key from SSM. The same
key makes members' calendar feed addresses (domain/feed_addresses.py)."""

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from chatdeck.domain import action_tokens, feed_addresses

UNSUBSCRIBE_LIFETIME = timedelta(days=90)


class EmailActions:
    def __init__(self, key: Callable[[], bytes], public_url: Callable[[], str]) -> None:
        self._key = key  # fetched (and cached) only when a link is made or checked
        self._public_url = public_url

    def sign(self, purpose: str, subject: Mapping[str, Any], expires: datetime) -> str:
        return action_tokens.sign(self._key(), purpose, subject, expires)

    def verify(self, token: str, purpose: str, now: datetime) -> dict[str, Any]:
        return action_tokens.verify(self._key(), token, purpose, now)

    def unsubscribe_url(self, email: str, chat_id: str, what: str, now: datetime) -> str:
        subject = {"email": email, "chat": chat_id, "what": what}
        token = self.sign("unsubscribe", subject, now + UNSUBSCRIBE_LIFETIME)
        return f"{self._public_url().rstrip('/')}/unsubscribe/{token}"

    def new_feed_seed(self, email: str) -> feed_addresses.FeedSeed:
        """A new calendar feed address for the member (what the StateTable keeps of it)."""
        return feed_addresses.new_seed(self._key(), email)

    def feed_token(self, seed: feed_addresses.FeedSeed) -> str:
        """The token in the member's feed URLs, made again from their seed."""
        return feed_addresses.token_for(self._key(), seed.email, seed.nonce)
