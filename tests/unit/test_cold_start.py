"""What each function loads at cold start: the web function never pays for tweepy."""

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

PROBE = """
import json, sys
from tests.conftest import load_event
import functions.web.app as web
from devstack.runtime import LambdaContext
answer = web.handler(load_event("web_signin_page"), LambdaContext("web", "probe"))
print(json.dumps({"status": answer["statusCode"], "tweepy": "tweepy" in sys.modules}))
"""


def test_the_web_function_serves_a_page_without_loading_tweepy() -> None:
    # A fresh interpreter, as a cold Lambda container would be; the sign-in page needs no AWS.
    env = {"AWS_DEFAULT_REGION": "us-east-1", "PATH": "/usr/bin:/bin"}
    probe = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    result = json.loads(probe.stdout.strip().splitlines()[-1])
    assert result == {"status": 200, "tweepy": False}


def test_the_publisher_module_loads_tweepy_only_when_it_first_posts() -> None:
    code = "import sys, functions.publisher.app; print('tweepy' in sys.modules)"
    env = {"AWS_DEFAULT_REGION": "us-east-1", "PATH": "/usr/bin:/bin"}
    probe = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert probe.stdout.strip().splitlines()[-1] == "False"


@pytest.mark.parametrize(
    ("function", "service"), [("publisher", "publisher"), ("companion", "companion")]
)
def test_a_function_that_knows_every_network_loads_none_of_their_clients_until_used(
    function: str, service: str
) -> None:
    code = (
        f"import sys, functions.{function}.app as f; f.services.{service}; "
        "print(sorted(m for m in ('tweepy', 'atproto_client', 'mastodon', 'httpx') "
        "if m in sys.modules))"
    )
    env = {"AWS_DEFAULT_REGION": "us-east-1", "PATH": "/usr/bin:/bin"}
    probe = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert probe.stdout.strip().splitlines()[-1] == "[]"


def test_the_web_functions_chat_pages_need_neither_tweepy_nor_icalendar_until_asked() -> None:
    code = (
        "import sys, functions.web.app as web; web.services.digests; web.services.chats; "
        "print('tweepy' in sys.modules, 'icalendar' in sys.modules)"
    )
    env = {"AWS_DEFAULT_REGION": "us-east-1", "PATH": "/usr/bin:/bin"}
    probe = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert probe.stdout.strip().splitlines()[-1] == "False False"


@pytest.mark.parametrize("function", ["publisher", "companion"])
def test_a_scheduled_function_validates_its_event_without_powertools_parser(function: str) -> None:
    # The parser's import builds every AWS event model Powertools knows: ~50 ms of a cold start.
    code = (
        f"import sys, functions.{function}.app; "
        "print('aws_lambda_powertools.utilities.parser' in sys.modules)"
    )
    env = {"AWS_DEFAULT_REGION": "us-east-1", "PATH": "/usr/bin:/bin"}
    probe = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert probe.stdout.strip().splitlines()[-1] == "False"


def probe(code: str) -> str:
    """The last line `code` prints in a fresh interpreter, as a cold Lambda container runs it."""
    env = {"AWS_DEFAULT_REGION": "us-east-1", "PATH": "/usr/bin:/bin"}
    answer = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return answer.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("function", ["web", "publisher", "companion"])
def test_a_function_reads_its_settings_without_pydantic_settings(function: str) -> None:
    # Importing pydantic-settings and building a BaseSettings model was ~50-100 ms of each start.
    code = (
        f"import sys, functions.{function}.app as f; f.services.settings; "
        "print('pydantic_settings' in sys.modules)"
    )
    assert probe(code) == "False"


def test_the_web_function_builds_no_service_and_no_second_client_at_init() -> None:
    # Registering the routes names the services each route calls, made on its first request:
    # the sign-in page needs no email client, the form page no calendar.
    code = (
        "import functions.web.app as web; "
        "print(sorted(n for n in ('accounts', 'calendar', 'membership', 'scheduling', "
        "'chat_imports', 'x_spending', 'notices', '_ssm', '_dynamodb') if n in vars(web.services)))"
    )
    assert probe(code) == "[]"


