"""Item 6: the web function over HTTP: the scheduling form page and scheduling a post.

The local stack as `make dev` serves it (bench.stack): devstack's Runtime, the web function's
own handler behind werkzeug's HTTP server, one request at a time as one Lambda environment
takes them, moto server behind it. A member signed in through a real sign-in link; each
schedule is a form POST with the page's CSRF token from the same site, for tomorrow, to X.
One client asks in turn, so requests a second is what one warm function serves; p50 and p99
are of each request's latency seen by the client. No target is set by the issue: recorded.
"""

import json
import re
import statistics
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests

from bench.stack import local_stack, machine

PAGES, QUICK_PAGES = 200, 5
SCHEDULES, QUICK_SCHEDULES = 100, 5


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def figures(latencies: list[float], elapsed: float) -> dict[str, Any]:
    return {
        "requests": len(latencies),
        "requests_per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
    }


def run(quick: bool = False) -> dict[str, Any]:
    pages = QUICK_PAGES if quick else PAGES
    schedules = QUICK_SCHEDULES if quick else SCHEDULES
    with local_stack() as stack:
        from werkzeug.serving import make_server

        from chatdeck.bootstrap import Services
        from chatdeck.services.membership import _hash as link_hash
        from chatdeck.web.pages import CSRF_COOKIE, SESSION_COOKIE
        from devstack.provision import SEED_ADMIN

        address = urlsplit(stack.web)
        host, port = address.hostname or "127.0.0.1", address.port or 80
        server = make_server(host, port, stack.runtime, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            services = Services()
            now = datetime.now(UTC)
            token = f"bench-link-{uuid.uuid4().hex}"
            services.membership.links.add(link_hash(token), SEED_ADMIN, int(now.timestamp()) + 900)
            session = str(services.membership.sign_in(token, now).session_token)
            client = requests.Session()
            cookies = {SESSION_COOKIE: session}

            def get_form() -> requests.Response:
                header = "; ".join(f"{k}={v}" for k, v in cookies.items())
                answer = client.get(f"{stack.web}/", headers={"Cookie": header}, timeout=30)
                answer.raise_for_status()
                return answer

            first = get_form()
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', first.text)
            if csrf is None:
                raise RuntimeError("the form page has no CSRF token")
            cookies[CSRF_COOKIE] = csrf.group(1)
            page_times = []
            started = time.perf_counter()
            for _ in range(pages):
                begun = time.perf_counter()
                get_form()
                page_times.append(time.perf_counter() - begun)
            page_elapsed = time.perf_counter() - started
            tomorrow = now + timedelta(days=1)
            header = "; ".join(f"{k}={v}" for k, v in cookies.items())
            schedule_times = []
            statuses: dict[int, int] = {}
            started = time.perf_counter()
            for n in range(schedules):
                form = {
                    "csrf_token": cookies[CSRF_COOKIE],
                    "submission_id": uuid.uuid4().hex,
                    "text": f"Benchmark post {n} {uuid.uuid4().hex[:8]}",
                    "targets_shown": "1",
                    "targets": "x:cohort",
                    "local_date": tomorrow.date().isoformat(),
                    "local_time": "18:30",
                    "zone": "UTC",
                }
                begun = time.perf_counter()
                answer = client.post(
                    f"{stack.web}/posts",
                    data=form,
                    headers={"Cookie": header, "Origin": stack.web},
                    allow_redirects=False,
                    timeout=30,
                )
                schedule_times.append(time.perf_counter() - begun)
                statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
            schedule_elapsed = time.perf_counter() - started
        finally:
            server.shutdown()
    accepted = sum(v for k, v in statuses.items() if k in (200, 201, 302, 303))
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "make bench (python -m bench web)",
        "machine": machine(),
        "form_page": figures(page_times, page_elapsed),
        "schedule_post": figures(schedule_times, schedule_elapsed) | {"statuses": statuses},
        "target": "none set by the issue (recorded); every schedule accepted",
        "met": accepted == schedules,
    }


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
