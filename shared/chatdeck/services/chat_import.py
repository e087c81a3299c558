"""Admins add many chats at once: a pasted CSV, or a public chat calendar's iCal address, read
into a preview (each row as the chat it would make, or its problem), then confirmed.

Key decisions:
- Nothing is saved before confirm. The preview hands the confirm step its importable rows as a
  CSV (domain/chat_import.as_csv) in a hidden field; confirm reads that text again and validates
  every row again, as a paste of its own (an admin could paste the same CSV anyway), so a client
  that alters the field gains nothing the form itself would not allow.
- Every chat goes through the chat form's validation (chat_from_form) and is added with the
  store's conditional write, as the form's chats are; a row the form would refuse is named with
  the form's own sentence.
- A duplicate is a chat with the same hashtag meeting at the same weekly time (weekday, start
  and zone), already followed or earlier in the same paste: skipped, with a note. The same
  hashtag at another time is a problem (a chat's id is its hashtag, domain/chat_form.py).
- The calendar is fetched through the port `fetch` (adapters/calendar_fetch.py: https to public
  addresses only, size and time limits, each redirect checked); a `webcal://` address is read
  as https.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from chatdeck.domain.chat_form import chat_from_form, chat_id_for
from chatdeck.domain.chat_import import (
    ImportRefused,
    ImportRow,
    as_csv,
    rows_from_csv,
    rows_from_ical,
)
from chatdeck.domain.chats import NETWORKS, Chat, occurrences
from chatdeck.domain.members import Member, must_be_admin
from chatdeck.domain.posts import FieldErrors
from chatdeck.ports import ChatStore

MAX_URL_LENGTH = 2000
LOOK_AHEAD = timedelta(weeks=9)  # a chat meets at most every 8 weeks


@dataclass(frozen=True)
class PreviewRow:
    """A row as the chat it would make (`chat`), a duplicate to skip (`duplicate`), or not
    importable (`problem`)."""

    label: str
    chat: Chat | None = None
    next_start: datetime | None = None  # its next session, in the admin's zone
    duplicate: str | None = None
    problem: str | None = None


@dataclass(frozen=True)
class Preview:
    rows: list[PreviewRow]
    carried: str  # the importable rows as CSV, for the confirm step

    @property
    def importable(self) -> list[tuple[str, Chat]]:
        """Each row to add, by its label."""
        return [(r.label, r.chat) for r in self.rows if r.chat is not None and not r.duplicate]


@dataclass(frozen=True)
class ImportResult:
    added: list[Chat] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "row 3: … is already followed"
    problems: list[str] = field(default_factory=list)  # "row 4: …"


class ChatImports:
    def __init__(self, chats: ChatStore, fetch: Callable[[str], bytes]) -> None:
        self.chats = chats
        self.fetch = fetch  # raises CalendarUnavailable with a sentence

    def preview(self, admin: Member, values: Mapping[str, str], now: datetime) -> Preview:
        """What importing the paste or the calendar would add; saves nothing."""
        must_be_admin(admin)
        rows = self._read(values, now)
        return self._check(rows, admin, now)

    def confirm(self, admin: Member, values: Mapping[str, str], now: datetime) -> ImportResult:
        """Add every importable row the preview carried (`rows`), validated again."""
        must_be_admin(admin)
        text = values.get("rows", "")
        if not text.strip():
            raise ImportRefused("There is nothing to import: start again from the import form.")
        preview = self._check(rows_from_csv(text, now.date()), admin, now)
        added, skipped = [], [f"{r.label}: {r.duplicate}" for r in preview.rows if r.duplicate]
        for label, chat in preview.importable:
            if self.chats.add(chat):
                added.append(chat)
            else:  # added meanwhile, by another admin or a second click
                skipped.append(f"{label}: the cohort already follows {chat.hashtag}.")
        problems = [f"{r.label}: {r.problem}" for r in preview.rows if r.problem]
        return ImportResult(added, skipped, problems)

    def _read(self, values: Mapping[str, str], now: datetime) -> list[ImportRow]:
        url, text = values.get("url", "").strip(), values.get("csv", "")
        default_network = values.get("default_network", "").strip().lower()
        if default_network and default_network not in NETWORKS:
            raise ImportRefused("Choose X, Bluesky or Mastodon for events that name no network.")
        if url and text.strip():
            raise ImportRefused("Give a calendar's address or paste a CSV, not both.")
        today = now.date()
        if text.strip():
            return rows_from_csv(text, today)
        if not url:
            raise ImportRefused("Give a calendar's iCal address, or paste a CSV of chats.")
        if len(url) > MAX_URL_LENGTH or any(c.isspace() for c in url):
            raise ImportRefused("That is not a calendar's address: paste it as one line.")
        if url.lower().startswith("webcal://"):
            url = "https://" + url[len("webcal://") :]
        return rows_from_ical(self.fetch(url), today, default_network)

    def _check(self, rows: list[ImportRow], admin: Member, now: datetime) -> Preview:
        existing = {c.id: c for c in self.chats.all()}
        seen: dict[str, str] = {}  # chat id -> the label of the row that first had it
        checked: list[PreviewRow] = []
        for row in rows:
            checked.append(self._row(row, existing, seen, admin, now))
        preview = Preview(checked, "")
        carried = as_csv(ImportRow(label, _fields(chat)) for label, chat in preview.importable)
        return Preview(checked, carried)

    def _row(
        self,
        row: ImportRow,
        existing: dict[str, Chat],
        seen: dict[str, str],
        admin: Member,
        now: datetime,
    ) -> PreviewRow:
        if row.problem is not None:
            return PreviewRow(row.label, problem=row.problem)
        try:
            chat = chat_from_form(row.fields, chat_id=chat_id_for(row.fields["hashtag"]))
        except FieldErrors as invalid:
            return PreviewRow(row.label, problem=" ".join(dict.fromkeys(invalid.errors.values())))
        upcoming = occurrences(chat, now, now + LOOK_AHEAD)
        start = upcoming[0].start_utc.astimezone(ZoneInfo(admin.zone)) if upcoming else None
        if chat.id in seen:
            note = f"the same chat as {seen[chat.id]}, so it is added once."
            return PreviewRow(row.label, chat, start, duplicate=note)
        seen[chat.id] = row.label
        followed = existing.get(chat.id)
        if followed is None:
            return PreviewRow(row.label, chat, start)
        if _same_time(followed, chat):
            note = f"the cohort already follows {followed.hashtag} at this time; skipped."
            return PreviewRow(row.label, chat, start, duplicate=note)
        return PreviewRow(
            row.label,
            problem=(
                f"the cohort already follows {followed.hashtag} at another time; "
                "change that chat instead."
            ),
        )


def _same_time(one: Chat, other: Chat) -> bool:
    a, b = one.recurrence, other.recurrence
    when = (a.weekday, a.start, a.zone, a.every_weeks)
    return when == (b.weekday, b.start, b.zone, b.every_weeks)


def _fields(chat: Chat) -> dict[str, str]:
    r = chat.recurrence
    return {
        "name": chat.name,
        "hashtag": chat.hashtag,
        "networks": ",".join(chat.networks),
        "weekday": str(r.weekday),
        "start_time": f"{r.start:%H:%M}",
        "zone": r.zone,
        "duration_minutes": str(r.duration_minutes),
        "every_weeks": str(r.every_weeks),
        "first_date": r.first_date.isoformat(),
    }
