"""The iCalendar feed, read back by a second parser: vobject, with validation on.

vobject checks each component's required and exclusive properties and reads each zone from the
feed's own VTIMEZONE (through dateutil's tzical), not from the system, so expanding the RRULE
with it shows what a calendar app will show. RFC 5545's framing (CRLF, lines of at most 75
octets folded with a space) vobject tolerates, so it is checked here line by line.
"""

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import vobject
import vobject.icalendar

from chatdeck.domain.calendar_feed import feed
from chatdeck.domain.chats import Chat, Recurrence, occurrences

STAMP = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def a_chat(chat_id: str, **recurrence: Any) -> Chat:
    schedule = {
        "weekday": 0,
        "start": time(20, 0),
        "zone": "America/New_York",
        "duration_minutes": 60,
        "first_date": date(2026, 1, 5),
        **recurrence,
    }
    return Chat(
        id=chat_id,
        name="EdTech Chat",
        hashtag="#edtechchat",
        extra_tags=["#edchat"],
        network="x",
        recurrence=Recurrence.model_validate(schedule),
        moderators=["tomwhitby", "nancyblair"],
        description="Technology in the classroom, with a café and a 🍎 for every teacher " * 2,
        link="https://edtechchat.example/",
    )


EDTECHCHAT = a_chat("edtechchat").model_copy(update={"skipped": [date(2026, 11, 23)]})
UKEDCHAT = a_chat("ukedchat", weekday=3, zone="Europe/London", first_date=date(2026, 1, 1))
FORTNIGHTLY = a_chat("fortnightly", first_date=date(2026, 10, 5), every_weeks=2)
NIGHT_OWLS = a_chat("owls", weekday=6, start=time(2, 30), first_date=date(2026, 3, 1))
EARLY_BIRDS = a_chat("early", weekday=6, start=time(1, 30), first_date=date(2026, 3, 1))


