"""A scheduled post: what a teacher asked for, and where it stands."""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from chatdeck.domain.accounts import is_personal
from chatdeck.domain.limits import LengthRule
from chatdeck.domain.outgoing import Outgoing, Visibility, target_key
from chatdeck.domain.schedule import (
    AmbiguousLocalTime,
    IanaZone,
    NonexistentLocalTime,
    ResolvedTime,
    resolve_local_time,
)
from chatdeck.domain.text import is_blank

PAST_GRACE = timedelta(minutes=1)
MAX_AHEAD = timedelta(days=366)
# Not in an address: controls, and the invisible characters that make one address look like
# another (zero-width joiners and spaces, bidirectional overrides and isolates, BOM).
_NOT_IN_EMAIL = '@\\s<>"\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff'
EMAIL = re.compile(f"^[^{_NOT_IN_EMAIL}]+@[^{_NOT_IN_EMAIL}]+\\.[^{_NOT_IN_EMAIL}.]{{2,}}$")


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
# A post's own status: POSTED when every target is; otherwise the first of these among them.
OVERALL_ORDER = (
    PostStatus.PENDING_APPROVAL,
    PostStatus.PUBLISHING,
    PostStatus.QUEUED,
    PostStatus.UNCONFIRMED,
    PostStatus.FAILED,
    PostStatus.DECLINED,
    PostStatus.CANCELLED,
    PostStatus.POSTED,
)
MAX_TARGETS = 9  # an edit rewrites the post and each target, old and new, in one transaction
NETWORK_NAMES = {"x": "X", "bluesky": "Bluesky", "mastodon": "Mastodon"}


class Target(BaseModel):
    """One account a post goes to, and where it stands there: claimed, sent, reconciled and
    recorded on its own, so a failure on one network never blocks or repeats another."""

    model_config = ConfigDict(frozen=True)

    network: str
    account: str
    status: PostStatus = PostStatus.QUEUED
    reason: str | None = None
    remote_id: str | None = None
    url: str | None = None
    claim_id: str | None = None
    first_claimed_at: datetime | None = None
    attempts: int = 0
    next_action_at: datetime | None = None
    # Its last try may have reached the network and it was not found there (yet): tried again
    # after looking once more, and not edited meanwhile (an edited text would not be found).
    unsettled: bool = False
    # The post's version this target was written at: a claim holds only if the post is still
    # the one the publisher read (an edit moves both on).
    version: int = 0

    @property
    def key(self) -> str:
        return target_key(self.network, self.account)

    @property
    def label(self) -> str:
        """`Bluesky (the cohort's account)`: what emails and pages call it."""
        whose = "your own account" if is_personal(self.account) else "the cohort's account"
        return f"{NETWORK_NAMES.get(self.network, self.network)} ({whose})"


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
    targets: tuple[Target, ...]
    language: str | None = None
    visibility: Visibility = "public"
    # Moves on with every edit, approval or decline: what an admin saw is what they approve.
    version: int = 0

    @property
    def status(self) -> PostStatus:
        """POSTED when every target is; otherwise the first of OVERALL_ORDER among them."""
        present = {t.status for t in self.targets}
        return next(s for s in OVERALL_ORDER if s in present)

    @property
    def reason(self) -> str | None:
        """The reason of the first target in the post's own status that gives one."""
        status = self.status
        return next((t.reason for t in self.targets if t.status is status and t.reason), None)

    @property
    def local_label(self) -> str:
        day, wall = f"{self.local_date:%a %d %b %Y}", f"{self.local_time:%H:%M}"
        return f"{day}, {wall} {self.zone} (UTC{self.utc_offset})"

    @property
    def where(self) -> str:
        """`X (the cohort's account) and Bluesky (your own account)`."""
        labels = [t.label for t in self.targets]
        return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]

    def target(self, key: str) -> Target | None:
        return next((t for t in self.targets if t.key == key), None)

    def only(self, target: Target) -> "Post":
        """The post as it concerns one target: what a failure email names."""
        return self.model_copy(update={"targets": (target,)})

    def with_targets(self, status: PostStatus, **changes: Any) -> "Post":
        """Every target moved to `status` (an approval, a decline, a new submission)."""
        moved = tuple(t.model_copy(update={"status": status, **changes}) for t in self.targets)
        return self.model_copy(update={"targets": moved})

    def outgoing(self, target: Target) -> Outgoing:
        return Outgoing(
            post_id=self.id,
            network=target.network,
            account=target.account,
            text=self.text,
            due_utc=self.due_utc,
            language=self.language,
            visibility=self.visibility,
        )


