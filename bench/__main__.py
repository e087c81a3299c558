"""`make bench`: run every benchmark, record each in bench/results/<name>.json, and rewrite
bench/RESULTS.md from them.

`python -m bench` runs each benchmark in a fresh interpreter of its own (a benchmark that starts
the local stack loads the functions' modules, whose Services are made once per process, as in
Lambda), then writes RESULTS.md. `python -m bench NAME...` runs only those, in this process, and
rewrites RESULTS.md from every result on disk; `--quick` runs each on tiny sizes (the smoke test:
its figures are not recorded).
"""

import inspect
import json
import subprocess
import sys
import time
from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import Any

from bench.stack import ROOT

RESULTS = Path(__file__).resolve().parent / "results"
# name -> module; run in this order (the cheap, machine-bound figures first)
BENCHMARKS = {
    "cold_start": "bench.cold_start",
    "digest": "bench.digest_bench",
    "hostile_text": "bench.hostile_text",
    "unit_suite": "bench.unit_suite",
    "tick_reads": "bench.tick_reads",
    "publish_burst": "bench.publish_burst",
    "polling": "bench.polling",
    "web": "bench.web",
    "cost_model": "bench.cost_model",
    "artefacts": "bench.artefacts",
}


def runner(name: str) -> Callable[..., dict[str, Any]]:
    run: Callable[..., dict[str, Any]] = import_module(BENCHMARKS[name]).run
    return run


def run_one(name: str, quick: bool = False) -> dict[str, Any]:
    run = runner(name)
    takes_quick = "quick" in inspect.signature(run).parameters
    started = time.perf_counter()
    result = run(quick=quick) if takes_quick else run()
    result["bench_seconds"] = round(time.perf_counter() - started, 1)
    return result


def main(argv: list[str]) -> None:
    quick = "--quick" in argv
    names = [a for a in argv if not a.startswith("--")]
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        raise SystemExit(f"unknown benchmark(s) {unknown}; known: {', '.join(BENCHMARKS)}")
    RESULTS.mkdir(exist_ok=True)
    if names:
        for name in names:
            result = run_one(name, quick)
            if quick:
                print(json.dumps({name: result}, default=str), flush=True)
                continue
            (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    else:
        started = time.perf_counter()
        failed = []
        for name in BENCHMARKS:
            print(f"bench: {name}", flush=True)
            done = subprocess.run(  # noqa: S603 - our own interpreter and module  # nosec B603
                [sys.executable, "-m", "bench", name, "--no-report", *argv],
                cwd=ROOT,
                check=False,
                stdout=subprocess.DEVNULL,
            )
            if done.returncode:
                failed.append(name)
        total = round(time.perf_counter() - started)
        run = {"seconds": total, "failed": failed, "quick": quick}
        (RESULTS / "run.json").write_text(json.dumps(run) + "\n")
        print(f"bench: all in {total} s", flush=True)
        if failed:
            print(f"bench: failed: {', '.join(failed)} (their last results are kept)")
    if not quick and "--no-report" not in argv:
        from bench.report import write_results

        write_results(RESULTS, ROOT / "bench" / "RESULTS.md")


if __name__ == "__main__":
    main(sys.argv[1:])
