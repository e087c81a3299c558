"""The weekly ed-chats a cohort follows, and when each one happens.

A chat keeps its wall-clock start in its own zone all year: `#edtechchat` at 20:00 New York is
01:00 UTC in winter and 00:00 UTC in summer. A start time that a spring-forward gap skips moves
to the first valid time after it (02:30 on the gap day starts at 03:00); a start time that a
fall-back overlap passes twice takes the first (earlier) of its two offsets, as RFC 5545 does.

A chat runs on one or more networks (`networks`: X, Bluesky, Mastodon, kept in that order) for
its hashtags; one session of it spans them all. A chat stored with a single `network` reads as a
chat on that network. Moderators' and the chat account's handles may be of any of its networks.
"""

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import takewhile
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from chatdeck.domain.errors import NotFound
from chatdeck.domain.posts import EMAIL
from chatdeck.domain.schedule import (
    AmbiguousLocalTime,
    IanaZone,
    NonexistentLocalTime,
    resolve_local_time,
    to_iso_utc,
    zone_named,
)

Network = Literal["x", "bluesky", "mastodon"]
NETWORKS: tuple[Network, ...] = ("x", "bluesky", "mastodon")
NETWORK_NAMES: dict[str, str] = {"x": "X", "bluesky": "Bluesky", "mastodon": "Mastodon"}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
BEFORE_START = timedelta(minutes=15)
AFTER_END = timedelta(minutes=30)
MAX_QUESTIONS = 20
MAX_QUESTION_LENGTH = 500

CHAT_ID = r"^[A-Za-z0-9_-]{1,64}$"
WORD = re.compile(r"\w+")
HANDLES: dict[str, tuple[re.Pattern[str], str]] = {
    "x": (
        re.compile(r"[a-z0-9_]{1,15}"),
        "X handles are 1–15 letters, digits or _, as in @edtechchat.",
    ),
    "bluesky": (
        re.compile(r"(?=.{3,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}"),
        "Bluesky handles are domain names, as in edtechchat.bsky.social.",
    ),
    "mastodon": (
        re.compile(
            r"[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?@([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}"
        ),
        "Mastodon handles include the server, as in edtechchat@mastodon.social.",
    ),
}
ANY_HANDLE = (re.compile(r"[^\s@]+(@[^\s@]+)?"), "")  # while the network itself is wrong


class UnknownChat(NotFound):
    def __init__(self, chat_id: str) -> None:
        super().__init__("No such chat.")
        self.chat_id = chat_id


