"""Item 8: what a cohort's month costs, from the calls a simulated week makes in the local stack.

The cohort (ASSUMPTIONS): 30 members, 300 posts a month (a third with a link), 10 chats a week of
about 600 posts each, every member subscribed to every chat (reminder and digest emails: the
most), ~65 page views a member a month. In the local stack (bench.stack), every AWS call is
metered (bench.stack.Meter: per service and operation, DynamoDB units from item sizes), each
function invocation timed, and everything the functions log captured (file descriptor 1, as
Lambda sends it to CloudWatch Logs):
- idle minutes: IDLE_TICKS ticks of both scheduled functions with nothing to do;
- a week's posts: scheduled through the web function (form POSTs), published by the ticks;
- one chat session of 600 posts on X through its whole window (15 minutes before to 31 after),
  ticked minute by minute, the admin subscribed (its emails counted per subscriber);
- page views: the posts list, the form, the chats page.
Scaled to a month (4.345 weeks; 43,800 minutes), each idle minute not run counted at the idle
ticks' figures, then priced from bench/prices.json (one file, with its sources and the date read),
line by line, fixed charges named. SecureString reads are modelled, not counted: the stack's
cache keeps each for 5 minutes of wall time, and the bench's hours pass in minutes, so the bill
takes the ceiling (each function re-reading every parameter it used once every 5 minutes, all
month), and each read is one KMS Decrypt under aws/ssm. X fees from the X sandbox's answers:
posts and their links as scheduled, posts read once per UTC day.
"""

import json
import os
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from bench.stack import ROOT, Meter, item_size, local_stack, machine

PRICES = Path(__file__).resolve().parent / "prices.json"
ASSUMPTIONS = {
    "members": 30,
    "posts_a_month": 300,
    "share_with_link": 1 / 3,
    "chats_a_week": 10,
    "posts_per_chat": 600,
    "page_views_per_member_month": 65,
    "weeks_a_month": 52 / 12,
    "minutes_a_month": 43_800,
    "archive_retention_days": 180,
    "posts_kept_months": 12,
    "lambda_memory_gb": 0.25,
    "platform_log_bytes_per_invocation": 350,  # START, END and REPORT lines
    "api_access_log_bytes_per_request": 450,
}
IDLE_TICKS, QUICK_IDLE_TICKS = 10, 2
PARAMETER_CACHE_MINUTES = 5


@contextmanager
def captured_stdout() -> Iterator[Callable[[], bytes]]:
    """Everything written to file descriptor 1 (what Lambda ships to CloudWatch Logs)."""
    sys.stdout.flush()
    saved = os.dup(1)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 1)

        def read() -> bytes:
            sys.stdout.flush()
            sink.seek(0)
            return sink.read()

        try:
            yield read
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)


class Recorder:
    """Per phase: invocations and their seconds by function, AWS calls, DynamoDB units."""

    def __init__(self) -> None:
        self.meter = Meter()
        self.phases: dict[str, dict[str, Any]] = {}
        self.parameters: dict[str, set[str]] = defaultdict(set)

    def phase(self, name: str) -> dict[str, Any]:
        return self.phases.setdefault(
            name,
            {
                "invocations": Counter(),
                "seconds": Counter(),
                "calls": Counter(),
                "read_units": 0.0,
                "write_units": 0.0,
                "log_bytes": 0,
            },
        )

    def invoke(
        self, phase: str, function: str, call: Callable[[], Any], out: Callable[[], bytes]
    ) -> Any:
        record = self.phase(phase)
        self.meter.clear()
        before = len(out())
        with self.meter.running():
            started = time.perf_counter()
            answer = call()
            elapsed = time.perf_counter() - started
        record["invocations"][function] += 1
        record["seconds"][function] += elapsed
        record["calls"].update(self.meter.operations())
        record["read_units"] += self.meter.read_units()
        record["write_units"] += self.meter.write_units()
        record["log_bytes"] += len(out()) - before
        for c in self.meter.calls:
            if c.service == "ssm" and c.operation == "GetParameter":
                self.parameters[function].add(c.detail)
        return answer


