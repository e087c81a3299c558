"""bench/RESULTS.md and docs/costs.md, written from bench/results/*.json (never by hand).

Each benchmark's section: its figures, the target, met or not, the machine it ran on and the
command that reproduces it; a missed target says why beside it (WHY_MISSED, kept here so the
explanation travels with the figures). docs/costs.md is the cost model's bill (bench/costs.py),
so there is one bill.
"""

import json
from pathlib import Path
from typing import Any

WHY_MISSED = {
    "cold_start": "The publisher and the companion meet it since the settings are read without "
    "pydantic-settings (~110 ms of theirs before). The web does not (1.65; 1.85 before this "
    "round, 2.63 before that). The route modules few requests need (members, accounts, chats "
    "with their calendar, sessions and unsubscribe links, chat import) are imported, and their "
    "routes registered with Powertools, on the first request under their paths, and the "
    "sign-in and post routes no longer import the membership and posts services for a constant "
    "and a type: a cold sign-in page, start plus first request, is ~55 ms faster (time saved, "
    "not moved). What remains beyond the publisher (pydantic, the settings model and "
    "Powertools' logger, which every function pays) is Powertools' event handler, ~35 ms (its "
    "package imports every resolver, AppSync's with asyncio, and every event class, even when "
    "APIGatewayHttpResolver is imported from its submodule), and ~10-15 ms the sign-in and "
    "post routes with the models the form page needs. Measured in one interleaved run, the "
    "publisher plus only the event handler's import is 1.59 (median of 21), so 1.5 cannot be "
    "met while the web routes with Powertools (the team's choice for routing) and reads its "
    "settings with pydantic like the others; importing the router on the first request would "
    "only move that time into every cold request, so it is not done.",
    "artefacts": "layers/deps/Makefile builds the layer, deletes what prune.txt lists, which "
    "Chatdeck never imports (zstandard, 5.1 MB zipped; atproto's firehose, Jetstream, CLI and "
    "codegen with websockets, click and dnspython; cffi's build-time half with pycparser; "
    "pydantic.v1; Powertools' Swagger UI assets; tests, stubs), and strips the compiled "
    "modules' symbol tables with llvm-strip as AWS's own Powertools layer does (1.25 MB): 19.0 "
    "MB zipped before, 10.6 after (tests/unit/test_deps_layer.py imports every module without "
    "the cuts and loads the stripped modules). What is left, zipped: cryptography 4.0 MB "
    "(AES-GCM for stored tokens, and atproto's own dependency), pydantic_core 2.0, "
    "atproto_client 0.55, Powertools 0.53, pydantic 0.34, tzdata 0.32, all else 2.8. The last "
    "0.6 MB would take cuts no test can vouch for: Powertools modules Chatdeck never loads "
    "(~0.3 MB), requests' charset detection (0.2; requests warns at every start without it), "
    "dateutil's bundled zone file (0.15) and tzdata (0.32), the fallbacks for a Lambda image "
    "without /usr/share/zoneinfo, which no primary source here settles for python3.13. "
    "Or cryptography gone: the tokens are sealed with `cryptography` (a KMS key to seal them "
    "instead costs $1 a month, the whole AWS budget) and atproto requires it anyway. AWS's "
    "public Powertools layer would carry Powertools, pydantic and cryptography (6.9 MB), but "
    'it is built by `pip install "aws-lambda-powertools[all]==<version>"` with nothing pinned '
    "(layer_v3/docker/Dockerfile in aws-powertools/powertools-lambda-python), so the pydantic "
    "and cryptography inside a given layer version are recorded nowhere Chatdeck could pin "
    "its tests to; it is not used. The whole deployment is far inside Lambda's limits "
    "(32.7 MB of 250 unzipped).",
}


def _load(results: Path, name: str, needs: str = "machine") -> dict[str, Any] | None:
    """The benchmark's last result; None when there is none, or only one of an older shape."""
    path = results / f"{name}.json"
    result: dict[str, Any] | None = json.loads(path.read_text()) if path.exists() else None
    return result if result is not None and (not needs or needs in result) else None


