"""XNetwork: one object for both ports Chatdeck uses X through, publishing (Network) and reading
chats (PostReader), sharing one set of clients so an account is set up once for both."""

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from chatdeck.adapters.x.client import Credentials, XClients
from chatdeck.adapters.x.publishing import Publishing
from chatdeck.adapters.x.reading import Reading
from chatdeck.domain.archive import ArchivedPost, SearchPage
from chatdeck.domain.outcomes import Published
from chatdeck.ports import UserAccessProvider


class XNetwork:
    """X accounts: through their OAuth 2.0 connection when they have one, else (the cohort's) with
    OAuth 1.0a user-context credentials, fetched lazily and cached."""

    def __init__(
        self,
        credentials_for: Callable[[str], Credentials],
        base_url: str,
        timeout: tuple[float, float],
        connections: UserAccessProvider | None = None,
    ) -> None:
        self._clients = XClients(credentials_for, base_url, timeout, connections)
        self._publishing = Publishing(self._clients)
        self._reading = Reading(self._clients)

    def publish(self, account: str, text: str) -> Published:
        return self._publishing.publish(account, text)

    def find_own_post(self, account: str, text: str, since: datetime) -> Published | None:
        return self._publishing.find_own_post(account, text, since)

    def search_recent(
        self,
        account: str,
        query: str,
        since_id: str | None = None,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        next_token: str | None = None,
        max_results: int = 100,
    ) -> SearchPage:
        """One page of GET /2/tweets/search/recent, newest first; raises ReadFailed."""
        return self._reading.search_recent(
            account, query, since_id, start_time, end_time, next_token, max_results
        )

    def lookup_posts(self, account: str, ids: Sequence[str]) -> list[ArchivedPost]:
        """GET /2/tweets?ids=… (at most 100): the posts that still exist, with their counts now;
        raises ReadFailed."""
        return self._reading.lookup_posts(account, ids)

    def _client(self, account: str) -> Any:
        """The account's OAuth 1.0a client (the adapter's contract test watches its session)."""
        return self._clients.client(account)
