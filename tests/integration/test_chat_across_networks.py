"""A chat on X, Bluesky and Mastodon at once, over real HTTP: each transcript staged through its
sandbox's POST /sandbox/chats, read by the real adapters (tweepy and atproto as `Services` wires
them; Mastodon.py connected as tests/integration/mastodon_kit.py does), into one archived session
in DynamoDB (moto server), and one digest email naming where each post was."""

import email
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.message import Message
from typing import Any

import pytest
import requests

from chatdeck.bootstrap import Services
from chatdeck.domain.chats import Chat, Subscription
from chatdeck.services.bluesky_accounts import connect_seeded
from devstack.bluesky.accounts import COHORT_APP_PASSWORD, COHORT_HANDLE
from tests.integration.bluesky_fixtures import bluesky_server, bluesky_url
from tests.integration.deployment import ADMIN, Deployment, InjectedClock, sample_chat
from tests.integration.mastodon_kit import make_kit, mastodon_url

pytestmark = pytest.mark.integration
__all__ = ["bluesky_server", "bluesky_url", "mastodon_url"]

START = datetime(2026, 3, 3, 1, 0, tzinfo=UTC)  # Mon 2 Mar 2026, 20:00 in New York
OCCURRENCE = "twochat#2026-03-03T01:00:00Z"
X_TRANSCRIPT = [
    {"id": "q1", "author": "edtechmod", "text": "Q1 What feedback works? #twochat", "minute": 0,
     "likes": 9},
    {"id": "a1", "author": "ben_teaches", "text": "A1 Timely feedback #twochat", "minute": 3,
     "reply_to": "q1", "likes": 4, "reposts": 1},
    {"author": "ScienceSue", "text": "A1 Feedback they act on #twochat", "minute": 5, "likes": 2},
]  # fmt: skip
BLUESKY_TRANSCRIPT = [
    {"id": "q1", "author": "edtechmod", "text": "Q1 What feedback works? #twochat", "minute": 0},
    {"id": "a1", "author": "ana", "text": "A1 Stations with checklists #twochat", "minute": 2,
     "reply_to": "q1", "likes": 11, "reposts": 3},
    {"author": "lin", "text": "Love this! #twochat", "minute": 4, "reply_to": "a1"},
]  # fmt: skip
MASTODON_TRANSCRIPT = [
    {"id": "a1", "author": "maya", "text": "A1 Conferences, five minutes each #TwoChat",
     "minute": 6, "likes": 5},
]  # fmt: skip


def body(posts: list[dict[str, Any]]) -> dict[str, Any]:
    staged = [
        {k: v for k, v in post.items() if k != "minute"}
        | {"created_at": (START + timedelta(minutes=post["minute"])).isoformat()}
        for post in posts
    ]
    return {"hashtag": "TwoChat", "start": START.isoformat(), "posts": staged}


def stage(url: str, posts: list[dict[str, Any]]) -> list[str]:
    answer = requests.post(f"{url}/sandbox/chats", json=body(posts), timeout=10)
    assert answer.status_code == 201, answer.text
    ids: list[str] = answer.json()["ids"]
    return ids


@pytest.fixture
def services(deployment: Deployment, bluesky_url: str, mastodon_url: str) -> Iterator[Services]:
    settings = deployment.services.settings.model_copy(
        update={"bluesky_service_url": bluesky_url, "outbound_allow_loopback_http": True}
    )
    found = Services(settings, clock=InjectedClock(START))
    connect_seeded(found, "cohort", COHORT_HANDLE, COHORT_APP_PASSWORD, bluesky_url)
    requests.delete(f"{mastodon_url}/sandbox/posts", timeout=5).raise_for_status()
    mastodon = make_kit(mastodon_url)
    mastodon.connect()
    found.poller.readers["mastodon"] = mastodon.reader
    yield found


def three_networks_chat(**fields: Any) -> Chat:
    """The sample chat as #TwoChat on X, Bluesky and Mastodon, its first session START's."""
    return sample_chat(
        id="twochat",
        name="Three Networks Chat",
        hashtag="#TwoChat",
        networks=["x", "bluesky", "mastodon"],
        first_date=date(2026, 3, 2),
        **fields,
    )


def at(services: Services, sandboxes: list[str], moment: datetime) -> datetime:
    """Every sandbox's clock, and the services', at `moment`."""
    for url in sandboxes:
        answer = requests.post(f"{url}/sandbox/clock", json={"now": moment.isoformat()}, timeout=5)
        answer.raise_for_status()
    clock = services.clock
    assert isinstance(clock, InjectedClock)
    clock.instant = moment
    return moment


def test_a_chat_on_three_networks_is_one_session_and_one_digest(
    deployment: Deployment, services: Services, bluesky_url: str, mastodon_url: str
) -> None:
    sandboxes = [deployment.sandbox_url, bluesky_url, mastodon_url]
    x_ids = stage(deployment.sandbox_url, X_TRANSCRIPT)
    bluesky_ids = stage(bluesky_url, BLUESKY_TRANSCRIPT)
    mastodon_ids = stage(mastodon_url, MASTODON_TRANSCRIPT)
    chat = three_networks_chat(moderators=["edtechmod", "edtechmod.bsky.social"])
    services.chats.save(chat)
    services.subscriptions.subscribe(
        Subscription(chat_id=chat.id, email=ADMIN, reminders=False, digests=True)
    )
    assert set(services.readers) >= {"x", "bluesky"}

    for minute in (1, 4, 30):
        services.poller.poll(at(services, sandboxes, START + timedelta(minutes=minute)))
    end_of_window = START + timedelta(minutes=90)
    services.poller.poll(at(services, sandboxes, end_of_window + timedelta(seconds=30)))
    services.poller.refresh_counts(at(services, sandboxes, end_of_window + timedelta(minutes=1)))
    sent = services.digests.send_ready(
        at(services, sandboxes, end_of_window + timedelta(minutes=2))
    )

    archive = services.poller.session(OCCURRENCE)
    assert archive is not None and archive.session.status == "digested"
    kept = {(post.network, post.id) for post in archive.posts}
    assert kept == (
        {("x", i) for i in x_ids}
        | {("bluesky", i) for i in bluesky_ids}
        | {("mastodon", i) for i in mastodon_ids}
    )
    meta = archive.session
    assert meta.reads == 3 and meta.cost_usd == Decimal("0.015")  # X's reads, billed once
    assert meta.reads_on("bluesky") >= 3 + 3  # its searches and its lookup, free
    assert meta.reads_on("mastodon") >= 1 + 1
    assert meta.failing == {}
    assert sent == 1
    [raw] = deployment.emails_to(ADMIN)
    text = plain_text(email.message_from_string(raw))
    assert "#TwoChat (Three Networks Chat) on X, Bluesky and Mastodon" in text
    assert "(@maya on Mastodon), 5 likes" in text
    assert "(@ana.bsky.social on Bluesky), 11 likes" in text
    assert "(@ben_teaches on X), 4 likes" in text
    assert "https://bsky.app/profile/ana.bsky.social/post/" in text
    assert text.count("Q1 What feedback works?") == 1  # asked on both: one question


def plain_text(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no text part")
