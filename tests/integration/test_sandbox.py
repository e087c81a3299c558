"""The sandbox network, driven over HTTP by the real tweepy.Client as Chatdeck drives X.

(Long on purpose: it is the sandbox's faithfulness to X, endpoint by endpoint, against one
running server; the chat generator and OAuth have files of their own.)
"""

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import tweepy
from requests.adapters import HTTPAdapter
from werkzeug.test import Client as WsgiClient

from devstack.sandbox.description import load_description
from devstack.sandbox.extract_spec import DEFAULT_SOURCE, SUBSET_PATH, extract_subset
from devstack.sandbox.server import SandboxApp

pytestmark = pytest.mark.integration

TWEEPY_HOST = "https://api.twitter.com"
TOKEN = "1860000000000000042-teacher"
DUPLICATE = "You are not allowed to create a Tweet with duplicate content."
TOO_LONG = "Your Tweet text is too long."
INVALID_REQUEST = {
    "title": "Invalid Request",
    "detail": "One or more parameters to your request was invalid.",
    "type": "https://api.twitter.com/2/problems/invalid-request",
}
OAUTH = 'OAuth oauth_consumer_key="key", oauth_token="{token}", oauth_signature="x"'


class ToSandbox(HTTPAdapter):
    """Sends tweepy's requests for https://api.twitter.com to the sandbox, with a timeout."""

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__(max_retries=0)
        self.base_url = base_url
        self.timeout = timeout

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        assert request.url is not None and request.url.startswith(TWEEPY_HOST)
        request.url = self.base_url + request.url[len(TWEEPY_HOST) :]
        kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


def x_client(base_url: str, token: str = TOKEN, timeout: float = 5) -> tweepy.Client:
    client = tweepy.Client(
        consumer_key="consumer-key",
        consumer_secret="consumer-secret",
        access_token=token,
        access_token_secret="token-secret",
    )
    client.session.mount(TWEEPY_HOST, ToSandbox(base_url, timeout))
    return client


@pytest.fixture(autouse=True)
def fresh_sandbox(sandbox_url: str) -> Iterator[None]:
    requests.delete(f"{sandbox_url}/sandbox/posts", timeout=5).raise_for_status()
    yield
    requests.post(f"{sandbox_url}/sandbox/faults", json={}, timeout=5).raise_for_status()


@pytest.fixture
def client(sandbox_url: str) -> tweepy.Client:
    return x_client(sandbox_url)


def posted(sandbox_url: str) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = requests.get(f"{sandbox_url}/sandbox/posts", timeout=5).json()
    return listed


def fault(sandbox_url: str, **spec: Any) -> list[dict[str, Any]]:
    answer = requests.post(f"{sandbox_url}/sandbox/faults", json=spec, timeout=5)
    answer.raise_for_status()
    faults: list[dict[str, Any]] = answer.json()
    return faults


def seed(sandbox_url: str, *posts: dict[str, Any]) -> list[str]:
    answer = requests.post(f"{sandbox_url}/sandbox/seed", json={"posts": list(posts)}, timeout=5)
    assert answer.status_code == 201, answer.text
    ids: list[str] = answer.json()["ids"]
    return ids


def conforms(method: str, path: str, status: int, body: Any) -> None:
    validator = load_description().response_validator(method, path, status)
    errors = [error.message for error in validator.iter_errors(body)]
    assert not errors, errors


