"""The deps layer's cuts (layers/deps/prune.txt) and stripping remove nothing Chatdeck needs.

layers/deps/Makefile deletes what prune.txt lists from the installed wheels (atproto's firehose
with zstandard, websockets, click, dnspython, cffi's build-time half, pydantic.v1, Swagger UI's
assets, tests, stubs), then strips the compiled modules' symbol tables, to keep the layer small.
The local environment has all of them installed, so the other tests would pass even if a cut
went too far; here a fresh interpreter hides every pruned module, as the layer on Lambda lacks
them, then imports every Chatdeck module and each function, seals a token and serves a page.
Stripping is checked on this machine's own compiled modules, with the Makefile's own command:
they must still load and work.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import cryptography
import regex

from tests.conftest import ROOT

DEPS = ROOT / "layers" / "deps"


def prune_lines() -> list[str]:
    lines = (line.strip() for line in (DEPS / "prune.txt").read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def pruned_modules() -> list[str]:
    """The importable names prune.txt deletes: its lines that name a package folder, no glob or
    file suffix (`pydantic/v1` is the module `pydantic.v1`)."""
    return [line.replace("/", ".") for line in prune_lines() if not any(c in line for c in "*.")]


PROBE = """
import importlib, json, pkgutil, sys
from importlib.abc import MetaPathFinder

HIDDEN = set(sys.argv[1].split(","))

def hidden(name):
    parts = name.split(".")
    return any(".".join(parts[:n]) in HIDDEN for n in range(1, len(parts) + 1))

class Pruned(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if hidden(name):
            raise ModuleNotFoundError(f"No module named {name!r} (pruned)", name=name)
        return None

sys.meta_path.insert(0, Pruned())
sys.path.insert(0, "shared")
import chatdeck
for module in pkgutil.walk_packages(chatdeck.__path__, "chatdeck."):
    importlib.import_module(module.name)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # token_cipher's, loaded lazily
key, nonce = AESGCM.generate_key(bit_length=256), b"0" * 12
sealed = AESGCM(key).encrypt(nonce, b"token", b"account")
assert AESGCM(key).decrypt(nonce, sealed, b"account") == b"token"
from tests.conftest import load_event
from devstack.runtime import LambdaContext
import functions.companion.app, functions.publisher.app
import functions.web.app as web
answer = web.handler(load_event("web_signin_page"), LambdaContext("web", "probe"))
loaded = sorted(name for name in sys.modules if hidden(name))
print(json.dumps({"status": answer["statusCode"], "loaded": loaded}))
"""


def test_the_prune_list_cuts_atprotos_firehose_and_zstandard_but_no_requirement() -> None:
    cut = pruned_modules()
    assert {"zstandard", "atproto_firehose", "atproto_jetstream", "websockets"} <= set(cut)
    assert {"cffi", "pycparser", "pydantic.v1"} <= set(cut)
    required = {
        line.split("==")[0].strip().lower()
        for line in (DEPS / "requirements.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    }
    # What Chatdeck itself asks for is never cut (atproto the distribution stays: its
    # atproto_client, _core, _crypto, _identity and _server packages are kept).
    assert not required & {name.lower() for name in cut} - {"atproto"}, cut
    assert "atproto_client" not in cut and "cryptography" not in cut
    assert not any("_cffi_backend" in line for line in prune_lines())  # cryptography loads it


def test_every_chatdeck_module_and_function_loads_without_the_pruned_packages() -> None:
    env = {"AWS_DEFAULT_REGION": "us-east-1", "PATH": "/usr/bin:/bin"}
    probe = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", PROBE, ",".join(pruned_modules())],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    assert json.loads(probe.stdout.strip().splitlines()[-1]) == {"status": 200, "loaded": []}


def test_the_swagger_assets_it_cuts_exist_and_chatdeck_never_serves_them() -> None:
    import aws_lambda_powertools

    site = Path(aws_lambda_powertools.__file__).parent.parent
    assets = [line for line in prune_lines() if line.endswith((".js", ".css"))]
    assert assets and all((site / asset).is_file() for asset in assets), assets
    sources = [*(ROOT / "shared").rglob("*.py"), *(ROOT / "functions").rglob("*.py")]
    assert not [path for path in sources if "enable_swagger" in path.read_text()]


STRIPPED_PROBE = """
import json, sys
sys.path.insert(0, sys.argv[1])
import _cffi_backend, regex
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
key = AESGCM.generate_key(bit_length=256)
assert AESGCM(key).decrypt(b"1" * 12, AESGCM(key).encrypt(b"1" * 12, b"t", None), None) == b"t"
assert regex.findall(r"\\X", "e\\u0301a") == ["e\\u0301", "a"]
import cryptography.hazmat.bindings._rust as rust
print(json.dumps([m.__file__ for m in (_cffi_backend, regex._regex, rust)]))
"""


def test_stripped_compiled_modules_still_load_and_work(tmp_path: Path) -> None:
    site = Path(cryptography.__path__[0]).parent
    for folder in (Path(cryptography.__path__[0]), Path(regex.__path__[0])):
        shutil.copytree(folder, tmp_path / folder.name)
    for backend in site.glob("_cffi_backend*.so"):
        shutil.copy(backend, tmp_path)
    rust = tmp_path / "cryptography" / "hazmat" / "bindings" / "_rust.abi3.so"
    before = rust.stat().st_size
    strip = subprocess.run(  # noqa: S603 - the project's own Makefile
        ["make", "-s", "-f", str(DEPS / "Makefile"), "strip-so", f"SO_DIR={tmp_path}"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    assert strip.returncode == 0, strip.stderr
    assert rust.stat().st_size < before * 0.9  # the symbol tables went
    probe = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", STRIPPED_PROBE, str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    loaded = json.loads(probe.stdout.strip().splitlines()[-1])
    assert all(path.startswith(str(tmp_path)) for path in loaded), loaded
