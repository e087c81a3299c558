"""Item 4: a live chat hour of 1,500 posts on each of X, Bluesky and Mastodon, followed minute by
minute by the companion.

The local stack (bench.stack): one chat per network, all three live in the same hour (so each
tick polls the three at once: the per-tick figures are the worst case of a cohort following
three chats together), each transcript staged on its sandbox with `POST /sandbox/chats`
(1,500 posts spread over the hour: questions from the moderator every ten minutes, answers and
conversation from 300 teachers). devstack's Runtime ticks every scheduled function once a
minute from 15 minutes before the hour to 31 minutes after it (the companion's window), then on
while the count refresh after the window is unfinished (services/counts.py spreads it over
ticks, a bounded batch each), moving every sandbox's clock to the tick, as `POST /_dev/tick`
does. Per tick: wall time, requests to
each network (its `GET /sandbox/requests`), AWS calls and DynamoDB read units (bench.stack
.Meter). On X, every post each answer carries is recorded by id (a hook on the HTTP session the
X client uses): a post the searches return twice in one UTC day would be billed twice.
Targets: every tick under 5 s; no post read twice in a UTC day on X by the searches (the count
refresh after the window looks each post up once more, the same day, which X does not bill).
"""

import json
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import requests

from bench.stack import Meter, local_stack, machine
from chatdeck.domain.chats import Network

POSTS, QUICK_POSTS = 1500, 60
TEACHERS = 300
TARGET_S = 5.0
WINDOW_BEFORE, WINDOW_AFTER = 15, 31  # minutes
REFRESH_TICKS = 90  # at most, after the window: the count refresh's ticks
MODERATORS: dict[Network, str] = {
    "x": "benchmod",
    "bluesky": "benchmod.bsky.social",
    "mastodon": "benchmod@mastodon.local",
}