def _met(result: dict[str, Any]) -> str:
    met = result.get("met")
    return "**met**" if met else ("**not measured**" if met is None else "**NOT met**")


def _machine(result: dict[str, Any]) -> str:
    m = result.get("machine") or {}
    if not m:
        return "machine not recorded"
    return f"{m['cpu']}, {m['cores']} cores, Python {m['python']}, {m.get('system', '')}"


def _table(rows: list[dict[str, Any]], columns: list[str]) -> list[str]:
    out = ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
    out += ["| " + " | ".join(str(row.get(c, "")) for c in columns) + " |" for row in rows]
    return out


def _section(name: str, title: str, result: dict[str, Any] | None, body: list[str]) -> list[str]:
    if result is None:
        return [f"## {title}", "", "No result yet: run `make bench`.", ""]
    target = result.get("target") or "the targets in the figures"
    lines = [f"## {title}", "", f"Target: {target}: {_met(result)}."]
    if not result.get("met") and name in WHY_MISSED:
        lines.append(f"Why: {WHY_MISSED[name]}")
    lines += ["", *body, ""]
    lines.append(
        f"Run {result.get('when', '?')} on {_machine(result)}; took "
        f"{result.get('bench_seconds', '?')} s. Reproduce: `{result.get('command', 'make bench')}`."
    )
    return [*lines, ""]


