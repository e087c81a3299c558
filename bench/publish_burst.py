"""300 posts due in the same minute, with 1,000 more queued for later and 500 already posted.

Measures, against moto server and the sandbox over real HTTP through tweepy:
- the wall time of the one tick that publishes the 300 (target: well under the 60 s of a minute);
- the work-index Query: items scanned and read units (computed from item sizes, since moto's
  ConsumedCapacity is a constant), which must not grow with the later or finished posts.
"""

import json
import math
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import requests

ROOT = Path(__file__).resolve().parent.parent
DUE_NOW, LATER, DONE = 300, 1000, 500


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(args: list[str], ready: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and modules
        [sys.executable, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(ready, timeout=1)
            return process
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{ready} did not start")


def item_size(item: dict[str, Any]) -> int:
    """DynamoDB's item size: attribute names plus values (strings and numbers as UTF-8)."""
    return sum(len(k.encode()) + len(str(v).encode()) for k, v in item.items())


def run() -> dict[str, Any]:
    moto_port, sandbox_port = free_port(), free_port()
    moto = f"http://127.0.0.1:{moto_port}"
    sandbox = f"http://127.0.0.1:{sandbox_port}"
    processes = [
        start(["-m", "moto.server", "-H", "127.0.0.1", "-p", str(moto_port)], f"{moto}/moto-api/"),
        start(["-m", "devstack.sandbox", "--port", str(sandbox_port)], f"{sandbox}/sandbox/posts"),
    ]
    os.environ.update(
        AWS_ENDPOINT_URL=moto,
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",  # noqa: S106 - moto's, not a credential
    )
    try:
        return measure(moto, sandbox)
    finally:
        for process in processes:
            process.terminate()


def measure(moto: str, sandbox: str) -> dict[str, Any]:
    from chatdeck.bootstrap import Services
    from chatdeck.domain.posts import post_from_form
    from chatdeck.settings import Settings
    from devstack.provision import SANDBOX_CREDENTIALS, TEMPLATE, create_table
    from devstack.template import load_template

    resources = load_template(TEMPLATE)["Resources"]
    for logical_id in ("PostsTable", "StateTable"):
        create_table(moto, logical_id, resources[logical_id]["Properties"])
    boto3.client("ssm").put_parameter(
        Name="/chatdeck/x/cohort", Value=json.dumps(SANDBOX_CREDENTIALS), Type="SecureString"
    )
    boto3.client("ses").verify_email_identity(EmailAddress="chatdeck@cohort.example")
    services = Services(Settings(x_api_base_url=sandbox, sender_email="chatdeck@cohort.example"))
    due = datetime.now(UTC).replace(second=0, microsecond=0)

    def add(n: int, when: datetime, text: str) -> None:
        form = {
            "submission_id": uuid.uuid4().hex,
            "text": f"{text} {n}: notes and slides at https://example.org/session/{n}",
            "local_date": when.date().isoformat(),
            "local_time": when.strftime("%H:%M"),
            "zone": "UTC",
        }
        post = post_from_form(
            form,
            now=when - timedelta(hours=1),
            author_name="A Teacher",
            author_email="teacher@school.example",
        )
        assert services.posts.add(post)

    for n in range(DONE):
        add(n, due - timedelta(minutes=5), "Yesterday's session")
    services.publisher.publish_due_posts(due - timedelta(minutes=5))
    for n in range(LATER):
        add(n, due + timedelta(days=1 + n % 300), "Later session")
    for n in range(DUE_NOW):
        add(n, due, "Conference session")

    table = services.posts.table
    query = table.query(
        IndexName="work",
        KeyConditionExpression="work_pk = :w AND next_action_at <= :now",
        ExpressionAttributeValues={":w": "WORK", ":now": due.strftime("%Y-%m-%dT%H:%M:%SZ")},
    )
    read_units = math.ceil(sum(item_size(i) for i in query["Items"]) / 4096) * 0.5

    started = time.perf_counter()
    report = services.publisher.publish_due_posts(due)
    elapsed = time.perf_counter() - started
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "due_now": DUE_NOW,
        "queued_for_later": LATER,
        "already_posted": DONE,
        "tick_seconds": round(elapsed, 2),
        "posts_per_second": round(DUE_NOW / elapsed, 1),
        "posted_in_tick": report.outcomes["posted"],
        "work_query_scanned": query["ScannedCount"],
        "work_query_read_units": read_units,
        "concurrency": services.settings.publish_concurrency,
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
