"""A fresh deployment per test: the template's tables in moto server, the cohort's credentials in
SSM, and Chatdeck's real adapters pointed at moto and the sandbox over HTTP."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import boto3
import pytest
import requests

from chatdeck.bootstrap import Services
from chatdeck.domain.chats import Chat, Recurrence
from chatdeck.domain.posts import Post, Target
from chatdeck.services.publishing import TickReport
from chatdeck.settings import Settings
from devstack.provision import (
    SANDBOX_CREDENTIALS,
    SANDBOX_OAUTH2_CLIENT,
    TEMPLATE,
    create_table,
)
from devstack.template import load_template
from tests.conftest import unique
from tests.posts import form_post

ADMIN = "admin@cohort.example"
SENDER = "chatdeck@cohort.example"
# The deployment's PUBLIC_URL: the API's own URL, as a stack without a PublicUrl has it, and
# the one the sample events in events/ were sent to.
PUBLIC_URL = "https://abc123.execute-api.us-east-1.amazonaws.com"


class InjectedClock:
    """The clock every service of a deployment reads: it starts at the minute the test began and
    moves only when a test moves it, so no test depends on when, within a minute, it runs."""

    def __init__(self, instant: datetime) -> None:
        self.instant = instant

    def now(self) -> datetime:
        return self.instant


def sample_chat(*, first_date: date = date(2026, 9, 7), **fields: Any) -> Chat:
    """The chat the tests add, as an admin's form would: EdTech Chat (#EdTechChat) on X, Mondays
    20:00 to 21:00 in New York from `first_date`, moderated by @edtechmod. `fields` replace any of
    the chat's own (id, name, hashtag, networks, moderators…)."""
    recurrence = Recurrence(
        weekday=0,
        start=time(20, 0),
        zone="America/New_York",
        duration_minutes=60,
        first_date=first_date,
    )
    values: dict[str, Any] = {
        "id": "edtechchat",
        "name": "EdTech Chat",
        "hashtag": "#EdTechChat",
        "networks": ["x"],
        "recurrence": recurrence,
        "moderators": ["edtechmod"],
        **fields,
    }
    return Chat.model_validate(values)


@dataclass
class Deployment:
    services: Services
    moto_url: str
    sandbox_url: str
    mail_before: int = 0

    @property
    def clock(self) -> InjectedClock:
        clock = self.services.clock
        assert isinstance(clock, InjectedClock)
        return clock

    @property
    def minute(self) -> datetime:
        """The test's current whole minute, on the injected clock."""
        return self.clock.now().replace(second=0, microsecond=0)

    def schedule(
        self,
        text: str,
        due: datetime,
        author: str = "teacher@school.example",
        account: str = "cohort",
        targets: tuple[tuple[str, str], ...] | None = None,
    ) -> Post:
        """Store a post as the web form would, due at `due` (a whole minute), to `targets`
        ((network, account) pairs) or to `account` on X."""
        post = form_post(unique("post"), text, due, author, account, targets)
        assert self.services.posts.add(post)
        return post

    def tick(self, at: datetime) -> TickReport:
        return self.services.publisher.publish_due_posts(at)

    def post(self, post_id: str) -> Post:
        found = self.services.posts.get(post_id)
        assert found is not None
        return found

    def target(self, post_id: str, key: str | None = None) -> Target:
        """The post's target `key` (`bluesky:cohort`), or its only one."""
        post = self.post(post_id)
        if key is None:
            [only] = post.targets
            return only
        found = post.target(key)
        assert found is not None, key
        return found

    def sandbox_posts(self) -> list[dict[str, Any]]:
        posts: list[dict[str, Any]] = requests.get(
            f"{self.sandbox_url}/sandbox/posts", timeout=5
        ).json()
        return posts

    def fault(self, **spec: Any) -> None:
        answer = requests.post(f"{self.sandbox_url}/sandbox/faults", json=spec, timeout=5)
        answer.raise_for_status()

    def emails_to(self, address: str) -> list[str]:
        """Raw MIME of every email moto's SES accepted for this address during this test."""
        sent = sent_emails(self.moto_url)[self.mail_before :]
        return [m["raw_data"] for m in sent if address in m["destinations"]]


def sent_emails(moto_url: str) -> list[dict[str, Any]]:
    data = requests.get(f"{moto_url}/moto-api/data.json", timeout=5).json()
    sent: list[dict[str, Any]] = data.get("ses", {}).get("RawMessage", [])
    return sent


@pytest.fixture
def deployment(aws_env: str, sandbox_url: str) -> Iterator[Deployment]:
    template = load_template(TEMPLATE)
    names = {}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] == "AWS::DynamoDB::Table":
            name = unique(logical_id)
            names[logical_id] = create_table(
                aws_env, name, {**resource["Properties"], "TableName": name}
            )
    parameter = f"/chatdeck/{unique('test')}/x/cohort"
    boto3.client("ssm").put_parameter(
        Name=parameter, Value=json.dumps(SANDBOX_CREDENTIALS), Type="SecureString"
    )
    oauth2_client = f"/chatdeck/{unique('test')}/x/oauth2-client"
    boto3.client("ssm").put_parameter(
        Name=oauth2_client, Value=json.dumps(SANDBOX_OAUTH2_CLIENT), Type="SecureString"
    )
    signing_key = f"/chatdeck/{unique('test')}/signing-key"
    boto3.client("ssm").put_parameter(
        Name=signing_key, Value=unique("signing-key") * 4, Type="SecureString"
    )
    # A fresh name, and no key in it: the first connect makes it, as on a new stack.
    tokens_data_key = f"/chatdeck/{unique('test')}/tokens-data-key"
    boto3.client("ses").verify_email_identity(EmailAddress=SENDER)
    requests.delete(f"{sandbox_url}/sandbox/posts", timeout=5).raise_for_status()
    settings = Settings(
        posts_table=names["PostsTable"],
        state_table=names["StateTable"],
        sender_email=SENDER,
        admin_emails=ADMIN,
        x_credentials_parameter=parameter,
        x_api_base_url=sandbox_url,
        x_oauth2_client_parameter=oauth2_client,
        x_authorize_url=f"{sandbox_url}/i/oauth2/authorize",
        tokens_data_key_parameter=tokens_data_key,
        signing_key_parameter=signing_key,
        **({"archive_table": names["ArchiveTable"]} if "ArchiveTable" in names else {}),
        public_url=PUBLIC_URL,
        x_read_timeout=1.0,
    )
    # Started from the real minute: the sandbox stamps posts with its own clock, and reconciling
    # a post compares X's timestamps with ours.
    clock = InjectedClock(datetime.now(UTC).replace(second=0, microsecond=0))
    services = Services(settings, clock=clock)
    yield Deployment(services, aws_env, sandbox_url, len(sent_emails(aws_env)))
    requests.post(f"{sandbox_url}/sandbox/faults", json={}, timeout=5)
    # Each test's tables go with it: moto's /moto-api/data.json (where the sent emails are read)
    # serialises every table, and grows slower with every one left behind.
    dynamodb = boto3.client("dynamodb")
    for name in names.values():
        dynamodb.delete_table(TableName=name)
