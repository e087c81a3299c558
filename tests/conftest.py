"""Shared fixtures: moto server over real HTTP, and the template's tables created in it."""

import json
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.polling import answers, poll_until

pytest_plugins = ["tests.integration.deployment", "tests.integration.web_kit"]

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"


@pytest.fixture(autouse=True)
def no_invocation_deadline() -> Iterator[None]:
    """A handler a test calls records its invocation's deadline (chatdeck.deadline); the next
    test starts without one."""
    yield
    from chatdeck import deadline

    deadline.clear()


@dataclass
class InvocationContext:
    """What `chatdeck.deadline.start` reads of Lambda's context: the time left."""

    remaining_ms: int

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def load_event(name: str) -> dict[str, Any]:
    """The sample events in events/ are the fixtures: the same ones `sam local invoke -e` takes."""
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    return event


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(url: str, seconds: float = 30) -> None:
    """Until anything answers at `url` (a server has started)."""
    poll_until(lambda: answers(url), timeout=seconds, message=f"{url} did not answer")


@pytest.fixture(scope="session")
def moto_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with log.open("wb") as out:
        server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "devstack.moto_server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{url}/moto-api/")
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:  # busy (a machine under load): it stops all the same
            server.kill()
            server.wait(timeout=10)


@pytest.fixture(scope="session")
def aws_env(moto_url: str) -> Iterator[str]:
    """boto3 everywhere in this process talks to moto server (AWS_ENDPOINT_URL)."""
    values = {
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    yield moto_url
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"
