"""Every case of the bad-input catalogue (tests/integration/bad_input_catalogue.py) through the real
web handler, as API Gateway's HTTP API delivers it (a v2 event on the `$default` route), against
moto server: each is answered with the 4xx the catalogue names, and every table's contents are
the same afterwards (bar the bookkeeping the catalogue lists), and no email went out.

The world each group runs in: the deploy-time admin, two members (Ms. Rivera, who sends most
cases, and Mr. Okafor, whose post she must not reach), a queued, a cancelled and a waiting post,
a chat with one session archived, and tokens of every kind: sign-in links fresh, used and
expired; unsubscribe links genuine, expired, altered, for another purpose and for something
unknown; the calendar's secret.
"""

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_string
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, urlencode

import boto3
import pytest

from chatdeck.domain.archive import ArchivedPost, ArchiveSession
from chatdeck.domain.members import Member
from chatdeck.domain.posts import PostStatus
from chatdeck.services.membership import _hash as link_hash
from chatdeck.web.pages import SESSION_COOKIE
from devstack.runtime import describe_email
from tests.integration.bad_input_catalogue import (
    BOOKKEEPING_PREFIXES,
    CATALOGUE,
    NOTHING_TO_REFUSE,
    POST,
    SESSION_BOOKKEEPING_ATTRIBUTES,
    Case,
)
from tests.integration.deployment import (
    ADMIN,
    PUBLIC_URL,
    Deployment,
    sample_chat,
    sent_emails,
)
from tests.integration.test_routes import registered_routes
from tests.integration.web_kit import SAMPLE_NOW, event_as, invoke, signed_in

pytestmark = pytest.mark.integration

CSRF = "sample-csrf-token-kept-in-the-cookie-0001"  # the sample events' cookie
TEACHER = "rivera@school.example"
OTHER = "okafor@school.example"
FUTURE = SAMPLE_NOW + timedelta(days=90)
ARCHIVED_START = datetime(2026, 9, 8, 0, 0, tzinfo=UTC)  # the chat's first session
ARCHIVED_SESSION = "20260908T0000Z"


@dataclass
class World:
    sessions: dict[str, str | None]  # who -> session cookie value
    values: dict[str, str]  # what `{name}` in a case stands for


def make_world(deployment: Deployment) -> World:
    services = deployment.services
    membership = services.membership
    for email, name in ((TEACHER, "Ms. Rivera"), (OTHER, "Mr. Okafor")):
        membership.members.add(Member(email=email, name=name), SAMPLE_NOW)
    own = deployment.schedule("Rivera's post", FUTURE, author=TEACHER)
    others = deployment.schedule("Okafor's post", FUTURE, author=OTHER)
    cancelled = deployment.schedule("Cancelled", FUTURE, author=TEACHER)
    assert services.posts.cancel(cancelled.id) is not None
    admin = membership.member(ADMIN)
    teacher = membership.member(TEACHER)
    other = membership.member(OTHER)
    assert admin is not None and teacher is not None and other is not None
    services.scheduling.set_approval_required(admin, True)
    waiting = services.scheduling.schedule(
        teacher, {**POST, "submission_id": "catalogue-waiting-0001"}, SAMPLE_NOW
    )
    assert waiting.status is PostStatus.PENDING_APPROVAL
    services.chats.save(sample_chat())
    archive_a_session(services)
    epoch = int(SAMPLE_NOW.timestamp())
    links = membership.links
    links.add(link_hash("catalogue-used-link"), TEACHER, epoch + 900)
    membership.sign_in("catalogue-used-link", SAMPLE_NOW)
    links.add(link_hash("catalogue-expired-link"), TEACHER, epoch - 60)
    links.add(link_hash("catalogue-fresh-link"), OTHER, epoch + 900)
    actions = services.email_actions
    subject = {"email": TEACHER, "chat": "edtechchat", "what": "reminders"}
    genuine = actions.sign("unsubscribe", subject, FUTURE)
    body, _, signature = genuine.partition(".")
    values = {
        "own_post": own.id,
        "okafor_post": others.id,
        "cancelled_post": cancelled.id,
        "waiting_post": waiting.id,
        "chat": "edtechchat",
        "archived_session": ARCHIVED_SESSION,
        "teacher_email": TEACHER,
        "okafor_email": OTHER,
        "public_url": PUBLIC_URL,
        "used_link": "catalogue-used-link",
        "expired_link": "catalogue-expired-link",
        "signin_link": "catalogue-fresh-link",
        "unsubscribe_token": genuine,
        "expired_unsubscribe": actions.sign("unsubscribe", subject, SAMPLE_NOW - timedelta(1)),
        "altered_unsubscribe": f"{body}.{signature[::-1]}",
        "other_purpose": actions.sign("signin", subject, FUTURE),
        "unsubscribe_everything": actions.sign(
            "unsubscribe", {**subject, "what": "everything"}, FUTURE
        ),
        "feed_token": services.calendar.feed_path(teacher).split("/")[2],
        "old_feed_token": services.calendar.feed_path(other).split("/")[2],
    }
    services.calendar.renew_feed(other)  # Mr. Okafor's old address stops working
    sessions: dict[str, str | None] = {
        "admin": signed_in(deployment),
        "teacher": signed_in(deployment, TEACHER),
        "nobody": None,
        "expired": signed_in(deployment, TEACHER, SAMPLE_NOW - timedelta(days=31)),
        "forged": "forged-session-token-" + "0" * 32,
    }
    return World(sessions, values)


