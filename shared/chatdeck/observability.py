"""One Logger and one Metrics for every function (service name and namespace from the env)."""

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger(service="chatdeck")
metrics = Metrics(namespace="Chatdeck", service="chatdeck")


# Every custom metric (namespace Chatdeck, one dimension set: service). CloudWatch bills each
# metric by the month, and the free tier holds 10: docs/architecture.md lists them, and a test
# keeps them at most 10. Two have alarms: emails_failed and sessions_unread.
METRICS = (
    # the publisher's outcomes, per tick
    "posted",
    "failed",
    "unconfirmed",
    "requeued",
    "paused",
    # the companion's emails and the archive's reads (what X bills)
    "reminders_sent",
    "digests_sent",
    "archive_reads",
    # failures an admin is told about (alarms)
    "emails_failed",  # an email marked FAILED in the notice log
    "sessions_unread",  # a chat session ended with nothing read: its searches all failed
)


def count(outcome: str, value: int = 1) -> None:
    """One business metric: one of METRICS, never a new name on the fly."""
    if outcome not in METRICS:
        raise ValueError(f"{outcome!r} is not one of the metrics in METRICS")
    if value:
        metrics.add_metric(name=outcome, unit=MetricUnit.Count, value=value)
