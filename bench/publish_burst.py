"""Item 3: 300 posts due in the same minute, 100 each to X, Bluesky and Mastodon, with every
network answering after 200 ms.

The local stack (bench.stack): moto server, the three sandboxes over real HTTP (tweepy, the
atproto client and Mastodon.py as the service uses them), the publisher's own handler. Each
sandbox's create endpoint gets a 200 ms latency fault (`POST /sandbox/faults`). Measures the wall
time of the one publisher invocation that publishes the 300 (target: under 30 s, half the
function's 60 s timeout), and reads each sandbox's request log (`GET /sandbox/requests`) for a
429: no network's rate limit may be exceeded (X: 100 posts per 15 minutes per user; Bluesky and
Mastodon: their own, as the sandboxes enforce them).
"""

import json
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from bench.stack import local_stack, machine
from tests.posts import form_post

PER_NETWORK, QUICK_PER_NETWORK = 100, 5
LATENCY_MS = 200
TARGET_S = 30.0
CREATE = {
    "x": "POST /2/tweets",
    "bluesky": "POST /xrpc/com.atproto.repo.createRecord",
    "mastodon": "POST /api/v1/statuses",
}


def run(quick: bool = False) -> dict[str, Any]:
    per_network = QUICK_PER_NETWORK if quick else PER_NETWORK
    with local_stack() as stack:
        from chatdeck.bootstrap import Services
        from devstack.runtime import LambdaContext, scheduler_input

        services = Services()
        (schedule, handler), *_ = [
            (s, h) for s, h in stack.runtime.scheduled if s.function == "PublisherFunction"
        ]
        due = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=2)
        for network in CREATE:
            for n in range(per_network):
                unique = uuid.uuid4().hex[:6]
                text = f"Session {n} on {network}: slides at https://example.org/s/{n} {unique}"
                post = form_post(
                    uuid.uuid4().hex, text, due, "t@s.example", targets=((network, "cohort"),)
                )
                assert services.posts.add(post)
        for network, endpoint in CREATE.items():
            stack.faults(network, endpoint, latency_ms=LATENCY_MS)
        at = due.strftime("%Y-%m-%dT%H:%M:%SZ")
        started = time.perf_counter()
        report = handler(scheduler_input(schedule, at), LambdaContext("publisher", "burst"))
        elapsed = time.perf_counter() - started
        statuses = {}
        for network, url in stack.sandboxes.items():
            log = requests.get(f"{url}/sandbox/requests", timeout=10).json()
            entries = log if isinstance(log, list) else log.get("requests", [])
            statuses[network] = dict(
                Counter(str(e.get("status")) for e in entries if e["endpoint"] == CREATE[network])
            )
    limited = {n: s.get("429", 0) for n, s in statuses.items()}
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "make bench (python -m bench publish_burst)",
        "machine": machine(),
        "posts_due": per_network * len(CREATE),
        "latency_ms": LATENCY_MS,
        "tick_seconds": round(elapsed, 2),
        "posts_per_second": round(per_network * len(CREATE) / elapsed, 1),
        "outcomes": {k: v for k, v in report.items() if isinstance(v, int)},
        "create_statuses": statuses,
        "rate_limited": limited,
        "concurrency": services.settings.publish_concurrency,
        "target": f"one invocation under {TARGET_S:.0f} s, no 429 from any network",
        "met": elapsed < TARGET_S
        and not any(limited.values())
        and report.get("posted") == per_network * len(CREATE),
    }


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