@pytest.fixture(autouse=True)
def vobject_knows_no_zones(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """vobject keeps the zones of every calendar it has read in one global map; each test
    starts with none, so a zone comes from the feed being read or not at all."""
    monkeypatch.setitem(
        vars(vobject.icalendar), "__tzidMap", {"UTC": vobject.icalendar.getTzid("UTC")}
    )
    yield


def read(data: bytes) -> Any:
    """The feed as vobject reads it, each TZID resolved by the feed's own VTIMEZONE."""
    assert_rfc5545_framing(data)
    text = data.decode("utf-8")
    # vobject would take a zone that is +00:00 from 2000 to 2020 (London's, from a VTIMEZONE
    # that starts in 2026) for UTC and fall back to pytz; so it is told the feed's zones first.
    for vtimezone in vobject.readOne(text).contents.get("vtimezone", []):
        vobject.icalendar.registerTzid(vtimezone.tzid.value, vtimezone.gettzinfo())
    return vobject.readOne(text, validate=True)


def assert_rfc5545_framing(data: bytes) -> None:
    assert data.endswith(b"\r\n")
    lines = data.split(b"\r\n")[:-1]
    for line in lines:
        assert b"\n" not in line and b"\r" not in line, line
        assert len(line) <= 75, line
        line.decode("utf-8")  # folding never splits a character
    assert lines[0] == b"BEGIN:VCALENDAR" and lines[-1] == b"END:VCALENDAR"


def expand(event: Any, since: datetime, until: datetime) -> list[datetime]:
    tzinfo = event.dtstart.value.tzinfo
    assert type(tzinfo).__module__.startswith("dateutil"), "zone not read from the feed"
    found = event.getrruleset(addRDate=True).between(since, until, inc=True)
    return [start.astimezone(UTC) for start in found if start < until]


def event_of(calendar: Any, chat: Chat) -> Any:
    (event,) = [e for e in calendar.vevent_list if e.uid.value == f"{chat.id}@chatdeck"]
    return event


def test_the_feed_is_a_valid_calendar_with_a_zone_for_each_chat_zone() -> None:
    calendar = read(feed([EDTECHCHAT, UKEDCHAT, FORTNIGHTLY], "Cohort chats", stamp=STAMP))

    assert calendar.version.value == "2.0"
    assert calendar.prodid.value == "-//Chatdeck//Ed-chat calendar//EN"
    assert calendar.contents["x-wr-calname"][0].value == "Cohort chats"
    zones = sorted(z.tzid.value for z in calendar.vtimezone_list)
    assert zones == ["America/New_York", "Europe/London"]  # one each, though two chats share one
    assert len(calendar.vevent_list) == 3


def test_each_chat_is_one_recurring_event_in_its_own_zone() -> None:
    data = feed([FORTNIGHTLY], "Cohort chats", stamp=STAMP)
    event = event_of(read(data), FORTNIGHTLY)

    assert event.uid.value == "fortnightly@chatdeck"
    assert b"\r\nDTSTART;TZID=America/New_York:20261005T200000\r\n" in data
    assert event.duration.value == timedelta(hours=1)
    assert event.rrule.value == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"
    assert event.dtstamp.value == STAMP
    assert event.summary.value == "EdTech Chat #edtechchat"
    assert event.url.value == "https://edtechchat.example/"
    description = event.description.value
    assert description.startswith("Technology in the classroom, with a café and a 🍎")
    assert "Follow #edtechchat #edchat on X." in description
    assert "Moderators: @tomwhitby, @nancyblair." in description
    assert "https://edtechchat.example/" in description


def test_the_uid_is_the_same_in_every_feed() -> None:
    first = feed([EDTECHCHAT], "All", stamp=STAMP)
    again = feed([EDTECHCHAT, UKEDCHAT], "All", stamp=STAMP + timedelta(days=3))
    assert b"UID:edtechchat@chatdeck\r\n" in first
    assert b"UID:edtechchat@chatdeck\r\n" in again


def test_new_york_sessions_keep_twenty_hundred_local_across_the_november_change() -> None:
    event = event_of(read(feed([EDTECHCHAT], "All", stamp=STAMP)), EDTECHCHAT)

    # The Monday before the first Sunday of November is 20:00 EDT, the Monday after 20:00 EST
    found = expand(event, utc(2026, 10, 26), utc(2026, 11, 4))
    assert found == [utc(2026, 10, 27, 0), utc(2026, 11, 3, 1)]
    spring = expand(event, utc(2027, 3, 8), utc(2027, 3, 17))  # in the VTIMEZONE's later years
    assert spring == [utc(2027, 3, 9, 1), utc(2027, 3, 16, 0)]


def test_london_sessions_move_in_utc_on_the_uk_dates_not_the_us_ones() -> None:
    event = event_of(read(feed([UKEDCHAT], "All", stamp=STAMP)), UKEDCHAT)
    assert expand(event, utc(2026, 10, 20), utc(2026, 11, 6)) == [
        utc(2026, 10, 22, 19),
        utc(2026, 10, 29, 20),
        utc(2026, 11, 5, 20),
    ]
    assert expand(event, utc(2026, 3, 24), utc(2026, 4, 3)) == [
        utc(2026, 3, 26, 20),
        utc(2026, 4, 2, 19),
    ]


def test_skipped_sessions_are_exception_dates_in_the_chat_zone() -> None:
    data = feed([EDTECHCHAT], "All", stamp=STAMP)
    event = event_of(read(data), EDTECHCHAT)

    assert b"EXDATE;TZID=America/New_York:20261123T200000\r\n" in data
    found = expand(event, utc(2026, 11, 16), utc(2026, 12, 2))
    assert found == [utc(2026, 11, 17, 1), utc(2026, 12, 1, 1)]  # not 24 November
    assert "No chat on Mon 23 Nov 2026." in event.description.value


def test_the_skipped_note_can_be_left_out_and_past_skips_are_not_mentioned() -> None:
    quiet = event_of(read(feed([EDTECHCHAT], "All", skipped_note=False, stamp=STAMP)), EDTECHCHAT)
    later = event_of(read(feed([EDTECHCHAT], "All", stamp=utc(2026, 12, 1))), EDTECHCHAT)
    assert "No chat" not in quiet.description.value
    assert "No chat" not in later.description.value
    assert "EXDATE" in (quiet.serialize() + later.serialize())  # the dates stay excluded


def test_every_two_weeks_is_an_interval_of_two() -> None:
    event = event_of(read(feed([FORTNIGHTLY], "All", stamp=STAMP)), FORTNIGHTLY)
    found = expand(event, utc(2026, 9, 1), utc(2026, 12, 2))
    assert [start.date() for start in found] == [
        date(2026, 10, 6),
        date(2026, 10, 20),
        date(2026, 11, 3),
        date(2026, 11, 17),
        date(2026, 12, 1),
    ]


@pytest.mark.parametrize(
    "chat", [EDTECHCHAT, UKEDCHAT, FORTNIGHTLY, NIGHT_OWLS, EARLY_BIRDS], ids=lambda c: c.id
)
def test_a_calendar_app_sees_every_session_chatdeck_reminds_about(chat: Chat) -> None:
    # Gap days included: RFC 5545 reads 02:30 as 03:30 there; Chatdeck starts at 03:00, and
    # the feed says so with an EXDATE and an RDATE.
    event = event_of(read(feed([chat], "All", stamp=STAMP)), chat)
    since, until = utc(2026, 1, 1), utc(2031, 1, 1)
    assert expand(event, since, until) == [o.start_utc for o in occurrences(chat, since, until)]


def test_a_session_moved_by_a_gap_is_listed_at_its_real_start() -> None:
    data = feed([NIGHT_OWLS], "All", stamp=STAMP)
    assert b"RDATE;TZID=America/New_York:20260308T030000," in data
    assert b"EXDATE;TZID=America/New_York:20260308T023000," in data


def test_long_text_is_folded_at_75_octets_without_splitting_characters() -> None:
    data = feed([EDTECHCHAT], "Les chats de l’équipe 🍎", stamp=STAMP)
    assert_rfc5545_framing(data)
    assert re.search(rb"\r\n ", data), "the description should need folding"
    assert read(data).contents["x-wr-calname"][0].value == "Les chats de l’équipe 🍎"


def test_a_feed_with_no_chats_still_reads() -> None:
    calendar = read(feed([], "Nothing yet", stamp=STAMP))
    assert calendar.contents.get("vevent", []) == []
