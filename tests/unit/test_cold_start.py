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
