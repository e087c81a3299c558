"""The runtime process: provision the template's resources in moto, then serve the functions."""

import argparse
import os
from datetime import UTC, datetime, timedelta

from devstack.network_accounts import connect_cohort_accounts
from devstack.provision import SEED_ADMIN, provision
from devstack.runtime import apply_environment, serve
from devstack.seed import seed_chats
from devstack.signin_link import remember


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m devstack.serve")
    parser.add_argument("--web", required=True)
    parser.add_argument("--moto", required=True)
    parser.add_argument("--sandbox", required=True)
    parser.add_argument("--bluesky", default="http://127.0.0.1:8701")
    parser.add_argument("--mastodon", default="http://127.0.0.1:8702")
    parser.add_argument("--no-schedules", action="store_true")
    options = parser.parse_args()
    stack = provision(options.moto, options.web, options.sandbox)
    apply_environment(stack, options.moto)
    os.environ.update(
        {
            # Only the local stack: a deployed stack posts to bsky.social and refuses http.
            "BLUESKY_SERVICE_URL": options.bluesky,
            "OUTBOUND_ALLOW_LOOPBACK_HTTP": "true",
            "DEVSTACK_BLUESKY_URL": options.bluesky,
            "DEVSTACK_MASTODON_URL": options.mastodon,
        }
    )
    for line in connect_cohort_accounts(options.bluesky, options.mastodon, options.web):
        print(f"[runtime] {line}", flush=True)
    remember(stack, options.moto)  # for `make signin-link`
    live_in = timedelta(minutes=int(os.environ.get("DEVSTACK_LIVE_CHAT_IN_MINUTES", "6")))
    live = seed_chats(
        stack.environment["STATE_TABLE"], options.sandbox, SEED_ADMIN, datetime.now(UTC), live_in
    )
    print(f"[runtime] {live.hashtag} goes live at {live.recurrence.start:%H:%M} UTC", flush=True)
    serve(stack, options.moto, options.web, schedules=not options.no_schedules)


if __name__ == "__main__":
    main()
