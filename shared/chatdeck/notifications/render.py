"""Emails rendered from templates: a one-line subject, a text part and an HTML part.

Jinja is imported with the first email rendered, not with this module: every function imports
it (through the notices), and most invocations send no email (~20 ms of each cold start).
"""

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from chatdeck.domain.email import Email

if TYPE_CHECKING:
    from jinja2 import Environment


@lru_cache(maxsize=1)
def _templates() -> "Environment":
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(
        loader=PackageLoader("chatdeck.notifications", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_email(name: str, to: list[str], **context: Any) -> Email:
    env = _templates()
    # One line, whatever a name held: a line break in a subject would fail the whole email.
    subject = " ".join(env.get_template(f"{name}.subject.txt").render(**context).split())
    return Email(
        to=to,
        subject=subject,
        text=env.get_template(f"{name}.txt").render(**context),
        html=env.get_template(f"{name}.html").render(subject=subject, **context),
    )
