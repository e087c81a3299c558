"""Companion: every minute, chat reminders, hashtag polling, count refreshes and digests."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from chatdeck import deadline
from chatdeck.bootstrap import Services
from chatdeck.events import ScheduledEvent
from chatdeck.observability import logger, metrics

services = Services()


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@event_parser(model=ScheduledEvent)
def handler(event: ScheduledEvent, context: LambdaContext) -> dict[str, Any]:
    deadline.start(context)
    now = services.effective_now(event.scheduled_time)
    return services.companion.run(now)
