"""One post from the form to X, Bluesky and Mastodon in the local stack, through the real
handlers, the real tweepy, atproto and Mastodon.py clients and the three sandboxes: it reaches
each network exactly once at its minute, and the queue shows three posted targets with links."""

from datetime import timedelta
from typing import Any

import pytest
import requests

from tests.e2e.browser.helpers import ADMIN, emails_to, minutes_ahead, tick
from tests.e2e.conftest import LocalStack
from tests.e2e.member_client import MemberClient

pytestmark = pytest.mark.e2e

TARGETS = ["x:cohort", "bluesky:cohort", "mastodon:cohort"]


def created(sandbox: str, text_of: str, text: str) -> list[dict[str, Any]]:
    answer = requests.get(f"{sandbox}/sandbox/posts", timeout=10)
    answer.raise_for_status()
    return [p for p in answer.json() if text in str(p.get(text_of) or p.get("record", {}))]


def creates(sandbox: str, endpoint: str) -> int:
    answer = requests.get(f"{sandbox}/sandbox/requests", timeout=10)
    return sum(1 for r in answer.json() if r.get("endpoint") == endpoint)


def test_the_form_offers_every_connected_cohort_account_with_its_length_rule(
    admin: MemberClient,
) -> None:
    page = admin.get("/").text
    for value in TARGETS:
        assert f'value="{value}"' in page
    assert 'data-network="bluesky" data-unit="graphemes" data-max="300"' in page
    assert 'data-network="mastodon" data-unit="characters" data-max="500"' in page


def schedule_everywhere(admin: MemberClient, text: str, due: Any) -> str:
    submission = admin.form_field("/", "submission_id")
    form = [
        ("submission_id", submission),
        ("text", text),
        ("local_date", due.strftime("%Y-%m-%d")),
        ("local_time", due.strftime("%H:%M")),
        ("zone", "UTC"),
        ("targets_shown", "1"),
        *[("targets", value) for value in TARGETS],
    ]
    assert admin.post("/posts", data=form).status_code == 201
    return submission


def test_a_network_that_refuses_fails_only_its_target_and_the_author_hears_which(
    local_stack: LocalStack, admin: MemberClient
) -> None:
    due = minutes_ahead(9)
    text = f"One network refuses this at {due:%H:%M}; the others post it. #edchat"
    post_id = schedule_everywhere(admin, text, due)
    fault = {"endpoint": "POST /api/v1/statuses", "status": 422, "count": 1}
    requests.post(f"{local_stack.mastodon}/sandbox/faults", json=fault, timeout=10)
    try:
        tick(local_stack, due)
        tick(local_stack, due + timedelta(minutes=1))
    finally:
        requests.post(f"{local_stack.mastodon}/sandbox/faults", json={}, timeout=10)

    [mine] = [p for p in admin.posts() if p["id"] == post_id]
    by_network = {t["network"]: t for t in mine["targets"]}
    assert {n: t["status"] for n, t in by_network.items()} == {
        "x": "POSTED",
        "bluesky": "POSTED",
        "mastodon": "FAILED",
    }
    assert by_network["mastodon"]["reason"]
    assert mine["status"] == "FAILED"
    assert len(created(local_stack.sandbox, "submitted_text", text)) == 1
    assert len(created(local_stack.bluesky, "record", text)) == 1
    assert created(local_stack.mastodon, "text", text) == []
    [told] = emails_to(local_stack, ADMIN, "was not published")
    assert "Mastodon" in str(told)


def test_a_cross_post_reaches_each_network_once_and_the_queue_links_all_three(
    local_stack: LocalStack, admin: MemberClient
) -> None:
    due = minutes_ahead(7)
    text = f"Cross-posted for {due:%H:%M} UTC: café ☕ 漢字 https://example.org/notes #edchat"
    form = [
        ("submission_id", admin.form_field("/", "submission_id")),
        ("text", text),
        ("local_date", due.strftime("%Y-%m-%d")),
        ("local_time", due.strftime("%H:%M")),
        ("zone", "UTC"),
        ("targets_shown", "1"),
        ("visibility", "unlisted"),
        *[("targets", value) for value in TARGETS],
    ]
    assert admin.post("/posts", data=form).status_code == 201
    before = {
        "x": creates(local_stack.sandbox, "POST /2/tweets"),
        "bluesky": creates(local_stack.bluesky, "POST /xrpc/com.atproto.repo.createRecord"),
        "mastodon": creates(local_stack.mastodon, "POST /api/v1/statuses"),
    }

    tick(local_stack, due - timedelta(minutes=1))
    assert created(local_stack.sandbox, "submitted_text", text) == []
    tick(local_stack, due)
    tick(local_stack, due + timedelta(minutes=1))

    [on_x] = created(local_stack.sandbox, "submitted_text", text)
    assert on_x["author"]
    [on_bluesky] = created(local_stack.bluesky, "record", text)
    [on_mastodon] = created(local_stack.mastodon, "text", text)
    assert on_bluesky["record"]["text"] == text
    tags = [
        feature["tag"]
        for facet in on_bluesky["record"].get("facets", [])
        for feature in facet["features"]
        if "tag" in feature
    ]
    assert tags == ["edchat"]
    assert on_mastodon["visibility"] == "unlisted"
    assert on_mastodon["idempotency_key"]
    after = {
        "x": creates(local_stack.sandbox, "POST /2/tweets"),
        "bluesky": creates(local_stack.bluesky, "POST /xrpc/com.atproto.repo.createRecord"),
        "mastodon": creates(local_stack.mastodon, "POST /api/v1/statuses"),
    }
    assert {k: after[k] - before[k] for k in after} == {"x": 1, "bluesky": 1, "mastodon": 1}

    [mine] = [p for p in admin.posts() if p["id"] == form[0][1]]
    assert mine["status"] == "POSTED"
    by_network = {t["network"]: t for t in mine["targets"]}
    assert {n: t["status"] for n, t in by_network.items()} == {
        "x": "POSTED",
        "bluesky": "POSTED",
        "mastodon": "POSTED",
    }
    assert by_network["x"]["url"].startswith("https://x.com/")
    assert by_network["bluesky"]["url"].startswith(
        "https://bsky.app/profile/cohort.chatdeck.test/post/"
    )
    assert by_network["mastodon"]["url"] == on_mastodon["url"]
    queue = admin.get("/posts").text
    for target in mine["targets"]:
        assert target["url"] in queue
