"""X accounts connected through OAuth 2.0 with PKCE, against moto server and the sandbox over HTTP:
tweepy's OAuth2UserHandler, the consent page driven as a browser would, DynamoDB, and the tokens'
data key in SSM."""

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
import requests
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from chatdeck.adapters.ssm_data_key import SsmDataKeyStore
from chatdeck.adapters.token_cipher import AesGcmTokenCipher, DataKey
from chatdeck.bootstrap import Services
from chatdeck.domain.accounts import Connection, StoredConnection, Tokens, TokensUnreadable
from chatdeck.domain.errors import ConnectError
from chatdeck.domain.posts import PostStatus
from chatdeck.services.accounts import AccessTokens, Accounts
from tests.integration.deployment import ADMIN, PUBLIC_URL, Deployment
from tests.integration.x_consent import consent

pytestmark = pytest.mark.integration

CALLBACK = "http://127.0.0.1:3000/accounts/callback"
MEMBER = "garcia@school.example"
ACCOUNT = f"member:{MEMBER}"
TOKEN_ENDPOINT = "POST /2/oauth2/token"


def connect(
    deployment: Deployment,
    username: str = "ms_garcia",
    member: str = MEMBER,
    account: str = ACCOUNT,
) -> Connection:
    """Everything a member does to connect: the connect button, X's consent page, the callback."""
    accounts: Accounts = deployment.services.accounts
    redirect = consent(accounts.begin_connect(member, account, CALLBACK), username)
    return complete(deployment, redirect.location, member)


def complete(deployment: Deployment, callback_url: str, member: str = MEMBER) -> Connection:
    query = dict(p.split("=", 1) for p in callback_url.split("?", 1)[1].split("&"))
    connection: Connection = deployment.services.accounts.complete_connect(
        state=query["state"],
        code=query.get("code"),
        error=query.get("error"),
        callback_url=callback_url,
        member_email=member,
    )
    return connection


def stored(deployment: Deployment, account: str = ACCOUNT) -> StoredConnection:
    found: StoredConnection | None = deployment.services.connections.get(account)
    assert found is not None
    return found


def expire_stored_tokens(deployment: Deployment, account: str = ACCOUNT) -> StoredConnection:
    """Chatdeck's copy of the tokens says they expired a minute ago."""
    seen = stored(deployment, account)
    assert seen.tokens is not None
    a_minute_ago = deployment.clock.now() - timedelta(minutes=1)
    past = Tokens(seen.tokens.access_token, seen.tokens.refresh_token, a_minute_ago)
    renewed: StoredConnection = deployment.services.connections.connect(
        account, seen.user, past, seen.connected_by, seen.connected_at
    )
    return renewed


def expire_at_x(deployment: Deployment, username: str = "ms_garcia") -> None:
    answer = requests.post(
        f"{deployment.sandbox_url}/sandbox/oauth/expire", json={"username": username}, timeout=5
    )
    assert answer.json()["expired"] >= 1


def token_requests(deployment: Deployment) -> list[dict[str, Any]]:
    logged = requests.get(f"{deployment.sandbox_url}/sandbox/requests", timeout=5).json()
    return [entry for entry in logged if entry["endpoint"] == TOKEN_ENDPOINT]


def raw_item(deployment: Deployment, account: str = ACCOUNT) -> dict[str, Any]:
    item: dict[str, Any] = boto3.client("dynamodb").get_item(
        TableName=deployment.services.settings.state_table,
        Key={"pk": {"S": f"ACCOUNT#x#{account}"}, "sk": {"S": "TOKENS"}},
        ConsistentRead=True,
    )["Item"]
    return item


def second_function(deployment: Deployment, **kwargs: Any) -> AccessTokens:
    services = deployment.services
    return AccessTokens(services.connections, services.x_oauth2, services.clock, **kwargs)


# Connecting


def test_a_connected_member_account_posts_as_that_member(deployment: Deployment) -> None:
    connection = connect(deployment, "ms_garcia")
    due = deployment.minute
    post = deployment.schedule("My own account, my own words.", due, MEMBER, ACCOUNT)

    report = deployment.tick(due)

    assert (connection.account, connection.username) == (ACCOUNT, "ms_garcia")
    assert deployment.services.accounts.connection(ACCOUNT) == connection
    assert report.outcomes["posted"] == 1
    [sent] = deployment.sandbox_posts()
    assert (sent["author"], sent["text"]) == ("ms_garcia", post.text)
    assert deployment.target(post.id).url == f"https://x.com/ms_garcia/status/{sent['id']}"
    assert len(token_requests(deployment)) == 1  # the code exchange; no refresh needed


