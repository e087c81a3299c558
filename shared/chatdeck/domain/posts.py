"""A scheduled post: what a teacher asked for, and where it stands."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from chatdeck.domain import text as weighted_text
from chatdeck.domain.schedule import (
    AmbiguousLocalTime,
    IanaZone,
    NonexistentLocalTime,
    ResolvedTime,
    resolve_local_time,
)

PAST_GRACE = timedelta(minutes=1)
MAX_AHEAD = timedelta(days=366)
EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\".]{2,}$")


class PostStatus(StrEnum):
    PENDING_APPROVAL = "PENDING_APPROVAL"
    QUEUED = "QUEUED"
    PUBLISHING = "PUBLISHING"
    POSTED = "POSTED"
    FAILED = "FAILED"
    UNCONFIRMED = "UNCONFIRMED"
    CANCELLED = "CANCELLED"
    DECLINED = "DECLINED"

    @property
    def needs_publisher(self) -> bool:
        return self in (PostStatus.QUEUED, PostStatus.PUBLISHING)


CANCELLABLE = (PostStatus.QUEUED, PostStatus.PENDING_APPROVAL)


class Post(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    text: str
    author_name: str
    author_email: str
    local_date: date
    local_time: time
    zone: str
    utc_offset: str
    due_utc: datetime
    created_at: datetime
    status: PostStatus = PostStatus.QUEUED
    reason: str | None = None
    network: str = "x"
    account: str = "cohort"
    remote_id: str | None = None
    url: str | None = None
    claim_id: str | None = None
    first_claimed_at: datetime | None = None
    attempts: int = 0
    next_action_at: datetime | None = None
    # Moves on with every edit, approval or decline: what an admin saw is what they approve.
    version: int = 0

    @property
    def local_label(self) -> str:
        day, wall = f"{self.local_date:%a %d %b %Y}", f"{self.local_time:%H:%M}"
        return f"{day}, {wall} {self.zone} (UTC{self.utc_offset})"


@dataclass(frozen=True)
class PostChange:
    """The result of a claim, recorded against it. `next_action_at` keeps it on the work index."""

    status: PostStatus
    reason: str | None = None
    remote_id: str | None = None
    url: str | None = None
    next_action_at: datetime | None = None
    # The network certainly created nothing (a rate limit, a paused account): the claim's
    # attempt is given back, so waiting never uses up a post's tries, and a later duplicate
    # refusal is not taken for our own earlier post.
    certainly_unsent: bool = False


@dataclass(frozen=True)
class Page:
    """One page of posts, newest first; `next` is the cursor of the page after it."""

    posts: list[Post]
    next: str | None


class FieldErrors(ValueError):
    """Bad form input: a message per field, plus the offsets to choose from in an overlap."""

    def __init__(self, errors: dict[str, str], offset_choices: tuple[str, ...] = ()) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
        self.offset_choices = offset_choices


class PostDraft(BaseModel):
    """The form as a teacher filled it in; the time is resolved by post_from_form."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    submission_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{8,64}$")
    text: str
    local_date: date
    local_time: time
    zone: IanaZone
    utc_offset: str | None = None

    @field_validator("text")
    @classmethod
    def fits_on_x(cls, value: str) -> str:
        length = weighted_text.weighted_length(value)
        if length > weighted_text.MAX_WEIGHTED_LENGTH:
            raise ValueError(
                f"This is {length} characters as X counts them (links count 23, emoji and "
                f"CJK characters 2); the limit is {weighted_text.MAX_WEIGHTED_LENGTH}."
            )
        if not weighted_text.is_within_limit(value):
            raise ValueError("Write something to post.")
        return value

    @field_validator("utc_offset", mode="before")
    @classmethod
    def blank_offset_is_none(cls, value: Any) -> Any:
        return value or None