def minutes_ago(minutes: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


# Posting


def test_a_created_post_has_an_id_and_is_listed_once(
    client: tweepy.Client, sandbox_url: str
) -> None:
    response = client.create_tweet(text="Tonight at 8: #edtechchat", user_auth=True)

    post_id = response.data["id"]
    assert post_id.isdigit()
    assert response.data == {
        "id": post_id,
        "text": "Tonight at 8: #edtechchat",
        "edit_history_tweet_ids": [post_id],
    }
    [listed] = posted(sandbox_url)
    assert listed["id"] == post_id
    assert listed["text"] == "Tonight at 8: #edtechchat"
    assert listed["author"] == "teacher"
    assert listed["created_at"].endswith("Z")
    answer = client.session.post(
        f"{TWEEPY_HOST}/2/tweets",
        json={"text": "Check the schema too"},
        headers={"Authorization": OAUTH.format(token=TOKEN)},
    )
    assert answer.status_code == 201
    conforms("post", "/2/tweets", 201, answer.json())


def test_get_me_is_the_account_of_the_token(client: tweepy.Client, sandbox_url: str) -> None:
    me = client.get_me(user_auth=True)
    other = x_client(sandbox_url, token="cohort-account").get_me(user_auth=True)

    assert (me.data.id, me.data.username, me.data.name) == (
        1860000000000000042,
        "teacher",
        "teacher",
    )
    assert other.data.username == "cohort_account"
    assert other.data.id != me.data.id


def test_own_posts_since_a_time_keep_the_links_that_became_t_co(
    client: tweepy.Client, sandbox_url: str
) -> None:
    before = client.create_tweet(text="An older post", user_auth=True).data["id"]
    text = "Slides from tonight: https://example.com/slides?id=7 #edtechchat"
    created = client.create_tweet(text=text, user_auth=True).data

    found = client.get_users_tweets(
        TOKEN.split("-")[0],
        start_time=minutes_ago(1),
        tweet_fields=["created_at", "entities", "author_id", "public_metrics"],
        user_auth=True,
    )

    assert [tweet.id for tweet in found.data] == [int(created["id"]), int(before)]
    tweet = found.data[0]
    assert tweet.text == created["text"]
    assert tweet.text.startswith("Slides from tonight: https://t.co/")
    [link] = tweet.entities["urls"]
    assert link["expanded_url"] == "https://example.com/slides?id=7"
    assert tweet.text[link["start"] : link["end"]] == link["url"]
    assert link["display_url"] == "example.com/slides?id=7"
    assert tweet.entities["hashtags"] == [{"start": 45, "end": 56, "tag": "edtechchat"}]
    assert tweet.author_id == 1860000000000000042
    assert tweet.public_metrics["like_count"] == 0
    assert found.meta["result_count"] == 2
    assert posted(sandbox_url)[1]["submitted_text"] == text


def test_own_posts_page_newest_first_and_honour_since_id(client: tweepy.Client) -> None:
    ids = [client.create_tweet(text=f"post {n}", user_auth=True).data["id"] for n in range(7)]
    user_id = TOKEN.split("-")[0]

    first = client.get_users_tweets(user_id, max_results=5, user_auth=True)
    second = client.get_users_tweets(
        user_id, max_results=5, pagination_token=first.meta["next_token"], user_auth=True
    )
    newer = client.get_users_tweets(user_id, since_id=ids[4], user_auth=True)

    assert [str(t.id) for t in first.data] == ids[::-1][:5]
    assert [str(t.id) for t in second.data] == ids[::-1][5:]
    assert "next_token" not in second.meta
    assert [str(t.id) for t in newer.data] == [ids[6], ids[5]]
    assert ids == sorted(ids, key=int)


def test_the_same_text_again_is_refused_as_duplicate_content(
    client: tweepy.Client, sandbox_url: str
) -> None:
    client.create_tweet(text="Same words", user_auth=True)

    with pytest.raises(tweepy.Forbidden) as refused:
        client.create_tweet(text="Same words", user_auth=True)

    assert refused.value.response.json() == {
        "detail": DUPLICATE,
        "type": "about:blank",
        "title": "Forbidden",
        "status": 403,
    }
    assert refused.value.api_messages == [DUPLICATE]
    assert len(posted(sandbox_url)) == 1
    other_account = x_client(sandbox_url, token="another-teacher")
    assert other_account.create_tweet(text="Same words", user_auth=True).data["id"]


def test_a_duplicate_is_allowed_again_after_a_day() -> None:
    now = [datetime(2026, 12, 1, 20, 0, tzinfo=UTC)]
    app = WsgiClient(SandboxApp(clock=lambda: now[0]))
    headers = {"Authorization": OAUTH.format(token=TOKEN)}

    assert app.post("/2/tweets", json={"text": "Weekly"}, headers=headers).status_code == 201
    now[0] += timedelta(hours=23)
    assert app.post("/2/tweets", json={"text": "Weekly"}, headers=headers).status_code == 403
    now[0] += timedelta(hours=2)
    assert app.post("/2/tweets", json={"text": "Weekly"}, headers=headers).status_code == 201


def test_over_280_weighted_characters_is_refused(client: tweepy.Client, sandbox_url: str) -> None:
    assert client.create_tweet(text="a" * 280, user_auth=True).data["id"]
    long_link = "https://example.com/" + "x" * 200
    assert client.create_tweet(text="b" * 250 + " " + long_link, user_auth=True).data["id"]

    with pytest.raises(tweepy.BadRequest) as refused:
        client.create_tweet(text="c" * 281, user_auth=True)
    with pytest.raises(tweepy.BadRequest):
        client.create_tweet(text="界" * 141, user_auth=True)

    assert refused.value.api_messages[0].startswith(TOO_LONG)
    assert refused.value.response.json()["title"] == "Invalid Request"
    assert len(posted(sandbox_url)) == 2


# Reading what others posted


def test_recent_search_finds_seeded_posts_with_their_authors(
    client: tweepy.Client, sandbox_url: str
) -> None:
    recent = minutes_ago(30)
    ids = seed(
        sandbox_url,
        {"text": "A1 #EdTechChat we start with why", "author_id": "11", "username": "ana",
         "created_at": recent, "public_metrics": {"like_count": 4}},
        {"text": "RT @ana: A1 #edtechchat we start", "author_id": "12", "username": "ben",
         "created_at": recent, "referenced_tweets": [{"type": "retweeted", "id": "1"}]},
        {"text": "Q1 #edtechchat what is your why?", "author_id": "13", "username": "mod",
         "created_at": minutes_ago(40)},
        {"text": "unrelated", "author_id": "11", "username": "ana", "created_at": recent},
        {"text": "#edtechchat last week", "author_id": "13", "username": "mod",
         "created_at": minutes_ago(8 * 24 * 60)},
    )  # fmt: skip

    found = client.search_recent_tweets(
        "#edtechchat -is:retweet",
        expansions=["author_id"],
        user_fields=["username", "profile_image_url"],
        tweet_fields=["created_at", "author_id", "public_metrics", "entities"],
        user_auth=True,
    )

    assert [str(t.id) for t in found.data] == [ids[0], ids[2]]
    assert found.data[0].public_metrics["like_count"] == 4
    assert [u.username for u in found.includes["users"]] == ["ana", "mod"]
    assert found.meta == {"newest_id": ids[0], "oldest_id": ids[2], "result_count": 2}
    raw = client.session.get(
        f"{TWEEPY_HOST}/2/tweets/search/recent",
        params={"query": "#edtechchat", "expansions": "author_id"},
        headers={"Authorization": "Bearer app-token"},
    )
    assert raw.status_code == 200
    conforms("get", "/2/tweets/search/recent", 200, raw.json())


def test_recent_search_pages_with_next_token_and_since_id(
    client: tweepy.Client, sandbox_url: str
) -> None:
    ids = seed(
        sandbox_url,
        *[
            {"text": f"A{n} #ukedchat", "author_id": "21", "username": "cat",
             "created_at": minutes_ago(60 - n)}
            for n in range(12)
        ],
    )  # fmt: skip

    first = client.search_recent_tweets("#ukedchat", user_auth=True)
    second = client.search_recent_tweets(
        "#ukedchat", next_token=first.meta["next_token"], user_auth=True
    )
    since = client.search_recent_tweets("#ukedchat", since_id=ids[9], user_auth=True)

    assert [str(t.id) for t in first.data] == ids[::-1][:10]
    assert [str(t.id) for t in second.data] == ids[::-1][10:]
    assert [str(t.id) for t in since.data] == [ids[11], ids[10]]


def test_posts_by_ids_with_public_metrics(client: tweepy.Client, sandbox_url: str) -> None:
    [seeded] = seed(
        sandbox_url,
        {"text": "A2 great answer", "author_id": "31", "username": "dee",
         "created_at": minutes_ago(5), "public_metrics": {"like_count": 9, "retweet_count": 2}},
    )  # fmt: skip
    own = client.create_tweet(text="mine", user_auth=True).data["id"]

    found = client.get_tweets([seeded, own, "42"], tweet_fields=["public_metrics"], user_auth=True)

    assert [str(t.id) for t in found.data] == [seeded, own]
    assert found.data[0].public_metrics["like_count"] == 9
    assert found.data[0].public_metrics["retweet_count"] == 2
    [missing] = found.errors
    assert missing["resource_id"] == "42"
    assert missing["type"] == "https://api.twitter.com/2/problems/resource-not-found"


def test_an_unknown_user_is_a_not_found_error_inside_a_200(client: tweepy.Client) -> None:
    found = client.get_users_tweets("999", user_auth=True)

    assert found.data is None
    assert found.errors[0]["detail"] == "Could not find user with id: [999]."


# Faults


def test_429_carries_the_rate_limit_headers_and_no_retry_after(
    client: tweepy.Client, sandbox_url: str
) -> None:
    reset = int(time.time()) + 600
    fault(sandbox_url, endpoint="POST /2/tweets", status=429, count=1, reset=reset)

    with pytest.raises(tweepy.TooManyRequests) as limited:
        client.create_tweet(text="too soon", user_auth=True)

    response = limited.value.response
    assert response.json() == {
        "title": "Too Many Requests",
        "detail": "Too Many Requests",
        "type": "about:blank",
        "status": 429,
    }
    assert int(response.headers["x-rate-limit-limit"]) > 0
    assert response.headers["x-rate-limit-remaining"] == "0"
    assert response.headers["x-rate-limit-reset"] == str(reset)
    assert "retry-after" not in response.headers
    assert posted(sandbox_url) == []

    fault(sandbox_url, endpoint="POST /2/tweets", status=429)
    with pytest.raises(tweepy.TooManyRequests) as default_reset:
        client.create_tweet(text="too soon", user_auth=True)
    assert abs(default_reset.value.reset_time - (time.time() + 900)) < 60


def test_normal_answers_carry_rate_limit_headers(client: tweepy.Client) -> None:
    client.return_type = requests.Response
    first = client.create_tweet(text="one", user_auth=True)
    second = client.create_tweet(text="two", user_auth=True)

    limit = int(first.headers["x-rate-limit-limit"])
    assert int(first.headers["x-rate-limit-remaining"]) == limit - 1
    assert int(second.headers["x-rate-limit-remaining"]) == limit - 2
    assert int(first.headers["x-rate-limit-reset"]) > time.time()


def test_401_fault_and_revoked_token(client: tweepy.Client, sandbox_url: str) -> None:
    unauthorized = {
        "title": "Unauthorized",
        "type": "about:blank",
        "status": 401,
        "detail": "Unauthorized",
    }
    fault(sandbox_url, endpoint="POST /2/tweets", status=401)
    with pytest.raises(tweepy.Unauthorized) as refused:
        client.create_tweet(text="hello", user_auth=True)
    assert refused.value.response.json() == unauthorized

    with pytest.raises(tweepy.Unauthorized) as revoked:
        x_client(sandbox_url, token="revoked").create_tweet(text="hello", user_auth=True)
    assert revoked.value.response.json() == unauthorized
    assert posted(sandbox_url) == []


def test_402_credits_depleted_is_a_plain_http_exception(
    client: tweepy.Client, sandbox_url: str
) -> None:
    fault(sandbox_url, endpoint="POST /2/tweets", status=402)

    with pytest.raises(tweepy.HTTPException) as depleted:
        client.create_tweet(text="hello", user_auth=True)

    assert type(depleted.value) is tweepy.HTTPException
    assert depleted.value.response.status_code == 402
    body = depleted.value.response.json()
    assert body["title"] == "CreditsDepleted"
    assert body["type"] == "https://api.twitter.com/2/problems/credits"
    assert "does not have any credits" in body["detail"]


def test_403_fault_is_the_duplicate_content_answer(client: tweepy.Client, sandbox_url: str) -> None:
    fault(sandbox_url, endpoint="POST /2/tweets", status=403)

    with pytest.raises(tweepy.Forbidden) as refused:
        client.create_tweet(text="a retry", user_auth=True)

    assert refused.value.api_messages == [DUPLICATE]


def test_503_fails_without_creating(client: tweepy.Client, sandbox_url: str) -> None:
    fault(sandbox_url, endpoint="POST /2/tweets", status=503)

    with pytest.raises(tweepy.TwitterServerError) as failed:
        client.create_tweet(text="hello", user_auth=True)

    assert failed.value.response.json() == {
        "title": "Service Unavailable",
        "detail": "Service Unavailable",
        "type": "about:blank",
        "status": 503,
    }
    assert posted(sandbox_url) == []


def test_503_after_create_creates_the_post_and_fails_the_answer(
    client: tweepy.Client, sandbox_url: str
) -> None:
    fault(sandbox_url, endpoint="POST /2/tweets", status=503, after_create=True)

    with pytest.raises(tweepy.TwitterServerError):
        client.create_tweet(text="it went out anyway", user_auth=True)

    assert [p["text"] for p in posted(sandbox_url)] == ["it went out anyway"]
    with pytest.raises(tweepy.Forbidden):  # the naive retry meets the duplicate check
        client.create_tweet(text="it went out anyway", user_auth=True)


def test_timeout_after_create_creates_the_post_and_never_answers(sandbox_url: str) -> None:
    fault(
        sandbox_url, endpoint="POST /2/tweets", status="timeout", after_create=True, latency_ms=2000
    )
    impatient = x_client(sandbox_url, timeout=0.5)

    with pytest.raises(requests.exceptions.ReadTimeout):  # the client gave up; it was not told
        impatient.create_tweet(text="did it go out?", user_auth=True)

    assert [p["text"] for p in posted(sandbox_url)] == ["did it go out?"]


def test_timeout_drops_the_connection_without_an_answer(sandbox_url: str) -> None:
    fault(sandbox_url, endpoint="POST /2/tweets", status="timeout", latency_ms=200)
    patient = x_client(sandbox_url, timeout=5)

    with pytest.raises(requests.exceptions.ConnectionError):
        patient.create_tweet(text="lost", user_auth=True)

    assert posted(sandbox_url) == []


def test_the_request_log_shows_every_call_and_what_it_was_answered(
    client: tweepy.Client, sandbox_url: str
) -> None:
    client.create_tweet(text="once", user_auth=True)
    with pytest.raises(tweepy.Forbidden):
        client.create_tweet(text="once", user_auth=True)
    fault(sandbox_url, endpoint="GET /2/users/me", status="timeout", latency_ms=100)
    with pytest.raises(requests.exceptions.ConnectionError):
        client.get_me(user_auth=True)

    logged = requests.get(f"{sandbox_url}/sandbox/requests", timeout=5).json()

    assert [(r["endpoint"], r["status"]) for r in logged] == [
        ("POST /2/tweets", 201),
        ("POST /2/tweets", 403),
        ("GET /2/users/me", None),
    ]
    assert logged[0]["path"] == "/2/tweets"


def test_latency_delays_every_call(sandbox_url: str) -> None:
    # What a caller meets: a read timeout shorter than the latency runs out on every call.
    impatient = x_client(sandbox_url, timeout=0.3)
    impatient.get_me(user_auth=True)  # answers in time while there is no latency
    fault(sandbox_url, endpoint="GET /2/users/me", latency_ms=800)

    for _ in range(2):
        with pytest.raises(requests.exceptions.ReadTimeout):
            impatient.get_me(user_auth=True)


def test_count_decrements_and_an_empty_spec_resets(client: tweepy.Client, sandbox_url: str) -> None:
    fault(sandbox_url, endpoint="POST /2/tweets", status=500, count=2)
    fault(sandbox_url, endpoint="GET /2/users/me", latency_ms=10)

    for n in range(2):
        with pytest.raises(tweepy.TwitterServerError):
            client.create_tweet(text=f"attempt {n}", user_auth=True)
    assert client.create_tweet(text="attempt 2", user_auth=True).data["id"]

    faults = requests.get(f"{sandbox_url}/sandbox/faults", timeout=5).json()
    assert {f["endpoint"]: f["count"] for f in faults} == {
        "POST /2/tweets": 0,
        "GET /2/users/me": 0,
    }
    assert fault(sandbox_url) == []
    assert requests.get(f"{sandbox_url}/sandbox/faults", timeout=5).json() == []


@pytest.mark.parametrize(
    "spec",
    [
        {"endpoint": "POST /2/nowhere", "status": 503},
        {"endpoint": "POST /2/tweets", "status": 418},
        {"endpoint": "POST /2/tweets", "status": 429, "after_create": True},
        {"endpoint": "POST /2/tweets", "latency_ms": -1},
        {"endpoint": "POST /2/tweets", "surprise": 1},
    ],
)
def test_a_fault_the_sandbox_cannot_show_is_refused(sandbox_url: str, spec: dict[str, Any]) -> None:
    answer = requests.post(f"{sandbox_url}/sandbox/faults", json=spec, timeout=5)

    assert answer.status_code == 400
    assert answer.json()["error"]


# Requests the description rejects


def raw_call(sandbox_url: str, method: str, path: str, **kwargs: Any) -> requests.Response:
    headers = {"Authorization": OAUTH.format(token=TOKEN), **kwargs.pop("headers", {})}
    return requests.request(method, sandbox_url + path, headers=headers, timeout=5, **kwargs)


EIGHT_DAYS_AGO = minutes_ago(8 * 24 * 60)
UNDEFINED = "is not defined in the schema and the schema does not allow additional properties"
REJECTED = {
    "unknown body field": (
        "POST /2/tweets",
        {"text": "hi", "colour": "red"},
        f"$.colour: {UNDEFINED}",
    ),
    "text of the wrong type": (
        "POST /2/tweets",
        {"text": 42},
        "$.text: integer found, string expected",
    ),
    "reply without its post": (
        "POST /2/tweets",
        {"text": "hi", "reply": {}},
        "$.reply.in_reply_to_tweet_id: is missing but it is required",
    ),
    "no text": ("POST /2/tweets", {}, "$.text: is missing but it is required"),
    "search max_results too high": (
        "GET /2/tweets/search/recent?query=%23x&max_results=1000",
        None,
        "The `max_results` query parameter value [1000] is not between 10 and 100",
    ),
    "timeline max_results too low": (
        "GET /2/users/1/tweets?max_results=4",
        None,
        "The `max_results` query parameter value [4] is not between 5 and 100",
    ),
    "unknown tweet field": (
        "GET /2/tweets/search/recent?query=%23x&tweet.fields=created_at,mood",
        None,
        "The `tweet.fields` query parameter value [mood] is not one of [",
    ),
    "unknown user field": (
        "GET /2/users/me?user.fields=shoe_size",
        None,
        "The `user.fields` query parameter value [shoe_size] is not one of [",
    ),
    "unknown query parameter": (
        "GET /2/tweets/search/recent?query=%23x&colour=red",
        None,
        "The query parameter [colour] is not one of [query,",
    ),
    "repeated query parameter": (
        "GET /2/tweets/search/recent?query=%23x&query=%23y",
        None,
        "Duplicate parameters are not allowed: the `query` query parameter",
    ),
    "no query": ("GET /2/tweets/search/recent", None, "The query query parameter can not be empty"),
    "only a negation": (
        "GET /2/tweets/search/recent?query=-is:retweet",
        None,
        "Rules must contain a non-negation term",
    ),
    "search older than a week": (
        f"GET /2/tweets/search/recent?query=%23x&start_time={EIGHT_DAYS_AGO}",
        None,
        "'start_time' must be on or after",
    ),
    "since_id with start_time": (
        f"GET /2/tweets/search/recent?query=%23x&since_id=1&start_time={minutes_ago(5)}",
        None,
        "At most one of `start_time`, `since_id` may be provided.",
    ),
    "bad post id": (
        "GET /2/tweets?ids=1,two",
        None,
        "The `ids` query parameter value [two] is not valid",
    ),
}


@pytest.mark.parametrize(("call", "body", "message"), REJECTED.values(), ids=REJECTED.keys())
def test_a_request_the_description_rejects_gets_xs_400(
    sandbox_url: str, call: str, body: Any, message: str
) -> None:
    method, path = call.split(" ")
    answer = raw_call(sandbox_url, method, path, json=body)

    assert_invalid_request(answer, message)
    assert posted(sandbox_url) == []


def test_a_body_that_is_not_json_gets_xs_400(sandbox_url: str) -> None:
    answer = raw_call(
        sandbox_url, "POST", "/2/tweets", data="text=hi", headers={"Content-Type": "text/plain"}
    )

    assert_invalid_request(
        answer, "Requests with bodies must have content-type of application/json."
    )


def assert_invalid_request(answer: requests.Response, message: str) -> None:
    assert answer.status_code == 400
    body = answer.json()
    assert {key: body[key] for key in INVALID_REQUEST} == INVALID_REQUEST
    assert any(message in error["message"] for error in body["errors"]), body


def test_tweepy_surfaces_the_400_as_bad_request(client: tweepy.Client) -> None:
    with pytest.raises(tweepy.BadRequest) as refused:
        client.search_recent_tweets("#edtechchat", max_results=1000, user_auth=True)

    assert refused.value.api_errors[0]["parameters"] == {"max_results": ["1000"]}


def test_authentication_follows_the_description(sandbox_url: str) -> None:
    nobody = requests.get(f"{sandbox_url}/2/users/me", timeout=5)
    app_only = requests.post(
        f"{sandbox_url}/2/tweets",
        json={"text": "hi"},
        headers={"Authorization": "Bearer app-token"},
        timeout=5,
    )

    assert nobody.status_code == 401
    assert nobody.json()["title"] == "Unauthorized"
    assert app_only.status_code == 403
    assert (
        app_only.json()["type"] == "https://api.twitter.com/2/problems/unsupported-authentication"
    )


def test_an_unknown_route_is_xs_404(sandbox_url: str) -> None:
    answer = raw_call(sandbox_url, "GET", "/2/tweets/nowhere/at/all")

    assert answer.status_code == 404
    assert answer.json() == {"errors": [{"message": "Sorry, that page does not exist", "code": 34}]}


# Load and provenance


def test_300_creates_from_16_threads(sandbox_url: str) -> None:
    local = threading.local()

    def create(n: int) -> str:
        if not hasattr(local, "client"):
            local.client = x_client(sandbox_url)
        return str(local.client.create_tweet(text=f"post number {n}", user_auth=True).data["id"])

    with ThreadPoolExecutor(max_workers=16) as pool:
        ids = list(pool.map(create, range(300)))

    listed = posted(sandbox_url)
    assert len(set(ids)) == 300
    assert sorted(p["id"] for p in listed) == sorted(ids)
    assert [p["id"] for p in listed] == sorted(ids, key=int)


@pytest.mark.skipif(not DEFAULT_SOURCE.exists(), reason="the X API reference copy is not here")
def test_the_carried_description_is_what_extract_spec_cuts_from_the_reference() -> None:
    reference = json.loads(Path(DEFAULT_SOURCE).read_text(encoding="utf-8"))

    assert extract_subset(reference) == json.loads(SUBSET_PATH.read_text(encoding="utf-8"))
