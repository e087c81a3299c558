"""The cohort's members: who may sign in, and who may manage the cohort."""

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from chatdeck.domain.errors import NotAllowed
from chatdeck.domain.posts import EMAIL, FieldErrors, readable_error
from chatdeck.domain.schedule import IanaZone


class Role(StrEnum):
    MEMBER = "member"
    ADMIN = "admin"


class Member(BaseModel):
    model_config = ConfigDict(frozen=True, str_strip_whitespace=True, extra="ignore")

    email: str = Field(max_length=254)
    name: str = Field(min_length=1, max_length=100)
    zone: IanaZone = "UTC"
    role: Role = Role.MEMBER
    joined_at: datetime | None = Field(default=None, exclude=True)  # when (re)added

    @field_validator("email")
    @classmethod
    def looks_like_email(cls, value: str) -> str:
        if not EMAIL.match(value):
            raise ValueError("Enter an email address such as name@school.org.")
        return value.lower()

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def own_account(self) -> str:
        """The name of this member's personal posting account."""
        return f"member:{self.email}"


def member_from_form(form: Mapping[str, str], **fixed: str) -> Member:
    """A member from a form (invite or profile); FieldErrors names every wrong field."""
    try:
        return Member.model_validate({**form, **fixed})
    except ValidationError as invalid:
        errors: dict[str, str] = {}
        for problem in invalid.errors():
            field = str(problem["loc"][0]) if problem["loc"] else "email"
            errors.setdefault(field, readable_error(problem))
        raise FieldErrors(errors) from None


def normal_email(value: str) -> str:
    return value.strip().lower()


def must_be_admin(member: Member) -> None:
    if not member.is_admin:
        raise NotAllowed("Only an admin can do that.")
