"""Fixtures for tests that talk to the sandbox network over real HTTP."""

import threading
from collections.abc import Iterator

import pytest

from devstack.sandbox import make_sandbox_server


@pytest.fixture(scope="session")
def sandbox_url() -> Iterator[str]:
    """Base URL of a sandbox network serving from a background thread on a free port."""
    server = make_sandbox_server(port=0)
    thread = threading.Thread(target=server.serve_forever, name="sandbox", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
