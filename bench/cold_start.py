"""Item 2: each function's cold start against boto3's, in fresh interpreters.

A function's side: import its handler module (what Lambda's init phase runs: the module makes
its Services and, for the web, its routes) and then make its DynamoDB client, which every
function's first invocation does. The baseline: `import boto3` and one DynamoDB client. Each is
timed inside a fresh interpreter (so the interpreter's own start, the same for both, is left
out), the runs interleaved so a busy moment hurts both sides alike, each round in a rotated
order so no side always runs first; the median of RUNS is compared. The fastest run of each and
the load average before and after are kept too: on a shared machine they say how busy it was.
Target: at most 1.5 times the baseline for every function.
"""

import json
import os
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

from bench.stack import ROOT, machine

RUNS, QUICK_RUNS = 21, 2
TARGET = 1.5
FUNCTIONS = ("web", "publisher", "companion")
BASELINE = "import boto3\nboto3.client('dynamodb')"
PROBE = """
import time
started = time.perf_counter()
{body}
print(time.perf_counter() - started)
"""


def function_body(name: str) -> str:
    return f"import functions.{name}.app as f\nf.services._dynamodb"


def timed(body: str) -> float:
    env = {"AWS_DEFAULT_REGION": "us-east-1", "PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}
    probe = subprocess.run(  # noqa: S603 - our own interpreter and code  # nosec B603
        [sys.executable, "-c", PROBE.format(body=body)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(probe.stdout.strip().splitlines()[-1])


def run(quick: bool = False) -> dict[str, Any]:
    runs = QUICK_RUNS if quick else RUNS
    bodies = {"boto3 + DynamoDB client": BASELINE} | {f: function_body(f) for f in FUNCTIONS}
    times: dict[str, list[float]] = {name: [] for name in bodies}
    for body in bodies.values():  # once each, unmeasured: the bytecode caches are written
        timed(body)
    load_before = os.getloadavg()
    names = list(bodies)
    for round_ in range(runs):
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            times[name].append(timed(bodies[name]))
    load_after = os.getloadavg()
    medians = {name: statistics.median(values) for name, values in times.items()}
    baseline = medians["boto3 + DynamoDB client"]
    functions = {
        f: {
            "median_ms": round(medians[f] * 1000, 1),
            "ratio": round(medians[f] / baseline, 2),
            "met": medians[f] / baseline <= TARGET,
            "fastest_ms": round(min(times[f]) * 1000, 1),
        }
        for f in FUNCTIONS
    }
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "make bench (python -m bench cold_start)",
        "machine": machine(),
        "runs": runs,
        "baseline_median_ms": round(baseline * 1000, 1),
        "baseline_fastest_ms": round(min(times["boto3 + DynamoDB client"]) * 1000, 1),
        "load_average_1min": [round(load_before[0], 2), round(load_after[0], 2)],
        "functions": functions,
        "target": f"each function at most {TARGET} x the baseline",
        "met": all(f["met"] for f in functions.values()),
    }


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