@dataclass(frozen=True)
class Job:
    """One target of a post, as the publisher handles it."""

    post: Post
    target: Target

    @property
    def outgoing(self) -> Outgoing:
        return self.post.outgoing(self.target)

    @property
    def for_notice(self) -> Post:
        return self.post.only(self.target)


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
    # The try may have reached the network (its answer was lost) and the post was not found
    # there: Target.unsettled until the next try settles it.
    unsettled: bool = False


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
    visibility: Visibility = "public"

    @field_validator("text")
    @classmethod
    def not_blank(cls, value: str) -> str:
        if is_blank(value):
            raise ValueError("Write something to post.")
        return value

    @field_validator("visibility", mode="before")
    @classmethod
    def visible_by_default(cls, value: Any) -> Any:
        return value or "public"

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
    targets: Sequence[tuple[str, str]],
    rules: Sequence[LengthRule],
    needs_approval: bool = False,
    language: str | None = None,
) -> Post:
    """A new post from the submitted form, or FieldErrors naming every wrong field. `targets`
    are the (network, account) pairs chosen; `rules` each chosen network's length rule."""
    draft, resolved = _parse(form, now, rules)
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
        targets=_targets(targets),
        language=language,
        visibility=draft.visibility,
    )
    return _submitted(post, needs_approval)


def edit_post(
    post: Post,
    form: Mapping[str, str],
    now: datetime,
    *,
    targets: Sequence[tuple[str, str]],
    rules: Sequence[LengthRule],
    needs_approval: bool,
) -> Post:
    """The post with the form's text, time and targets; it waits for approval again if needed.
    A target that stays keeps its history (its attempts and first claim time): an edit never
    grants it more tries, nor moves the time its reconciling looks back from."""
    draft, resolved = _parse(form, now, rules)
    edited = post.model_copy(
        update={
            "text": draft.text,
            "local_date": draft.local_date,
            "local_time": draft.local_time,
            "zone": draft.zone,
            "utc_offset": resolved.utc_offset,
            "due_utc": resolved.utc,
            "targets": _targets(targets, kept_from=post.targets),
            "visibility": draft.visibility,
        }
    )
    return _submitted(edited, needs_approval)


def approve_post(post: Post, now: datetime) -> Post:
    """Approved: queued for its time, or at once if that time has passed while it waited."""
    return post.with_targets(PostStatus.QUEUED, reason=None, next_action_at=max(post.due_utc, now))


def decline_post(post: Post, reason: str) -> Post:
    reason = " ".join(reason.split())
    if not reason:
        raise FieldErrors({"reason": "Say why, so the author can do better next time."})
    if len(reason) > 500:
        raise FieldErrors({"reason": "Keep the reason under 500 characters."})
    return post.with_targets(PostStatus.DECLINED, reason=reason, next_action_at=None)


def _targets(
    chosen: Sequence[tuple[str, str]], kept_from: Sequence[Target] = ()
) -> tuple[Target, ...]:
    """Fresh targets for the chosen accounts; one already in `kept_from` keeps its attempts and
    first claim time, and nothing else."""
    unique = list(dict.fromkeys(chosen))
    if not unique:
        raise FieldErrors({"targets": "Choose at least one account to post to."})
    if len(unique) > MAX_TARGETS:
        raise FieldErrors({"targets": f"Choose at most {MAX_TARGETS} accounts."})
    before = {t.key: t for t in kept_from}
    fresh = [Target(network=network, account=account) for network, account in unique]
    return tuple(
        t
        if (old := before.get(t.key)) is None
        else t.model_copy(
            update={"attempts": old.attempts, "first_claimed_at": old.first_claimed_at}
        )
        for t in fresh
    )


def _submitted(post: Post, needs_approval: bool) -> Post:
    if needs_approval:
        return post.with_targets(PostStatus.PENDING_APPROVAL, reason=None, next_action_at=None)
    return post.with_targets(PostStatus.QUEUED, reason=None, next_action_at=post.due_utc)


def _parse(
    form: Mapping[str, str], now: datetime, rules: Sequence[LengthRule]
) -> tuple[PostDraft, ResolvedTime]:
    errors: dict[str, str] = {}
    try:
        draft = PostDraft.model_validate(dict(form))
    except ValidationError as invalid:
        for problem in invalid.errors():
            field = str(problem["loc"][0]) if problem["loc"] else "text"
            errors.setdefault(field, readable_error(problem))
        raise FieldErrors(errors) from None
    too_long = [why for rule in rules if (why := rule.problem(draft.text))]
    if too_long:
        raise FieldErrors({"text": " ".join(too_long)})
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
    "literal_error": "Choose public or unlisted.",
}


def readable_error(problem: Mapping[str, Any]) -> str:
    friendly = FRIENDLY.get(str(problem["type"]))
    if friendly:
        return friendly
    return str(problem["msg"]).removeprefix("Value error, ")