def simulate(quick: bool) -> dict[str, Any]:
    from werkzeug.test import Client

    from bench.polling import MODERATORS, XReads, transcript

    idle_ticks = QUICK_IDLE_TICKS if quick else IDLE_TICKS
    week_posts = 5 if quick else round(ASSUMPTIONS["posts_a_month"] / ASSUMPTIONS["weeks_a_month"])
    chat_posts = 40 if quick else int(ASSUMPTIONS["posts_per_chat"])
    recorder = Recorder()
    os.environ["POWERTOOLS_LOG_LEVEL"] = "INFO"  # the template's LogLevel default: logs as billed
    with local_stack() as stack, captured_stdout() as out:
        import requests

        from chatdeck.bootstrap import Services
        from chatdeck.domain.chats import Chat, Recurrence, Subscription
        from chatdeck.services.membership import _hash as link_hash
        from chatdeck.web.pages import CSRF_COOKIE, SESSION_COOKIE
        from devstack.provision import SEED_ADMIN
        from devstack.runtime import LambdaContext, scheduler_input

        services = Services()
        runtime = stack.runtime
        scheduled = {s.function: (s, h) for s, h in runtime.scheduled}

        def tick(phase: str, at: datetime) -> None:
            instant = at.strftime("%Y-%m-%dT%H:%M:%SZ")
            for sandbox in stack.sandboxes.values():
                requests.post(f"{sandbox}/sandbox/clock", json={"now": instant}, timeout=10)
            for function, (schedule, handler) in scheduled.items():
                event = scheduler_input(schedule, instant)
                context = LambdaContext(function, "bench")
                recorder.invoke(phase, function, partial(handler, event, context), out)

        web = Client(runtime, use_cookies=False)
        now = datetime.now(UTC)
        token = f"bench-link-{uuid.uuid4().hex}"
        services.membership.links.add(link_hash(token), SEED_ADMIN, int(now.timestamp()) + 900)
        cookies = {SESSION_COOKIE: str(services.membership.sign_in(token, now).session_token)}

        def view(phase: str, path: str, form: dict[str, str] | None = None) -> Any:
            header = "; ".join(f"{k}={v}" for k, v in cookies.items())

            def call() -> Any:
                if form is None:
                    return web.get(path, headers={"Cookie": header})
                return web.post(path, data=form, headers={"Cookie": header, "Origin": stack.web})

            return recorder.invoke(phase, "WebFunction", call, out)

        import re

        page = view("pages", "/").get_data(as_text=True)
        cookies[CSRF_COOKIE] = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        day = (now + timedelta(days=2)).replace(hour=0, minute=0, second=0, microsecond=0)
        for n in range(idle_ticks):
            tick("idle", day + timedelta(hours=3, minutes=n))
        # a week's posts, all due at one minute of the day (what a tick costs per post)
        due = day + timedelta(hours=6)
        links = 0
        for n in range(week_posts):
            with_link = n % 3 == 0
            links += with_link
            text = f"Week post {n} {uuid.uuid4().hex[:6]}" + (
                " https://example.org/s" if with_link else ""
            )
            form = {
                "csrf_token": cookies[CSRF_COOKIE],
                "submission_id": uuid.uuid4().hex,
                "text": text,
                "targets_shown": "1",
                "targets": "x:cohort",
                "local_date": due.date().isoformat(),
                "local_time": due.strftime("%H:%M"),
                "zone": "UTC",
            }
            assert view("schedule", "/posts", form).status_code in (200, 201, 303)
        tick("publish", due)
        for path in ("/posts", "/chats", "/"):
            for _ in range(2 if quick else 10):
                view("pages", path)
        # one chat session on X, the admin subscribed
        start = day + timedelta(hours=20)
        chat = Chat(
            id="benchcost",
            name="Cost bench chat",
            hashtag="#benchcost",
            networks=["x"],
            recurrence=Recurrence(
                weekday=start.weekday(),
                start=start.time(),
                zone="UTC",
                duration_minutes=60,
                first_date=start.date(),
            ),
            moderators=[MODERATORS["x"]],
        )
        services.chats.save(chat)
        services.subscriptions.subscribe(
            Subscription(
                chat_id=chat.id, email=SEED_ADMIN, reminders=True, digests=True, lead_minutes=15
            )
        )
        body = transcript("x", "benchcost", start, chat_posts)
        requests.post(
            f"{stack.sandboxes['x']}/sandbox/chats", json=body, timeout=60
        ).raise_for_status()
        x_reads = XReads(stack.sandboxes["x"])
        original_send = requests.Session.send

        def send(session: Any, request: Any, **kwargs: Any) -> Any:
            response = original_send(session, request, **kwargs)
            x_reads.hook(response)
            return response

        requests.Session.send = send  # type: ignore[method-assign,assignment]
        window = list(range(-16, 60 + 32))
        try:
            for minute in window:
                at = start + timedelta(minutes=minute)
                x_reads.day = at.date()
                tick("chat", at)
        finally:
            requests.Session.send = original_send  # type: ignore[method-assign]
        x_log = requests.get(f"{stack.sandboxes['x']}/sandbox/requests", timeout=10).json()
        x_calls = Counter(
            e["endpoint"] for e in (x_log if isinstance(x_log, list) else x_log["requests"])
        )
        storage = table_bytes(stack)
        logs = out()
    metrics = metric_names(logs)
    return {
        "week_posts": week_posts,
        "week_posts_with_link": links,
        "chat_posts": chat_posts,
        "chat_window_ticks": len(window),
        "idle_ticks": idle_ticks,
        "phases": {
            k: {
                **v,
                "invocations": dict(v["invocations"]),
                "seconds": {f: round(s, 3) for f, s in v["seconds"].items()},
                "calls": dict(v["calls"]),
            }
            for k, v in recorder.phases.items()
        },
        "x_requests": dict(x_calls),
        "x_posts_read_billed": len(x_reads.searched.keys() | x_reads.looked_up.keys()),
        "storage_bytes": storage,
        "metric_names": metrics,
        "parameters_read": {f: sorted(p) for f, p in recorder.parameters.items()},
    }


