"""Many chats at once, from a pasted CSV or a public chat calendar (iCalendar): each row read into
the chat form's fields, or its problem named ("row 4: unknown time zone 'EST5'").

Key decisions:
- A row becomes the same fields the admin's chat form sends (name, hashtag, networks, weekday,
  start_time, zone, duration_minutes, every_weeks, first_date), so the service validates every
  imported chat exactly as the form's (domain/chat_form.py); this module only reads and names
  what it cannot read. Nothing here raises on a bad row: a row's problem is data. The only
  exceptions are `ImportRefused` for the whole paste (too many rows, nothing to read, a file that
  is no calendar).
- CSV columns are name, hashtag, network, weekday, time, zone, in that order, or in any order
  under a header row naming them; a header may add duration, every_weeks and first_date (the
  preview carries an iCalendar's rows to the confirm step in this form, so confirm re-reads
  and re-validates exactly what was shown, never the client's idea of it).
- An iCalendar event is a chat when it repeats weekly on one day (RRULE FREQ=WEEKLY, at most one
  BYDAY) at a time in a named zone (DTSTART with an IANA TZID, or UTC). Anything else (one-off,
  daily, monthly, all-day, floating time, several days a week, ended, cancelled) is a row that
  cannot be imported, named as such. Overrides of one session (RECURRENCE-ID) are not chats and
  are passed over. The hashtag is the first one in the summary, description or location; the
  network is read from the event's words and links (Twitter/X, Bluesky, Mastodon), or is the
  one the admin chose for events that name none.
- icalendar loads only when an iCalendar is read (about 60 ms), as in calendar_feed.py.
"""

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from chatdeck.domain.chats import NETWORKS, WEEKDAYS
from chatdeck.domain.errors import Refused
from chatdeck.domain.schedule import known_zones, zone_named

MAX_ROWS = 100
MAX_CALENDAR_BYTES = 512 * 1024  # a fetched calendar; a pasted CSV is bounded by the form's size
MAX_CELL = 2000  # csv's field limit: a longer cell is a row problem, not a crash
COLUMNS = ("name", "hashtag", "network", "weekday", "time", "zone")
OPTIONAL_COLUMNS = ("duration", "every_weeks", "first_date")
HEADER_ALIASES = {"start": "time", "start_time": "time", "networks": "network", "day": "weekday"}
NETWORK_ALIASES = {"twitter": "x", "bsky": "bluesky", "fediverse": "mastodon"}
NETWORK_SEPARATORS = re.compile(r"[\s,;/+&]+")
HASHTAG = re.compile(r"#\w+")
TIME = re.compile(
    r"(?P<hour>\d{1,2})(?:[:.h](?P<minute>\d{2}))?\s*(?P<half>[ap])?\.?\s*(?:m\.?)?", re.I
)
DEFAULT_DURATION = "60"
NETWORK_WORDS = {  # in an event's text or links: which network it runs on
    "x": re.compile(r"\btwitter\b|\b(?:twitter|x)\.com\b|\bon x\b|\btweet", re.I),
    "bluesky": re.compile(r"\bbluesky\b|\bbsky\.(?:app|social)\b", re.I),
    "mastodon": re.compile(r"\bmastodon\b|\bfediverse\b|\bfedi\b", re.I),
}
BYDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class ImportRefused(Refused):
    """The whole paste or calendar cannot be imported; `message` says why and what to do."""

    status = 422


class CalendarUnavailable(ImportRefused):
    """The calendar's address could not be fetched (refused, failed, too slow or too large)."""


@dataclass(frozen=True)
class ImportRow:
    """One row of the paste: the chat form's fields, or why the row cannot be imported."""

    label: str  # "row 4", or "event 2 (“EdTech Chat”)"
    fields: dict[str, str] = field(default_factory=dict)
    problem: str | None = None


def rows_from_csv(text: str, today: date) -> list[ImportRow]:
    """Every non-blank row of the CSV, read; a header row is optional."""
    rows: list[ImportRow] = []
    columns: tuple[str, ...] = COLUMNS
    reader = csv.reader(io.StringIO(text.replace("\x00", "")), strict=False)
    first = True
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as unreadable:
            rows.append(ImportRow(f"row {reader.line_num}", problem=f"not CSV ({unreadable})"))
            break
        cells = [cell.strip() for cell in cells]
        if not any(cells):
            continue
        header = _header(cells) if first else None
        first = False
        if header:
            columns = header
            continue
        rows.append(_csv_row(f"row {reader.line_num}", cells, columns, today))
        if len(rows) > MAX_ROWS:
            raise ImportRefused(f"At most {MAX_ROWS} chats can be imported at once.")
    if not rows:
        raise ImportRefused("There is nothing to import: paste one chat a line.")
    return rows


def _header(cells: list[str]) -> tuple[str, ...] | None:
    """The columns a header row names, if the row is one (it names a name and a hashtag)."""
    names = tuple(HEADER_ALIASES.get(n, n) for n in (c.lower().replace(" ", "_") for c in cells))
    if "name" in names and "hashtag" in names:
        return names
    return None


