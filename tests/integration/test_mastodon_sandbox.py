"""The Mastodon sandbox over HTTP, held to the reference it carries: the recorded instance and app
bodies, OAuth with PKCE as Doorkeeper answers it, Idempotency-Key per account for an hour, the
length rule, rate limits with ISO resets, paging, hashtag feed access, staged chats and faults."""

import base64
import hashlib
import json
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from devstack.mastodon import DEMO_HASHTAG, demo_chat_body
from tests.integration.mastodon_kit import mastodon_url

pytestmark = pytest.mark.integration
__all__ = ["mastodon_url"]  # the fixture

DATA = Path(__file__).parents[2] / "devstack" / "mastodon" / "data"
CALLBACK = "http://127.0.0.1:3000/accounts/mastodon/callback"


class Sandbox:
    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()

    def call(
        self, method: str, path: str, token: str | None = None, **kwargs: Any
    ) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.http.request(
            method, f"{self.base}{path}", headers=headers, timeout=10, **kwargs
        )

    def control(self, method: str, path: str, body: Any = None) -> Any:
        answer = self.call(method, path, json=body)
        assert answer.status_code < 300, answer.text
        return answer.json() if answer.content else None

    def app(self, scopes: str = "read write") -> dict[str, Any]:
        answer = self.call(
            "POST",
            "/api/v1/apps",
            data={"client_name": "Chatdeck", "redirect_uris": CALLBACK, "scopes": scopes},
        )
        assert answer.status_code == 200
        app: dict[str, Any] = answer.json()
        return app

    def code(self, app: dict[str, Any], username: str, challenge: str | None) -> str:
        query = {
            "client_id": app["client_id"],
            "redirect_uri": CALLBACK,
            "response_type": "code",
            "scope": "read write",
        }
        if challenge:
            query |= {"code_challenge": challenge, "code_challenge_method": "S256"}
        approved = self.call(
            "POST",
            "/oauth/authorize",
            data={**query, "username": username, "decision": "authorize"},
            allow_redirects=False,
        )
        assert approved.status_code == 302
        return parse_qs(urlsplit(approved.headers["Location"]).query)["code"][0]

    def token(self, username: str = "cohort") -> str:
        app = self.app()
        verifier = secrets.token_urlsafe(48)
        code = self.code(app, username, s256(verifier))
        answer = self.call("POST", "/oauth/token", data=self.exchange(app, code, verifier))
        assert answer.status_code == 200, answer.text
        token: str = answer.json()["access_token"]
        return token

    @staticmethod
    def exchange(app: dict[str, Any], code: str, verifier: str | None) -> dict[str, str]:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "redirect_uri": CALLBACK,
        }
        return form | ({"code_verifier": verifier} if verifier else {})

    def post(self, token: str, text: str, key: str | None = None, **form: str) -> requests.Response:
        headers = {"Idempotency-Key": key} if key else {}
        return self.call(
            "POST", "/api/v1/statuses", token, data={"status": text, **form}, headers=headers
        )


def s256(verifier: str) -> str:
    return (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )


@pytest.fixture
def sandbox(mastodon_url: str) -> Sandbox:
    requests.delete(f"{mastodon_url}/sandbox/posts", timeout=5).raise_for_status()
    return Sandbox(mastodon_url)


def recorded(name: str) -> Any:
    return json.loads((DATA / name).read_text())


def test_the_instance_answers_as_recorded_at_its_own_address(sandbox: Sandbox) -> None:
    answer = sandbox.call("GET", "/api/v2/instance")

    host = urlsplit(sandbox.base).netloc
    expected = json.loads(
        json.dumps(recorded("instance.json"))
        .replace("http://localhost:3000", sandbox.base)
        .replace("localhost:3000", host)
    )
    assert answer.json() == expected
    assert answer.headers["Cache-Control"].startswith("max-age=300")


