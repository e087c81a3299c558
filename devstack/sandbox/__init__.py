"""The sandbox network: a local stand-in for the X API v2 endpoints Chatdeck uses.

`python -m devstack.sandbox --port 8700` runs it; `make_app()` gives the WSGI app and
`make_sandbox_server()` a threaded server for tests. It follows the official X API v2 description it
carries (x_api_v2_subset.json, cut by extract_spec.py) and X's real error bodies.
"""

from devstack.sandbox.server import make_app, make_sandbox_server, serve

__all__ = ["make_app", "make_sandbox_server", "serve"]
