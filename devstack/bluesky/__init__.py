"""The Bluesky sandbox: a local stand-in for the XRPC methods Chatdeck uses (a PDS and AppView).

`python -m devstack.bluesky [--host 127.0.0.1] [--port 8701]` runs it; `make_app()` gives the WSGI
app and `make_bluesky_server()` a threaded server for tests. It follows the official atproto
lexicons and the real error bodies it carries in data/ (origins in data/ORIGIN.md), and has every
sandbox's control surface (devstack/bluesky/control.py). Seeded accounts that can sign in:
SEEDED_ACCOUNTS (devstack/bluesky/accounts.py). `demo_chat_body(start)` is the body that stages
the demo chat through `POST /sandbox/chats`.
"""

from devstack.bluesky.accounts import (
    COHORT_APP_PASSWORD,
    COHORT_HANDLE,
    MEMBER_APP_PASSWORD,
    MEMBER_HANDLE,
    SEEDED_ACCOUNTS,
    Account,
)
from devstack.bluesky.demo import DEMO_HASHTAG, demo_chat_body
from devstack.bluesky.server import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    BlueskyApp,
    make_app,
    make_bluesky_server,
    serve,
)

__all__ = [
    "COHORT_APP_PASSWORD",
    "COHORT_HANDLE",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "DEMO_HASHTAG",
    "MEMBER_APP_PASSWORD",
    "MEMBER_HANDLE",
    "SEEDED_ACCOUNTS",
    "Account",
    "BlueskyApp",
    "demo_chat_body",
    "make_app",
    "make_bluesky_server",
    "serve",
]