def _csv_row(label: str, cells: list[str], columns: tuple[str, ...], today: date) -> ImportRow:
    if len(cells) > len(columns):
        return ImportRow(
            label,
            problem=f"{len(cells)} columns; expected {len(columns)}: {', '.join(columns)}",
        )
    values = dict(zip(columns, cells, strict=False))
    if any(len(v) > MAX_CELL for v in values.values()):
        return ImportRow(label, problem=f"a cell is longer than {MAX_CELL} characters")
    return row_from_values(label, values, today)


def row_from_values(label: str, values: dict[str, str], today: date) -> ImportRow:
    """A row from its named cells (COLUMNS and OPTIONAL_COLUMNS), or its first problem."""
    for column in COLUMNS:
        if not values.get(column, "").strip():
            return ImportRow(label, problem=f"{column} missing")
    try:
        networks = _networks(values["network"])
        weekday = _weekday(values["weekday"])
        start = _time(values["time"])
        zone = _zone(values["zone"])
        first_date = _first_date(values.get("first_date", ""), weekday, today)
    except ValueError as problem:
        return ImportRow(label, problem=str(problem))
    hashtag = values["hashtag"].strip()
    fields = {
        "name": " ".join(values["name"].split()),
        "hashtag": hashtag if hashtag.startswith("#") else f"#{hashtag}",
        "networks": ",".join(networks),
        "weekday": str(weekday),
        "start_time": start,
        "zone": zone,
        "duration_minutes": values.get("duration", "").strip() or DEFAULT_DURATION,
        "every_weeks": values.get("every_weeks", "").strip() or "1",
        "first_date": first_date.isoformat(),
    }
    return ImportRow(label, fields)


def _networks(text: str) -> list[str]:
    found: list[str] = []
    for word in filter(None, NETWORK_SEPARATORS.split(text.strip().lower())):
        network = NETWORK_ALIASES.get(word, word)
        if network not in NETWORKS:
            raise ValueError(f"unknown network '{word}' (use x, bluesky or mastodon)")
        found.append(network)
    return list(dict.fromkeys(found))


def _weekday(text: str) -> int:
    word = text.strip().lower().rstrip(".")
    for number, name in enumerate(WEEKDAYS):
        if word == name[:2] or (len(word) >= 3 and name.startswith(word)):
            return number
    raise ValueError(f"unknown weekday '{text.strip()}' (write Monday or Mon)")


def _time(text: str) -> str:
    found = TIME.fullmatch(text.strip())
    hour = int(found["hour"]) if found else -1
    minute = int(found["minute"] or 0) if found else -1
    if found and found["half"]:
        hour = (
            -1 if not 1 <= hour <= 12 else hour % 12 + (12 if found["half"].lower() == "p" else 0)
        )
    elif found and found["minute"] is None:
        hour = -1  # "8" alone: morning or evening?
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ValueError(f"unreadable time '{text.strip()}' (write 20:00 or 8pm)")
    return f"{hour:02d}:{minute:02d}"


def _zone(text: str) -> str:
    zone = text.strip()
    if zone.upper() in ("UTC", "GMT", "Z"):
        return "UTC"
    if zone not in known_zones():
        raise ValueError(f"unknown time zone '{zone}' (use a name such as America/New_York)")
    return zone


def _first_date(text: str, weekday: int, today: date) -> date:
    if text.strip():
        try:
            given = date.fromisoformat(text.strip())
        except ValueError:
            raise ValueError(f"unreadable first date '{text.strip()}'") from None
        if given.weekday() != weekday:
            raise ValueError(f"the first date {given} is not a {WEEKDAYS[weekday].capitalize()}")
        return given
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def as_csv(rows: Iterable[ImportRow]) -> str:
    """The rows that have no problem, as a CSV with a header this module reads back unchanged:
    what the preview hands to the confirm step."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*COLUMNS, *OPTIONAL_COLUMNS])
    for row in rows:
        if row.problem is None:
            f = row.fields
            writer.writerow(
                [
                    f["name"],
                    f["hashtag"],
                    f["networks"],
                    WEEKDAYS[int(f["weekday"])],
                    f["start_time"],
                    f["zone"],
                    f["duration_minutes"],
                    f["every_weeks"],
                    f["first_date"],
                ]
            )
    return out.getvalue()


# iCalendar


def rows_from_ical(data: bytes, today: date, default_network: str = "") -> list[ImportRow]:
    """Every event of the calendar, read as a weekly chat or named as one that cannot be."""
    from icalendar import Calendar  # loads only when a calendar is imported

    try:
        calendar = Calendar.from_ical(data)
        events = [e for e in calendar.walk("VEVENT") if "RECURRENCE-ID" not in e]
    except Exception:  # icalendar raises many kinds on bytes that are no calendar
        raise ImportRefused(
            "That address did not give an iCalendar (.ics) file: check it is the calendar's "
            "public iCal address."
        ) from None
    if not events:
        raise ImportRefused("That calendar has no events to import.")
    if len(events) > MAX_ROWS:
        raise ImportRefused(f"At most {MAX_ROWS} chats can be imported at once.")
    return [
        _event_row(number, event, today, default_network, _calendar_zone(calendar))
        for number, event in enumerate(events, start=1)
    ]


def _calendar_zone(calendar: Any) -> str:
    """The calendar's own zone (X-WR-TIMEZONE, as Google and Apple export), if a known one."""
    zone = str(calendar.get("X-WR-TIMEZONE", "")).strip()
    return zone if zone in known_zones() else ""