def test_tokens_at_rest_are_encrypted_for_their_account(deployment: Deployment) -> None:
    ssm = boto3.client("ssm")
    key_parameter = deployment.services.settings.tokens_data_key_parameter
    with pytest.raises(ssm.exceptions.ParameterNotFound):  # a new stack has no data key yet
        ssm.get_parameter(Name=key_parameter)
    connect(deployment)
    tokens = stored(deployment).tokens
    assert tokens is not None and tokens.refresh_token is not None

    item = raw_item(deployment)

    # Nothing of the tokens is readable in the table...
    sealed = item["tokens"]["B"]
    assert tokens.access_token not in str(item) and tokens.refresh_token not in str(item)
    assert tokens.access_token.encode() not in sealed
    assert tokens.refresh_token.encode() not in sealed
    assert item["version"] == {"N": "1"} and item["username"] == {"S": "ms_garcia"}
    assert item["connected_by"] == {"S": MEMBER}
    # ...the connect made the data key, a SecureString in SSM (not in the table)...
    parameter = ssm.get_parameter(Name=key_parameter, WithDecryption=True)["Parameter"]
    assert parameter["Type"] == "SecureString" and parameter["Version"] == 1
    key = base64.b64decode(parameter["Value"])
    assert len(key) == 32 and key not in sealed and parameter["Value"] not in str(item)
    # ...and the value is AES-GCM under it, bound to this account: it opens as this account's
    # (version byte, nonce, ciphertext and tag) and as no other's, not even the cohort's.
    version, nonce, body = sealed[:1], sealed[1:13], sealed[13:]
    opened = json.loads(AESGCM(key).decrypt(nonce, body, version + ACCOUNT.encode()))
    assert (opened["access_token"], opened["refresh_token"]) == (
        tokens.access_token,
        tokens.refresh_token,
    )
    with pytest.raises(InvalidTag):
        AESGCM(key).decrypt(nonce, body, version + b"cohort")
    with pytest.raises(TokensUnreadable):
        AesGcmTokenCipher(DataKey(SsmDataKeyStore(lambda: ssm, key_parameter))).open(
            "cohort", sealed
        )


def test_the_cohort_posts_through_its_connection_else_oauth1(deployment: Deployment) -> None:
    due = deployment.minute
    deployment.schedule("Before the cohort account was connected.", due)
    deployment.tick(due)
    connect(deployment, "cohort_edu", member=ADMIN, account="cohort")
    deployment.schedule("After it was connected.", due + timedelta(minutes=1))

    deployment.tick(due + timedelta(minutes=1))

    authors = [(p["author"], p["text"]) for p in deployment.sandbox_posts()]
    assert authors == [
        ("sandbox_cohort", "Before the cohort account was connected."),
        ("cohort_edu", "After it was connected."),
    ]


def test_a_wrong_code_verifier_is_refused(deployment: Deployment) -> None:
    accounts: Accounts = deployment.services.accounts
    redirect = consent(accounts.begin_connect(MEMBER, ACCOUNT, CALLBACK))
    boto3.client("dynamodb").update_item(
        TableName=deployment.services.settings.state_table,
        Key={"pk": {"S": f"OAUTH#{redirect.query['state']}"}, "sk": {"S": "PENDING"}},
        UpdateExpression="SET code_verifier = :other",
        ExpressionAttributeValues={":other": {"S": "v" * 64}},
    )

    with pytest.raises(ConnectError, match="X did not accept this authorization"):
        complete(deployment, redirect.location)

    assert accounts.connection(ACCOUNT) is None
    assert [e["status"] for e in token_requests(deployment)] == [400]


def test_cancelling_on_x_connects_nothing_and_uses_the_state_up(deployment: Deployment) -> None:
    accounts: Accounts = deployment.services.accounts
    redirect = consent(accounts.begin_connect(MEMBER, ACCOUNT, CALLBACK), button="Cancel")

    with pytest.raises(ConnectError, match="did not give Chatdeck access"):
        complete(deployment, redirect.location)
    with pytest.raises(ConnectError, match="expired or was already used"):
        complete(deployment, redirect.location)

    assert accounts.connection(ACCOUNT) is None
    assert token_requests(deployment) == []


def test_another_members_state_is_refused_and_left_for_its_owner(deployment: Deployment) -> None:
    accounts: Accounts = deployment.services.accounts
    redirect = consent(accounts.begin_connect(MEMBER, ACCOUNT, CALLBACK))

    with pytest.raises(ConnectError, match="expired or was already used"):
        complete(deployment, redirect.location, member="someone.else@school.example")
    connection = complete(deployment, redirect.location)

    assert connection.username == "sandbox_teacher"
    with pytest.raises(ConnectError):
        complete(deployment, redirect.location)  # single use