def archive_a_session(services: Any) -> None:
    """The chat's first session, archived with a question, an answer and a shortened link, so a
    correction of its moderators reaches its checks (and the page reads the link cache)."""
    start, end = ARCHIVED_START, ARCHIVED_START + timedelta(hours=1)
    session = services.archive.start(
        ArchiveSession(
            occurrence_id="edtechchat#2026-09-08T00:00:00Z",
            chat_id="edtechchat",
            networks=("x",),
            hashtags=("#EdTechChat",),
            start_utc=start,
            end_utc=end,
            window_start=start - timedelta(minutes=15),
            window_end=end + timedelta(minutes=30),
            status="digested",
            budget_reads=2000,
            expires_at=SAMPLE_NOW + timedelta(days=180),
        )
    )
    posts = [
        ArchivedPost(
            id=f"185100000000000000{n}",
            author_id=f"400{n}",
            author_handle=handle,
            author_name=handle.title(),
            text=text,
            created_at=start + timedelta(minutes=2 * n),
            links=links,
        )
        for n, handle, text, links in (
            (1, "edtechmod", "Q1 What makes feedback land? #edtechchat", ()),
            (2, "ana", "A1 This https://bit.ly/3xYz12", ("https://bit.ly/3xYz12",)),
        )
    ]
    services.archive.add_posts(session, posts, start.date())


def fill(text: str, world: World) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: world.values.get(m.group(1), m.group(0)), text)


def event_for(case: Case, world: World) -> dict[str, Any]:
    """The HTTP API's event for the case: a same-site request from our own page (its CSRF
    token in the form) unless the case's headers say otherwise."""
    method = case.http_method
    event = event_as("web_cancel_post" if method == "POST" else "web_get_form", None)
    session = world.sessions[case.who]
    if session:
        event["cookies"].append(f"{SESSION_COOKIE}={session}")
    path = fill(case.path, world)
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    query = fill(case.query, world)
    event["rawQueryString"] = query
    if query:
        event["queryStringParameters"] = dict(parse_qsl(query, keep_blank_values=True))
    if method == "POST":
        csrf = urlencode({"csrf_token": CSRF}).encode()
        if case.raw_body is not None:
            body = csrf + b"&" + fill(case.raw_body.decode("latin-1"), world).encode("latin-1")
        else:
            fields = {k: fill(v, world) for k, v in (case.fields or {}).items()}
            body = csrf + b"&" + urlencode(fields).encode()
        event["body"] = base64.b64encode(body).decode()
        event["isBase64Encoded"] = True
        event["headers"]["content-length"] = str(len(body))
    for name, value in case.headers.items():
        if value is None:
            event["headers"].pop(name, None)
        else:
            event["headers"][name] = fill(value, world)
    if case.headers.get("host"):
        event["requestContext"]["domainName"] = case.headers["host"]
    return event


def digest(deployment: Deployment) -> dict[str, str]:
    """A hash of each table's contents (every item, sorted), bookkeeping left out."""
    settings = deployment.services.settings
    names = [settings.posts_table, settings.state_table, settings.archive_table]
    dynamodb = boto3.client("dynamodb")
    hashes = {}
    for name in filter(None, names):
        items = []
        for page in dynamodb.get_paginator("scan").paginate(TableName=name, ConsistentRead=True):
            for item in page["Items"]:
                pk = str(item.get("pk", {}).get("S", ""))
                if pk.startswith(tuple(BOOKKEEPING_PREFIXES)):
                    continue
                if pk.startswith("SESSION#"):
                    item = {
                        k: v for k, v in item.items() if k not in SESSION_BOOKKEEPING_ATTRIBUTES
                    }
                items.append(json.dumps(item, sort_keys=True, default=str))
        hashes[name] = hashlib.sha256("\n".join(sorted(items)).encode()).hexdigest()
    return hashes