def _event_row(
    number: int, event: Any, today: date, default_network: str, calendar_zone: str
) -> ImportRow:
    name = " ".join(str(event.get("SUMMARY", "")).split())
    label = f"event {number}" + (f" (“{name[:60]}”)" if name else "")
    try:
        values = _event_values(event, today, default_network, calendar_zone)
    except ValueError as problem:
        return ImportRow(label, problem=str(problem))
    except Exception:  # a malformed property icalendar cannot decode
        return ImportRow(label, problem="cannot be read (a date or rule is malformed)")
    return row_from_values(label, {"name": name, **values}, today)


def _event_values(
    event: Any, today: date, default_network: str, calendar_zone: str
) -> dict[str, str]:
    if str(event.get("STATUS", "")).upper() == "CANCELLED":
        raise ValueError("is cancelled")
    rule = event.get("RRULE")
    if rule is None:
        raise ValueError("does not repeat weekly, so it cannot be imported")
    frequency = str((rule.get("FREQ") or [""])[0]).upper()
    if frequency != "WEEKLY":
        raise ValueError(f"repeats {frequency.lower() or 'irregularly'}, not weekly")
    days = [str(d).upper() for d in rule.get("BYDAY", [])]
    if len(days) > 1 or (days and days[0] not in BYDAYS):
        raise ValueError(f"meets on {', '.join(days)}: import one chat per day instead")
    start = event.decoded("DTSTART")
    if not isinstance(start, datetime):
        raise ValueError("is an all-day event, with no time")
    zone = _event_zone(event, start)
    weekday = BYDAYS.index(days[0]) if days else start.weekday()
    if zone == "UTC" and calendar_zone:
        # A start in UTC in a calendar with its own zone (Google exports some so): the chat keeps
        # the calendar's wall clock across DST, as its organisers do; BYDAY moves with the date.
        local = start.astimezone(zone_named(calendar_zone))
        weekday = (weekday + (local.date() - start.date()).days) % 7
        start, zone = local, calendar_zone
    until = (rule.get("UNTIL") or [None])[0]
    if until is not None:
        last = until.astimezone(UTC).date() if isinstance(until, datetime) else until
        if last < today:
            raise ValueError(f"ended on {last}")
    first = start.date() + timedelta(days=(weekday - start.weekday()) % 7)
    values = {
        "hashtag": _first_hashtag(event),
        "network": _event_network(event) or default_network,
        "weekday": WEEKDAYS[weekday],
        "time": f"{start:%H:%M}",
        "zone": zone,
        "every_weeks": str((rule.get("INTERVAL") or [1])[0]),
        "first_date": first.isoformat(),
    }
    minutes = _minutes(event, start)
    if minutes is not None:
        values["duration"] = str(minutes)
    return values


def _event_zone(event: Any, start: datetime) -> str:
    tzid = str(event["DTSTART"].params.get("TZID", "")).strip()
    if tzid in known_zones():
        return tzid
    if start.tzinfo is None and not tzid:
        raise ValueError("has a time but no time zone")
    key = str(getattr(start.tzinfo, "key", "") or "")  # a Windows name icalendar mapped
    if key in known_zones():
        return key
    if start.utcoffset() == timedelta(0) and not tzid:
        return "UTC"
    raise ValueError(f"unknown time zone '{tzid or start.tzinfo}'")


def _minutes(event: Any, start: datetime) -> int | None:
    if "DTEND" in event:
        end = event.decoded("DTEND")
        return int((end - start).total_seconds() // 60) if isinstance(end, datetime) else None
    if "DURATION" in event:
        return int(event.decoded("DURATION").total_seconds() // 60)
    return None


def _texts(event: Any) -> Iterator[str]:
    for name in ("SUMMARY", "DESCRIPTION", "LOCATION", "URL"):
        if name in event:
            yield str(event[name])
    categories = event.get("CATEGORIES")
    for group in categories if isinstance(categories, list) else [categories] if categories else []:
        yield " ".join(str(c) for c in getattr(group, "cats", []))


def _first_hashtag(event: Any) -> str:
    for text in _texts(event):
        found = HASHTAG.search(text)
        if found:
            return found.group()
    return ""


def _event_network(event: Any) -> str:
    text = " ".join(_texts(event))
    return " ".join(n for n, words in NETWORK_WORDS.items() if words.search(text))