def test_an_expired_connect_is_refused(deployment: Deployment) -> None:
    accounts: Accounts = deployment.services.accounts
    redirect = consent(accounts.begin_connect(MEMBER, ACCOUNT, CALLBACK))
    an_hour_ago = int((deployment.clock.now() - timedelta(hours=1)).timestamp())
    boto3.client("dynamodb").update_item(
        TableName=deployment.services.settings.state_table,
        Key={"pk": {"S": f"OAUTH#{redirect.query['state']}"}, "sk": {"S": "PENDING"}},
        UpdateExpression="SET expires_at = :then",
        ExpressionAttributeValues={":then": {"N": str(an_hour_ago)}},
    )

    with pytest.raises(ConnectError, match="expired"):
        complete(deployment, redirect.location)


def test_disconnecting_revokes_the_tokens_and_forgets_them(deployment: Deployment) -> None:
    connect(deployment)
    tokens = stored(deployment).tokens
    assert tokens is not None
    accounts: Accounts = deployment.services.accounts

    assert accounts.disconnect(ACCOUNT) is True
    assert accounts.disconnect(ACCOUNT) is False

    assert accounts.connection(ACCOUNT) is None
    assert "tokens" not in raw_item(deployment)
    me = requests.get(
        f"{deployment.sandbox_url}/2/users/me",
        headers={"Authorization": f"Bearer {tokens.access_token}"},
        timeout=5,
    )
    assert me.status_code == 401


# Renewing access


def test_access_is_renewed_only_when_it_is_about_to_expire(deployment: Deployment) -> None:
    connect(deployment)
    due = deployment.minute
    deployment.schedule("While the token is fresh.", due, MEMBER, ACCOUNT)
    deployment.tick(due)
    assert len(token_requests(deployment)) == 1
    expire_at_x(deployment)
    before = expire_stored_tokens(deployment)
    deployment.schedule("After it expired.", due + timedelta(minutes=1), MEMBER, ACCOUNT)

    report = deployment.tick(due + timedelta(minutes=1))

    assert report.outcomes["posted"] == 1
    assert [p["text"] for p in deployment.sandbox_posts()] == [
        "While the token is fresh.",
        "After it expired.",
    ]
    assert [e["status"] for e in token_requests(deployment)] == [200, 200]
    after = stored(deployment)
    assert after.version == before.version + 2  # claimed, then saved
    assert after.tokens is not None and before.tokens is not None
    assert after.tokens.refresh_token != before.tokens.refresh_token
    assert after.tokens.expires_at > datetime.now(UTC) + timedelta(hours=1)
    assert after.refreshing_until is None


def test_an_access_token_x_refuses_early_is_renewed_for_the_next_try(
    deployment: Deployment,
) -> None:
    connect(deployment)
    expire_at_x(deployment)  # Chatdeck's copy still says it is good for two hours
    due = deployment.minute
    post = deployment.schedule("Refused once, then sent.", due, MEMBER, ACCOUNT)

    first = deployment.tick(due)
    second = deployment.tick(due + timedelta(minutes=2))

    assert first.outcomes["requeued"] == 1
    assert second.outcomes["posted"] == 1
    assert [p["text"] for p in deployment.sandbox_posts()] == [post.text]
    assert len(token_requests(deployment)) == 2
    assert deployment.emails_to(ADMIN) == []


def test_a_reused_refresh_token_disconnects_and_the_member_hears_once(
    deployment: Deployment,
) -> None:
    connect(deployment)
    tokens = stored(deployment).tokens
    assert tokens is not None and tokens.refresh_token is not None
    deployment.services.x_oauth2.refresh(tokens.refresh_token)  # used elsewhere: ours is spent
    expire_stored_tokens(deployment)
    due = deployment.minute
    posts = [
        deployment.schedule(f"Due while disconnected, number {n}.", due, MEMBER, ACCOUNT)
        for n in (1, 2)
    ]

    report = deployment.tick(due)
    later = deployment.schedule("Due later.", due + timedelta(minutes=5), MEMBER, ACCOUNT)
    deployment.tick(due + timedelta(minutes=5))

    assert report.outcomes["failed"] == 2 and report.outcomes["paused"] == 0
    for post in [*posts, later]:
        failed = deployment.post(post.id)
        assert failed.status is PostStatus.FAILED
        assert failed.reason is not None and "Connect the account again" in failed.reason
    assert deployment.sandbox_posts() == []
    assert deployment.services.accounts.connection(ACCOUNT) is None
    [email] = deployment.emails_to(MEMBER)
    assert "Reconnect your X account" in email
    assert f"{PUBLIC_URL}/accounts" in email
    assert deployment.emails_to(ADMIN) == []
    assert [e["status"] for e in token_requests(deployment)] == [200, 200, 400]


