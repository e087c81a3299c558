"""The Bluesky sandbox, driven over HTTP by the real atproto Client as Chatdeck drives Bluesky.

Each test checks the sandbox against the reference material it copies (devstack/bluesky/data/):
the bodies and statuses a real PDS and AppView answer. (Long on purpose, as the X sandbox's: the
sandbox's faithfulness method by method, against one running server, in about 5 seconds.)
"""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from atproto import Client, models
from atproto_client.exceptions import (
    BadRequestError,
    InvokeTimeoutError,
    RateLimitExceededError,
    RequestErrorBase,
    RequestException,
    UnauthorizedError,
)

from devstack.bluesky import (
    COHORT_APP_PASSWORD,
    COHORT_HANDLE,
    DEMO_HASHTAG,
    MEMBER_APP_PASSWORD,
    MEMBER_HANDLE,
    demo_chat_body,
)
from devstack.bluesky.lexicon import make_tid
from devstack.bluesky.sessions import verify
from tests.integration.bluesky_fixtures import bluesky_server, bluesky_url

__all__ = ["bluesky_server", "bluesky_url"]  # fixtures, used by name

pytestmark = pytest.mark.integration

POST = "app.bsky.feed.post"
RECORDED = Path(__file__).parents[2] / "devstack" / "bluesky" / "data" / "error-bodies.json"
T0 = datetime(2026, 3, 2, 19, 0, tzinfo=UTC)


def login(base: str, handle: str = COHORT_HANDLE, password: str = COHORT_APP_PASSWORD) -> Client:
    client = Client(base_url=f"{base}/xrpc")
    client.login(handle, password)
    return client


def freeze(base: str, moment: datetime) -> None:
    body = {"now": moment.isoformat()}
    requests.post(f"{base}/sandbox/clock", json=body, timeout=5).raise_for_status()


def create(client: Client, record: dict[str, Any], rkey: str | None = None) -> Any:
    assert client.me is not None
    data: dict[str, Any] = {"repo": client.me.did, "collection": POST, "record": record}
    if rkey is not None:
        data["rkey"] = rkey
    return client.com.atproto.repo.create_record(data)


def post_record(text: str, **extra: Any) -> dict[str, Any]:
    return {"$type": POST, "text": text, "createdAt": "2026-03-02T19:05:00.000Z", **extra}


def error_of(raised: pytest.ExceptionInfo[Any]) -> tuple[int, dict[str, str]]:
    response = raised.value.response
    content = response.content
    return response.status_code, {"error": content.error, "message": content.message}


def sandbox(base: str, path: str) -> Any:
    return requests.get(f"{base}/sandbox/{path}", timeout=5).json()


def test_login_gives_two_hour_access_and_a_did_doc_naming_the_sandbox(bluesky_url: str) -> None:
    freeze(bluesky_url, T0)
    client = login(bluesky_url)
    session = client._session
    assert session is not None and client.me is not None
    assert session.handle == COHORT_HANDLE and session.did.startswith("did:plc:")
    assert session.pds_endpoint == bluesky_url
    access = verify(session.access_jwt)
    refresh = verify(session.refresh_jwt)
    assert access is not None and refresh is not None
    assert access[0]["typ"] == "at+jwt" and refresh[0]["typ"] == "refresh+jwt"
    assert access[1]["exp"] - int(T0.timestamp()) == 2 * 3600
    assert refresh[1]["exp"] - int(T0.timestamp()) == 90 * 86400
    assert client.resolve_handle(MEMBER_HANDLE).did != session.did


def test_wrong_app_password_answers_the_recorded_401(bluesky_url: str) -> None:
    with pytest.raises(UnauthorizedError) as raised:
        login(bluesky_url, MEMBER_HANDLE, COHORT_APP_PASSWORD)
    assert error_of(raised) == (
        401,
        {"error": "AuthenticationRequired", "message": "Invalid identifier or password"},
    )
    assert login(bluesky_url, MEMBER_HANDLE, MEMBER_APP_PASSWORD).me is not None
    assert login(bluesky_url, "ann@chatdeck.test", MEMBER_APP_PASSWORD).me is not None


