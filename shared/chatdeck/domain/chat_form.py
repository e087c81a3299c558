"""A chat from the admin's form: its id from the hashtag, and a sentence for every wrong field.

People type lists of tags and handles separated by commas or spaces, so both separate. A chat's
id is its hashtag in URL-safe letters (`#café_chat` -> `caf_chat`), or random letters when the
hashtag has none. The networks are checkboxes named `networks` (sent once per ticked box, which
the form reads as the values joined by commas); a single `network` field is read too.
"""

import re
import secrets
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from chatdeck.domain.chats import Chat
from chatdeck.domain.members import NOT_IN_NAME
from chatdeck.domain.posts import FieldErrors, readable_error

MAX_ID_LENGTH = 64
SEPARATORS = re.compile(r"[\s,]+")


def chat_id_for(hashtag: str) -> str:
    slug = re.sub(r"[^a-z0-9_-]", "", hashtag.lower())[:MAX_ID_LENGTH]
    return slug or secrets.token_hex(4)


FORM_FIELDS = {"start": "start_time"}
FIELD_ADVICE = {
    "name": "Give the chat a name of 1 to 80 characters.",
    "weekday": "Pick a day of the week, such as Monday.",
    "duration_minutes": "A chat lasts from 15 to 240 minutes.",
    "every_weeks": "A chat meets every 1 to 8 weeks.",
    "networks": "Tick the networks the chat runs on: X, Bluesky, Mastodon, or several.",
    "extra_tags": "List at most 10 other hashtags.",
    "moderators": "List at most 20 moderators.",
    "organisations": "List at most 20 organisations' accounts.",
    "description": "Keep the description under 2000 characters.",
}


def chat_from_form(form: Mapping[str, str], chat_id: str) -> Chat:
    """A chat from the admin's form; FieldErrors has a message for every wrong field."""

    def given(name: str) -> str | None:
        value = form.get(name, "")
        return value if value.strip() else None

    def listed(name: str) -> list[str]:
        """Comma- or space-separated, as people type lists of tags and handles."""
        return [part for part in SEPARATORS.split(form.get(name, "")) if part]

    recurrence = {
        "weekday": given("weekday"),
        "start": given("start_time"),
        "zone": given("zone"),
        "duration_minutes": given("duration_minutes"),
        "every_weeks": given("every_weeks"),
        "first_date": given("first_date"),
    }
    fields: dict[str, Any] = {
        "id": chat_id,
        "name": given("name"),
        "hashtag": given("hashtag"),
        "extra_tags": listed("extra_tags"),
        "networks": listed("networks") + listed("network"),
        "recurrence": {k: v for k, v in recurrence.items() if v is not None},
        "moderators": listed("moderators"),
        "chat_account": given("chat_account"),
        "organisations": listed("organisations"),
        "description": form.get("description", ""),
        "link": given("link"),
    }
    fields = {k: v for k, v in fields.items() if v is not None}
    # A name is one line, with no bidirectional overrides (as a member's name).
    errors = {"name": "Write the name on one line, as plain text."}
    errors = errors if NOT_IN_NAME.search(form.get("name", "")) else {}
    try:
        chat = Chat.model_validate(fields)
    except ValidationError as invalid:
        raise FieldErrors({**_form_errors(invalid), **errors}) from None
    if errors:
        raise FieldErrors(errors)
    return chat


def _form_errors(invalid: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for problem in invalid.errors():
        location = [str(part) for part in problem["loc"] if isinstance(part, str)]
        if location[:1] == ["recurrence"]:
            location = location[1:] or ["first_date"]  # the one check across its fields
        field = FORM_FIELDS.get(location[0], location[0]) if location else "name"
        if field == "networks":
            message = FIELD_ADVICE[field]
        elif problem["type"] in ("missing", "value_error"):
            message = readable_error(problem)
        else:
            message = FIELD_ADVICE.get(field) or readable_error(problem)
        errors.setdefault(field, message)
    return errors
