"""`make dev`: moto server, the sandbox network and the function runtime, as three processes.

When moto and the sandbox already answer on their ports they are reused and only the runtime
starts, so a runtime that crashed mid-tick can be restarted with every queued post still there.
Ports come from DEVSTACK_WEB_PORT, DEVSTACK_MOTO_PORT and DEVSTACK_SANDBOX_PORT.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import requests

from devstack.provision import ROOT, SEED_ADMIN

STATE_DIR = Path(os.environ.get("DEVSTACK_STATE_DIR", ROOT / ".devstack"))
PIDS = STATE_DIR / "pids.json"


def answers(url: str) -> bool:
    try:
        requests.get(url, timeout=1)
    except requests.RequestException:
        return False
    return True


def wait_until(check: Callable[[], bool], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise SystemExit(f"{what} did not start within {seconds:.0f} s")


def start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    """Start a process in its own session: it outlives a crashed runtime, and Ctrl-C stops it."""
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603 - our own python, our own arguments  # nosec B603
            [sys.executable, *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            start_new_session=True,
        )


def previous_pids() -> dict[str, int]:
    try:
        pids: dict[str, int] = json.loads(PIDS.read_text())
    except (OSError, ValueError):
        return {}
    return pids


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__)
    parser.add_argument(
        "--web-port", type=int, default=int(os.environ.get("DEVSTACK_WEB_PORT", 3000))
    )
    parser.add_argument(
        "--moto-port", type=int, default=int(os.environ.get("DEVSTACK_MOTO_PORT", 5000))
    )
    parser.add_argument(
        "--sandbox-port", type=int, default=int(os.environ.get("DEVSTACK_SANDBOX_PORT", 8700))
    )
    parser.add_argument(
        "--bluesky-port", type=int, default=int(os.environ.get("DEVSTACK_BLUESKY_PORT", 8701))
    )
    parser.add_argument(
        "--mastodon-port", type=int, default=int(os.environ.get("DEVSTACK_MASTODON_PORT", 8702))
    )
    parser.add_argument(
        "--no-schedules", action="store_true", help="fire schedules only on /_dev/tick"
    )
    options = parser.parse_args()
    web = f"http://127.0.0.1:{options.web_port}"
    moto = f"http://127.0.0.1:{options.moto_port}"
    sandbox = f"http://127.0.0.1:{options.sandbox_port}"
    bluesky = f"http://127.0.0.1:{options.bluesky_port}"
    mastodon = f"http://127.0.0.1:{options.mastodon_port}"

    pids = previous_pids()
    started: list[subprocess.Popen[bytes]] = []
    if answers(f"{moto}/moto-api/"):
        print(f"Reusing moto server on {moto}")
    else:
        proc = start(
            ["-m", "devstack.moto_server", "-H", "127.0.0.1", "-p", str(options.moto_port)],
            STATE_DIR / "moto.log",
        )
        started.append(proc)
        pids["moto"] = proc.pid
        wait_until(lambda: answers(f"{moto}/moto-api/"), "moto server")
    sandboxes = (
        ("sandbox", "devstack.sandbox", options.sandbox_port, sandbox),
        ("bluesky", "devstack.bluesky", options.bluesky_port, bluesky),
        ("mastodon", "devstack.mastodon", options.mastodon_port, mastodon),
    )
    for name, module, port, url in sandboxes:  # one process per network, as for X
        if answers(f"{url}/sandbox/posts"):
            print(f"Reusing the {name} sandbox on {url}")
            continue
        proc = start(["-m", module, "--port", str(port)], STATE_DIR / f"{name}.log")
        started.append(proc)
        pids[name] = proc.pid
        wait_until(partial(answers, f"{url}/sandbox/posts"), f"the {name} sandbox")
    runtime_args = ["-m", "devstack.serve", "--web", web, "--moto", moto, "--sandbox", sandbox]
    runtime_args += ["--bluesky", bluesky, "--mastodon", mastodon]
    if options.no_schedules:
        runtime_args.append("--no-schedules")
    runtime = start(runtime_args, STATE_DIR / "runtime.log")
    started.append(runtime)
    pids["runtime"] = runtime.pid
    PIDS.write_text(json.dumps(pids))
    wait_until(lambda: runtime.poll() is not None or answers(f"{web}/"), "the runtime")
    if runtime.poll() is not None:
        raise SystemExit(f"the runtime stopped; see {STATE_DIR / 'runtime.log'}")

    print(
        f"""
Chatdeck is running locally.
  the web app          {web}/
  sign in as (admin)   {SEED_ADMIN}
  emails sent (SES)    {web}/_dev/outbox
  run the schedules    curl -X POST {web}/_dev/tick  [-d '{{"at": "2026-12-01T20:00:00Z"}}']
  moto server (AWS)    {moto}
  sandbox network (X)  {sandbox}   posted: {sandbox}/sandbox/posts
  Bluesky sandbox      {bluesky}   posted: {bluesky}/sandbox/posts
  Mastodon sandbox     {mastodon}   posted: {mastodon}/sandbox/posts
  logs                 {STATE_DIR}/*.log
Press Ctrl-C to stop.""",
        flush=True,
    )
    stop(started, wait_for=runtime)


def stop(processes: list[subprocess.Popen[bytes]], wait_for: subprocess.Popen[bytes]) -> None:
    """Ctrl-C (or SIGTERM) stops what this run started. If the runtime dies, moto and the
    sandbox stay up with every queued post, for the next `make dev` to reuse."""

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    try:
        code = wait_for.wait()
    except KeyboardInterrupt:
        for proc in processes:
            if proc.poll() is None:
                proc.terminate()
        for proc in processes:
            proc.wait(timeout=10)
        PIDS.unlink(missing_ok=True)
        raise SystemExit(0) from None
    print(
        f"The runtime stopped (exit {code}); see {STATE_DIR / 'runtime.log'}. moto and the sandbox "
        "are still running with their data: run `make dev` again to restart the runtime.",
        file=sys.stderr,
    )
    raise SystemExit(1)


if __name__ == "__main__":
    main()
