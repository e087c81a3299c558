"""Item 1: what one publisher tick reads, with 10 posts due and 0 to 100,000 others in the table.

Against moto server through the publisher's own handler (the local stack, bench.stack). The
other posts are half queued for later (on the work index, due next month) and half done
(posted, off the index): each is the post's item and its target's item, exactly as the post
store writes them (`post_to_item`, `target_to_item`), cloned from one post scheduled through
the store and written with BatchWriteItem, 25 items a call. The tick is metered (bench.stack
.Meter): items examined and read units from the sizes of the items read, on a warm instance (a
first tick with one post runs before the sizes are measured). Target: flat, the due items plus a
constant.
"""

import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.stack import LocalStack, Meter, local_stack, machine
from tests.posts import form_post

DUE = 10
# 100,000 only when asked (BENCH_TICK_LARGE=1): moto server takes over five minutes and 4 GB to
# take the 200,000 items in (its batch writes then time out), past `make bench`'s ten minutes.
SIZES = (0, 1_000, 10_000, 100_000) if os.environ.get("BENCH_TICK_LARGE") else (0, 1_000, 10_000)
QUICK_SIZES = (0, 200, 400)
# Above this, moto's copy of every table for each transaction (its rollback for
# TransactWriteItems, which every claim is) takes gigabytes and minutes: the whole tick is run up
# to it, and beyond it what the tick reads to find its work (the post store's `due()`: the work
# index Query and the BatchGet of the due posts), which is the only read that could grow with
# the table; the rest of the tick's reads are per due post, shown flat up to this size.
WHOLE_TICK_MAX = 10_000
QUICK_WHOLE_TICK_MAX = 200


def seed(stack: LocalStack, table: str, count: int, due: datetime, now: bool = False) -> float:
    """`count` more posts, half queued for a month later, half posted (or, `now`, all due at
    `due`); the seconds it took."""
    import boto3
    from boto3.dynamodb.types import TypeSerializer

    from chatdeck.adapters.posts import post_to_item, target_to_item

    started = time.perf_counter()
    client = boto3.client("dynamodb", endpoint_url=stack.moto)
    serializer = TypeSerializer()
    template = form_post("template", "Session notes at https://example.org/s", due, "t@s.example")
    head = post_to_item(template)
    target = target_to_item(template, template.targets[0])
    batch: list[dict[str, Any]] = []
    for n in range(count):
        post_id = uuid.uuid4().hex
        later = n % 2 == 0 and not now
        when = (due + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
        item = {**head, "id": post_id, "due_utc": when if later else head["due_utc"]}
        item["text"] = f"{head['text']} {post_id}"
        mine = {**target, "id": f"{post_id}#x:cohort", "post_id": post_id}
        if later:
            mine["next_action_at"] = when
        elif not now:
            mine.pop("work_pk", None)
            mine.pop("next_action_at", None)
            mine.update(status="posted", url=f"https://x.com/cohort/status/{n}")
        for one in (item, mine):
            batch.append(
                {"PutRequest": {"Item": {k: serializer.serialize(v) for k, v in one.items()}}}
            )
        if len(batch) == 25 or n == count - 1:
            pending: dict[str, Any] = {table: batch}
            while pending:
                pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems")
            batch = []
    return time.perf_counter() - started


def run(quick: bool = False) -> dict[str, Any]:
    sizes = QUICK_SIZES if quick else SIZES
    whole_max = QUICK_WHOLE_TICK_MAX if quick else WHOLE_TICK_MAX
    rows = []
    with local_stack() as stack:
        from chatdeck import bootstrap
        from devstack.runtime import LambdaContext, scheduler_input

        # moto copies every table for each transaction (its rollback), so a claim takes seconds
        # once the table holds many posts: wait for it rather than time out and retry.
        bootstrap.AWS_READ_TIMEOUT = 120.0
        services = bootstrap.Services()
        table = stack.stack.environment["POSTS_TABLE"]
        (schedule, handler), *_ = [
            (s, h) for s, h in stack.runtime.scheduled if s.function == "PublisherFunction"
        ]
        due = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=2)
        # A first tick with one post to X warms the instance: what a function reads once per
        # instance (its parameters, the X account's handle) belongs to its start, not to the
        # queue, and would otherwise be charged to whichever size is measured first.
        warm = due - timedelta(minutes=1)
        seed(stack, table, 1, warm, now=True)
        handler(
            scheduler_input(schedule, warm.strftime("%Y-%m-%dT%H:%M:%SZ")),
            LambdaContext("p", "bench"),
        )
        seeded = 0
        for step, size in enumerate(sizes):
            seconds = seed(stack, table, size - seeded, due)
            seeded = size
            tick = due + timedelta(minutes=step)
            seed(stack, table, DUE, tick, now=True)
            meter = Meter()
            at = tick.strftime("%Y-%m-%dT%H:%M:%SZ")
            whole = size <= whole_max
            with meter.running():
                started = time.perf_counter()
                if whole:
                    report = handler(scheduler_input(schedule, at), LambdaContext("p", "bench"))
                else:  # what the tick reads to find its work, without the claims (see above)
                    report = {"posted": len(services.posts.due(tick))}
                elapsed = time.perf_counter() - started
            work = [c for c in meter.calls if c.operation == "Query"]
            rows.append(
                {
                    "others": size,
                    "measured": "whole tick" if whole else "due() only",
                    "seed_seconds": round(seconds, 1),
                    "posted": report.get("posted", 0),
                    "items_examined": meter.examined(),
                    "read_units": meter.read_units(),
                    "work_query_examined": sum(c.examined for c in work),
                    "work_query_read_units": sum(c.read_units for c in work),
                    "write_units": meter.write_units(),
                    "calls": dict(meter.operations()),
                    "tick_seconds": round(elapsed, 2),
                }
            )
    whole_ticks = [r for r in rows if r["measured"] == "whole tick"]
    flat = len({(r["items_examined"], r["read_units"]) for r in whole_ticks}) == 1
    flat = flat and len({(r["work_query_examined"], r["work_query_read_units"]) for r in rows}) == 1
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "make bench (python -m bench tick_reads)",
        "machine": machine(),
        "due": DUE,
        "rows": rows,
        "target": f"items examined and read units the same at every size ({DUE} due + a constant)",
        "whole_tick_up_to": whole_max,
        "met": flat and all(r["posted"] == DUE for r in rows),
    }


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
