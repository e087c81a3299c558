"""The deps layer's cuts (layers/deps/prune.txt) remove nothing Chatdeck imports.

layers/deps/Makefile deletes what prune.txt lists from the installed wheels (atproto's firehose
with zstandard, websockets, click, dnspython, tests, stubs) to keep the layer small. The local
environment has all of them installed, so the other tests would pass even if a cut went too far;
here a fresh interpreter hides every pruned package, as the layer on Lambda lacks them, then
imports every Chatdeck module and each function, and serves a page.
"""

import json
import subprocess
import sys

from tests.conftest import ROOT

DEPS = ROOT / "layers" / "deps"


def pruned_packages() -> list[str]:
    """The importable names prune.txt deletes (its lines without a slash, glob or suffix)."""
    lines = (line.strip() for line in (DEPS / "prune.txt").read_text().splitlines())
    return [
        line
        for line in lines
        if line and not line.startswith("#") and not any(c in line for c in "*/.")
    ]


PROBE = """
import importlib, json, pkgutil, sys
from importlib.abc import MetaPathFinder

HIDDEN = set(sys.argv[1].split(","))

class Pruned(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in HIDDEN:
            raise ModuleNotFoundError(f"No module named {name!r} (pruned)", name=name)
        return None

sys.meta_path.insert(0, Pruned())
sys.path.insert(0, "shared")
import chatdeck
for module in pkgutil.walk_packages(chatdeck.__path__, "chatdeck."):
    importlib.import_module(module.name)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # token_cipher's, loaded lazily
from tests.conftest import load_event
from devstack.runtime import LambdaContext
import functions.companion.app, functions.publisher.app
import functions.web.app as web
answer = web.handler(load_event("web_signin_page"), LambdaContext("web", "probe"))
loaded = sorted(HIDDEN & {m.split(".")[0] for m in sys.modules})
print(json.dumps({"status": answer["statusCode"], "loaded": loaded}))
"""


def test_the_prune_list_cuts_atprotos_firehose_and_zstandard_but_no_requirement() -> None:
    cut = pruned_packages()
    assert {"zstandard", "atproto_firehose", "atproto_jetstream", "websockets"} <= set(cut)
    required = {
        line.split("==")[0].strip().lower()
        for line in (DEPS / "requirements.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    }
    # What Chatdeck itself asks for is never cut (atproto the distribution stays: its
    # atproto_client, _core, _crypto, _identity and _server packages are kept).
    assert not required & {name.lower() for name in cut} - {"atproto"}, cut
    assert "atproto_client" not in cut and "cryptography" not in cut


def test_every_chatdeck_module_and_function_loads_without_the_pruned_packages() -> None:
    env = {"AWS_DEFAULT_REGION": "us-east-1", "PATH": "/usr/bin:/bin"}
    probe = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", PROBE, ",".join(pruned_packages())],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    assert json.loads(probe.stdout.strip().splitlines()[-1]) == {"status": 200, "loaded": []}