def test_jinja_loads_with_the_first_page_rendered_not_at_init() -> None:
    code = """
import sys
from tests.conftest import load_event
import functions.web.app as web
from devstack.runtime import LambdaContext
at_init = 'jinja2' in sys.modules
answer = web.handler(load_event("web_signin_page"), LambdaContext("web", "probe"))
print(at_init, answer["statusCode"], 'jinja2' in sys.modules, "<form" in answer["body"])
"""
    assert probe(code) == "False 200 True True"


def test_importing_the_post_rules_compiles_no_pattern_until_a_post_is_measured() -> None:
    # Compiling the URL, emoji and weight patterns is ~40 ms, and most pages measure no post.
    code = (
        "import chatdeck.domain.text as t; "
        "compiled = lambda: [f.cache_info().currsize for f in "
        "(t._url_re, t._tco_re, t._emoji_re, t._weight_two_re)]; "
        "before = compiled(); n = t.weighted_length('Join https://t.co/abc \u00e9 \U0001f469'); "
        "print(before, n, compiled())"
    )
    assert probe(code) == "[0, 0, 0, 0] 33 [1, 1, 1, 1]"  # 5 + a link 23 + 1 + 1 + 1 + 2


def test_the_web_function_starts_without_the_route_modules_few_requests_need() -> None:
    # Members, accounts, chats and chat import, and the chat domain, digests and notices behind
    # them, were ~60 ms of every start; the sign-in page needs none of them.
    code = """
import sys
from tests.conftest import load_event
import functions.web.app as web
from devstack.runtime import LambdaContext
heavy = ('chatdeck.web.chats', 'chatdeck.web.members', 'chatdeck.web.accounts',
    'chatdeck.web.bluesky_accounts', 'chatdeck.web.mastodon_accounts', 'chatdeck.web.chat_import',
    'chatdeck.domain.qa', 'chatdeck.domain.digest', 'chatdeck.domain.chats',
    'chatdeck.notifications.notices', 'chatdeck.services.membership', 'chatdeck.services.posts')
answer = web.handler(load_event("web_signin_page"), LambdaContext("web", "probe"))
print(answer["statusCode"], sorted(m for m in heavy if m in sys.modules))
"""
    assert probe(code) == "200 []"


def test_a_route_module_registers_on_the_first_request_under_its_prefixes() -> None:
    # Signed out, every page sends to sign in (303); the routes Powertools knows tell the rest.
    code = """
import sys
from tests.conftest import load_event
import functions.web.app as web
from devstack.runtime import LambdaContext
def get(path):
    event = load_event("web_signin_page")
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    status = web.handler(event, LambdaContext("web", "probe"))["statusCode"]
    known = {r.path for r in web.app._static_routes + web.app._dynamic_routes}
    return status, sorted(m[len("chatdeck.web."):] for m in sys.modules
        if m in ('chatdeck.web.chats', 'chatdeck.web.members')), "/chats/<chat_id>/edit" in known
print(get("/chatsx"), get("/chats/abc/edit"), get("/mine"), get("/me"))
"""
    assert probe(code) == (
        "(303, [], False) (303, ['chats'], True) (303, ['chats'], True) "
        "(303, ['chats', 'members'], True)"
    )


def test_each_later_route_module_serves_only_paths_under_its_prefixes() -> None:
    """Otherwise a page of it would answer 404 until some other path had loaded it."""
    from datetime import UTC, datetime
    from typing import Any, cast

    from chatdeck.web.app import LATER, create_app, under

    def paths(app: Any) -> set[tuple[str, str]]:
        return {(r.method, r.path) for r in app._static_routes + app._dynamic_routes}

    app = create_app(cast(Any, None), now=lambda: datetime.now(UTC))
    at_start = paths(app)
    every_prefix = tuple(p for prefixes in LATER.values() for p in prefixes)
    assert not [route for route in at_start if under(route[1], every_prefix)]
    for name, prefixes in LATER.items():
        alone = create_app(cast(Any, None), now=lambda: datetime.now(UTC))
        alone._register(name)
        added = paths(alone) - at_start
        assert added, name
        assert [path for _, path in added if not under(path, prefixes)] == [], name


def test_the_notices_load_no_digest_and_make_no_email_client_until_one_is_sent() -> None:
    # Every signed-in cold request builds the notices (membership names them); few send mail.
    code = """
import sys
import functions.web.app as web
notices = web.services.notices
print('chatdeck.domain.digest' in sys.modules, 'chatdeck.domain.qa' in sys.modules,
    'client' in vars(notices._mailer))
"""
    assert probe(code) == "False False False"
