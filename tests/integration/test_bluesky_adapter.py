"""Chatdeck's Bluesky adapter through the real atproto client, against the Bluesky sandbox over
real HTTP, with the session stored in DynamoDB (moto server) as a deployment stores it.

The adapter is taken from `Services` (bootstrap), so the wiring is what a function runs.
"""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from chatdeck.bootstrap import Services
from chatdeck.domain.errors import ConnectError
from chatdeck.domain.outcomes import (
    AccountDisconnected,
    AccountUnavailable,
    NotSent,
    OutcomeUnknown,
    RateLimited,
    ReadFailed,
    Rejected,
)
from chatdeck.domain.outgoing import Outgoing
from chatdeck.domain.tid import tid_for
from chatdeck.services.bluesky_accounts import connect_seeded
from chatdeck.settings import Settings
from devstack.bluesky.accounts import (
    COHORT_APP_PASSWORD,
    COHORT_HANDLE,
    MEMBER_HANDLE,
    did_for,
)
from devstack.provision import TEMPLATE, create_table
from devstack.template import load_template
from tests.conftest import unique
from tests.integration.bluesky_fixtures import bluesky_server, bluesky_url

pytestmark = pytest.mark.integration
__all__ = ["bluesky_server", "bluesky_url"]

CREATE = "POST /xrpc/com.atproto.repo.createRecord"


@dataclass
class Stack:
    services: Services
    url: str

    def requests(self, endpoint: str) -> int:
        entries = requests.get(f"{self.url}/sandbox/requests", timeout=5).json()
        return sum(1 for entry in entries if entry["endpoint"] == endpoint)

    def posts(self) -> list[dict[str, Any]]:
        answer: list[dict[str, Any]] = requests.get(f"{self.url}/sandbox/posts", timeout=5).json()
        return answer

    def fault(self, **spec: Any) -> None:
        requests.post(f"{self.url}/sandbox/faults", json=spec, timeout=5).raise_for_status()

    def expire(self, handle: str = COHORT_HANDLE) -> None:
        requests.post(
            f"{self.url}/sandbox/sessions/expire", json={"handle": handle}, timeout=5
        ).raise_for_status()


@pytest.fixture
def stack(aws_env: str, bluesky_url: str) -> Iterator[Stack]:
    template = load_template(TEMPLATE)
    name = unique("StateTable")
    create_table(
        aws_env, name, {**template["Resources"]["StateTable"]["Properties"], "TableName": name}
    )
    settings = Settings(
        state_table=name,
        tokens_data_key_parameter=f"/chatdeck/{unique('test')}/tokens-data-key",
        bluesky_service_url=bluesky_url,
        outbound_allow_loopback_http=True,
        x_read_timeout=2.0,
    )
    yield Stack(Services(settings), bluesky_url)
    requests.post(f"{bluesky_url}/sandbox/faults", json={}, timeout=5)


def outgoing(text: str, post_id: str | None = None, **extra: Any) -> Outgoing:
    due = datetime.now(UTC).replace(second=0, microsecond=0)
    return Outgoing(post_id or unique("post"), "bluesky", "cohort", text, due, **extra)


def connected(stack: Stack) -> Stack:
    connect_seeded(stack.services, "cohort", COHORT_HANDLE, COHORT_APP_PASSWORD, stack.url)
    return stack


# Connecting


def test_connecting_stores_a_session_sealed_with_the_app_password(stack: Stack) -> None:
    connection = connected(stack).services.bluesky_accounts.connection("cohort")

    assert connection is not None and connection.username == COHORT_HANDLE
    stored = stack.services.bluesky_connections.get("cohort")
    assert stored is not None and stored.tokens is not None
    assert stored.user.user_id == did_for(COHORT_HANDLE)
    assert stored.user.server == stack.url  # the PDS from the session's didDoc
    assert stored.tokens.app_password == COHORT_APP_PASSWORD
    assert stored.tokens.expires_at > datetime.now(UTC) + timedelta(minutes=30)  # the JWT's exp
    assert stack.requests("POST /xrpc/com.atproto.server.createSession") == 1