def post_from_form(
    form: Mapping[str, str],
    now: datetime,
    *,
    author_name: str,
    author_email: str,
    account: str = "cohort",
    needs_approval: bool = False,
) -> Post:
    """A new post from the submitted form, or FieldErrors naming every wrong field."""
    draft, resolved = _parse(form, now)
    if draft.submission_id is None:
        raise FieldErrors({"text": "This form has expired; reload the page and try again."})
    post = Post(
        id=draft.submission_id,
        text=draft.text,
        author_name=author_name,
        author_email=author_email,
        local_date=draft.local_date,
        local_time=draft.local_time,
        zone=draft.zone,
        utc_offset=resolved.utc_offset,
        due_utc=resolved.utc,
        created_at=now,
        account=account,
    )
    return _submitted(post, now, needs_approval)


def edit_post(
    post: Post, form: Mapping[str, str], now: datetime, *, account: str, needs_approval: bool
) -> Post:
    """The post with the form's text, time and account; it waits for approval again if needed."""
    draft, resolved = _parse(form, now)
    edited = post.model_copy(
        update={
            "text": draft.text,
            "local_date": draft.local_date,
            "local_time": draft.local_time,
            "zone": draft.zone,
            "utc_offset": resolved.utc_offset,
            "due_utc": resolved.utc,
            "account": account,
            "reason": None,
        }
    )
    return _submitted(edited, now, needs_approval)


def approve_post(post: Post, now: datetime) -> Post:
    """Approved: queued for its time, or at once if that time has passed while it waited."""
    return post.model_copy(
        update={
            "status": PostStatus.QUEUED,
            "reason": None,
            "next_action_at": max(post.due_utc, now),
        }
    )


def decline_post(post: Post, reason: str) -> Post:
    reason = " ".join(reason.split())
    if not reason:
        raise FieldErrors({"reason": "Say why, so the author can do better next time."})
    if len(reason) > 500:
        raise FieldErrors({"reason": "Keep the reason under 500 characters."})
    return post.model_copy(
        update={"status": PostStatus.DECLINED, "reason": reason, "next_action_at": None}
    )


def _submitted(post: Post, now: datetime, needs_approval: bool) -> Post:
    if needs_approval:
        return post.model_copy(
            update={"status": PostStatus.PENDING_APPROVAL, "next_action_at": None}
        )
    return post.model_copy(update={"status": PostStatus.QUEUED, "next_action_at": post.due_utc})


def _parse(form: Mapping[str, str], now: datetime) -> tuple[PostDraft, ResolvedTime]:
    errors: dict[str, str] = {}
    try:
        draft = PostDraft.model_validate(dict(form))
    except ValidationError as invalid:
        for problem in invalid.errors():
            field = str(problem["loc"][0]) if problem["loc"] else "text"
            errors.setdefault(field, readable_error(problem))
        raise FieldErrors(errors) from None
    try:
        resolved = resolve_local_time(
            draft.local_date, draft.local_time, draft.zone, draft.utc_offset
        )
    except OverflowError:  # year 1 or 9999 in a zone whose UTC instant falls off the calendar
        raise FieldErrors({"local_date": "Pick a date from today to a year ahead."}) from None
    except NonexistentLocalTime as gap:
        raise FieldErrors({"local_time": str(gap)}) from None
    except AmbiguousLocalTime as overlap:
        raise FieldErrors({"local_time": str(overlap)}, overlap.offsets) from None
    if resolved.utc < now - PAST_GRACE:
        raise FieldErrors({"local_time": "That time has already passed. Pick a time from now on."})
    if resolved.utc > now + MAX_AHEAD:
        raise FieldErrors({"local_date": "Posts can be scheduled at most a year ahead."})
    return draft, resolved


FRIENDLY = {
    "missing": "This is required.",
    "date_from_datetime_parsing": "Enter a date such as 2026-12-01.",
    "date_parsing": "Enter a date such as 2026-12-01.",
    "date_type": "Enter a date such as 2026-12-01.",
    "time_parsing": "Enter a time such as 20:00.",
    "time_type": "Enter a time such as 20:00.",
    "string_too_short": "This is required.",
    "string_pattern_mismatch": "This form has expired; reload the page and try again.",
}


def readable_error(problem: Mapping[str, Any]) -> str:
    friendly = FRIENDLY.get(str(problem["type"]))
    if friendly:
        return friendly
    return str(problem["msg"]).removeprefix("Value error, ")
