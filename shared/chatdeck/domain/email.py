"""An email as Chatdeck sends it: rendered, addressed, with any extra headers."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Email:
    to: list[str]
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)
