"""How long the unit suite takes: `pytest tests/unit`, which needs no server (target: under 20 s).

The unit suite is what an engineer runs after every change: the domain, the services on the
in-memory fakes (publisher, poller, reminders, digests, scheduling, the chat calendar), the web
rules and the template. It runs with AWS and the sandbox pointed at a closed port, so a test
that reached for a server would fail here rather than pass slowly. Each run is a fresh
interpreter spread over every core (pytest-xdist's `-n auto`), as `make unit` runs it; the median
of RUNS is the figure.
"""

import os
import re
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.stack import machine

ROOT = Path(__file__).resolve().parent.parent
RUNS = 3
TARGET_SECONDS = 20.0
CLOSED = "http://127.0.0.1:9"  # the discard port: nothing answers there


def run() -> dict[str, Any]:
    env = {**os.environ, "AWS_ENDPOINT_URL": CLOSED, "X_API_BASE_URL": CLOSED}
    command = [
        *(sys.executable, "-m", "pytest", "-n", "auto", "tests/unit"),
        *("-q", "-p", "no:cacheprovider"),
    ]
    seconds, summary = [], ""
    for _ in range(RUNS):
        started = time.perf_counter()
        done = subprocess.run(  # noqa: S603 - our own interpreter and arguments
            command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        seconds.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise RuntimeError(f"the unit suite failed:\n{done.stdout[-3000:]}")
        summary = done.stdout.strip().splitlines()[-1]
    passed = re.search(r"(\d+) passed", summary)
    median = statistics.median(seconds)
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python", *command[1:]]),
        "machine": machine(),
        "target": f"`pytest tests/unit` under {TARGET_SECONDS:.0f} s, no server",
        "tests": int(passed.group(1)) if passed else None,
        "runs": RUNS,
        "median_s": round(median, 2),
        "worst_s": round(max(seconds), 2),
        "target_s": TARGET_SECONDS,
        "met": median < TARGET_SECONDS,
        "cpus": os.cpu_count(),
    }