def test_a_sent_post_is_listed_exactly_as_created_and_read_back(bluesky_url: str) -> None:
    client = login(bluesky_url)
    text = "Café ✨ 台北 #EdChat https://example.org/a"
    facets = client.detect_facets(text)
    sent = client.send_post(text, facets=facets, langs=["en"])
    listed = sandbox(bluesky_url, "posts")
    assert [(p["uri"], p["cid"], p["author"]) for p in listed] == [
        (sent.uri, sent.cid, COHORT_HANDLE)
    ]
    record = listed[0]["record"]
    assert record["text"] == text and record["langs"] == ["en"]
    tag, link = record["facets"]
    assert text.encode()[tag["index"]["byteStart"] : tag["index"]["byteEnd"]] == b"#EdChat"
    assert link["features"][0]["uri"] == "https://example.org/a"
    rkey = sent.uri.rsplit("/", 1)[1]
    read = client.get_post(rkey, COHORT_HANDLE)
    assert (read.uri, read.cid, read.value.text) == (sent.uri, sent.cid, text)


def test_deleted_record_is_not_found_and_other_repos_are_refused(bluesky_url: str) -> None:
    client = login(bluesky_url)
    sent = client.send_post("Short-lived")
    rkey = sent.uri.rsplit("/", 1)[1]
    member = login(bluesky_url, MEMBER_HANDLE, MEMBER_APP_PASSWORD)
    with pytest.raises(UnauthorizedError):
        member.delete_post(sent.uri)
    assert client.delete_post(sent.uri)
    with pytest.raises(BadRequestError) as raised:
        client.get_post(rkey, COHORT_HANDLE)
    message = f"Could not locate record: {sent.uri}"
    assert error_of(raised) == (400, {"error": "RecordNotFound", "message": message})
    assert sandbox(bluesky_url, "posts") == []
    assert client.delete_post(sent.uri)  # deleting again is a no-op, as on the reference server


def test_a_record_gets_the_cid_a_real_pds_gave_it(bluesky_url: str) -> None:
    # recorded/getRecord-post-200.json: this record had this cid on bsky.social
    client = login(bluesky_url)
    record = {
        "text": "new text114",
        "$type": POST,
        "createdAt": "2024-02-22T19:58:13.903293+00:00",
    }
    recorded_cid = "bafyreifzi5xyrf3c5jw7cci4zrltyl25ik2dboznop4qo4cotcfbyjtita"
    assert create(client, record).cid == recorded_cid


def test_a_repeated_rkey_answers_the_reference_servers_plain_500(bluesky_url: str) -> None:
    client = login(bluesky_url)
    rkey = make_tid(T0, 7)
    first = create(client, post_record("Once"), rkey)
    assert first.uri.endswith(f"/{POST}/{rkey}")
    with pytest.raises(RequestException) as raised:
        create(client, post_record("Twice"), rkey)
    assert error_of(raised) == (
        500,
        {"error": "InternalServerError", "message": "Internal Server Error"},
    )
    assert [p["record"]["text"] for p in sandbox(bluesky_url, "posts")] == ["Once"]


