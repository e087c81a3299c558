"""The Mastodon sandbox: a local stand-in for the instance API Chatdeck uses (port 8702).

`python -m devstack.mastodon --port 8702` runs it; `make_app()` gives the WSGI app and
`make_mastodon_server()` a threaded server for tests; `demo_chat_body(start)` is the body that
stages the seeded demo chat through `POST /sandbox/chats`. It follows the Mastodon documentation
and recorded responses it carries in data/ (see data/README.md).
"""

from devstack.mastodon.demo import DEMO_HASHTAG, demo_chat_body
from devstack.mastodon.server import make_app, make_mastodon_server, serve

__all__ = ["DEMO_HASHTAG", "demo_chat_body", "make_app", "make_mastodon_server", "serve"]