def results_markdown(results: Path) -> str:
    out = [
        "# Benchmark results",
        "",
        "Written by `make bench` from bench/results/*.json (bench/report.py); do not edit by "
        "hand. Timings depend on the machine and on what else runs on it: each section names "
        "its machine. Ratios are measured in the same run.",
        "",
    ]
    whole = _load(results, "run", needs="seconds")
    if whole is not None:
        out += [
            f"The last whole `make bench` took {whole['seconds']} s"
            + (f"; failed: {', '.join(whole['failed'])}." if whole["failed"] else "."),
            "",
        ]
    r = _load(results, "tick_reads")
    body = (
        _table(
            r["rows"],
            [
                "others",
                "seed_seconds",
                "posted",
                "items_examined",
                "read_units",
                "work_query_examined",
                "work_query_read_units",
                "write_units",
                "tick_seconds",
            ],
        )
        if r
        else []
    )
    if r:
        body += [
            "",
            f"The whole tick is run up to {r.get('whole_tick_up_to', '?'):,} other posts; beyond "
            "it, what the tick reads to find its work (the work-index Query and the BatchGet of "
            "the due posts), since moto copies every table for each transaction (each claim). "
            "100,000 other posts run only with BENCH_TICK_LARGE=1: moto server takes over five "
            "minutes and 4 GB to take 200,000 items in, past the ten minutes of `make bench`. "
            "The work index is sparse (only targets that need the publisher are on it) and the "
            "Query reads only what is due, so its figures do not grow with posts done or later.",
        ]
    out += _section("tick_reads", "1. Publisher tick read cost (moto server)", r, body)
    r = _load(results, "cold_start")
    body = []
    if r:
        body = [
            f"Baseline (import boto3 + one DynamoDB client): median {r['baseline_median_ms']} ms "
            f"of {r['runs']} fresh interpreters.",
            "",
        ]
        body += _table(
            [{"function": f, **v} for f, v in r["functions"].items()],
            ["function", "median_ms", "ratio", "met"],
        )
    out += _section("cold_start", "2. Cold start", r, body)
    r = _load(results, "publish_burst")
    body = []
    if r:
        body = [
            f"{r['posts_due']} posts due, sandboxes answering after {r['latency_ms']} ms: one "
            f"invocation took **{r['tick_seconds']} s** ({r['posts_per_second']} posts/s, "
            f"concurrency {r['concurrency']}); outcomes {r['outcomes']}; create answers by "
            f"network {r['create_statuses']}; 429s {r['rate_limited']}."
        ]
    out += _section("publish_burst", "3. Burst: 300 posts over X, Bluesky and Mastodon", r, body)
    r = _load(results, "polling")
    body = []
    if r:
        worst = r["worst_tick"]
        body = [
            f"{r['posts_per_chat']} posts per chat on each network, {r['ticks']} ticks; median "
            f"tick {r['median_tick_seconds']} s; worst tick {worst['seconds']} s at "
            f"{worst['at']} ({worst['x_requests']} X, {worst['bluesky_requests']} Bluesky, "
            f"{worst['mastodon_requests']} Mastodon requests; {worst['dynamodb_read_units']} "
            f"DynamoDB read units). DynamoDB read units over the whole window: "
            f"{r['dynamodb_read_units']}.",
        ]
        if "count_refresh_ticks" in r:
            body.append(
                f"The count refresh after the window ran over {r['count_refresh_ticks']} ticks, "
                "a bounded batch each (services/counts.py; 13.7 s in one tick before), each "
                f"session counted once it was complete ({r['sessions_counted']} of 3)."
            )
        body.append("")
        body += _table(
            [{"network": n, **v} for n, v in r["networks"].items()],
            [
                "network",
                "requests",
                "busiest_tick_requests",
                "posts_read_by_searches",
                "distinct_posts_searched",
                "posts_read_by_count_refresh",
                "searched_twice_same_utc_day",
            ],
        )
    out += _section("polling", "4. Polling a 1,500-post chat hour", r, body)
    r = _load(results, "digest")
    body = []
    if r:
        body = _table(
            r["sizes"],
            [
                "posts",
                "runs",
                "median_ms",
                "best_ms",
                "peak_memory_mb",
                "answers",
                "participants",
                "reposts_left_out",
            ],
        )
        body += [
            "",
            f"Fitted exponent (time ~ n^k): **{r['fitted_exponent']}**; n log n over the "
            f"same sizes: {r['n_log_n_exponent']}.",
        ]
    out += _section("digest", "5. Digest build", r, body)
    r = _load(results, "web")
    body = []
    if r:
        body = _table(
            [
                {"request": "form page (GET /)", **r["form_page"]},
                {"request": "schedule a post (POST /posts)", **r["schedule_post"]},
            ],
            ["request", "requests", "requests_per_second", "p50_ms", "p99_ms"],
        )
    out += _section("web", "6. Web, through the local stack's HTTP server", r, body)
    r = _load(results, "artefacts")
    body = []
    if r and r.get("built"):
        body = [f"From the `sam build` of {r['built']}.", ""]
        body += _table(
            [{"part": n, **v} for n, v in {**r["layers"], **r["functions"]}.items()],
            ["part", "unzipped_mb", "zipped_mb", "with_layers_unzipped_mb", "within_limits"],
        )
        body += ["", f"Lambda's limits: {r['limits_mb']} (MB)."]
    out += _section("artefacts", "7. Artefact sizes (`sam build`)", r, body)
    r = _load(results, "cost_model")
    body = []
    if r:
        body = [
            f"AWS **${r['aws_total_billed']:.2f}** a month billed (${r['aws_total_list']:.2f} at "
            f"list price with no free tier); X **${r['x_total']:.2f}**. Line by line in "
            "docs/costs.md."
        ]
    out += _section("cost_model", "8. Cost model", r, body)
    r = _load(results, "hostile_text")
    body = []
    if r:
        body = ["Worst of the runs, about 10,000 characters a case.", ""]
        body += _table(
            [
                {"reading": "Q/A classifier", "case": c, "worst_ms": ms}
                for c, ms in r["classify_worst_ms"].items()
            ]
            + [
                {"reading": "X weighted length", "case": c, "worst_ms": ms}
                for c, ms in r["weighted_length_worst_ms"].items()
            ],
            ["reading", "case", "worst_ms"],
        )
    out += _section("hostile_text", "Hostile text", r, body)
    r = _load(results, "unit_suite")
    body = []
    if r:
        body = [
            f"{r['tests']} tests, median **{r['median_s']} s** of {r['runs']} run(s) "
            f"(worst {r['worst_s']} s), AWS and the sandboxes pointed at a closed port."
        ]
    out += _section("unit_suite", "Unit suite", r, body)
    return "\n".join(out).rstrip() + "\n"