def test_access_revoked_on_x_disconnects_at_the_next_post(deployment: Deployment) -> None:
    connect(deployment)
    tokens = stored(deployment).tokens
    assert tokens is not None and tokens.refresh_token is not None
    requests.post(
        f"{deployment.sandbox_url}/2/oauth2/revoke",
        data={"token": tokens.refresh_token},
        auth=("sandbox-client-id", "sandbox-client-secret"),
        timeout=5,
    ).raise_for_status()
    due = deployment.minute
    post = deployment.schedule("Posted after the member revoked access.", due, MEMBER, ACCOUNT)

    report = deployment.tick(due)

    assert report.outcomes["failed"] == 1
    assert deployment.post(post.id).status is PostStatus.FAILED
    assert deployment.services.accounts.connection(ACCOUNT) is None
    assert len(deployment.emails_to(MEMBER)) == 1


def test_a_deleted_data_key_fails_the_members_posts_once_until_they_connect_again(
    deployment: Deployment,
) -> None:
    # Given a connected member, and then the tokens' data key deleted by hand
    connect(deployment)
    ssm = boto3.client("ssm")
    ssm.delete_parameter(Name=deployment.services.settings.tokens_data_key_parameter)
    # A function started since (a running one keeps the key it read for up to 5 minutes)
    deployment.services = Services(deployment.services.settings, clock=deployment.clock)
    due = deployment.minute
    post = deployment.schedule("Due after the data key was lost.", due, MEMBER, ACCOUNT)

    # When the publisher comes to post as the member
    report = deployment.tick(due)

    # Then the post fails with what to do, the connection ends, the member hears once, and no
    # key is made by reading
    failed = deployment.post(post.id)
    assert report.outcomes["failed"] == 1
    assert failed.status is PostStatus.FAILED
    assert failed.reason is not None and "Connect the account again" in failed.reason
    assert deployment.services.accounts.connection(ACCOUNT) is None
    assert len(deployment.emails_to(MEMBER)) == 1
    assert deployment.sandbox_posts() == []
    with pytest.raises(ssm.exceptions.ParameterNotFound):
        ssm.get_parameter(Name=deployment.services.settings.tokens_data_key_parameter)

    # And connecting again makes a new key, and posts go out again
    connect(deployment)
    again = deployment.schedule(
        "After connecting again.", due + timedelta(minutes=1), MEMBER, ACCOUNT
    )
    deployment.tick(due + timedelta(minutes=1))
    assert deployment.post(again.id).status is PostStatus.POSTED


def test_a_post_for_a_member_account_never_connected_fails(deployment: Deployment) -> None:
    due = deployment.minute
    post = deployment.schedule("Nowhere to go.", due, MEMBER, ACCOUNT)

    deployment.tick(due)

    failed = deployment.post(post.id)
    assert failed.status is PostStatus.FAILED
    assert failed.reason is not None and "not connected" in failed.reason
    assert len(deployment.emails_to(MEMBER)) == 1


# Two functions renewing at once (scripted: moto does not serialise concurrent writes)


def test_two_functions_renewing_at_once_renew_once(deployment: Deployment) -> None:
    connect(deployment)
    expire_at_x(deployment)
    expire_stored_tokens(deployment)
    a, b = deployment.services.access_tokens, second_function(deployment)
    requests_before = len(token_requests(deployment))

    seen_by_a, seen_by_b = stored(deployment), stored(deployment)
    access_a = a.fresh(seen_by_a)  # claims, renews at X, saves
    access_b = b.fresh(seen_by_b)  # its claim fails on the version: it re-reads a's tokens

    assert seen_by_a.version == seen_by_b.version
    assert access_a is not None and access_b is not None
    assert access_b.access_token == access_a.access_token
    assert len(token_requests(deployment)) == requests_before + 1
    due = deployment.minute
    deployment.schedule("Through the one renewed token.", due, MEMBER, ACCOUNT)
    assert deployment.tick(due).outcomes["posted"] == 1


def test_a_function_that_finds_a_renewal_under_way_waits_for_it(deployment: Deployment) -> None:
    connect(deployment)
    expire_at_x(deployment)
    expire_stored_tokens(deployment)
    store, oauth = deployment.services.connections, deployment.services.x_oauth2
    seen = stored(deployment)
    claimed = store.claim_refresh(seen, deployment.clock.now() + timedelta(seconds=30))  # a's
    assert claimed is not None and claimed.tokens is not None
    waits: list[float] = []

    def a_finishes_while_b_waits(seconds: float) -> None:
        waits.append(seconds)
        store.save_refreshed(claimed, oauth.refresh(claimed.tokens.refresh_token))

    b = second_function(deployment, wait=a_finishes_while_b_waits)
    requests_before = len(token_requests(deployment))

    access_b = b.fresh(seen)

    saved = stored(deployment)
    assert saved.tokens is not None and access_b is not None
    assert access_b.access_token == saved.tokens.access_token
    assert len(waits) == 1
    assert len(token_requests(deployment)) == requests_before + 1
