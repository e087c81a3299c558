"""The cohort's chats as an iCalendar (RFC 5545) feed that calendar apps subscribe to.

One recurring VEVENT per chat, in the chat's own zone (with its VTIMEZONE), so a calendar app
keeps 20:00 New York at 20:00 across DST as Chatdeck does. icalendar costs about 60 ms to import:
import this module inside the route that serves the feed, not at the top of the web app.
"""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from icalendar import Calendar, Event, Timezone, vDuration

from chatdeck.domain.chats import WEEKDAYS, Chat
from chatdeck.domain.schedule import zone_named

PRODID = "-//Chatdeck//Ed-chat calendar//EN"
REFRESH_EVERY = timedelta(hours=6)  # how often subscribed apps should fetch the feed again
ZONE_YEARS_AHEAD = 10  # the VTIMEZONE's observances, from each feed's year; apps poll it anew


def feed(
    chats: list[Chat],
    calendar_name: str,
    skipped_note: bool = True,
    *,
    stamp: datetime | None = None,
) -> bytes:
    """The chats as one calendar: a VTIMEZONE for each zone used, a recurring VEVENT per chat.

    `skipped_note` adds the upcoming skipped dates to each description, for apps that show an
    excluded date as nothing at all. `stamp` is the DTSTAMP (default: now).
    """
    stamp = (stamp or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", calendar_name)
    calendar.add("refresh-interval", REFRESH_EVERY, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH_EVERY))  # the older, unofficial spelling
    last_day = date(stamp.year + ZONE_YEARS_AHEAD, 1, 1)
    for zone, first_day in sorted(_zones_from(chats).items()):
        calendar.add_component(_vtimezone(zone, first_day, last_day))
    for chat in chats:
        calendar.add_component(_event(chat, stamp, last_day, skipped_note))
    return bytes(calendar.to_ical())


def _zones_from(chats: list[Chat]) -> dict[str, date]:
    """Each zone in use, with 1 January of the year its earliest chat began."""
    zones: dict[str, date] = {}
    for chat in chats:
        began = date(chat.recurrence.first_date.year, 1, 1)
        zones[chat.recurrence.zone] = min(began, zones.get(chat.recurrence.zone, began))
    return zones


@lru_cache(maxsize=32)  # never changed once made: calendars only read it
def _vtimezone(zone: str, first_day: date, last_day: date) -> Timezone:
    """The zone's observances from zoneinfo (the tzdata package), one RDATE per line.

    icalendar lists an observance's later onsets in one comma-separated RDATE; vobject (and so
    Radicale) reads only the first of them inside a VTIMEZONE. One RDATE a line is as valid.
    """
    timezone = Timezone.from_tzinfo(
        zone_named(zone), zone, first_date=first_day, last_date=last_day
    )
    for observance in timezone.subcomponents:
        rdates = observance.pop("RDATE", [])
        for onsets in rdates if isinstance(rdates, list) else [rdates]:
            for onset in onsets.dts:
                observance.add("RDATE", onset.dt)
    return timezone


def _event(chat: Chat, stamp: datetime, last_day: date, skipped_note: bool) -> Event:
    recurrence = chat.recurrence
    zone = zone_named(recurrence.zone)
    moved = dict(_moved_by_gaps(chat, last_day))
    event = Event()
    event.add("uid", f"{chat.id}@chatdeck")
    event.add("dtstamp", stamp)
    event.add("summary", chat.summary)
    event.add("dtstart", datetime.combine(recurrence.first_date, recurrence.start, tzinfo=zone))
    event.add("duration", recurrence.duration)
    event.add(
        "rrule",
        {
            "freq": "weekly",
            "interval": recurrence.every_weeks,
            "byday": WEEKDAYS[recurrence.weekday][:2].upper(),
        },
    )
    excluded = sorted({d for d in chat.skipped if recurrence.falls_on(d)} | set(moved))
    if excluded:
        event.add("exdate", [datetime.combine(d, recurrence.start, tzinfo=zone) for d in excluded])
    moved_starts = [start for day, start in sorted(moved.items()) if day not in chat.skipped]
    if moved_starts:
        event.add("rdate", moved_starts)
    event.add("description", _description(chat, stamp, skipped_note))
    if chat.link:
        event.add("url", chat.link)
    return event


def _moved_by_gaps(chat: Chat, last_day: date) -> Iterator[tuple[date, datetime]]:
    """Sessions whose start time a spring-forward gap skips, with their real (local) start.

    RFC 5545 reads a nonexistent time with the offset before the gap (02:30 becomes 03:30);
    Chatdeck starts at the first valid time (03:00). An EXDATE of the nominal time and an RDATE
    of the real one make calendar apps agree with Chatdeck's reminders.
    """
    recurrence = chat.recurrence
    zone = zone_named(recurrence.zone)
    for day in recurrence.dates_from(recurrence.first_date):
        if day >= last_day:
            return
        nominal = datetime.combine(day, recurrence.start, tzinfo=zone)
        start = recurrence.start_utc(day)
        if nominal.astimezone(UTC) != start:
            yield day, start.astimezone(zone)


def _description(chat: Chat, stamp: datetime, skipped_note: bool) -> str:
    lines = [chat.description] if chat.description else []
    lines.append(f"Follow {' '.join([chat.hashtag, *chat.extra_tags])} on {_network(chat)}.")
    if chat.moderators:
        lines.append("Moderators: " + ", ".join(f"@{m}" for m in chat.moderators) + ".")
    if chat.chat_account:
        lines.append(f"Chat account: @{chat.chat_account}.")
    if chat.link:
        lines.append(chat.link)
    today = stamp.astimezone(zone_named(chat.recurrence.zone)).date()
    upcoming = [d for d in chat.skipped if d >= today and chat.recurrence.falls_on(d)]
    if skipped_note and upcoming:
        lines.append("No chat on " + ", ".join(f"{d:%a %d %b %Y}" for d in upcoming) + ".")
    return "\n".join(lines)


def _network(chat: Chat) -> str:
    return chat.network_names
