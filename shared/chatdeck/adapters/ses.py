"""Email through SESv2 as raw MIME, so custom headers and the plain-text part survive."""

from collections.abc import Callable
from email import policy
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from functools import cached_property
from typing import Any

from chatdeck.domain.email import Email

# RFC 5322 allows 998-character lines. Folding at 78 would RFC 2047-encode a long header with
# no spaces in it, such as List-Unsubscribe's signed URL, which mail clients then cannot use.
POLICY = policy.SMTP.clone(max_line_length=998)


def to_mime(email: Email, sender: str) -> EmailMessage:
    message = EmailMessage(policy=POLICY)
    message["From"] = formataddr(("Chatdeck", sender))
    message["To"] = ", ".join(email.to)
    message["Subject"] = email.subject
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    for name, value in email.headers.items():
        message[name] = value
    # Quoted-printable keeps every line 7-bit and short, whatever the text (emoji, dashes).
    message.set_content(email.text, cte="quoted-printable")
    message.add_alternative(email.html, subtype="html", cte="quoted-printable")
    return message


class SesMailer:
    """`client` is a boto3 sesv2 client, or a function making one when the first email goes out
    (most web requests that build the notices send none, and a client costs ~20 ms to make)."""

    def __init__(
        self, client: Any | Callable[[], Any], sender: str, configuration_set: str = ""
    ) -> None:
        self._client = client
        self.sender = sender
        # The stack's configuration set records bounces and complaints (reputation metrics).
        self.configuration_set = configuration_set

    @cached_property
    def client(self) -> Any:
        return self._client() if callable(self._client) else self._client

    def send(self, email: Email) -> str:
        extra = {"ConfigurationSetName": self.configuration_set} if self.configuration_set else {}
        answer = self.client.send_email(
            FromEmailAddress=self.sender,
            Destination={"ToAddresses": email.to},
            Content={"Raw": {"Data": to_mime(email, self.sender).as_bytes()}},
            **extra,
        )
        return str(answer["MessageId"])
