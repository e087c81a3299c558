"""An email as Chatdeck sends it: rendered, addressed, with any extra headers; and one that could
not be sent, as admins see it."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Email:
    to: list[str]
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)


# A notice id starts with its kind (`post-failed#<post>`): what the email was, in words.
NOTICE_KINDS = {
    "signin": "Sign-in link",
    "invitation": "Invitation",
    "post-failed": "A post could not be sent",
    "post-unconfirmed": "A post is unconfirmed",
    "post-declined": "A post was declined",
    "account-disconnected": "An X account was disconnected",
    "account-paused": "An X account is paused",
    "reminder": "Chat reminder",
    "digest": "Chat digest",
}

# What the mailer raised (its class, as the notice log keeps it), in words.
SEND_ERRORS = {
    "MessageRejected": (
        "SES refused the message. While SES is in its sandbox it sends only to verified addresses."
    ),
    "MailFromDomainNotVerifiedException": "SES refused the sender: its domain is not verified.",
    "AccountSuspendedException": "SES has suspended sending for this AWS account.",
    "SendingPausedException": "Sending is paused for this AWS account in SES.",
    "LimitExceededException": "SES's sending limit was reached.",
    "TooManyRequestsException": "SES's sending rate was exceeded.",
    "NotFoundException": "SES does not know the sender identity.",
    "EndpointConnectionError": "SES could not be reached.",
    "ConnectTimeoutError": "SES could not be reached.",
    "ReadTimeoutError": "SES did not answer in time.",
}


# How long a notice's record, and a failed notice's listing, are kept (the StateTable's TTL,
# `expires_at`): both name their recipients. Long enough to keep "at most once" for any retry of
# what sends a notice (an SQS message lives at most 14 days, a scheduler retries for at most 24
# hours, a DLQ redrive is an admin's within days) and for admins to see what failed; short
# enough that a recipient's address does not stay for good.
NOTICE_TTL = timedelta(days=90)


@dataclass(frozen=True)
class FailedNotice:
    """An email that could not be sent: recorded in the notice log, marked FAILED with what the
    mailer raised, and never retried blind."""

    notice_id: str
    to: tuple[str, ...]
    subject: str
    error: str  # the class of what the mailer raised, e.g. MessageRejected
    failed_at: datetime

    @property
    def kind(self) -> str:
        return self.notice_id.split("#", 1)[0]

    @property
    def what(self) -> str:
        """The kind of email, in words."""
        return NOTICE_KINDS.get(self.kind, self.kind)

    @property
    def why(self) -> str:
        """Why it could not be sent, in words."""
        return SEND_ERRORS.get(self.error, f"Sending failed ({self.error or 'unknown error'}).")
