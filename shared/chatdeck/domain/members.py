"""The cohort's members: who may sign in, and who may manage the cohort."""

import re
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from chatdeck.domain.errors import NotAllowed
from chatdeck.domain.posts import EMAIL, FieldErrors, readable_error
from chatdeck.domain.schedule import IanaZone

# Line breaks, controls, and the bidirectional overrides and isolates that make a name read
# as another ("Admin \u202enimda").
NOT_IN_NAME = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}")
LANGUAGES = (
    ("en", "English"),
    ("es", "Español"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("pt", "Português"),
    ("it", "Italiano"),
    ("nl", "Nederlands"),
    ("ja", "日本語"),
    ("zh", "中文"),
    ("ko", "한국어"),
    ("ar", "العربية"),
    ("hi", "हिन्दी"),
)


class Role(StrEnum):
    MEMBER = "member"
    ADMIN = "admin"


class Member(BaseModel):
    model_config = ConfigDict(frozen=True, str_strip_whitespace=True, extra="ignore")

    email: str = Field(max_length=254)
    name: str = Field(min_length=1, max_length=100)
    zone: IanaZone = "UTC"
    # The language members write in (BCP 47: `en`, `es`, `pt-BR`): posts to Bluesky and
    # Mastodon carry it, so readers' feeds filter and translate them right.
    language: str = "en"
    role: Role = Role.MEMBER
    joined_at: datetime | None = Field(default=None, exclude=True)  # when (re)added

    @field_validator("email")
    @classmethod
    def looks_like_email(cls, value: str) -> str:
        if not EMAIL.match(value):
            raise ValueError("Enter an email address such as name@school.org.")
        return value.lower()

    @field_validator("language", mode="before")
    @classmethod
    def language_tag(cls, value: object) -> object:
        if value is None or value == "":
            return "en"
        if not isinstance(value, str) or not LANGUAGE_TAG.fullmatch(value.strip()):
            raise ValueError("Choose a language such as en, es or pt-BR.")
        primary, _, rest = value.strip().partition("-")
        return primary.lower() + (f"-{rest}" if rest else "")

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def own_account(self) -> str:
        """The name of this member's personal posting account."""
        return f"member:{self.email}"


def member_from_form(form: Mapping[str, str], **fixed: str) -> Member:
    """A member from a form (invite or profile); FieldErrors names every wrong field. A name
    is one line with no bidirectional overrides (checked here, where names come in, not when a
    stored member is read)."""
    errors: dict[str, str] = {}
    if NOT_IN_NAME.search(str(form.get("name", ""))):
        errors["name"] = "Write the name on one line, as plain text."
    try:
        member = Member.model_validate({**form, **fixed})
    except ValidationError as invalid:
        for problem in invalid.errors():
            field = str(problem["loc"][0]) if problem["loc"] else "email"
            errors.setdefault(field, readable_error(problem))
        raise FieldErrors(errors) from None
    if errors:
        raise FieldErrors(errors)
    return member


def normal_email(value: str) -> str:
    return value.strip().lower()


def must_be_admin(member: Member) -> None:
    if not member.is_admin:
        raise NotAllowed("Only an admin can do that.")
