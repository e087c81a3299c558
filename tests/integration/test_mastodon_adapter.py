"""Chatdeck's Mastodon adapters through the real Mastodon.py against the Mastodon sandbox over HTTP:
connecting with PKCE, publishing once with Idempotency-Key, unknown outcomes reconciled, each
answer mapped to its outcome, hashtag timelines paged with min_id, and the instance's rules."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests

from chatdeck.adapters.mastodon.oauth import sandbox_approver
from chatdeck.bootstrap import Services
from chatdeck.domain.errors import ConnectError
from chatdeck.domain.mastodon_app import SCOPES, MastodonApp
from chatdeck.domain.members import Member
from chatdeck.domain.outcomes import (
    AccountDisconnected,
    AccountUnavailable,
    GrantRefused,
    OutcomeUnknown,
    RateLimited,
    ReadFailed,
    Rejected,
)
from chatdeck.services.mastodon_accounts import connect_seeded
from tests.integration.deployment import Deployment
from tests.integration.mastodon_kit import CALLBACK, TIMEOUT, Kit, kit, mastodon_url, outgoing

pytestmark = pytest.mark.integration
__all__ = ["kit", "mastodon_url"]  # fixtures

ANN = Member(email="ann@school.example", name="Ann", role="member", zone="UTC")


def test_a_post_goes_out_once_with_its_visibility_language_and_idempotency_key(kit: Kit) -> None:
    kit.connect()
    sent = outgoing(
        "Tonight's #edchat starts at 8 https://example.org/agenda",
        visibility="unlisted",
        language="fr",
    )

    published = kit.network.publish(sent)

    (posted,) = kit.control("GET", "/sandbox/posts")
    assert posted["id"] == published.remote_id
    assert posted["url"] == published.url == f"{kit.base}/@cohort/{published.remote_id}"
    assert posted["text"] == sent.text == published.text
    assert posted["visibility"] == "unlisted"
    assert posted["idempotency_key"] == sent.idempotency_key
    status = kit.clients.session("cohort").client.status(published.remote_id)
    assert status["language"] == "fr"


def test_a_repeated_create_answers_the_same_status_without_a_second_post(kit: Kit) -> None:
    kit.connect()
    sent = outgoing("Q1 What keeps you learning? #edchat")

    first = kit.network.publish(sent)
    again = kit.network.publish(sent)

    assert again.remote_id == first.remote_id
    assert [r["status"] for r in kit.creates()] == [200, 200]  # two creates reached it...
    assert len(kit.control("GET", "/sandbox/posts")) == 1  # ...and one status exists


@pytest.mark.parametrize("failure", [{"status": 503}, {"status": "timeout", "latency_ms": 200}])
def test_an_unknown_outcome_is_reconciled_to_exactly_one_status(
    kit: Kit, failure: dict[str, object]
) -> None:
    kit.connect()
    sent = outgoing("A1 Reading together every morning #edchat")
    since = datetime.now(UTC) - timedelta(seconds=5)
    kit.control(
        "POST",
        "/sandbox/faults",
        {"endpoint": "POST /api/v1/statuses", "after_create": True, **failure},
    )

    with pytest.raises(OutcomeUnknown):
        kit.network.publish(sent)
    found = kit.network.find_own_post(sent, since)
    retried = kit.network.publish(sent)

    (posted,) = kit.control("GET", "/sandbox/posts")
    assert found is not None and found.remote_id == posted["id"] == retried.remote_id
    assert found.text == sent.text


def test_find_own_post_answers_none_when_the_status_is_not_there(kit: Kit) -> None:
    kit.connect()
    kit.network.publish(outgoing("Something else entirely", post_id="other"))

    assert (
        kit.network.find_own_post(outgoing("Never sent"), datetime.now(UTC) - timedelta(minutes=1))
        is None
    )


def test_a_rate_limit_is_retried_at_the_instances_iso_reset(kit: Kit) -> None:
    kit.connect()
    reset = "2026-12-01T21:00:00.000000Z"
    kit.control(
        "POST",
        "/sandbox/faults",
        {"endpoint": "POST /api/v1/statuses", "status": 429, "reset": reset},
    )

    with pytest.raises(RateLimited) as limited:
        kit.network.publish(outgoing("Too soon"))

    assert limited.value.retry_at == datetime(2026, 12, 1, 21, tzinfo=UTC)
    assert kit.control("GET", "/sandbox/posts") == []


def test_a_status_over_the_instances_limit_is_rejected_in_its_own_words(kit: Kit) -> None:
    kit.connect()
    kit.control("POST", "/sandbox/instance", {"max_characters": 100})

    with pytest.raises(Rejected) as rejected:
        kit.network.publish(outgoing("x" * 101))

    assert "character limit of 100 exceeded" in rejected.value.reason
    assert kit.control("GET", "/sandbox/posts") == []


def test_a_refused_token_disconnects_the_account(kit: Kit) -> None:
    kit.connect()
    kit.control("POST", "/sandbox/oauth/revoke", {"username": "cohort"})

    with pytest.raises(AccountDisconnected) as lost:
        kit.network.publish(outgoing("Hello"))

    assert isinstance(lost.value, AccountUnavailable)
    stored = kit.connections.get("cohort", decrypt=False)
    assert stored is not None and not stored.connected
    with pytest.raises(AccountDisconnected):  # and stays so: no call made with the lost token
        kit.network.publish(outgoing("Hello again"))
    assert len(kit.creates()) == 1


def test_connecting_uses_pkce_s256_and_a_wrong_verifier_is_refused(kit: Kit) -> None:
    url = kit.accounts.connect_url(ANN, "mine", f"{kit.base}/", CALLBACK)
    query = parse_qs(urlsplit(url).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    callback = parse_qs(urlsplit(sandbox_approver(TIMEOUT)(url, "ann")).query)

    with pytest.raises(GrantRefused):
        kit.oauth.exchange(kit.base, callback["code"][0], "not-the-verifier" * 4, CALLBACK)
    # the code is used up by the refused exchange, as Mastodon (Doorkeeper) does
    with pytest.raises(ConnectError):
        kit.accounts.complete_connect(callback["state"][0], callback["code"][0], None, ANN.email)


def test_a_member_connects_through_the_authorize_page_and_the_callback(kit: Kit) -> None:
    url = kit.accounts.connect_url(ANN, "mine", kit.base, CALLBACK)
    callback = parse_qs(urlsplit(sandbox_approver(TIMEOUT)(url, "ann")).query)

    connection = kit.accounts.complete_connect(
        callback["state"][0], callback["code"][0], None, ANN.email
    )

    host = urlsplit(kit.base).netloc
    assert connection.username == f"ann@{host}"
    assert kit.accounts.connected(ANN)[0] == connection
    published = kit.network.publish(outgoing("Mine", account=ANN.own_account))
    assert kit.control("GET", "/sandbox/posts")[0]["account"] == "ann"
    assert published.url.endswith(f"/@ann/{published.remote_id}")


def test_the_app_is_registered_once_per_instance(kit: Kit) -> None:
    kit.connect("cohort", "cohort")
    kit.connect(ANN.own_account, "ann")

    registrations = [
        r for r in kit.control("GET", "/sandbox/requests") if r["endpoint"] == "POST /api/v1/apps"
    ]
    assert len(registrations) == 1
    assert kit.app_store.creates == 1


def test_an_address_that_is_not_public_is_refused_before_any_call(kit: Kit) -> None:
    with pytest.raises(ConnectError, match=r"not a public address|https"):
        kit.accounts.connect_url(ANN, "mine", "http://10.0.0.8", CALLBACK)


def stage(kit: Kit, hashtag: str, count: int, start: datetime) -> list[str]:
    body = {
        "hashtag": hashtag,
        "start": start.isoformat(),
        "posts": [
            {
                "author": f"teacher{n % 7}",
                "text": f"A{n} idea {n} #{hashtag} https://example.org/{n}",
                "created_at": (start + timedelta(seconds=10 * n)).isoformat(),
                "likes": n,
            }
            for n in range(count)
        ],
    }
    ids: list[str] = kit.control("POST", "/sandbox/chats", body)["ids"]
    return ids


def test_a_hashtag_timeline_is_read_forward_with_min_id_every_page(kit: Kit) -> None:
    kit.connect()
    start = datetime.now(UTC) - timedelta(hours=1)
    ids = stage(kit, "pagingchat", 50, start)

    first = kit.reader.search_recent(
        "cohort", ["#PagingChat"], start_time=start - timedelta(minutes=1)
    )
    second = kit.reader.search_recent("cohort", ["#PagingChat"], next_token=first.next_token)
    later = kit.reader.search_recent("cohort", ["#PagingChat"], since_id=second.newest_id)

    assert (len(first.posts), first.newest_id) == (40, None)
    assert first.next_token is not None
    assert len(second.posts) == 10 and second.next_token is None
    assert second.newest_id == max(ids, key=int)
    assert {p.id for p in first.posts + second.posts} == set(ids)
    assert later.posts == [] and later.newest_id == second.newest_id
    paths = [
        r["path"] for r in kit.control("GET", "/sandbox/requests") if "timelines/tag" in r["path"]
    ]
    assert all("min_id=" in path for path in paths)
    post = next(p for p in first.posts + second.posts if p.id == ids[3])
    assert (post.network, post.author_handle, post.likes) == ("mastodon", "teacher3", 3)
    assert post.text == "A3 idea 3 #pagingchat https://example.org/3"
    assert post.links == ("https://example.org/3",)


def test_two_hashtags_are_merged_and_each_status_kept_once(kit: Kit) -> None:
    kit.connect()
    start = datetime.now(UTC) - timedelta(minutes=30)
    kit.control(
        "POST",
        "/sandbox/chats",
        {
            "hashtag": "alpha",
            "start": start.isoformat(),
            "posts": [
                {"author": "sam", "text": "Both #alpha #beta", "created_at": start.isoformat()},
                {
                    "author": "sam",
                    "text": "Only #alpha",
                    "created_at": (start + timedelta(minutes=1)).isoformat(),
                },
            ],
        },
    )
    kit.control(
        "POST",
        "/sandbox/chats",
        {
            "hashtag": "beta",
            "start": start.isoformat(),
            "posts": [
                {"author": "lee", "text": "Only #beta", "created_at": start.isoformat()},
            ],
        },
    )

    page = kit.reader.search_recent(
        "cohort", ["#alpha", "#beta"], start_time=start - timedelta(minutes=1)
    )

    assert sorted(p.text for p in page.posts) == ["Both #alpha #beta", "Only #alpha", "Only #beta"]
    assert [int(p.id) for p in page.posts] == sorted((int(p.id) for p in page.posts), reverse=True)


def test_an_instance_with_hashtag_feeds_off_answers_nothing_and_says_so(kit: Kit) -> None:
    kit.connect()
    start = datetime.now(UTC) - timedelta(minutes=30)
    stage(kit, "closedchat", 3, start)
    kit.control(
        "POST", "/sandbox/instance", {"hashtag_feeds": {"local": "disabled", "remote": "disabled"}}
    )

    page = kit.reader.search_recent("cohort", ["#closedchat"], start_time=start)

    assert page.posts == []
    assert kit.rules.rules(kit.base).hashtag_feeds_open is False


def test_the_instances_rules_come_from_api_v2_instance(kit: Kit) -> None:
    kit.control(
        "POST", "/sandbox/instance", {"max_characters": 1000, "characters_reserved_per_url": 30}
    )

    rules = kit.rules.rules(kit.base)

    assert (rules.max_characters, rules.characters_reserved_per_url, rules.hashtag_feeds_open) == (
        1000,
        30,
        True,
    )


def test_lookup_reads_current_counts_and_leaves_out_what_is_gone(kit: Kit) -> None:
    kit.connect()
    ids = stage(kit, "countschat", 3, datetime.now(UTC) - timedelta(minutes=10))

    posts = kit.reader.lookup_posts("cohort", [ids[2], "1234567890", ids[1]])

    assert [(p.id, p.likes) for p in posts] == [(ids[2], 2), (ids[1], 1)]


def test_a_read_as_a_refused_token_fails_for_the_whole_account(kit: Kit) -> None:
    kit.connect()
    kit.control("POST", "/sandbox/oauth/revoke", {"username": "cohort"})

    with pytest.raises(ReadFailed) as failed:
        kit.reader.search_recent("cohort", ["#edchat"], start_time=datetime.now(UTC))

    assert failed.value.account_wide


# Through the composition root: DynamoDB in moto server, the data key in SSM, the real wiring


@pytest.fixture
def wired(deployment: Deployment, mastodon_url: str) -> Services:
    requests.delete(f"{mastodon_url}/sandbox/posts", timeout=5).raise_for_status()
    settings = deployment.services.settings.model_copy(
        update={"outbound_allow_loopback_http": True}
    )
    return Services(settings, clock=deployment.services.clock)


def test_the_local_stacks_seeded_accounts_connect_and_post_through_the_wiring(
    wired: Services, mastodon_url: str
) -> None:
    connect_seeded(wired, "cohort", mastodon_url, "cohort")
    connect_seeded(wired, "member:ann@school.example", mastodon_url, "ann")

    published = wired.mastodon_network.publish(outgoing("From the wiring #edchat"))

    posts = requests.get(f"{mastodon_url}/sandbox/posts", timeout=5).json()
    assert [(p["id"], p["account"]) for p in posts] == [(published.remote_id, "cohort")]
    app = wired.mastodon_app_store.get(mastodon_url)
    assert app is not None and app.client_secret  # opened from its sealed copy
    item = boto3.client("dynamodb").get_item(
        TableName=wired.settings.state_table,
        Key={"pk": {"S": f"MASTODON_APP#{mastodon_url}"}, "sk": {"S": "APP"}},
    )["Item"]
    assert app.client_secret.encode() not in item["client_secret"]["B"]
    stored = wired.mastodon_connections.get("cohort")
    assert stored is not None and stored.user.server == mastodon_url
    rule = wired.mastodon_instance_rule(mastodon_url)
    assert (rule.limit, rule.url_length) == (500, 23)


def test_the_app_store_keeps_the_first_app_of_an_instance(wired: Services) -> None:
    first = MastodonApp("https://a.example", "one", "s1", "https://c/cb", SCOPES, datetime.now(UTC))
    second = MastodonApp(
        "https://a.example", "two", "s2", "https://c/cb", SCOPES, datetime.now(UTC)
    )

    assert wired.mastodon_app_store.create(first) is True
    assert wired.mastodon_app_store.create(second) is False
    kept = wired.mastodon_app_store.get("https://a.example")
    assert kept is not None and (kept.client_id, kept.client_secret) == ("one", "s1")