def run(web: ModuleType, deployment: Deployment, case: Case, world: World) -> str | None:
    """What is wrong with the answer to `case`, or None."""
    before, mails = digest(deployment), len(sent_emails(deployment.moto_url))
    try:
        result = invoke(web, event_for(case, world))
    except Exception as error:
        return f"{case.name} ({case.route}): raised {error!r}"
    status = result["statusCode"]
    problems = []
    if status not in case.expect:
        problems.append(f"answered {status}, expected {sorted(case.expect)}")
    if digest(deployment) != before:
        problems.append("changed a table")
    if len(sent_emails(deployment.moto_url)) != mails:
        problems.append("sent an email")
    if not problems:
        return None
    body = str(result.get("body", ""))[:200].replace("\n", " ")
    return f"{case.name} ({case.route}): {', '.join(problems)}; body: {body}"


@pytest.mark.parametrize("group", sorted(CATALOGUE))
def test_every_bad_input_gets_a_clear_4xx_and_changes_nothing(
    web: ModuleType, deployment: Deployment, group: str
) -> None:
    world = make_world(deployment)
    failures = [f for case in CATALOGUE[group] if (f := run(web, deployment, case, world))]
    assert not failures, "\n".join(failures)


def test_every_route_the_app_serves_is_in_the_catalogue(web: ModuleType) -> None:
    """A route added later without a catalogue case fails here."""
    served = {f"{m} {re.sub(r'<(\w+)>', '{x}', p)}" for m, p in registered_routes(web)}
    covered = {re.sub(r"\{\w+\}", "{x}", c.route) for cases in CATALOGUE.values() for c in cases}
    exempt = {re.sub(r"\{\w+\}", "{x}", r) for r in NOTHING_TO_REFUSE}
    assert served - covered - exempt == set()
    assert covered <= served  # every case names a route that exists


def test_the_digest_sees_a_change(web: ModuleType, deployment: Deployment) -> None:
    """The check above can fail: a request that does change something changes the digest."""
    world = make_world(deployment)
    before = digest(deployment)
    case = Case("a good post", "POST /posts", "/posts", frozenset({201}), fields=dict(POST))
    result = invoke(web, event_for(case, world))
    assert result["statusCode"] == 201
    assert digest(deployment) != before


def test_a_forged_host_never_reaches_the_link_in_the_email(
    web: ModuleType, deployment: Deployment
) -> None:
    """A sign-in request for a member, from our own page but with a forged Host and
    X-Forwarded-Host, is answered as any other; its link points at PUBLIC_URL."""
    world = make_world(deployment)
    headers: dict[str, str | None] = {"host": "evil.example", "x-forwarded-host": "evil.example"}
    case = Case(
        "forged host",
        "POST /signin",
        "/signin",
        frozenset({200}),
        who="nobody",
        fields={"email": TEACHER},
        headers=headers,
    )
    assert invoke(web, event_for(case, world))["statusCode"] == 200
    (mail,) = deployment.emails_to(TEACHER)
    text = describe_email("mail", message_from_string(mail))["text"]
    assert f"{PUBLIC_URL}/signin/confirm?token=" in text
    assert "evil.example" not in text


def test_script_in_free_text_is_kept_as_text_and_shown_escaped(
    web: ModuleType, deployment: Deployment
) -> None:
    """Markup in a post's text is not bad input (a teacher may write about <script> tags): it is
    stored as typed and every page shows it as text, never as markup."""
    world = make_world(deployment)
    script = '<script>alert("x")</script>'
    fields = {**POST, "submission_id": "catalogue-script-0001", "text": f"Tonight: {script}"}
    case = Case("script in a post", "POST /posts", "/posts", frozenset({201}), fields=fields)
    assert invoke(web, event_for(case, world))["statusCode"] == 201
    assert deployment.post("catalogue-script-0001").text == f"Tonight: {script}"
    queue = Case("the queue", "GET /posts", "/posts", frozenset({200}))
    page = invoke(web, event_for(queue, world))["body"]
    assert "&lt;script&gt;alert(" in page and script not in page