def transcript(network: str, hashtag: str, start: datetime, posts: int) -> dict[str, Any]:
    staged = []
    for n in range(posts):
        minute = 60 * n / posts
        question = int(minute // 10) + 1
        if n % (posts // 6 or 1) == 0:
            author, text = "benchmod", f"Q{question}: what worked this week, question {question}?"
        else:
            author = f"teacher{n % TEACHERS:03d}"
            text = f"A{question}: idea {n} from my classroom about feedback"
        moment = start + timedelta(minutes=minute)
        staged.append(
            {
                "author": author,
                "text": f"{text} #{hashtag}",
                "created_at": moment.isoformat().replace("+00:00", "Z"),
            }
        )
    body = {"hashtag": hashtag, "start": staged[0]["created_at"], "posts": staged}
    return body


class XReads:
    """Every post id in the X sandbox's answers to searches and lookups, by UTC day."""

    def __init__(self, x_url: str) -> None:
        self.x_url = x_url
        self.searched: Counter[tuple[date, str]] = Counter()
        self.looked_up: Counter[tuple[date, str]] = Counter()
        self.day = date.min

    def hook(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        url = response.request.url or ""
        if not url.startswith(self.x_url) or response.request.method != "GET":
            return
        if "/2/tweets/search/" in url:
            into = self.searched
        elif "/2/tweets?" in url or "/2/tweets/" in url:
            into = self.looked_up
        else:
            return
        try:
            data = response.json().get("data") or []
        except ValueError:
            return
        for post in data if isinstance(data, list) else [data]:
            into[(self.day, post["id"])] += 1


def run(quick: bool = False) -> dict[str, Any]:
    posts = QUICK_POSTS if quick else POSTS
    ticks: list[dict[str, Any]] = []
    with local_stack() as stack:
        from chatdeck.bootstrap import Services
        from chatdeck.domain.chats import Chat, Recurrence

        services = Services()
        start = (datetime.now(UTC) + timedelta(days=1)).replace(
            hour=20, minute=0, second=0, microsecond=0
        )
        for network in MODERATORS:
            chat_id = f"bench{network}"
            services.chats.save(
                Chat(
                    id=chat_id,
                    name=f"Bench chat on {network}",
                    hashtag=f"#{chat_id}",
                    networks=[network],
                    recurrence=Recurrence(
                        weekday=start.weekday(),
                        start=start.time(),
                        zone="UTC",
                        duration_minutes=60,
                        first_date=start.date(),
                    ),
                    moderators=[MODERATORS[network]],
                )
            )
            body = transcript(network, chat_id, start, posts)
            answer = requests.post(
                f"{stack.sandboxes[network]}/sandbox/chats", json=body, timeout=60
            )
            answer.raise_for_status()
        x_reads = XReads(stack.sandboxes["x"])
        original_send = requests.Session.send

        def send(session: requests.Session, request: Any, **kwargs: Any) -> requests.Response:
            response = original_send(session, request, **kwargs)
            x_reads.hook(response)
            return response

        requests.Session.send = send  # type: ignore[method-assign,assignment]
        seen = {n: 0 for n in stack.sandboxes}
        try:
            minute = start - timedelta(minutes=WINDOW_BEFORE)
            end = start + timedelta(minutes=60 + WINDOW_AFTER)
            refreshing = False
            while minute <= end or (
                refreshing and minute <= end + timedelta(minutes=REFRESH_TICKS)
            ):
                x_reads.day = minute.date()
                meter = Meter()
                with meter.running():
                    started = time.perf_counter()
                    result = stack.runtime.tick(minute)
                    elapsed = time.perf_counter() - started
                row: dict[str, Any] = {
                    "at": minute.strftime("%H:%M"),
                    "seconds": round(elapsed, 2),
                    "dynamodb_read_units": meter.read_units(),
                    "aws_calls": len(meter.calls),
                }
                for name, url in stack.sandboxes.items():
                    log = requests.get(f"{url}/sandbox/requests", timeout=10).json()
                    entries = log if isinstance(log, list) else log.get("requests", [])
                    row[f"{name}_requests"] = len(entries) - seen[name]
                    seen[name] = len(entries)
                companion = result["functions"].get("CompanionFunction")
                row["companion"] = companion if isinstance(companion, dict) else str(companion)
                counts = companion.get("counts") if isinstance(companion, dict) else None
                refreshing = isinstance(counts, dict) and (
                    bool(counts.get("unfinished")) or bool(counts.get("errors"))
                )
                row["sessions_counted"] = (
                    counts.get("counted", 0) if isinstance(counts, dict) else 0
                )
                ticks.append(row)
                minute += timedelta(minutes=1)
        finally:
            requests.Session.send = original_send  # type: ignore[method-assign]
    worst = max(ticks, key=lambda t: t["seconds"])
    end_at = end.strftime("%H:%M")
    twice = sum(1 for count in x_reads.searched.values() if count > 1)
    summary = {
        network: {
            "requests": sum(t[f"{network}_requests"] for t in ticks),
            "busiest_tick_requests": max(t[f"{network}_requests"] for t in ticks),
        }
        for network in stack.sandboxes
    }
    summary["x"]["posts_read_by_searches"] = sum(x_reads.searched.values())
    summary["x"]["distinct_posts_searched"] = len(x_reads.searched)
    summary["x"]["posts_read_by_count_refresh"] = sum(x_reads.looked_up.values())
    summary["x"]["searched_twice_same_utc_day"] = twice
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "make bench (python -m bench polling)",
        "machine": machine(),
        "posts_per_chat": posts,
        "ticks": len(ticks),
        "networks": summary,
        "worst_tick": {k: v for k, v in worst.items() if k != "companion"},
        "median_tick_seconds": sorted(t["seconds"] for t in ticks)[len(ticks) // 2],
        "count_refresh_ticks": sum(
            1 for t in ticks if t["at"] > end_at and any(t[f"{n}_requests"] for n in MODERATORS)
        ),
        "sessions_counted": sum(t["sessions_counted"] for t in ticks),
        "dynamodb_read_units": sum(t["dynamodb_read_units"] for t in ticks),
        "per_tick": [{k: v for k, v in t.items() if k != "companion"} for t in ticks],
        "target": f"every tick under {TARGET_S:.0f} s; no post searched twice in a UTC day on X",
        "met": worst["seconds"] < TARGET_S and twice == 0,
    }


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