def _quantity(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 or value == int(value) else f"{value:,.3f}"


def costs_markdown(r: dict[str, Any]) -> str:
    a = r["assumptions"]
    out = [
        "# What Chatdeck costs",
        "",
        "Generated by `make bench` from the cost model (bench/cost_model.py, bench/costs.py) "
        "and the price table bench/prices.json; do not edit by hand. Change a price or an "
        "assumption there and run `make bench`.",
        "",
        f"For a cohort of {a['members']} members who schedule {a['posts_a_month']} posts a "
        f"month and follow {a['chats_a_week']} chats a week: **AWS ${r['aws_total_billed']:.2f} "
        f"a month** billed (${r['aws_total_list']:.2f} at list price with no free tier); **X "
        f"${r['x_total']:.2f} a month**, billed by X from the cohort's prepaid credits, most of it "
        "for reading chats.",
        "",
        "## How the figures are reached",
        "",
        "A simulated week runs in the local stack (moto server, the network sandboxes, the "
        "functions' own handlers): idle minutes, a week's posts scheduled through the web "
        "function and published, one chat session of "
        f"{r['measured']['chat_posts']} posts on X through its whole window "
        f"({r['measured']['chat_window_ticks']} ticks), and page views. Every AWS call is counted "
        "per service and operation; DynamoDB units come from the sizes of the items read and "
        "written; each invocation is timed and everything the functions log is measured. The week "
        f"is scaled to a month ({a['minutes_a_month']:,} minutes, {r['sessions_a_month']} "
        "sessions) and priced line by line. Lambda durations are this machine's: a 256 MB "
        "Lambda has a fraction of a core, so they may be a few times longer there; the duration "
        "line stays far inside the free 400,000 GB-s even at ten times.",
        "",
        "Assumptions: "
        + "; ".join(
            f"{k.replace('_', ' ')} {v:.3g}"
            if isinstance(v, float)
            else f"{k.replace('_', ' ')} {v}"
            for k, v in a.items()
        )
        + ".",
        "",
        f"Prices: bench/prices.json, read on {r['prices_read_on']} (us-east-1 list prices, with "
        'each page\'s address). "Billed" takes off the free tiers that last, never the '
        "12-month ones.",
        "",
        "## AWS, line by line",
        "",
        "| line | quantity a month | how | list | billed |",
        "| --- | --- | --- | --- | --- |",
    ]
    out += [
        f"| {line['line']} | {_quantity(line['quantity'])} | {line['arithmetic']} | "
        f"${line['list']:.4f} | "
        f"${line['billed']:.4f} |"
        for line in r["aws_lines"]
    ]
    out += [
        f"| **total** | | | **${r['aws_total_list']:.2f}** | **${r['aws_total_billed']:.2f}** |",
        "",
        "Fixed charges, each named above: the CloudWatch alarms and the budget (inside their "
        "free allowances), no customer managed KMS key (SecureStrings use aws/ssm, no monthly "
        "fee), no advanced SSM parameter. Nothing else in template.yaml is billed for existing: "
        "no NAT gateway, no provisioned capacity, no dashboard. SSM parameter reads are free at "
        "standard throughput; the KMS decryptions behind them are counted at their ceiling.",
        "",
        "## X, separately",
        "",
        "| line | how | a month |",
        "| --- | --- | --- |",
    ]
    out += [
        f"| {line['line']} | {line['arithmetic']} | ${line['usd']:.2f} |" for line in r["x_lines"]
    ]
    out += [
        f"| **total** | | **${r['x_total']:.2f}** |",
        "",
        "X bills one read per post per UTC day: the companion's searches never return a post "
        "twice, and the count refresh after a session looks the same posts up again the same "
        "UTC day, which X does not bill again. `ChatReadBudget` caps what one session may read; "
        "the admins' monthly X spending cap (Settings) counts every X read (searches, the count "
        "refresh's lookups, the publisher's reading of the account's own posts at $0.001 a post) "
        "and stops posting and reading on X before a call would pass it.",
        "",
    ]
    return "\n".join(out)


def write_results(results: Path, target: Path) -> None:
    target.write_text(results_markdown(results))
    cost = _load(results, "cost_model")
    if cost is not None:
        (target.parent.parent / "docs" / "costs.md").write_text(costs_markdown(cost))