class Recurrence(BaseModel):
    """Every `every_weeks` weeks on `weekday` (0 = Monday), counted from `first_date`."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    weekday: int = Field(ge=0, le=6)
    start: time
    zone: IanaZone
    duration_minutes: int = Field(ge=15, le=240)
    every_weeks: int = Field(default=1, ge=1, le=8)
    first_date: date

    @field_validator("weekday", mode="before")
    @classmethod
    def weekday_by_number_or_name(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip().lower()
            for number, name in enumerate(WEEKDAYS):
                if text in (name, name[:3]):
                    return number
        return value

    @field_validator("start", mode="before")
    @classmethod
    def hours_and_minutes(cls, value: Any) -> Any:
        if isinstance(value, str):
            found = re.fullmatch(r"\s*(\d{1,2}):(\d{2})(?::00)?\s*", value)
            if not found or int(found[1]) > 23 or int(found[2]) > 59:
                raise ValueError("Enter a time such as 20:00.")
            return time(int(found[1]), int(found[2]))
        return value

    @field_validator("start")
    @classmethod
    def whole_minute_without_zone(cls, value: time) -> time:
        if value.second or value.microsecond or value.tzinfo is not None:
            raise ValueError("Enter a time such as 20:00; the zone goes in its own field.")
        return value

    @model_validator(mode="after")
    def first_date_on_weekday(self) -> "Recurrence":
        if self.first_date.weekday() != self.weekday:
            raise ValueError(
                f"The first date, {self.first_date:%a %d %b %Y}, is not a "
                f"{WEEKDAYS[self.weekday].capitalize()}."
            )
        return self

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    def falls_on(self, local_date: date) -> bool:
        """Whether the schedule has this local date (skipped dates included)."""
        days = (local_date - self.first_date).days
        return days >= 0 and days % (7 * self.every_weeks) == 0

    def dates_from(self, local_date: date) -> Iterator[date]:
        """The schedule's local dates on or after `local_date`, without end."""
        step = 7 * self.every_weeks
        periods = max(0, -(-(local_date - self.first_date).days // step))
        day = self.first_date + timedelta(days=periods * step)
        while True:
            yield day
            day += timedelta(days=step)

    def start_utc(self, local_date: date) -> datetime:
        """The UTC start on a local date: gaps move to the first valid time, overlaps take the
        earlier offset."""
        try:
            return resolve_local_time(local_date, self.start, self.zone).utc
        except NonexistentLocalTime as gap:
            return gap.first_valid.astimezone(UTC)
        except AmbiguousLocalTime as overlap:
            first_offset = overlap.offsets[0]
            return resolve_local_time(local_date, self.start, self.zone, first_offset).utc


class Chat(BaseModel):
    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    id: str = Field(pattern=CHAT_ID)
    name: str = Field(min_length=1, max_length=80)
    hashtag: str
    extra_tags: list[str] = Field(default_factory=list, max_length=10)
    networks: list[Network] = Field(min_length=1)
    recurrence: Recurrence
    moderators: list[str] = Field(default_factory=list, max_length=20)
    chat_account: str | None = None
    # organisations' accounts (a publisher, a school board): left out of the digest's voices
    organisations: list[str] = Field(default_factory=list, max_length=20)
    description: str = Field(default="", max_length=2000)
    link: str | None = None
    skipped: list[date] = Field(default_factory=list)
    questions: dict[date, list[str]] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def one_network_as_stored_before(cls, data: Any) -> Any:
        if isinstance(data, dict) and "network" in data:
            rest = {k: v for k, v in data.items() if k != "network"}
            return {"networks": [data["network"]], **rest} if "networks" not in rest else rest
        return data

    @field_validator("hashtag")
    @classmethod
    def one_hashtag(cls, value: str) -> str:
        return normal_hashtag(value)

    @field_validator("extra_tags")
    @classmethod
    def other_hashtags(cls, values: list[str], info: ValidationInfo) -> list[str]:
        main = str(info.data.get("hashtag", "")).lower()
        tags: list[str] = []
        for tag in (normal_hashtag(v) for v in values):
            if tag.lower() != main and tag.lower() not in (t.lower() for t in tags):
                tags.append(tag)
        return tags

    @field_validator("moderators", "organisations")
    @classmethod
    def moderator_handles(cls, values: list[str], info: ValidationInfo) -> list[str]:
        networks = info.data.get("networks")
        return list(dict.fromkeys(normal_handle(v, networks) for v in values if v.strip("@ ")))

    @field_validator("chat_account", mode="before")
    @classmethod
    def blank_account_is_none(cls, value: Any) -> Any:
        return value if not isinstance(value, str) or value.strip("@ ") else None

    @field_validator("chat_account")
    @classmethod
    def chat_account_handle(cls, value: str | None, info: ValidationInfo) -> str | None:
        return None if value is None else normal_handle(value, info.data.get("networks"))

    @field_validator("link", mode="before")
    @classmethod
    def blank_link_is_none(cls, value: Any) -> Any:
        return value if not isinstance(value, str) or value.strip() else None

    @field_validator("link")
    @classmethod
    def web_link(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if (
            parts.scheme.lower() not in ("http", "https")
            or not parts.hostname
            or len(value) > 500
            or any(c.isspace() for c in value)
        ):
            raise ValueError("Enter a web address that starts with https:// or http://.")
        return value

    @field_validator("skipped")
    @classmethod
    def sorted_dates(cls, values: list[date]) -> list[date]:
        return sorted(set(values))

    @field_validator("questions")
    @classmethod
    def questions_by_date(cls, values: dict[date, list[str]]) -> dict[date, list[str]]:
        cleaned = {day: clean_questions(questions) for day, questions in sorted(values.items())}
        return {day: questions for day, questions in cleaned.items() if questions}

    @field_validator("networks", mode="before")
    @classmethod
    def networks_in_lowercase(cls, value: Any) -> Any:
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, (list, tuple, set, frozenset)):
            return value
        lowered = [v.strip().lower() if isinstance(v, str) else v for v in values]
        known = [n for n in NETWORKS if n in lowered]  # X, Bluesky, Mastodon, in that order
        return known + [v for v in dict.fromkeys(lowered) if v not in NETWORKS]

    @property
    def network_names(self) -> str:
        """Where the chat runs, for people: "X", "Bluesky and Mastodon", "X, Bluesky and …"."""
        names = [NETWORK_NAMES[n] for n in self.networks]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

    @property
    def summary(self) -> str:
        """The chat's name, with its hashtag unless the name already says it."""
        if self.hashtag.lower() in self.name.lower().split():
            return self.name
        return f"{self.name} {self.hashtag}"


@dataclass(frozen=True)
class Occurrence:
    """One session of a chat: its local date and its UTC start and end."""

    chat_id: str
    local_date: date
    start_utc: datetime
    end_utc: datetime

    @property
    def id(self) -> str:
        return f"{self.chat_id}#{to_iso_utc(self.start_utc)}"

    @property
    def window(self) -> tuple[datetime, datetime]:
        """When the companion watches the hashtag: from 15 minutes before to 30 after."""
        return self.start_utc - BEFORE_START, self.end_utc + AFTER_END


class Subscription(BaseModel):
    """What a member wants to hear about one chat."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    chat_id: str = Field(pattern=CHAT_ID)
    email: str = Field(max_length=254)
    reminders: bool
    digests: bool
    lead_minutes: int = Field(default=30, ge=5, le=24 * 60)

    @field_validator("email")
    @classmethod
    def looks_like_email(cls, value: str) -> str:
        if not EMAIL.match(value):
            raise ValueError("Enter an email address such as name@school.org.")
        return value.lower()


def occurrences(chat: Chat, since: datetime, until: datetime) -> list[Occurrence]:
    """The chat's sessions that start at or after `since` and before `until` (aware instants),
    skipped dates left out, in order."""
    zone = zone_named(chat.recurrence.zone)
    first_day = _aware(since).astimezone(zone).date() - timedelta(days=1)
    last_day = _aware(until).astimezone(zone).date() + timedelta(days=1)
    skipped = set(chat.skipped)
    found = []
    for day in takewhile(lambda d: d <= last_day, chat.recurrence.dates_from(first_day)):
        if day not in skipped:
            occurrence = _occurrence(chat, day)
            if since <= occurrence.start_utc < until:
                found.append(occurrence)
    return found


def next_occurrence(chat: Chat, after: datetime) -> Occurrence:
    """The first session that starts after `after`; there always is one, as a chat never ends."""
    zone = zone_named(chat.recurrence.zone)
    first_day = _aware(after).astimezone(zone).date() - timedelta(days=1)
    skipped = set(chat.skipped)
    sessions = (
        _occurrence(chat, day)
        for day in chat.recurrence.dates_from(first_day)
        if day not in skipped
    )
    return next(session for session in sessions if session.start_utc > after)


def occurrence_on(chat: Chat, local_date: date) -> Occurrence | None:
    """The session on a local date, or None if the chat does not meet that day (or skips it)."""
    if not chat.recurrence.falls_on(local_date) or local_date in chat.skipped:
        return None
    return _occurrence(chat, local_date)


def normal_hashtag(value: str) -> str:
    """`edtechchat` or `#EdTechChat` → `#EdTechChat`; letters, digits and _ only."""
    tag = value.strip().removeprefix("#")
    if not tag:
        raise ValueError("Enter a hashtag such as #edtechchat.")
    if not WORD.fullmatch(tag) or not any(c.isalpha() for c in tag) or len(tag) > 100:
        raise ValueError(
            f"“{value.strip()}” is not a hashtag: use letters, digits and _ only, with at least "
            "one letter, as in #edtechchat."
        )
    return f"#{tag}"


def normal_handle(value: str, networks: str | Sequence[str] | None) -> str:
    """`@EdTechChat` → `edtechchat`, checked against the form of handle of the network, or of any
    of the networks (a chat on X and Bluesky has moderators on both)."""
    handle = value.strip().removeprefix("@").lower()
    names = [networks] if isinstance(networks, str) else list(networks or [])
    forms = [HANDLES[n] for n in names if n in HANDLES] or [ANY_HANDLE]
    if not any(pattern.fullmatch(handle) for pattern, _ in forms):
        advice = " ".join(advice for _, advice in forms)
        raise ValueError(f"“{value.strip()}” is not a handle. {advice}".strip())
    return handle


def clean_questions(questions: Iterable[str]) -> list[str]:
    """A session's questions, blank lines dropped; ValueError says what is wrong."""
    cleaned = [" ".join(q.split()) for q in questions if q.strip()]
    if len(cleaned) > MAX_QUESTIONS:
        raise ValueError(f"A session has at most {MAX_QUESTIONS} questions.")
    for number, question in enumerate(cleaned, start=1):
        if len(question) > MAX_QUESTION_LENGTH:
            raise ValueError(f"Q{number} is over {MAX_QUESTION_LENGTH} characters.")
    return cleaned


def _occurrence(chat: Chat, local_date: date) -> Occurrence:
    start = chat.recurrence.start_utc(local_date)
    return Occurrence(chat.id, local_date, start, start + chat.recurrence.duration)


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{instant} has no time zone; pass an aware UTC instant.")
    return instant


SESSION_START = "%Y%m%dT%H%MZ"  # a session's start in its page's address


def session_path(occurrence: Occurrence) -> str:
    """The address of an occurrence's digest and transcript page."""
    return f"/sessions/{occurrence.chat_id}/{occurrence.start_utc:{SESSION_START}}"
