"""Web: the HTTP API's pages and forms; and, invoked directly by someone who can deploy the stack,
a sign-in link without email."""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from chatdeck import deadline
from chatdeck.bootstrap import Services
from chatdeck.observability import logger, metrics
from chatdeck.web.app import create_app

services = Services()
app = create_app(services, now=lambda: services.clock.now())

USAGE = 'expected {"chatdeck": "signin-link", "email": "<a member\'s address>"}'


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True
)
@metrics.log_metrics  # emails_failed is counted here too (sign-in links, invitations)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    deadline.start(context)
    if "requestContext" in event:  # every HTTP API event has one; a direct invocation has not
        return app.resolve(event, context)
    return signin_link(event)


def signin_link(event: dict[str, Any]) -> dict[str, str]:
    """{"link": ...} for a member, the same single-use 15-minute link the sign-in page emails;
    {"error": ...} otherwise. The address is never logged."""
    from chatdeck.events import SignInLinkEvent  # only this invocation needs it, not HTTP

    try:
        request = SignInLinkEvent.model_validate(event)
    except ValidationError:
        return {"error": USAGE}
    link = services.membership.signin_link(
        request.email, services.settings.public_url, services.clock.now()
    )
    logger.info("direct sign-in link request", extra={"member": link is not None})
    return {"link": link} if link else {"error": "not a member"}