@pytest.mark.parametrize("rkey", ["3lprdud4gi72", "zlprdud4gi72i", "3LPRDUD4GI72I", "self"])
def test_an_rkey_that_is_not_a_tid_is_refused(bluesky_url: str, rkey: str) -> None:
    client = login(bluesky_url)
    with pytest.raises(BadRequestError) as raised:
        create(client, post_record("Keyed"), rkey)
    status, body = error_of(raised)
    assert status == 400 and body["error"] == "InvalidRequest"
    assert body["message"].startswith(f"Invalid record key for {POST}: TID")
    assert sandbox(bluesky_url, "posts") == []


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("e\u0301" * 300, True),  # 300 graphemes, 900 bytes
        ("a" * 301, False),
        ("🇺🇦" * 300, True),  # a flag is one grapheme of 8 bytes: 2400 bytes
        ("👩‍👩‍👧‍👦" * 121, False),  # 121 graphemes of 25 bytes: 3025 bytes
    ],
    ids=["300-accented", "301-ascii", "300-flags", "121-families"],
)
def test_post_length_is_counted_in_graphemes_and_utf8_bytes(
    bluesky_url: str, text: str, accepted: bool
) -> None:
    client = login(bluesky_url)
    if accepted:
        create(client, post_record(text))
        return
    with pytest.raises(BadRequestError) as raised:
        create(client, post_record(text))
    status, body = error_of(raised)
    assert status == 400 and body["error"] == "InvalidRequest"
    assert body["message"].startswith(f"Invalid {POST} record: Record/text must not be longer")


def test_too_long_post_answers_the_recorded_body(bluesky_url: str) -> None:
    client = login(bluesky_url)
    with pytest.raises(BadRequestError) as raised:
        create(client, post_record("x" * 301))
    recorded = json.loads(RECORDED.read_text())["examples"]
    expected = next(e["body"] for e in recorded if e["key"] == "invalid_record")
    assert error_of(raised) == (400, expected)


@pytest.mark.parametrize(
    ("start", "end"), [(0, 9), (4, 2), (-1, 3)], ids=["past-end", "reversed", "negative"]
)
def test_facets_outside_the_text_are_refused(bluesky_url: str, start: int, end: int) -> None:
    client = login(bluesky_url)
    facet = {
        "index": {"byteStart": start, "byteEnd": end},
        "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "x"}],
    }
    with pytest.raises(BadRequestError) as raised:
        create(client, post_record("é #x", facets=[facet]))  # 5 bytes
    status, body = error_of(raised)
    assert status == 400 and "Record/facets/0/index/byte" in body["message"]


def test_link_card_with_uploaded_thumb(bluesky_url: str) -> None:
    client = login(bluesky_url)
    image = requests.get(f"{bluesky_url}/sandbox/pages/image.png", timeout=5).content
    blob = client.upload_blob(image).blob
    assert blob.mime_type == "image/png" and blob.size == len(image)
    external = models.AppBskyEmbedExternal.External(
        uri="https://example.org/a", title="A", description="B", thumb=blob
    )
    sent = client.send_post("Card", embed=models.AppBskyEmbedExternal.Main(external=external))
    view = client.get_posts([sent.uri]).posts[0]
    assert view.embed.external.thumb == f"{bluesky_url}/sandbox/blobs/{blob.ref.link}"
    unknown = {**blob.model_dump(by_alias=True), "ref": {"$link": "bafkreiunknown"}}
    embed = {
        "$type": "app.bsky.embed.external",
        "external": {**external.model_dump(by_alias=True, exclude_none=True), "thumb": unknown},
    }
    with pytest.raises(BadRequestError):
        create(client, post_record("Card", embed=embed))


def test_expired_access_token_then_refresh_rotates(bluesky_url: str) -> None:
    client = login(bluesky_url)
    session = client._session
    assert session is not None
    first_refresh = session.refresh_jwt
    expired = requests.post(
        f"{bluesky_url}/sandbox/sessions/expire", json={"handle": COHORT_HANDLE}, timeout=5
    )
    assert expired.json() == {"expired": 1}
    with pytest.raises(BadRequestError) as raised:
        client.send_post("After expiry")
    assert error_of(raised) == (400, {"error": "ExpiredToken", "message": "Token has expired"})

    client._refresh_and_set_session()
    assert session.refresh_jwt != first_refresh
    client.send_post("After refresh")
    with pytest.raises(BadRequestError) as raised:
        client.com.atproto.server.refresh_session(
            headers={"Authorization": f"Bearer {first_refresh}"}, ignore_session_check=True
        )
    assert error_of(raised) == (
        400,
        {"error": "ExpiredToken", "message": "Token has been revoked"},
    )
    assert [p["record"]["text"] for p in sandbox(bluesky_url, "posts")] == ["After refresh"]