def table_bytes(stack: Any) -> dict[str, int]:
    import boto3

    client = boto3.client("dynamodb", endpoint_url=stack.moto)
    sizes = {}
    for name in ("POSTS_TABLE", "STATE_TABLE", "ARCHIVE_TABLE"):
        total, start = 0, None
        while True:
            page = client.scan(
                TableName=stack.stack.environment[name],
                **({"ExclusiveStartKey": start} if start else {}),
            )
            total += sum(
                item_size(i) + 100 for i in page["Items"]
            )  # +100: DynamoDB's per-item overhead
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        sizes[name] = total
    return sizes


def metric_names(logs: bytes) -> list[str]:
    names: set[str] = set()
    for line in logs.splitlines():
        if line.startswith(b'{"_aws"'):
            try:
                blob = json.loads(line)
            except ValueError:
                continue
            for directive in blob["_aws"]["CloudWatchMetrics"]:
                names.update(m["Name"] for m in directive["Metrics"])
    return sorted(names)


def run(quick: bool = False) -> dict[str, Any]:
    from bench.costs import month_bill

    measured = simulate(quick)
    prices = json.loads(PRICES.read_text())
    bill = month_bill(measured, prices, ASSUMPTIONS, ROOT / "template.yaml")
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "make bench (python -m bench cost_model)",
        "machine": machine(),
        "assumptions": ASSUMPTIONS,
        "measured": measured,
        "prices_read_on": prices["read_on"],
        **bill,
        "target": "AWS under $1 a month",
        "met": bill["aws_total_billed"] < 1.0,
    }


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2, default=str))