def test_a_wrong_app_password_is_refused_with_a_sentence(stack: Stack) -> None:
    with pytest.raises(ConnectError, match="did not accept this handle and app password"):
        stack.services.bluesky_accounts.connect("cohort", COHORT_HANDLE, "wrong-pass", "a@b.c")
    assert stack.services.bluesky_accounts.connection("cohort") is None


# Publishing


def test_a_post_goes_out_with_facets_a_link_card_and_its_language(stack: Stack) -> None:
    connected(stack)
    page = f"{stack.url}/sandbox/pages/article"
    text = f"Café ☕ 日本 👩‍🏫 with @{MEMBER_HANDLE} and @nobody.chatdeck.test: {page} #EduSky"
    sessions_before = stack.requests("POST /xrpc/com.atproto.server.createSession")

    published = stack.services.bluesky_network.publish(outgoing(text, language="fr"))

    [post] = stack.posts()
    record = post["record"]
    assert published.remote_id == post["uri"]
    rkey = post["uri"].rsplit("/", 1)[1]
    assert published.url == f"https://bsky.app/profile/{COHORT_HANDLE}/post/{rkey}"
    assert record["text"] == text and record["langs"] == ["fr"]
    encoded = text.encode("utf-8")
    covered = {
        encoded[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(): f["features"][0]
        for f in record["facets"]
    }
    assert covered == {
        f"@{MEMBER_HANDLE}": {
            "$type": "app.bsky.richtext.facet#mention",
            "did": did_for(MEMBER_HANDLE),
        },
        page: {"$type": "app.bsky.richtext.facet#link", "uri": page},
        "#EduSky": {"$type": "app.bsky.richtext.facet#tag", "tag": "EduSky"},
    }  # the handle that does not resolve stays plain text
    external = record["embed"]["external"]
    assert record["embed"]["$type"] == "app.bsky.embed.external"
    assert external["uri"] == page and "sandbox page" in external["title"]
    assert external["thumb"]["mimeType"] == "image/png"
    assert stack.requests("POST /xrpc/com.atproto.server.createSession") == sessions_before


def test_a_publish_never_creates_a_session_while_the_stored_one_is_valid(stack: Stack) -> None:
    connected(stack)
    for n in range(3):
        stack.services.bluesky_network.publish(outgoing(f"Post {n} #edchat"))
    assert len(stack.posts()) == 3
    assert stack.requests("POST /xrpc/com.atproto.server.createSession") == 1  # the connect
    assert stack.requests("POST /xrpc/com.atproto.server.refreshSession") == 0


def test_an_expired_access_token_is_refreshed_and_the_post_goes_out(stack: Stack) -> None:
    connected(stack)
    before = stack.services.bluesky_connections.get("cohort")
    stack.expire()

    stack.services.bluesky_network.publish(outgoing("After the expiry #edchat"))

    assert len(stack.posts()) == 1
    assert stack.requests("POST /xrpc/com.atproto.server.refreshSession") == 1
    assert stack.requests("POST /xrpc/com.atproto.server.createSession") == 1  # the connect
    after = stack.services.bluesky_connections.get("cohort")
    assert before is not None and after is not None and after.tokens and before.tokens
    assert after.tokens.refresh_token != before.tokens.refresh_token  # the rotated one is kept
    assert after.version > before.version  # claimed, then saved


def test_a_refused_refresh_creates_a_session_from_the_app_password(stack: Stack) -> None:
    connected(stack)
    stored = stack.services.bluesky_connections.get("cohort")
    assert stored is not None and stored.tokens and stored.tokens.refresh_token
    stack.services.bluesky_accounts._sessions().end(stack.url, stored.tokens.refresh_token)
    stack.expire()

    stack.services.bluesky_network.publish(outgoing("After a revoked refresh #edchat"))

    assert len(stack.posts()) == 1
    assert stack.requests("POST /xrpc/com.atproto.server.createSession") == 2


def test_a_refused_app_password_disconnects_the_account(stack: Stack) -> None:
    connected(stack)
    store = stack.services.bluesky_connections
    stored = store.get("cohort")
    assert stored is not None and stored.tokens is not None and stored.tokens.refresh_token
    stack.services.bluesky_accounts._sessions().end(stack.url, stored.tokens.refresh_token)
    claimed = store.claim_refresh(stored, datetime.now(UTC))
    assert claimed is not None
    store.save_refreshed(claimed, replace(stored.tokens, app_password="revoked-pass"))
    stack.expire()

    with pytest.raises(AccountDisconnected, match="Connect the account again"):
        stack.services.bluesky_network.publish(outgoing("Never sent"))

    assert stack.posts() == []
    assert stack.services.bluesky_accounts.connection("cohort") is None


def test_an_account_never_connected_is_unavailable(stack: Stack) -> None:
    with pytest.raises(AccountDisconnected, match="not connected"):
        stack.services.bluesky_network.publish(outgoing("Nowhere"))


def test_a_repeated_create_cannot_make_a_second_post(stack: Stack) -> None:
    connected(stack)
    post = outgoing("Only once #edchat")
    first = stack.services.bluesky_network.publish(post)

    with pytest.raises(OutcomeUnknown):  # the reference server's plain 500
        stack.services.bluesky_network.publish(post)
    found = stack.services.bluesky_network.find_own_post(post, post.due_utc)

    assert found is not None and found.remote_id == first.remote_id
    assert len(stack.posts()) == 1
    assert stack.requests(CREATE) == 2


@pytest.mark.parametrize("status", [500, 503, "timeout"])
def test_a_post_created_before_the_answer_was_lost_is_found_by_its_key(
    stack: Stack, status: Any
) -> None:
    connected(stack)
    post = outgoing(f"Lost answer {status} #edchat")
    assert stack.services.bluesky_network.find_own_post(post, post.due_utc) is None
    stack.fault(endpoint=CREATE, status=status, count=1, after_create=True)

    with pytest.raises(OutcomeUnknown):
        stack.services.bluesky_network.publish(post)
    found = stack.services.bluesky_network.find_own_post(post, post.due_utc)

    assert found is not None
    assert found.remote_id.endswith("/app.bsky.feed.post/" + tid_for(post.due_utc, post.digest))
    assert len(stack.posts()) == 1


def test_a_failure_before_the_create_leaves_nothing_to_find(stack: Stack) -> None:
    connected(stack)
    post = outgoing("Failed before #edchat")
    stack.fault(endpoint=CREATE, status=503, count=1)

    with pytest.raises(OutcomeUnknown):
        stack.services.bluesky_network.publish(post)

    assert stack.services.bluesky_network.find_own_post(post, post.due_utc) is None
    stack.services.bluesky_network.publish(post)  # tried again: once
    assert len(stack.posts()) == 1


def test_a_rate_limit_says_when_to_try_again(stack: Stack) -> None:
    connected(stack)
    reset = int((datetime.now(UTC) + timedelta(minutes=7)).timestamp())
    stack.fault(endpoint=CREATE, status=429, count=1, reset=reset)

    with pytest.raises(RateLimited) as limited:
        stack.services.bluesky_network.publish(outgoing("Limited #edchat"))

    assert limited.value.retry_at == datetime.fromtimestamp(reset, UTC)
    assert stack.posts() == []


def test_a_persistently_refused_session_makes_the_account_unavailable(stack: Stack) -> None:
    connected(stack)
    stack.fault(endpoint=CREATE, status=401, count=2)
    with pytest.raises(AccountUnavailable):
        stack.services.bluesky_network.publish(outgoing("Refused #edchat"))
    assert stack.requests("POST /xrpc/com.atproto.server.refreshSession") == 1


def test_a_post_over_300_graphemes_is_rejected_before_it_is_sent(stack: Stack) -> None:
    connected(stack)
    with pytest.raises(Rejected, match="has 301: shorten it by 1"):
        stack.services.bluesky_network.publish(outgoing("🇺🇸" * 301))
    assert stack.requests(CREATE) == 0


def test_a_bluesky_that_cannot_be_reached_means_not_sent(stack: Stack) -> None:
    connected(stack)
    store = stack.services.bluesky_connections
    stored = store.get("cohort")
    assert stored is not None and stored.tokens is not None
    nowhere = replace(stored.user, server="http://127.0.0.1:9")  # nothing listens on port 9
    store.connect("cohort", nowhere, stored.tokens, "test", stored.connected_at)

    with pytest.raises(NotSent, match="could not be reached"):
        stack.services.bluesky_network.publish(outgoing("Unreachable"))

    assert stack.posts() == []


def test_a_card_for_a_page_that_cannot_be_fetched_leaves_a_plain_link(stack: Stack) -> None:
    connected(stack)
    text = "Read https://127.0.0.1:9/nothing and more #edchat"
    stack.services.bluesky_network.publish(outgoing(text))
    [post] = stack.posts()
    assert "embed" not in post["record"]
    assert post["record"]["facets"][0]["features"][0]["uri"] == "https://127.0.0.1:9/nothing"


# Reading


def stage(stack: Stack, hashtag: str, posts: list[dict[str, Any]]) -> list[str]:
    start = (datetime.now(UTC) - timedelta(minutes=30)).isoformat()
    answer = requests.post(
        f"{stack.url}/sandbox/chats",
        json={"hashtag": hashtag, "start": start, "posts": posts},
        timeout=5,
    )
    answer.raise_for_status()
    ids: list[str] = answer.json()["ids"]
    return ids


def test_a_chat_on_two_hashtags_is_read_whole_once_with_its_counts(stack: Stack) -> None:
    connected(stack)
    base = datetime.now(UTC) - timedelta(minutes=30)
    first = [
        {
            "author": f"teacher{n}",
            "text": f"A{n} answer #edusky" + (" #tlskychat" if n == 0 else ""),
            "created_at": (base + timedelta(seconds=n)).isoformat(),
            "likes": n,
        }
        for n in range(5)
    ]
    ids = stage(stack, "edusky", first)
    stage(
        stack,
        "tlskychat",
        [
            {
                "author": "moderator",
                "text": "Q1 What helps? #tlskychat https://example.org/x",
                "created_at": (base + timedelta(seconds=10)).isoformat(),
            }
        ],
    )
    reader = stack.services.bluesky_reader
    seen: list[str] = []
    token = None
    pages = 0
    newest = None
    while True:
        page = reader.search_recent(
            "cohort",
            ["#EduSky", "tlskychat"],
            start_time=base - timedelta(minutes=1),
            next_token=token,
            max_results=2,
        )
        pages += 1
        newest = newest or page.newest_id
        seen.extend(post.id for post in page.posts)
        token = page.next_token
        if token is None:
            break
    assert pages >= 3  # every cursor followed, 2 posts a page
    assert len(seen) == len(set(seen)) == 6  # the post with both hashtags once
    assert set(ids) <= set(seen)
    looked = {p.id: p for p in reader.lookup_posts("cohort", ids)}
    assert [looked[i].likes for i in ids] == [0, 1, 2, 3, 4]
    post = looked[ids[1]]
    assert post.network == "bluesky" and post.author_handle == "teacher1.bsky.social"
    assert post.author_id == did_for("teacher1.bsky.social")
    assert post.url is not None and post.url.startswith("https://bsky.app/profile/teacher1")
    assert newest is not None
    again = reader.search_recent("cohort", ["edusky", "tlskychat"], since_id=newest)
    assert len(again.posts) <= 6  # the marker's overlap may read the last ones again


def test_a_search_without_a_session_fails_for_the_account(stack: Stack) -> None:
    with pytest.raises(ReadFailed) as failed:
        stack.services.bluesky_reader.search_recent("cohort", ["edusky"])
    assert failed.value.account_wide


def test_two_functions_refreshing_one_session_refresh_it_once(stack: Stack) -> None:
    """Refresh tokens rotate: a second refresh with the same token would be refused, so the
    refresh is claimed and the function that loses the claim uses the winner's session."""
    from chatdeck.adapters.bluesky import BlueskyPublishing, BlueskySessions

    connected(stack)
    stack.expire()
    functions = [
        BlueskyPublishing(
            BlueskySessions(stack.services.bluesky_connections, stack.services.clock, (3.0, 5.0)),
            None,
            stack.services.clock,
        )
        for _ in range(2)
    ]
    posts = [outgoing(f"Function {n} #edchat") for n in range(2)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        published = list(pool.map(lambda f, p: f.publish(p), functions, posts))

    assert len({p.remote_id for p in published}) == 2 and len(stack.posts()) == 2
    assert stack.requests("POST /xrpc/com.atproto.server.refreshSession") == 1
    assert stack.requests("POST /xrpc/com.atproto.server.createSession") == 1  # the connect
