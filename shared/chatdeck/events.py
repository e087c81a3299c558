"""The events Chatdeck's scheduled functions receive."""

from pydantic import AwareDatetime, BaseModel


class ScheduledEvent(BaseModel):
    """EventBridge Scheduler's input: {"scheduled_time": "<aws.scheduler.scheduled-time>"}."""

    scheduled_time: AwareDatetime | None = None
