"""The whole local stack, once per session, and a real browser to drive it.

`local_stack` runs `python -m devstack --no-schedules` (what `make dev` runs) on free ports in a
temporary state folder. `browser` is Playwright driving Debian's Chromium (`apt-get install
chromium`; Playwright's own browser downloads are never used). `page` is a phone (375x812),
`desktop_page` a laptop (1280x800), and `new_page(**context_options)` opens more (another time
zone, another locale). Every page a test opened is saved, as it was when the test ended, to
test-artifacts/screenshots/<test name>.png, and a test fails if its page threw an uncaught
JavaScript error, broke the Content-Security-Policy or got a 5xx answer (for a stylesheet too).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import ROOT, free_port
from tests.polling import answers, poll_until

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

    from tests.e2e.member_client import MemberClient

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 800}
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
# en-US fixes the order of a date field's parts (mm/dd/yyyy) and a 12-hour time field for typing.
CONTEXT_DEFAULTS: dict[str, Any] = {"locale": "en-US", "timezone_id": "UTC"}
TIMEOUT_MS = 15_000


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives the local stack with a real browser")


def missing_browser() -> str:
    return (
        f"the browser tests drive Debian's Chromium at {CHROMIUM}, which is not installed: "
        "`apt-get update && apt-get install -y chromium`"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without Chromium, skip the browser tests before the local stack starts, except in CI."""
    if CHROMIUM.exists() or in_ci():
        return
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.skip(reason=missing_browser()))


@dataclass
class LocalStack:
    web: str
    sandbox: str
    moto: str
    bluesky: str
    mastodon: str
    env: dict[str, str]
    state_dir: Path

    def pids(self) -> dict[str, int]:
        pids: dict[str, int] = json.loads((self.state_dir / "pids.json").read_text())
        return pids

    def wait_until_up(
        self, process: subprocess.Popen[bytes], log: Path, seconds: float = 90
    ) -> None:
        """Until the web app answers; fails at once, with the logs, if `make dev` stops first."""

        def up() -> bool:
            if process.poll() is not None:
                logs = [log, self.state_dir / "runtime.log"]
                shown = "\n".join(
                    f"--- {p.name}\n{p.read_text()[-4000:]}" for p in logs if p.exists()
                )
                raise RuntimeError(f"the local stack stopped (exit {process.returncode}):\n{shown}")
            return answers(f"{self.web}/")

        poll_until(up, timeout=seconds, message=f"{self.web}/ did not answer; see {log}")

    def start(self, log: Path) -> subprocess.Popen[bytes]:
        with log.open("ab") as out:
            return subprocess.Popen(
                [sys.executable, "-m", "devstack", "--no-schedules"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                # Ctrl-C must work even when the tests run as a background job, where SIGINT is
                # inherited as ignored.
                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
            )


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """One stack for the session: every test makes its own posts and finds them by id or text."""
    ports = {name: free_port() for name in ("WEB", "MOTO", "SANDBOX", "BLUESKY", "MASTODON")}
    state_dir = tmp_path_factory.mktemp("devstack")
    env = {
        **os.environ,
        **{f"DEVSTACK_{k}_PORT": str(v) for k, v in ports.items()},
        "DEVSTACK_STATE_DIR": str(state_dir),
        "DEVSTACK_LIVE_CHAT_IN_MINUTES": "60",
    }
    stack = LocalStack(
        web=f"http://127.0.0.1:{ports['WEB']}",
        sandbox=f"http://127.0.0.1:{ports['SANDBOX']}",
        moto=f"http://127.0.0.1:{ports['MOTO']}",
        bluesky=f"http://127.0.0.1:{ports['BLUESKY']}",
        mastodon=f"http://127.0.0.1:{ports['MASTODON']}",
        env=env,
        state_dir=state_dir,
    )
    log = state_dir / "make-dev.log"
    process = stack.start(log)
    try:
        stack.wait_until_up(process, log)
        yield stack
    finally:
        pids = stack.pids() if (state_dir / "pids.json").exists() else {}
        process.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        for pid in pids.values():  # whatever a restarted run left behind
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        print(log.read_text())


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():  # in CI (CI=true) a missing browser fails; elsewhere it skips
        if in_ci():
            pytest.fail(missing_browser(), pytrace=False)
        pytest.skip(missing_browser())
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class OpenedPage:
    page: Page
    problems: list[str] = field(default_factory=list)


def screenshot_name(test_name: str, index: int) -> str:
    safe = re.sub(r"[^\w.-]+", "_", test_name).strip("_")
    return f"{safe}.png" if index == 0 else f"{safe}-{index + 1}.png"


def new_context(browser: Browser, **context_options: Any) -> BrowserContext:
    """A fresh context (no cookies): a phone in en-US and UTC unless `context_options` say."""
    context = browser.new_context(**{"viewport": PHONE, **CONTEXT_DEFAULTS, **context_options})
    context.set_default_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def new_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Callable[..., Page]]:
    """`new_page(viewport=..., timezone_id=..., ...)`: a page in a fresh context (no cookies)."""
    opened: list[OpenedPage] = []

    def open_page(**context_options: Any) -> Page:
        context = new_context(browser, **context_options)
        page = context.new_page()
        record = OpenedPage(page)
        page.on("pageerror", lambda error: record.problems.append(f"uncaught error: {error}"))
        page.on(
            "console",
            lambda message: (
                record.problems.append(f"console: {message.text}")
                if "Content Security Policy" in message.text
                else None
            ),
        )
        page.on(
            "response",
            lambda response: (
                record.problems.append(
                    f"server error: {response.status} {response.request.method} {response.url}"
                )
                if response.status >= 500
                else None
            ),
        )
        opened.append(record)
        return page

    yield open_page

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for index, record in enumerate(opened):
        with contextlib.suppress(Exception):  # a crashed page must not hide the test's own failure
            record.page.screenshot(
                path=SCREENSHOTS / screenshot_name(request.node.name, index), full_page=True
            )
        problems += record.problems
        record.page.context.close()
    if problems:
        unique = list(dict.fromkeys(problems))
        pytest.fail("the page reported:\n  " + "\n  ".join(unique), pytrace=False)


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    """A phone: 375x812."""
    return new_page(viewport=PHONE)


@pytest.fixture
def desktop_page(new_page: Callable[..., Page]) -> Page:
    """A laptop: 1280x800."""
    return new_page(viewport=DESKTOP)


@pytest.fixture
def axe() -> Callable[[Page], list[dict[str, Any]]]:
    """`axe(page)`: the page's WCAG 2 A/AA violations as axe-core reports them (empty if none)."""
    from tests.e2e.browser.accessibility import check_accessibility

    return check_accessibility


@pytest.fixture(scope="session")
def admin(local_stack: LocalStack) -> MemberClient:
    """The seeded admin over HTTP, signed in once through the link in the outbox: sign-in links
    are limited to 5 per address per 10 minutes, and the whole e2e session shares this one."""
    from tests.e2e.browser.helpers import ADMIN
    from tests.e2e.member_client import MemberClient

    return MemberClient(local_stack).sign_in(ADMIN)