def test_delete_session_takes_the_refresh_token_and_revokes_it(bluesky_url: str) -> None:
    client = login(bluesky_url)
    assert client._session is not None
    access, refresh = client._session.access_jwt, client._session.refresh_jwt
    url = f"{bluesky_url}/xrpc/com.atproto.server.deleteSession"
    wrong = requests.post(url, headers={"Authorization": f"Bearer {access}"}, timeout=5)
    assert (wrong.status_code, wrong.json()) == (
        400,
        {"error": "InvalidToken", "message": "Invalid token type"},
    )
    ended = requests.post(url, headers={"Authorization": f"Bearer {refresh}"}, timeout=5)
    assert ended.status_code == 200
    with pytest.raises(BadRequestError) as raised:
        client._refresh_and_set_session()
    assert error_of(raised)[1] == {"error": "ExpiredToken", "message": "Token has been revoked"}


def test_access_token_expires_two_hours_later_by_the_sandbox_clock(bluesky_url: str) -> None:
    # The client refreshes by itself 15 minutes before `exp` on its own (real) clock, so the
    # session starts now for it to keep the token, while the sandbox's clock moves on.
    now = datetime.now(UTC).replace(microsecond=0)
    freeze(bluesky_url, now)
    client = login(bluesky_url)
    freeze(bluesky_url, now + timedelta(hours=2))
    with pytest.raises(BadRequestError) as raised:
        client.send_post("Late")
    assert error_of(raised)[1]["error"] == "ExpiredToken"
    headers = {"Authorization": "Bearer not.a.token"}
    url = f"{bluesky_url}/xrpc/com.atproto.server.getSession"
    answer = requests.get(url, headers=headers, timeout=5)
    assert answer.status_code == 401 and answer.json()["error"] == "InvalidToken"


