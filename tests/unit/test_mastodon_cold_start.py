"""Mastodon.py (about 0.3 s to import) loads only where an instance is called: never when the web
function serves a page (the Accounts page's Mastodon section reads the store only), nor when a
function that posts or polls starts."""

import json
import subprocess
import sys

from tests.conftest import ROOT

ENV = {"AWS_DEFAULT_REGION": "us-east-1", "PATH": "/usr/bin:/bin"}

PROBE = """
import json, sys
from tests.conftest import load_event
import functions.web.app as web
from devstack.runtime import LambdaContext
answer = web.handler(load_event("web_signin_page"), LambdaContext("web", "probe"))
print(json.dumps({"status": answer["statusCode"], "mastodon": "mastodon" in sys.modules}))
"""


def run(code: str) -> str:
    probe = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], cwd=ROOT, env=ENV, capture_output=True, text=True, check=True
    )
    return probe.stdout.strip().splitlines()[-1]


def test_the_web_function_serves_a_page_without_loading_mastodon_py() -> None:
    assert json.loads(run(PROBE)) == {"status": 200, "mastodon": False}


def test_the_publisher_and_companion_start_without_mastodon_py() -> None:
    code = (
        "import sys, functions.publisher.app, functions.companion.app; "
        "import chatdeck.web.mastodon_accounts, chatdeck.services.mastodon_accounts; "
        "print('mastodon' in sys.modules)"
    )
    assert run(code) == "False"