def test_the_instances_rules_are_set_through_the_control_route(sandbox: Sandbox) -> None:
    sandbox.control(
        "POST",
        "/sandbox/instance",
        {"max_characters": 1000, "hashtag_feeds": {"local": "authenticated"}},
    )

    configuration = sandbox.call("GET", "/api/v2/instance").json()["configuration"]

    assert configuration["statuses"] == {
        "max_characters": 1000,
        "max_media_attachments": 4,
        "characters_reserved_per_url": 23,
    }
    assert configuration["timelines_access"]["hashtag_feeds"] == {
        "local": "authenticated",
        "remote": "public",
    }


def test_an_app_is_registered_in_the_recorded_shape(sandbox: Sandbox) -> None:
    app = sandbox.app()

    assert set(app) == set(recorded("app.json"))
    assert (app["scopes"], app["redirect_uris"], app["client_secret_expires_at"]) == (
        ["read", "write"],
        [CALLBACK],
        0,
    )
    assert sandbox.call("POST", "/api/v1/apps", data={"redirect_uris": CALLBACK}).status_code == 422


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"client_id": "unknown"}, "unknown client"),
        ({"redirect_uri": "https://elsewhere.example/cb"}, "redirect uri included is not valid"),
        ({"code_challenge_method": "plain"}, "must be S256"),
        ({"scope": "admin:read"}, "scope is invalid"),
    ],
)
def test_the_authorize_page_refuses_what_mastodon_refuses(
    sandbox: Sandbox, change: dict[str, str], message: str
) -> None:
    app = sandbox.app()
    query = {
        "client_id": app["client_id"],
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "code_challenge": s256("v" * 43),
        "code_challenge_method": "S256",
    } | change

    page = sandbox.call("GET", "/oauth/authorize", params=query)

    assert page.status_code == 400 and message in page.text


def test_the_pkce_verifier_is_checked_and_a_code_is_used_once(sandbox: Sandbox) -> None:
    app = sandbox.app()
    verifier = secrets.token_urlsafe(48)
    code = sandbox.code(app, "ann", s256(verifier))

    missing = sandbox.call("POST", "/oauth/token", data=sandbox.exchange(app, code, None))
    code = sandbox.code(app, "ann", s256(verifier))
    wrong = sandbox.call("POST", "/oauth/token", data=sandbox.exchange(app, code, "x" * 50))
    code = sandbox.code(app, "ann", s256(verifier))
    right = sandbox.call("POST", "/oauth/token", data=sandbox.exchange(app, code, verifier))
    again = sandbox.call("POST", "/oauth/token", data=sandbox.exchange(app, code, verifier))

    assert (missing.status_code, missing.json()["error"]) == (400, "invalid_request")
    assert (wrong.status_code, wrong.json()["error"]) == (400, "invalid_grant")
    assert right.status_code == 200 and set(right.json()) == {
        "access_token",
        "token_type",
        "scope",
        "created_at",
    }
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")
    me = sandbox.call(
        "GET", "/api/v1/accounts/verify_credentials", right.json()["access_token"]
    ).json()
    assert (me["acct"], "source" in me) == ("ann", True)


def test_an_app_token_can_read_but_not_post_and_a_revoked_token_is_refused(
    sandbox: Sandbox,
) -> None:
    app = sandbox.app()
    answer = sandbox.call(
        "POST",
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
        },
    )
    app_token = answer.json()["access_token"]

    assert sandbox.call("GET", "/api/v1/timelines/tag/edchat", app_token).status_code == 200
    refused = sandbox.post(app_token, "Hello")
    assert (refused.status_code, refused.json()) == (
        422,
        {"error": "This method requires an authenticated user"},
    )
    revoked = sandbox.call(
        "POST",
        "/oauth/revoke",
        data={
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "token": app_token,
        },
    )
    assert (revoked.status_code, revoked.json()) == (200, {})
    after = sandbox.call("GET", "/api/v1/timelines/tag/edchat", app_token)
    assert (after.status_code, after.json()) == (401, {"error": "The access token is invalid"})


