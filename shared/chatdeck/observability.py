"""One Logger and one Metrics for every function (service name and namespace from the env)."""

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger(service="chatdeck")
metrics = Metrics(namespace="Chatdeck", service="chatdeck")


def count(outcome: str, value: int = 1) -> None:
    """One business metric per outcome: posted, failed, unconfirmed, requeued, paused."""
    if value:
        metrics.add_metric(name=outcome, unit=MetricUnit.Count, value=value)
