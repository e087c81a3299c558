"""A transcript staged without counts on X, Bluesky and Mastodon, over real HTTP: each sandbox
serves its posts without counts, the real readers (tweepy, atproto, Mastodon.py) keep them
unknown (None) through polling and the count lookups, the archive on moto server stores them so,
and the digest email shows no made-up zeros while its best answers follow the session's own
replies."""

import email
from datetime import timedelta

import pytest

from chatdeck.bootstrap import Services
from chatdeck.domain.chats import Subscription
from tests.integration.bluesky_fixtures import bluesky_server, bluesky_url
from tests.integration.deployment import ADMIN, Deployment
from tests.integration.mastodon_kit import mastodon_url
from tests.integration.test_chat_across_networks import (
    OCCURRENCE,
    START,
    at,
    plain_text,
    services,
    stage,
    three_networks_chat,
)

pytestmark = pytest.mark.integration
__all__ = ["bluesky_server", "bluesky_url", "mastodon_url", "services"]  # fixtures

X_TRANSCRIPT = [
    {"id": "q1", "author": "edtechmod", "text": "Q1 What feedback works? #twochat", "minute": 0},
    {"id": "a1", "author": "ben_teaches", "text": "A1 Timely feedback #twochat", "minute": 3,
     "reply_to": "q1"},
    {"id": "a2", "author": "ScienceSue", "text": "A1 Feedback they act on #twochat", "minute": 5,
     "reply_to": "q1"},
    {"author": "kim_k", "text": "Yes, so true #twochat", "minute": 6, "reply_to": "a2"},
]  # fmt: skip
BLUESKY_TRANSCRIPT = [
    {"author": "ana", "text": "A1 Stations with checklists #twochat", "minute": 2},
]  # fmt: skip
MASTODON_TRANSCRIPT = [
    {"author": "maya", "text": "A1 Conferences, five minutes each #TwoChat", "minute": 7},
]  # fmt: skip


def test_a_transcript_without_counts_reads_without_zeros(
    deployment: Deployment, services: Services, bluesky_url: str, mastodon_url: str
) -> None:
    sandboxes = [deployment.sandbox_url, bluesky_url, mastodon_url]
    stage(deployment.sandbox_url, X_TRANSCRIPT)
    stage(bluesky_url, BLUESKY_TRANSCRIPT)
    stage(mastodon_url, MASTODON_TRANSCRIPT)
    chat = three_networks_chat()
    services.chats.save(chat)
    services.subscriptions.subscribe(
        Subscription(chat_id=chat.id, email=ADMIN, reminders=False, digests=True)
    )
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
    assert {post.network for post in archive.posts} == {"x", "bluesky", "mastodon"}
    unknown = {(post.network, post.author_handle): post.counts for post in archive.posts}
    assert set(unknown.values()) == {(None, None, None, None)}, unknown

    assert sent == 1
    [raw] = deployment.emails_to(ADMIN)
    text = plain_text(email.message_from_string(raw))
    assert "like" not in text and "repost" not in text and "repl" not in text
    best = text.split("Q1 What feedback works?", 1)[1]
    assert best.index("@ScienceSue") < best.index("@ben_teaches")  # replied to in the session
