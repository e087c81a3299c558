"""Seed the local stack's chats: two weekly ed chats, and a demo chat on each network (X,
Bluesky, Mastodon) that goes live a few minutes after start, whose transcript each network's
sandbox stages through its `POST /sandbox/chats` (devstack.sandbox.demo, devstack.bluesky,
devstack.mastodon: `demo_chat_body(start)`), so the companion archives it live and its digest
arrives after the window.

The Bluesky and Mastodon sandboxes are found at DEVSTACK_BLUESKY_URL and DEVSTACK_MASTODON_URL
(else on 127.0.0.1 at DEVSTACK_BLUESKY_PORT and DEVSTACK_MASTODON_PORT, 8701 and 8702 by
default), unless `seed_chats` is given their addresses. A sandbox that does not answer gets its
chat in the calendar all the same, and a line saying its transcript was not staged.
"""

import os
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

import requests

from chatdeck.bootstrap import Services
from chatdeck.domain.chats import NETWORK_NAMES, Chat, Network, Recurrence, Subscription
from chatdeck.settings import Settings
from devstack import bluesky, mastodon
from devstack.sandbox import demo as x_demo

LIVE_CHAT = x_demo.DEMO_HASHTAG
LIVE_MODERATORS = list(x_demo.DEMO_MODERATORS)
DEFAULT_PORTS = {"bluesky": "8701", "mastodon": "8702"}


def sandbox_url(network: str) -> str:
    """Where the local stack's sandbox of a network answers (read when the chats are seeded)."""
    name = network.upper()
    port = os.environ.get(f"DEVSTACK_{name}_PORT", DEFAULT_PORTS[network])
    return os.environ.get(f"DEVSTACK_{name}_URL", f"http://127.0.0.1:{port}")


LIVE_IN = timedelta(minutes=6)
LIVE_QUESTIONS = [
    "What does feedback that moves learning look like in your room?",
    "How do you make time for students to act on feedback?",
    "Which tools help you give feedback at scale?",
    "How do students give each other feedback?",
    "What feedback do you ask students to give you?",
    "What one thing will you try this week?",
]


def weekly(weekday: int, start: time, zone: str, first: date, minutes: int = 60) -> Recurrence:
    return Recurrence(
        weekday=weekday, start=start, zone=zone, duration_minutes=minutes, first_date=first
    )


def demo_chats(start: datetime) -> list[tuple[Chat, Callable[[datetime], dict[str, Any]]]]:
    """The demo chat of each network, live at `start`, each with the body that stages it."""
    recurrence = weekly(start.weekday(), start.time(), "UTC", start.date())

    def demo(chat_id: str, name: str, network: Network, moderators: list[str]) -> Chat:
        return Chat(
            id=chat_id,
            name=name,
            hashtag=f"#{chat_id}",
            networks=[network],
            recurrence=recurrence,
            moderators=moderators,
            description=f"A demo chat on {NETWORK_NAMES[network]}, live a few minutes after "
            "`make dev` starts.",
        )

    live = demo(LIVE_CHAT, "Feedback that moves learning (demo)", "x", LIVE_MODERATORS)
    live = live.model_copy(update={"questions": {start.date(): LIVE_QUESTIONS}})
    return [
        (live, x_demo.demo_chat_body),
        (
            # the sandbox gives a staged author `name` the handle `name.bsky.social`
            demo(bluesky.DEMO_HASHTAG, "Sky Ed Chat (demo)", "bluesky",
                 ["skyedchat-host.bsky.social"]),
            bluesky.demo_chat_body,
        ),
        (
            # Mastodon names an account of the reading instance without its server
            demo(mastodon.DEMO_HASHTAG, "Masto Ed Chat (demo)", "mastodon",
                 ["edchat_demo_mod@mastodon.local"]),
            mastodon.demo_chat_body,
        ),
    ]  # fmt: skip


def seed_chats(
    state_table: str,
    x_sandbox: str,
    admin: str,
    now: datetime,
    live_in: timedelta = LIVE_IN,
    sandboxes: dict[str, str] | None = None,
) -> Chat:
    """Store the chats (once; the demo chats again, for their new start), subscribe the admin to
    the demo chats, and have each sandbox stage its demo chat. `sandboxes` are the sandboxes'
    addresses by network (X's is `x_sandbox`; the others' default to `sandbox_url(network)`).
    The stores are the composition root's, on the local stack's StateTable. Answers the X demo
    chat."""
    services = Services(Settings(state_table=state_table))
    store = services.chats
    start = (now + live_in).replace(second=0, microsecond=0)
    urls = {n: sandbox_url(n) for n in DEFAULT_PORTS} | {"x": x_sandbox, **(sandboxes or {})}
    demos = demo_chats(start)
    weekly_chats = [
        Chat(
            id="edtechchat",
            name="EdTech Chat",
            hashtag="#edtechchat",
            networks=["x"],
            recurrence=weekly(0, time(20, 0), "America/New_York", date(2026, 9, 7)),
            moderators=["edtechchat"],
            description="Technology in the classroom, every Monday.",
        ),
        Chat(
            id="ukedchat",
            name="UKEdChat",
            hashtag="#ukedchat",
            networks=["x"],
            recurrence=weekly(3, time(20, 0), "Europe/London", date(2026, 9, 3), 60),
            moderators=["ukedchat"],
            description="The UK's weekly education chat, Thursdays.",
        ),
    ]
    for chat in weekly_chats:
        if store.get(chat.id) is None:
            store.save(chat)
    for chat, body in demos:
        store.save(chat)
        services.subscriptions.subscribe(
            Subscription(chat_id=chat.id, email=admin, reminders=True, digests=True, lead_minutes=5)
        )
        [network] = chat.networks
        stage_transcript(urls[network], body(start), chat.hashtag)
    return demos[0][0]


def stage_transcript(sandbox_url: str, body: dict[str, Any], hashtag: str) -> None:
    """Stage a demo chat's transcript on its sandbox; say so when the sandbox is not there."""
    try:
        answer = requests.post(f"{sandbox_url}/sandbox/chats", json=body, timeout=30)
    except requests.ConnectionError:
        print(f"[runtime] no sandbox at {sandbox_url}: {hashtag} has no posts", flush=True)
        return
    answer.raise_for_status()
