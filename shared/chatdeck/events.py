"""The events Chatdeck's functions receive besides HTTP requests: the schedules' input, and the
one direct invocation of the web function."""

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class ScheduledEvent(BaseModel):
    """EventBridge Scheduler's input: {"scheduled_time": "<aws.scheduler.scheduled-time>"}."""

    scheduled_time: AwareDatetime | None = None


class SignInLinkEvent(BaseModel):
    """`aws lambda invoke` of the web function with {"chatdeck": "signin-link", "email": "..."}.

    API Gateway never sends such an event (its events carry `requestContext`, and a request's
    body stays a string under `body`), so only those allowed lambda:InvokeFunction, the people
    who can deploy the stack, can ask."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    chatdeck: Literal["signin-link"]
    email: str = Field(min_length=3, max_length=254)
