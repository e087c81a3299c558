"""A deployment that posts to X, Bluesky and Mastodon at once, for the fault-injection suites.

The `deployment` fixture's moto tables and X sandbox, plus the Bluesky and Mastodon sandboxes
with the cohort's accounts connected through the real wiring (tests/integration/deployment.py,
test_chat_across_networks.py). `Net` names each network's create endpoint and reads back what
reached it; `check_invariants` asserts what must hold after any fault:
- no post is on any network twice;
- every target has ended (POSTED, FAILED, UNCONFIRMED, CANCELLED, DECLINED) or waits QUEUED with
  a reason a member can read, and none is PUBLISHING past its lease;
- the author got at most one email per failed or unconfirmed target.
"""

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
import requests

from chatdeck.bootstrap import Services
from chatdeck.domain.posts import Post, PostStatus
from chatdeck.services.bluesky_accounts import connect_seeded as connect_bluesky
from chatdeck.services.mastodon_accounts import connect_seeded as connect_mastodon
from chatdeck.services.publishing import Publisher
from devstack.bluesky.accounts import COHORT_APP_PASSWORD, COHORT_HANDLE
from tests.integration.deployment import Deployment

AUTHOR = "teacher@school.example"
ENDED = {
    PostStatus.POSTED,
    PostStatus.FAILED,
    PostStatus.UNCONFIRMED,
    PostStatus.CANCELLED,
    PostStatus.DECLINED,
}


@dataclass(frozen=True)
class Net:
    name: str
    url: str
    create: str  # the endpoint that makes a post, as the sandbox logs and faults it
    text_of: Callable[[dict[str, Any]], str]

    @property
    def target(self) -> tuple[str, str]:
        return (self.name, "cohort")

    def texts(self) -> list[str]:
        posts = requests.get(f"{self.url}/sandbox/posts", timeout=5).json()
        return [self.text_of(post) for post in posts]

    def creates(self) -> int:
        """How many create calls reached the network, whatever each answered."""
        logged = requests.get(f"{self.url}/sandbox/requests", timeout=5).json()
        return sum(1 for r in logged if r["endpoint"] == self.create)

    def fault(self, **spec: Any) -> None:
        body = {"endpoint": self.create, **spec} if spec else {}
        answer = requests.post(f"{self.url}/sandbox/faults", json=body, timeout=5)
        assert answer.status_code < 300, answer.text

    def reset_value(self, at: datetime) -> int | str:
        """A 429's reset as this network's fault takes it (Mastodon: ISO 8601; others: epoch)."""
        return at.isoformat() if self.name == "mastodon" else int(at.timestamp())


@dataclass
class Stack:
    deployment: Deployment
    nets: dict[str, Net]

    @property
    def services(self) -> Services:
        return self.deployment.services

    def second_publisher(self) -> Publisher:
        """Another invocation of the publisher: its own Publisher, on the same stores."""
        first = self.services.publisher
        return Publisher(first.posts, first.networks, first.accounts, first.notices, first.lease, 2)


@pytest.fixture
def stack(deployment: Deployment, bluesky_url: str, mastodon_url: str) -> Iterator[Stack]:
    requests.delete(f"{mastodon_url}/sandbox/posts", timeout=5).raise_for_status()
    settings = deployment.services.settings.model_copy(
        update={"bluesky_service_url": bluesky_url, "outbound_allow_loopback_http": True}
    )
    services = Services(settings, clock=deployment.services.clock)
    connect_bluesky(services, "cohort", COHORT_HANDLE, COHORT_APP_PASSWORD, bluesky_url)
    connect_mastodon(services, "cohort", mastodon_url, "cohort")
    deployment.services = services
    nets = {
        "x": Net("x", deployment.sandbox_url, "POST /2/tweets", lambda p: str(p["text"])),
        "bluesky": Net(
            "bluesky",
            bluesky_url,
            "POST /xrpc/com.atproto.repo.createRecord",
            lambda p: str(p["record"]["text"]),
        ),
        "mastodon": Net(
            "mastodon", mastodon_url, "POST /api/v1/statuses", lambda p: str(p["text"])
        ),
    }
    yield Stack(deployment, nets)
    for net in nets.values():
        net.fault()


def check_invariants(stack: Stack, posts: list[Post], now: datetime) -> None:
    deployment = stack.deployment
    for net in stack.nets.values():
        on_network = Counter(net.texts())
        twice = [text for text, seen in on_network.items() if seen > 1]
        assert twice == [], f"on {net.name} twice: {twice}"
    mails = Counter[str]()
    for post in posts:
        stored = deployment.post(post.id)
        for target in stored.targets:
            where = f"{post.id} on {target.key}"
            if target.status is PostStatus.QUEUED:
                assert target.reason, f"{where} waits with no reason"
            elif target.status is PostStatus.PUBLISHING:
                lease_end = target.next_action_at
                assert lease_end is not None and lease_end > now, f"{where} stuck PUBLISHING"
            else:
                assert target.status in ENDED, where
            if target.status in (PostStatus.FAILED, PostStatus.UNCONFIRMED):
                mails[post.author_email] += 1
    for author in {p.author_email for p in posts}:
        told = len(deployment.emails_to(author))
        assert told <= mails[author], f"{author} was emailed {told} times for {mails[author]}"
