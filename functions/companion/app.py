"""Companion: every minute, chat reminders, hashtag polling, count refreshes and digests."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from chatdeck import deadline
from chatdeck.bootstrap import Services
from chatdeck.events import ScheduledEvent
from chatdeck.observability import logger, metrics

services = Services()


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    deadline.start(context)
    # validated here, not with Powertools' event_parser, whose import builds every AWS event
    # model it knows (~50 ms of each cold start)
    scheduled = ScheduledEvent.model_validate(event)
    now = services.effective_now(scheduled.scheduled_time)
    return services.companion.run(now)