def test_an_idempotency_key_answers_the_same_status_for_an_hour_per_account(
    sandbox: Sandbox,
) -> None:
    cohort, ann = sandbox.token("cohort"), sandbox.token("ann")

    first = sandbox.post(cohort, "Hello #edchat", key="k-1")
    repeated = sandbox.post(cohort, "A different text", key="k-1")
    anns = sandbox.post(ann, "Hello #edchat", key="k-1")
    sandbox.control("POST", "/sandbox/clock", {"offset_seconds": 3601})
    later = sandbox.post(cohort, "Hello #edchat", key="k-1")

    assert repeated.status_code == 200 and repeated.json() == first.json()
    assert anns.json()["id"] != first.json()["id"]
    assert later.json()["id"] not in (first.json()["id"], anns.json()["id"])
    listed = sandbox.control("GET", "/sandbox/posts")
    assert [(p["account"], p["idempotency_key"]) for p in listed] == [
        ("cohort", "k-1"),
        ("ann", "k-1"),
        ("cohort", "k-1"),
    ]
    assert set(listed[0]) == {
        "id",
        "url",
        "account",
        "created_at",
        "text",
        "visibility",
        "idempotency_key",
    }


def test_a_status_is_rendered_in_the_recorded_shape(sandbox: Sandbox) -> None:
    token = sandbox.token("cohort")

    status = sandbox.post(
        token, "Q1 Ideas? #EdChat https://example.org/a/long/path/to/the/agenda/page\n\nThanks @ann"
    ).json()

    assert set(status) == set(recorded("status.json"))
    assert set(status["account"]) == set(recorded("status.json")["account"])
    assert status["tags"] == [{"name": "edchat", "url": f"{sandbox.base}/tags/edchat"}]
    assert status["content"].startswith(
        '<p>Q1 Ideas? <a href="'
        + sandbox.base
        + '/tags/edchat" class="mention hashtag" rel="tag">#<span>EdChat</span></a> '
    )
    assert (
        '<span class="invisible">https://</span><span class="ellipsis">'
        'example.org/a/long/path/to/the</span><span class="invisible">/agenda/page</span>'
        in status["content"]
    )
    assert status["content"].endswith(
        '</a></p><p>Thanks <span class="h-card" translate="no"><a href="'
        + sandbox.base
        + '/@ann" class="u-url mention">@<span>ann</span></a></span></p>'
    )
    assert sandbox.call("GET", f"/api/v1/statuses/{status['id']}").json() == status


def test_the_length_rule_counts_links_as_reserved_characters(sandbox: Sandbox) -> None:
    token = sandbox.token()
    link = "https://example.org/" + "a" * 100
    fits = "x" * (500 - 24) + " " + link  # 476 + 1 + 23 = 500

    assert sandbox.post(token, fits).status_code == 200
    over = sandbox.post(token, "x" + fits)
    assert (over.status_code, over.json()) == (
        422,
        {"error": "Validation failed: Text character limit of 500 exceeded"},
    )
    blank = sandbox.post(token, "   ")
    assert (blank.status_code, blank.json()) == (
        422,
        {"error": "Validation failed: Text can't be blank"},
    )
    assert sandbox.post(token, "👩‍👩‍👧" * 500).status_code == 200  # a grapheme is one character


def test_every_call_reports_its_limit_with_an_iso_reset_and_the_301st_is_refused(
    sandbox: Sandbox,
) -> None:
    token = sandbox.token()
    sandbox.control("POST", "/sandbox/clock", {"now": "2026-08-01T13:51:02Z"})

    answers = [
        sandbox.call("GET", "/api/v1/accounts/verify_credentials", token) for _ in range(301)
    ]

    assert answers[0].headers["X-RateLimit-Limit"] == "300"
    assert answers[0].headers["X-RateLimit-Reset"] == "2026-08-01T13:55:00.000000Z"
    assert [a.status_code for a in answers[-2:]] == [200, 429]
    assert answers[-1].json() == {"error": "Too many requests"}
    assert answers[-1].headers["X-RateLimit-Remaining"] == "0"


def test_a_create_reports_the_statuses_family_of_300_per_3_hours(sandbox: Sandbox) -> None:
    token = sandbox.token()
    sandbox.control("POST", "/sandbox/clock", {"now": "2026-08-01T13:53:56Z"})

    answer = sandbox.post(token, "Toot!")

    assert answer.headers["X-RateLimit-Limit"] == "300"
    assert answer.headers["X-RateLimit-Remaining"] == "299"
    assert answer.headers["X-RateLimit-Reset"] == "2026-08-01T15:00:00.000000Z"


