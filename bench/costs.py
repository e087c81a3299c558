"""The month's bill from a simulated week (bench.cost_model): scaling and pricing, line by line.

Every quantity is what an idle minute costs times the minutes of the month outside chat
windows, plus a chat session's times the month's sessions, a post's times the month's posts,
and a page view's times the month's views,
each factor measured in the local stack (the phases of bench.cost_model). Each line keeps its
arithmetic as text, so docs/costs.md shows how it was reached. "list" prices everything with no
free tier; "billed" takes off the free tiers that last (never the 12-month ones). The bill is one
table of rows (name, quantity, price and free-tier keys of bench/prices.json, the price's unit,
the arithmetic) priced by one loop, so a new line is a new row.
"""

import math
from pathlib import Path
from typing import Any

from devstack.template import load_template


def _per(phase: dict[str, Any], key: str) -> float:
    value = phase.get(key, 0)
    return float(sum(value.values()) if isinstance(value, dict) else value)


def _price(prices: dict[str, Any], key: str) -> float:
    """A price or free tier of bench/prices.json by its dotted key ("lambda.free.requests")."""
    value: Any = prices
    for part in key.split("."):
        value = value[part]
    return float(value)


def month_bill(
    measured: dict[str, Any], prices: dict[str, Any], a: dict[str, Any], template: Path
) -> dict[str, Any]:
    phases = measured["phases"]
    idle, chat = phases["idle"], phases["chat"]
    publish, schedule, pages = phases["publish"], phases["schedule"], phases["pages"]
    sessions = a["chats_a_week"] * a["weeks_a_month"]
    window = measured["chat_window_ticks"]
    idle_minutes = a["minutes_a_month"] - sessions * window
    chat_scale = a["posts_per_chat"] / measured["chat_posts"]  # 1 unless run quick
    per_post = a["posts_a_month"] / measured["week_posts"]
    views = a["members"] * a["page_views_per_member_month"]
    view_scale = views / sum(pages["invocations"].values())

    def month(key: str, web: bool = True) -> float:
        """A measured quantity over the month: idle minutes, sessions, posts, page views."""
        total = _per(idle, key) / measured["idle_ticks"] * idle_minutes
        total += _per(chat, key) * sessions * chat_scale
        total += (_per(publish, key) - _per(idle, key) / measured["idle_ticks"]) * per_post
        if web:
            total += _per(schedule, key) * per_post + _per(pages, key) * view_scale
        return float(max(total, 0.0))

    ticks = 2 * a["minutes_a_month"]
    web_requests = a["posts_a_month"] + views
    invocations = ticks + web_requests
    gb_seconds = month("seconds") * a["lambda_memory_gb"]
    read_units, write_units = month("read_units"), month("write_units")
    sends = ("sesv2:SendEmail", "ses:SendEmail", "ses:SendRawEmail")
    # one subscriber in the run: every member subscribed gets the same reminders and digests
    session_emails = sum(chat["calls"].get(s, 0) for s in sends)
    emails = session_emails * sessions * a["members"]
    emails += sum(publish["calls"].get(s, 0) for s in sends) * per_post
    storage = measured["storage_bytes"]
    archive_gb = (
        storage["ARCHIVE_TABLE"] * chat_scale * a["chats_a_week"] * a["archive_retention_days"] / 7
    ) / 1e9
    posts_gb = (
        storage["POSTS_TABLE"]
        / measured["week_posts"]
        * a["posts_a_month"]
        * a["posts_kept_months"]
        / 1e9
    )
    state_gb = storage["STATE_TABLE"] / 1e9
    table_gb = archive_gb + posts_gb + state_gb
    ceiling = a["minutes_a_month"] / 5
    parameters = measured["parameters_read"]
    ssm_reads = sum(
        len(names) * (min(ceiling, web_requests) if function == "WebFunction" else ceiling)
        for function, names in parameters.items()
    )
    log_gb = (
        month("log_bytes")
        + invocations * a["platform_log_bytes_per_invocation"]
        + web_requests * a["api_access_log_bytes_per_request"]
    ) / 1e9
    resources = load_template(template)["Resources"]
    kinds = [r["Type"] for r in resources.values()]
    alarms, budgets = kinds.count("AWS::CloudWatch::Alarm"), kinds.count("AWS::Budgets::Budget")
    kms_keys = kinds.count("AWS::KMS::Key")
    advanced = sum(
        1
        for r in resources.values()
        if r["Type"] == "AWS::SSM::Parameter" and r.get("Properties", {}).get("Tier") == "Advanced"
    )
    metrics = measured["metric_names"]
    # One row a line of the bill: its name, the month's quantity, the unit price and the free tier
    # that lasts (keys into bench/prices.json; None: no free tier), how many units that price is
    # for, and how the quantity was reached.
    rows: list[tuple[str, float, str, str | None, float, str]] = [
        ("Lambda requests", invocations,
         "lambda.per_million_requests", "lambda.free.requests", 1e6,
         f"{ticks:,} ticks (2 schedules × {a['minutes_a_month']:,} min) + {web_requests:,.0f} web "
         "requests; $0.20 per million"),
        ("Lambda duration (GB-s, arm64)", gb_seconds,
         "lambda.arm64_per_gb_second", "lambda.free.gb_seconds", 1,
         f"measured seconds scaled × {a['lambda_memory_gb']} GB"),
        ("EventBridge Scheduler invocations", ticks,
         "scheduler.per_million_invocations", "scheduler.free.invocations", 1e6,
         "2 schedules × every minute"),
        ("DynamoDB read units", read_units,
         "dynamodb.per_million_read_units", None, 1e6,
         "metered per call, from item sizes"),
        ("DynamoDB write units", write_units,
         "dynamodb.per_million_write_units", None, 1e6,
         "metered per call, from item sizes"),
        ("DynamoDB storage (GB-month)", table_gb,
         "dynamodb.storage_per_gb_month", "dynamodb.free.storage_gb", 1,
         f"archive {archive_gb * 1e3:.1f} MB ({a['archive_retention_days']} days of sessions) + "
         f"posts {posts_gb * 1e3:.1f} MB ({a['posts_kept_months']} months) + state"),
        ("DynamoDB point-in-time recovery (GB-month)", table_gb,
         "dynamodb.pitr_per_gb_month", None, 1,
         "the tables' size"),
        ("SES emails", emails,
         "ses.per_thousand_emails", None, 1000,
         f"{session_emails} a session for one subscriber × {sessions:.1f} sessions × "
         f"{a['members']} members"),
        ("SSM GetParameter (standard)", ssm_reads,
         "ssm.standard_throughput_per_10k_calls", None, 1e4,
         "ceiling: each function re-reads each SecureString it uses every 5 min"),
        ("KMS Decrypt behind SecureStrings (aws/ssm)", ssm_reads,
         "kms.per_10k_requests", "kms.free.requests", 1e4,
         "one per SecureString read"),
        ("KMS customer managed keys", kms_keys,
         "kms.customer_managed_key_month", None, 1,
         "AWS::KMS::Key in template.yaml"),
        ("SSM advanced parameters", advanced,
         "ssm.advanced_parameter_month", None, 1,
         "Tier: Advanced in template.yaml"),
        ("CloudWatch Logs ingested (GB)", log_gb,
         "cloudwatch.logs_ingested_per_gb", "cloudwatch.free.logs_ingested_gb", 1,
         "measured function output + platform lines + API access log"),
        ("CloudWatch Logs stored (GB-month)", log_gb,
         "cloudwatch.logs_stored_per_gb_month", "cloudwatch.free.logs_stored_gb", 1,
         "30 days kept: about one month"),
        ("CloudWatch custom metrics", len(metrics),
         "cloudwatch.custom_metric_month", "cloudwatch.free.custom_metrics", 1,
         ", ".join(metrics) or "none seen"),
        ("CloudWatch alarms (fixed)", alarms,
         "cloudwatch.standard_alarm_month", "cloudwatch.free.alarms", 1,
         "AWS::CloudWatch::Alarm in template.yaml"),
        ("AWS Budgets (fixed)", budgets,
         "budgets.budget_month", "budgets.free.budgets", 1,
         "AWS::Budgets::Budget in template.yaml"),
        ("SQS dead-letter queues", 0,
         "sqs.per_million_requests", None, 1e6,
         "no requests while nothing fails"),
        ("API Gateway HTTP API requests", web_requests,
         "api_gateway_http.per_million_requests", None, 1e6,
         "one per web request"),
        ("SNS alarm emails", 0,
         "sns.per_100k_email_deliveries", None, 1e5,
         "none while nothing alarms"),
    ]  # fmt: skip
    lines: list[dict[str, Any]] = []
    for name, quantity, price_key, free_key, per, arithmetic in rows:
        unit_price = _price(prices, price_key)
        free = _price(prices, free_key) if free_key else 0
        lines.append(
            {
                "line": name,
                "quantity": round(quantity, 3),
                "arithmetic": arithmetic,
                "list": round(quantity * unit_price / per, 4),
                "billed": round(max(quantity - free, 0) * unit_price / per, 4),
            }
        )
    x = prices["x"]
    with_link = a["posts_a_month"] * a["share_with_link"]
    read_per_session = measured["x_posts_read_billed"] * chat_scale
    user_reads = measured["x_requests"].get("GET /2/users/me", 0) * a["weeks_a_month"]
    # X's lines: what is counted, how many, the same as text, and its price's key under "x"
    x_rows: list[tuple[str, float, str, str]] = [
        ("posts without a link", a["posts_a_month"] - with_link,
         f"{a['posts_a_month'] - with_link:.0f}", "post"),
        ("posts with a link", with_link, f"{with_link:.0f}", "post_with_link"),
        ("chat posts read", sessions * read_per_session,
         f"{sessions:.1f} sessions × {read_per_session:.0f} posts", "post_read"),
        ("the account's own user lookups", user_reads, f"{user_reads:.0f}", "user_read"),
    ]  # fmt: skip
    x_lines = [
        {
            "line": name,
            "arithmetic": f"{count_text} × ${x[key]}",
            "usd": round(count * x[key], 2),
        }
        for name, count, count_text, key in x_rows
    ]
    return {
        "sessions_a_month": round(sessions, 1),
        "aws_lines": lines,
        "aws_total_list": round(sum(line["list"] for line in lines), 2),
        "aws_total_billed": round(sum(line["billed"] for line in lines), 2),
        "x_lines": x_lines,
        "x_total": round(sum(line["usd"] for line in x_lines), 2),
        "scaled": {
            "idle_minutes": round(idle_minutes),
            "web_requests": web_requests,
            "invocations": invocations,
            "gb_seconds": round(gb_seconds, 1),
            "ssm_reads_ceiling": math.ceil(ssm_reads),
        },
    }
