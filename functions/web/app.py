"""Web: the scheduling form, the queue and cancelling, behind the HTTP API."""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from chatdeck.bootstrap import Services
from chatdeck.observability import logger
from chatdeck.web.app import create_app

services = Services()
app = create_app(services, now=lambda: services.clock.now())


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True
)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