def test_an_accounts_statuses_page_with_link_headers(sandbox: Sandbox) -> None:
    token = sandbox.token()
    ids = [sandbox.post(token, f"Post {n}").json()["id"] for n in range(5)]
    account = sandbox.call("GET", "/api/v1/accounts/verify_credentials", token).json()["id"]

    newest = sandbox.call("GET", f"/api/v1/accounts/{account}/statuses", params={"limit": 2})
    after = sandbox.call(
        "GET", f"/api/v1/accounts/{account}/statuses", params={"limit": 2, "min_id": ids[0]}
    )
    since = sandbox.call(
        "GET", f"/api/v1/accounts/{account}/statuses", params={"limit": 2, "since_id": ids[0]}
    )

    assert [s["id"] for s in newest.json()] == [ids[4], ids[3]]
    assert f'max_id={ids[3]}>; rel="next"' in newest.headers["Link"]
    assert f'min_id={ids[4]}>; rel="prev"' in newest.headers["Link"]
    assert [s["id"] for s in after.json()] == [ids[2], ids[1]]  # just after the cursor
    assert [s["id"] for s in since.json()] == [ids[4], ids[3]]  # the newest after it


def test_staged_posts_appear_as_the_clock_passes_them(sandbox: Sandbox) -> None:
    start = datetime(2026, 12, 1, 20, tzinfo=UTC)
    sandbox.control("POST", "/sandbox/clock", {"now": "2026-12-01T20:05:00Z"})
    ids = sandbox.control(
        "POST",
        "/sandbox/chats",
        {
            "hashtag": "#EdChat",
            "start": start.isoformat(),
            "posts": [
                {
                    "id": "q1",
                    "author": "mod",
                    "text": "Q1 Why? #edchat",
                    "created_at": "2026-01-01T00:00:00Z",
                    "likes": 4,
                },
                {
                    "author": "sam",
                    "text": "A1 Because #edchat",
                    "created_at": "2026-01-01T00:03:00Z",
                    "reply_to": "q1",
                },
                {"author": "lee", "text": "A1 Later #edchat", "created_at": "2026-01-01T00:10:00Z"},
            ],
        },
    )["ids"]

    timeline = sandbox.call("GET", "/api/v1/timelines/tag/EDCHAT").json()

    assert [s["id"] for s in timeline] == [ids[1], ids[0]]
    answer = timeline[0]
    assert (answer["in_reply_to_id"], answer["account"]["acct"]) == (ids[0], "sam")
    assert "favourites_count" not in answer  # staged without counts: served without them
    assert timeline[1]["favourites_count"] == 4
    assert sandbox.call("GET", f"/api/v1/statuses/{ids[2]}").status_code == 404  # not yet
    sandbox.control("POST", "/sandbox/clock", {"now": "2026-12-01T20:15:00Z"})
    assert sandbox.call("GET", f"/api/v1/statuses/{ids[2]}").json()["content"] == (
        f'<p>A1 Later <a href="{sandbox.base}/tags/edchat" class="mention hashtag" rel="tag">'
        "#<span>edchat</span></a></p>"
    )
    assert (
        sandbox.call("POST", "/sandbox/chats", json={"hashtag": "x", "posts": []}).status_code
        == 400
    )


def test_the_hashtag_feed_follows_the_instances_timelines_access(sandbox: Sandbox) -> None:
    sandbox.control(
        "POST", "/sandbox/chats", demo_chat_body(datetime.now(UTC) - timedelta(hours=2))
    )
    path = f"/api/v1/timelines/tag/{DEMO_HASHTAG}"

    assert len(sandbox.call("GET", path, params={"limit": 40}).json()) == 22
    sandbox.control("POST", "/sandbox/instance", {"hashtag_feeds": {"local": "authenticated"}})
    assert sandbox.call("GET", path).status_code == 401
    assert len(sandbox.call("GET", path, sandbox.token()).json()) == 20
    sandbox.control("POST", "/sandbox/instance", {"hashtag_feeds": {"local": "disabled"}})
    assert sandbox.call("GET", path, sandbox.token()).json() == []


