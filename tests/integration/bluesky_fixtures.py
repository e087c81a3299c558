"""Fixtures for tests that drive the Bluesky sandbox over real HTTP (import them into a test
module: `from tests.integration.bluesky_fixtures import bluesky_server, bluesky_url`)."""

import threading
from collections.abc import Iterator

import pytest
import requests

from devstack.bluesky import make_bluesky_server


@pytest.fixture(scope="module")
def bluesky_server() -> Iterator[str]:
    """Base URL of a Bluesky sandbox serving from a background thread on a free port."""
    server = make_bluesky_server(port=0)
    thread = threading.Thread(target=server.serve_forever, name="bluesky-sandbox", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def bluesky_url(bluesky_server: str) -> str:
    """The module's Bluesky sandbox, emptied (posts, sessions, faults, requests, clock)."""
    requests.delete(f"{bluesky_server}/sandbox/posts", timeout=5).raise_for_status()
    return bluesky_server
