"""The Mastodon sandbox on a free port, and Chatdeck's real Mastodon adapters pointed at it.

Real parts: Mastodon.py over HTTP to the sandbox, the outbound check (loopback http allowed, as
in the local stack), the OAuth adapter and the MastodonAccounts service; stores in memory (the
connection store's DynamoDB adapter is covered by its own tests, the app store's below).
"""

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from chatdeck.adapters.mastodon.apps import MastodonApps, register_with
from chatdeck.adapters.mastodon.client import MastodonClients, make_client
from chatdeck.adapters.mastodon.instance import InstanceRulesCache
from chatdeck.adapters.mastodon.oauth import MastodonOAuth, UrlChecks, sandbox_approver
from chatdeck.adapters.mastodon.publishing import MastodonPublishing
from chatdeck.adapters.mastodon.reading import MastodonReading
from chatdeck.adapters.outbound import Outbound
from chatdeck.domain.accounts import Connection
from chatdeck.domain.outgoing import Outgoing
from chatdeck.services.mastodon_accounts import MastodonAccounts
from devstack.mastodon import make_mastodon_server
from tests.fakes.clock_and_mail import FixedClock
from tests.fakes.connections import FakeConnectionStore, FakePendingConnectionStore
from tests.fakes.mastodon import FakeMastodonAppStore

TIMEOUT = (2.0, 5.0)
CALLBACK = "http://127.0.0.1:3000/accounts/mastodon/callback"


@pytest.fixture(scope="session")
def mastodon_url() -> Iterator[str]:
    server = make_mastodon_server(port=0)
    thread = threading.Thread(target=server.serve_forever, name="mastodon", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Kit:
    base: str
    connections: FakeConnectionStore
    pending: FakePendingConnectionStore
    app_store: FakeMastodonAppStore
    oauth: MastodonOAuth
    accounts: MastodonAccounts
    clients: MastodonClients
    network: MastodonPublishing
    reader: MastodonReading
    rules: InstanceRulesCache
    clock: FixedClock

    def control(self, method: str, path: str, body: Any = None) -> Any:
        answer = requests.request(method, f"{self.base}{path}", json=body, timeout=5)
        assert answer.status_code < 300, answer.text
        return answer.json() if answer.content else None

    def connect(self, account: str = "cohort", username: str = "cohort") -> Connection:
        return self.accounts.connect_seeded(account, self.base, username, CALLBACK)

    def creates(self) -> list[dict[str, Any]]:
        return [
            r
            for r in self.control("GET", "/sandbox/requests")
            if r["endpoint"] == "POST /api/v1/statuses"
        ]


def make_kit(base: str) -> Kit:
    clock = FixedClock(datetime.now(UTC))
    check = UrlChecks(Outbound(allow_loopback_http=True))

    def client(instance: str, **credentials: str) -> Any:
        return make_client(instance, TIMEOUT, check, **credentials)

    connections = FakeConnectionStore("mastodon")
    pending = FakePendingConnectionStore()
    app_store = FakeMastodonAppStore()
    apps = MastodonApps(app_store, register_with(client, TIMEOUT), clock)
    oauth = MastodonOAuth(apps, client, check, clock, allow_http=True)
    clients = MastodonClients(connections, clock, TIMEOUT, check)
    return Kit(
        base=base,
        connections=connections,
        pending=pending,
        app_store=app_store,
        oauth=oauth,
        accounts=MastodonAccounts(connections, pending, oauth, clock, sandbox_approver(TIMEOUT)),
        clients=clients,
        network=MastodonPublishing(clients),
        reader=MastodonReading(clients),
        rules=InstanceRulesCache(client),
        clock=clock,
    )


@pytest.fixture
def kit(mastodon_url: str) -> Kit:
    requests.delete(f"{mastodon_url}/sandbox/posts", timeout=5).raise_for_status()
    return make_kit(mastodon_url)


def outgoing(text: str, post_id: str = "post-1", account: str = "cohort", **extra: Any) -> Outgoing:
    return Outgoing(
        post_id=post_id,
        network="mastodon",
        account=account,
        text=text,
        due_utc=datetime(2026, 12, 1, 20, tzinfo=UTC),
        **extra,
    )