@pytest.mark.parametrize(
    ("fault", "status", "body"),
    [
        ({"status": 401}, 401, {"error": "The access token is invalid"}),
        (
            {"status": 422, "error": "Validation failed: Text can't be blank"},
            422,
            {"error": "Validation failed: Text can't be blank"},
        ),
        (
            {"status": 503},
            503,
            {"error": "There was a temporary problem serving your request, please try again"},
        ),
    ],
)
def test_a_fault_answers_as_mastodon_would_and_creates_nothing(
    sandbox: Sandbox, fault: dict[str, Any], status: int, body: Any
) -> None:
    token = sandbox.token()
    sandbox.control("POST", "/sandbox/faults", {"endpoint": "POST /api/v1/statuses", **fault})

    answer = sandbox.post(token, "Hello")

    assert (answer.status_code, answer.json()) == (status, body)
    assert sandbox.control("GET", "/sandbox/posts") == []
    assert sandbox.post(token, "Hello").status_code == 200  # one call only


def test_after_create_faults_create_the_status_then_fail(sandbox: Sandbox) -> None:
    token = sandbox.token()
    sandbox.control(
        "POST",
        "/sandbox/faults",
        {
            "endpoint": "POST /api/v1/statuses",
            "status": "timeout",
            "latency_ms": 100,
            "after_create": True,
        },
    )

    with pytest.raises(requests.ConnectionError):
        sandbox.post(token, "Hello", key="k")

    assert len(sandbox.control("GET", "/sandbox/posts")) == 1
    created = [
        r
        for r in sandbox.control("GET", "/sandbox/requests")
        if r["endpoint"] == "POST /api/v1/statuses"
    ]
    assert [r["status"] for r in created] == [None]


def test_faults_name_mastodons_endpoints(sandbox: Sandbox) -> None:
    refused = sandbox.call(
        "POST", "/sandbox/faults", json={"endpoint": "POST /2/tweets", "status": 503}
    )
    assert refused.status_code == 400 and "POST /api/v1/statuses" in refused.json()["error"]
    assert (
        sandbox.call(
            "POST", "/sandbox/faults", json={"endpoint": "POST /api/v1/statuses", "status": 402}
        ).status_code
        == 400
    )


def test_the_301st_status_in_three_hours_is_refused_even_across_5_minute_windows(
    sandbox: Sandbox,
) -> None:
    token = sandbox.token()
    sandbox.control("POST", "/sandbox/clock", {"now": "2026-08-01T12:00:00Z"})
    for _ in range(150):
        assert sandbox.post(token, "Toot").status_code == 200
    sandbox.control("POST", "/sandbox/clock", {"now": "2026-08-01T12:10:00Z"})
    for _ in range(150):
        assert sandbox.post(token, "Toot").status_code == 200

    refused = sandbox.post(token, "One too many")

    assert (refused.status_code, refused.json()) == (429, {"error": "Too many requests"})
    assert refused.headers["X-RateLimit-Limit"] == "300"
    assert refused.headers["X-RateLimit-Reset"] == "2026-08-01T15:00:00.000000Z"
    assert len(sandbox.control("GET", "/sandbox/posts")) == 300


def test_the_consent_page_names_the_app_and_denying_redirects_with_access_denied(
    sandbox: Sandbox,
) -> None:
    app = sandbox.app()
    query = {
        "client_id": app["client_id"],
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "state": "s-1",
        "code_challenge": s256("v" * 43),
        "code_challenge_method": "S256",
    }

    page = sandbox.call("GET", "/oauth/authorize", params=query)
    denied = sandbox.call(
        "POST", "/oauth/authorize", data={**query, "decision": "deny"}, allow_redirects=False
    )

    assert page.status_code == 200
    assert "<strong>Chatdeck</strong> would like permission to access your account" in page.text
    assert 'name="code_challenge_method" value="S256"' in page.text
    assert '<option value="cohort" selected>' in page.text and '<option value="ann"' in page.text
    location = parse_qs(urlsplit(denied.headers["Location"]).query)
    assert (location["error"], location["state"]) == (["access_denied"], ["s-1"])