def test_session_creation_is_limited_to_30_per_5_minutes(bluesky_url: str) -> None:
    freeze(bluesky_url, T0)
    url = f"{bluesky_url}/xrpc/com.atproto.server.createSession"
    body = {"identifier": COHORT_HANDLE, "password": COHORT_APP_PASSWORD}
    wrong = requests.post(url, json={**body, "password": "nope"}, timeout=5)
    assert wrong.status_code == 401
    answers = [requests.post(url, json=body, timeout=5) for _ in range(29)]
    assert {a.status_code for a in answers} == {200}
    assert answers[-1].headers["RateLimit-Remaining"] == "0"
    client = Client(base_url=f"{bluesky_url}/xrpc")
    with pytest.raises(RateLimitExceededError) as raised:
        client.login(COHORT_HANDLE, COHORT_APP_PASSWORD)
    assert error_of(raised) == (
        429,
        {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
    )
    headers = raised.value.response.headers
    reset = int(T0.timestamp()) + 300
    assert (headers["ratelimit-limit"], headers["ratelimit-remaining"]) == ("30", "0")
    assert (headers["ratelimit-reset"], headers["ratelimit-policy"]) == (str(reset), "30;w=300")
    assert headers["retry-after"] == "300"
    assert login(bluesky_url, MEMBER_HANDLE, MEMBER_APP_PASSWORD).me is not None  # per account
    freeze(bluesky_url, T0 + timedelta(minutes=5))
    assert login(bluesky_url).me is not None


def test_search_needs_a_session(bluesky_url: str) -> None:
    url = f"{bluesky_url}/xrpc/app.bsky.feed.searchPosts?q=%23edchat"
    answer = requests.get(url, timeout=5)
    assert answer.status_code == 403
    assert answer.json() == {"error": "AuthMissing", "message": "Authentication Required"}


def stage(base: str, body: dict[str, Any]) -> list[str]:
    answer = requests.post(f"{base}/sandbox/chats", json=body, timeout=5)
    assert answer.status_code == 201, answer.text
    ids: list[str] = answer.json()["ids"]
    return ids


def search(client: Client, **params: Any) -> Any:
    return client.app.bsky.feed.search_posts(models.AppBskyFeedSearchPosts.Params(**params))


def test_tag_search_pages_staged_posts_once_their_time_has_come(bluesky_url: str) -> None:
    freeze(bluesky_url, T0)
    posts: list[dict[str, Any]] = [
        {
            "author": f"teacher_{n % 3}",
            "text": f"A{n} #TestChat",
            "created_at": f"2026-03-02T19:{n:02d}:00Z",
        }
        for n in range(12)
    ]
    posts[0]["likes"] = 5
    posts[1]["text"] += " #Other"
    ids = stage(
        bluesky_url, {"hashtag": "testchat", "start": "2026-03-02T19:01:00Z", "posts": posts}
    )
    client = login(bluesky_url)
    assert search(client, q="*", tag=["testchat"]).posts == []

    freeze(bluesky_url, T0 + timedelta(minutes=10, seconds=30))  # posts at 19:01 .. 19:10
    seen, cursor, pages = [], None, 0
    while True:
        page = search(client, q="#testchat", tag=["TestChat"], limit=4, cursor=cursor)
        seen += page.posts
        pages += 1
        cursor = page.cursor
        if cursor is None:
            break
    assert pages == 3
    assert [p.uri for p in seen] == ids[:10][::-1]
    assert seen[-1].like_count == 5 and seen[-1].quote_count == 0
    assert seen[0].like_count is None and seen[0].repost_count is None
    assert seen[0].author.handle == "teacher-0.bsky.social"
    both = search(client, q="*", tag=["testchat", "other"]).posts
    assert [p.record.text for p in both] == ["A1 #TestChat #Other"]
    until = search(client, q="*", tag=["testchat"], until="2026-03-02T19:03:00Z").posts
    assert [p.record.text for p in until] == ["A1 #TestChat #Other", "A0 #TestChat"]
    fetched = client.get_posts([ids[0], ids[11]]).posts
    assert [p.uri for p in fetched] == [ids[0]]  # the second is not there yet


def test_search_answers_the_recorded_shape(bluesky_url: str) -> None:
    client = login(bluesky_url)
    text = "Q1 #edchat"
    client.send_post(text, facets=client.detect_facets(text))
    assert client._session is not None
    headers = {"Authorization": f"Bearer {client._session.access_jwt}"}
    url = f"{bluesky_url}/xrpc/app.bsky.feed.searchPosts?q=*&tag=edchat"
    body = requests.get(url, headers=headers, timeout=5).json()
    assert list(body) == ["posts"]
    assert list(body["posts"][0]) == [
        "uri", "cid", "author", "record", "replyCount", "repostCount", "likeCount",
        "quoteCount", "indexedAt", "viewer", "labels",
    ]  # fmt: skip


def test_after_create_fault_creates_then_fails_and_requests_count_it(bluesky_url: str) -> None:
    client = login(bluesky_url)
    fault: dict[str, Any] = {
        "endpoint": "POST /xrpc/com.atproto.repo.createRecord",
        "status": 503,
        "after_create": True,
    }
    assert requests.post(f"{bluesky_url}/sandbox/faults", json=fault, timeout=5).ok
    rkey = make_tid(T0, 1)
    with pytest.raises(RequestException) as raised:
        create(client, post_record("Unknown outcome"), rkey)
    assert error_of(raised)[0] == 503
    with pytest.raises(RequestException) as raised:
        create(client, post_record("Unknown outcome"), rkey)
    assert error_of(raised)[0] == 500  # the retry finds the record: exactly once
    assert [p["record"]["text"] for p in sandbox(bluesky_url, "posts")] == ["Unknown outcome"]
    creates = [
        r["status"]
        for r in sandbox(bluesky_url, "requests")
        if r["endpoint"] == "POST /xrpc/com.atproto.repo.createRecord"
    ]
    assert creates == [503, 500]


@pytest.mark.parametrize(
    ("status", "error"), [(400, "ExpiredToken"), (401, "InvalidToken"), (429, "RateLimitExceeded")]
)
def test_status_faults_answer_bluesky_bodies(bluesky_url: str, status: int, error: str) -> None:
    client = login(bluesky_url)
    endpoint = "POST /xrpc/com.atproto.repo.createRecord"
    fault: dict[str, Any] = {"endpoint": endpoint, "status": status, "reset": 1}
    assert requests.post(f"{bluesky_url}/sandbox/faults", json=fault, timeout=5).ok
    with pytest.raises(RequestErrorBase) as raised:
        client.send_post("Faulted")
    assert error_of(raised)[0] == status and error_of(raised)[1]["error"] == error
    if status == 429:
        assert raised.value.response.headers["ratelimit-reset"] == "1"
    client.send_post("Next one goes through")
    assert len(sandbox(bluesky_url, "posts")) == 1


def test_timeout_fault_drops_the_connection_after_creating(bluesky_url: str) -> None:
    client = login(bluesky_url)
    fault: dict[str, Any] = {
        "endpoint": "POST /xrpc/com.atproto.repo.createRecord",
        "status": "timeout",
        "latency_ms": 600,
        "after_create": True,
    }
    assert requests.post(f"{bluesky_url}/sandbox/faults", json=fault, timeout=5).ok
    assert client.me is not None
    data = {"repo": client.me.did, "collection": POST, "record": post_record("Lost answer")}
    with pytest.raises(InvokeTimeoutError):
        client.com.atproto.repo.create_record(data, timeout=0.3)
    assert [p["record"]["text"] for p in sandbox(bluesky_url, "posts")] == ["Lost answer"]
    logged = sandbox(bluesky_url, "requests")[-1]
    assert (logged["endpoint"], logged["status"]) == (fault["endpoint"], None)


def test_link_card_pages(bluesky_url: str) -> None:
    page = requests.get(f"{bluesky_url}/sandbox/pages/lesson-plan", timeout=5)
    assert '<meta property="og:title" content="Lesson plan (sandbox page)">' in page.text
    image = requests.get(f"{bluesky_url}/sandbox/pages/image.png", timeout=5)
    assert image.headers["Content-Type"] == "image/png" and image.content[:4] == b"\x89PNG"
    moved = requests.get(
        f"{bluesky_url}/sandbox/pages/redirect", params={"to": "http://10.0.0.1/"},
        allow_redirects=False, timeout=5,
    )  # fmt: skip
    assert (moved.status_code, moved.headers["Location"]) == (302, "http://10.0.0.1/")
    large = requests.get(f"{bluesky_url}/sandbox/pages/large", stream=True, timeout=5)
    assert int(large.headers["Content-Length"]) > 5_000_000
    large.close()
    with pytest.raises(requests.Timeout):
        requests.get(f"{bluesky_url}/sandbox/pages/slow?delay_ms=800", timeout=0.3)


def test_demo_chat_stages_questions_and_answers(bluesky_url: str) -> None:
    freeze(bluesky_url, T0)
    ids = stage(bluesky_url, demo_chat_body(T0 + timedelta(minutes=1)))
    freeze(bluesky_url, T0 + timedelta(hours=2))
    client = login(bluesky_url)
    found = search(client, q="*", tag=[DEMO_HASHTAG], limit=100).posts
    assert len(found) == len(ids)
    questions = sorted(p.record.text[:2] for p in found if p.record.text.startswith("Q"))
    assert questions == ["Q1", "Q2", "Q3", "Q4", "Q5"]
    replies = [p for p in found if p.record.reply is not None]
    assert replies and all(p.record.reply.root.uri in ids for p in replies)
