"""Serving a sandbox's WSGI app: a threaded werkzeug server, run from the command line.

Every sandbox (X, Bluesky, Mastodon) is served the same way: one thread per request, so a call a
fault holds does not hold the others, and a `"timeout"` fault (`DropConnection`) closes the
connection without an answer instead of werkzeug's 500 page.
"""

from __future__ import annotations

import argparse
import socket
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from devstack.sandbox.faults import DropConnection

DEFAULT_HOST = "127.0.0.1"


class _RequestHandler(WSGIRequestHandler):
    def connection_dropped(self, error: BaseException, environ: Any = None) -> None:
        if isinstance(error, DropConnection):
            self.close_connection = True
            with suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)


def threaded_server(app: Any, host: str, port: int) -> BaseWSGIServer:
    """A threaded server for `app` (port 0: any free port; see `server_port`)."""
    return make_server(host, port, app, threaded=True, request_handler=_RequestHandler)


def run_until_interrupted(server: BaseWSGIServer, name: str, host: str) -> None:
    """Serve until interrupted, saying where first."""
    print(f"{name} on http://{host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def command_line(description: str, port: int, serve: Callable[[str, int], None]) -> None:
    """`--host` and `--port` from the command line, then `serve(host, port)`."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=port)
    options = parser.parse_args()
    serve(options.host, options.port)
