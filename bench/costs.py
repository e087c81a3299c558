"""The month's bill from a simulated week (bench.cost_model): scaling and pricing, line by line.

Every quantity is what an idle minute costs times the minutes of the month outside chat
windows, plus a chat session's times the month's sessions, a post's times the month's posts,
and a page view's times the month's views,
each factor measured in the local stack (the phases of bench.cost_model). Each line keeps its
arithmetic as text, so docs/costs.md shows how it was reached. "list" prices everything with no
free tier; "billed" takes off the free tiers that last (never the 12-month ones).
"""

import math
from pathlib import Path
from typing import Any

from devstack.template import load_template


def _per(phase: dict[str, Any], key: str) -> float:
    value = phase.get(key, 0)
    return float(sum(value.values()) if isinstance(value, dict) else value)


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
    p = prices
    lines: list[dict[str, Any]] = []

    def line(
        name: str,
        quantity: float,
        arithmetic: str,
        unit_price: float,
        free: float = 0,
        per: float = 1,
    ) -> None:
        lines.append(
            {
                "line": name,
                "quantity": round(quantity, 3),
                "arithmetic": arithmetic,
                "list": round(quantity * unit_price / per, 4),
                "billed": round(max(quantity - free, 0) * unit_price / per, 4),
            }
        )

    line(
        "Lambda requests",
        invocations,
        f"{ticks:,} ticks (2 schedules × {a['minutes_a_month']:,} min) + {web_requests:,.0f} web "
        f"requests; $0.20 per million",
        p["lambda"]["per_million_requests"],
        p["lambda"]["free"]["requests"],
        1e6,
    )
    line(
        "Lambda duration (GB-s, arm64)",
        gb_seconds,
        f"measured seconds scaled × {a['lambda_memory_gb']} GB",
        p["lambda"]["arm64_per_gb_second"],
        p["lambda"]["free"]["gb_seconds"],
    )
    line(
        "EventBridge Scheduler invocations",
        ticks,
        "2 schedules × every minute",
        p["scheduler"]["per_million_invocations"],
        p["scheduler"]["free"]["invocations"],
        1e6,
    )
    line(
        "DynamoDB read units",
        read_units,
        "metered per call, from item sizes",
        p["dynamodb"]["per_million_read_units"],
        0,
        1e6,
    )
    line(
        "DynamoDB write units",
        write_units,
        "metered per call, from item sizes",
        p["dynamodb"]["per_million_write_units"],
        0,
        1e6,
    )
    line(
        "DynamoDB storage (GB-month)",
        table_gb,
        f"archive {archive_gb * 1e3:.1f} MB ({a['archive_retention_days']} days of sessions) + "
        f"posts {posts_gb * 1e3:.1f} MB ({a['posts_kept_months']} months) + state",
        p["dynamodb"]["storage_per_gb_month"],
        p["dynamodb"]["free"]["storage_gb"],
    )
    line(
        "DynamoDB point-in-time recovery (GB-month)",
        table_gb,
        "the tables' size",
        p["dynamodb"]["pitr_per_gb_month"],
    )
    line(
        "SES emails",
        emails,
        f"{session_emails} a session for one subscriber × {sessions:.1f} sessions × "
        f"{a['members']} members",
        p["ses"]["per_thousand_emails"],
        0,
        1000,
    )
    line(
        "SSM GetParameter (standard)",
        ssm_reads,
        "ceiling: each function re-reads each SecureString it uses every 5 min",
        0.0,
    )
    line(
        "KMS Decrypt behind SecureStrings (aws/ssm)",
        ssm_reads,
        "one per SecureString read",
        p["kms"]["per_10k_requests"],
        p["kms"]["free"]["requests"],
        1e4,
    )
    line(
        "KMS customer managed keys",
        kms_keys,
        "AWS::KMS::Key in template.yaml",
        p["kms"]["customer_managed_key_month"],
    )
    line(
        "SSM advanced parameters",
        advanced,
        "Tier: Advanced in template.yaml",
        p["ssm"]["advanced_parameter_month"],
    )
    line(
        "CloudWatch Logs ingested (GB)",
        log_gb,
        "measured function output + platform lines + API access log",
        p["cloudwatch"]["logs_ingested_per_gb"],
        p["cloudwatch"]["free"]["logs_ingested_gb"],
    )
    line(
        "CloudWatch Logs stored (GB-month)",
        log_gb,
        "30 days kept: about one month",
        p["cloudwatch"]["logs_stored_per_gb_month"],
        p["cloudwatch"]["free"]["logs_stored_gb"],
    )
    line(
        "CloudWatch custom metrics",
        len(metrics),
        ", ".join(metrics) or "none seen",
        p["cloudwatch"]["custom_metric_month"],
        p["cloudwatch"]["free"]["custom_metrics"],
    )
    line(
        "CloudWatch alarms (fixed)",
        alarms,
        "AWS::CloudWatch::Alarm in template.yaml",
        p["cloudwatch"]["standard_alarm_month"],
        p["cloudwatch"]["free"]["alarms"],
    )
    line(
        "AWS Budgets (fixed)",
        budgets,
        "AWS::Budgets::Budget in template.yaml",
        p["budgets"]["budget_month"],
        p["budgets"]["free"]["budgets"],
    )
    line(
        "SQS dead-letter queues",
        0,
        "no requests while nothing fails",
        p["sqs"]["per_million_requests"],
        0,
        1e6,
    )
    line(
        "API Gateway HTTP API requests",
        web_requests,
        "one per web request",
        p["api_gateway_http"]["per_million_requests"],
        0,
        1e6,
    )
    line(
        "SNS alarm emails",
        0,
        "none while nothing alarms",
        p["sns"]["per_100k_email_deliveries"],
        0,
        1e5,
    )
    x = p["x"]
    with_link = a["posts_a_month"] * a["share_with_link"]
    read_per_session = measured["x_posts_read_billed"] * chat_scale
    user_reads = measured["x_requests"].get("GET /2/users/me", 0) * a["weeks_a_month"]
    x_lines = [
        {
            "line": "posts without a link",
            "arithmetic": f"{a['posts_a_month'] - with_link:.0f} × ${x['post']}",
            "usd": round((a["posts_a_month"] - with_link) * x["post"], 2),
        },
        {
            "line": "posts with a link",
            "arithmetic": f"{with_link:.0f} × ${x['post_with_link']}",
            "usd": round(with_link * x["post_with_link"], 2),
        },
        {
            "line": "chat posts read",
            "arithmetic": f"{sessions:.1f} sessions × {read_per_session:.0f} posts × "
            f"${x['post_read']}",
            "usd": round(sessions * read_per_session * x["post_read"], 2),
        },
        {
            "line": "the account's own user lookups",
            "arithmetic": f"{user_reads:.0f} × ${x['user_read']}",
            "usd": round(user_reads * x["user_read"], 2),
        },
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
