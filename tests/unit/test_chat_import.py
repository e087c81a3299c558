"""Reading a pasted CSV and a public chat calendar into chats to import (domain/chat_import.py):
each row read as the chat form's fields, or its problem named, and never an exception for junk."""

import csv
import io
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chatdeck.domain.chat_import import (
    MAX_ROWS,
    ImportRefused,
    ImportRow,
    as_csv,
    rows_from_csv,
    rows_from_ical,
)

TODAY = date(2026, 12, 3)  # a Thursday


def problems(rows: list[ImportRow]) -> list[str]:
    return [f"{r.label}: {r.problem}" for r in rows if r.problem]


def test_a_csv_with_a_header_reads_each_row_as_the_chat_forms_fields() -> None:
    rows = rows_from_csv(
        "Name,Hashtag,Network,Weekday,Time,Zone\n"
        "EdTech Chat,#edtechchat,x,Monday,20:00,America/New_York\n"
        '"Sci, Chat",scichat,Bluesky Mastodon,thu,8:30 pm,Europe/London\n',
        TODAY,
    )
    assert [r.fields for r in rows] == [
        {
            "name": "EdTech Chat",
            "hashtag": "#edtechchat",
            "networks": "x",
            "weekday": "0",
            "start_time": "20:00",
            "zone": "America/New_York",
            "duration_minutes": "60",
            "every_weeks": "1",
            "first_date": "2026-12-07",
        },
        {
            "name": "Sci, Chat",
            "hashtag": "#scichat",
            "networks": "bluesky,mastodon",
            "weekday": "3",
            "start_time": "20:30",
            "zone": "Europe/London",
            "duration_minutes": "60",
            "every_weeks": "1",
            "first_date": "2026-12-03",
        },
    ]


def test_without_a_header_the_columns_are_in_their_documented_order() -> None:
    (row,) = rows_from_csv("Math Chat,#mathchat,twitter,Tue,7pm,UTC\n", TODAY)
    assert row.problem is None
    assert (row.fields["networks"], row.fields["start_time"], row.fields["zone"]) == (
        "x",
        "19:00",
        "UTC",
    )


def test_a_header_may_put_the_columns_in_any_order() -> None:
    (row,) = rows_from_csv(
        "zone,time,weekday,network,hashtag,name\nAsia/Tokyo,21:00,Sunday,mastodon,#jchat,J Chat",
        TODAY,
    )
    assert row.fields["name"] == "J Chat" and row.fields["zone"] == "Asia/Tokyo"


def test_each_bad_row_is_named_with_its_problem() -> None:
    rows = rows_from_csv(
        "name,hashtag,network,weekday,time,zone\n"
        "Good,#good,x,Mon,20:00,UTC\n"
        "Eastern,#eastern,x,Mon,20:00,EST5\n"
        "No tag,,x,Mon,20:00,UTC\n"
        "Face,#face,facebook,Mon,20:00,UTC\n"
        "Funday,#fun,x,Funday,20:00,UTC\n"
        "Late,#late,x,Mon,25:00,UTC\n"
        "Vague,#vague,x,Mon,8,UTC\n"
        "Wide,#wide,x,Mon,20:00,UTC,extra,more,and,more\n",
        TODAY,
    )
    assert problems(rows) == [
        "row 3: unknown time zone 'EST5' (use a name such as America/New_York)",
        "row 4: hashtag missing",
        "row 5: unknown network 'facebook' (use x, bluesky or mastodon)",
        "row 6: unknown weekday 'Funday' (write Monday or Mon)",
        "row 7: unreadable time '25:00' (write 20:00 or 8pm)",
        "row 8: unreadable time '8' (write 20:00 or 8pm)",
        "row 9: 10 columns; expected 6: name, hashtag, network, weekday, time, zone",
    ]
    assert rows[0].problem is None


def test_too_many_rows_refuse_the_whole_paste_and_an_empty_one_says_so() -> None:
    line = "Chat,#chat,x,Mon,20:00,UTC\n"
    assert len(rows_from_csv(line * MAX_ROWS, TODAY)) == MAX_ROWS
    with pytest.raises(ImportRefused, match=f"At most {MAX_ROWS}"):
        rows_from_csv(line * (MAX_ROWS + 1), TODAY)
    with pytest.raises(ImportRefused, match="nothing to import"):
        rows_from_csv("\n , , \n", TODAY)


def test_the_carried_csv_reads_back_as_the_same_rows() -> None:
    rows = rows_from_csv(
        "Sci Chat,#scichat,bluesky mastodon,Thu,8:30pm,Europe/London\nBad,,x,Mon,20:00,UTC\n",
        TODAY,
    )
    again = rows_from_csv(as_csv(rows), TODAY)
    assert [r.fields for r in again] == [rows[0].fields]


CELL = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30)


@given(st.lists(st.lists(CELL, max_size=9), min_size=1, max_size=8))
@settings(max_examples=300, deadline=None)
def test_csv_junk_never_raises_but_a_named_row_error(table: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out).writerows(table)
    try:
        rows = rows_from_csv(out.getvalue(), TODAY)
    except ImportRefused as refused:
        assert "nothing to import" in refused.message
        return
    for row in rows:
        assert row.label.startswith("row ")
        assert (row.problem is None) == bool(row.fields)


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_raw_text_never_raises_but_a_named_row_error(text: str) -> None:
    try:
        rows = rows_from_csv(text, TODAY)
    except ImportRefused:
        return
    assert all(r.label.startswith("row ") and (r.problem is None) == bool(r.fields) for r in rows)


ICAL = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Example//Ed chats//EN\r
BEGIN:VEVENT\r
UID:1@example\r
DTSTAMP:20261101T000000Z\r
SUMMARY:EdTech Chat #edtechchat\r
DESCRIPTION:Join us on Twitter every Monday.\r
DTSTART;TZID=America/New_York:20260907T200000\r
DTEND;TZID=America/New_York:20260907T210000\r
RRULE:FREQ=WEEKLY;BYDAY=MO\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:2@example\r
DTSTAMP:20261101T000000Z\r
SUMMARY:Science chat\r
DESCRIPTION:#scichat on Bluesky (bsky.app), every other Thursday\r
DTSTART:20260910T190000Z\r
DURATION:PT30M\r
RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TH\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:3@example\r
DTSTAMP:20261101T000000Z\r
SUMMARY:Conference #edcon\r
DTSTART;TZID=Europe/London:20261210T090000\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:4@example\r
DTSTAMP:20261101T000000Z\r
SUMMARY:Monthly #monthchat on Mastodon\r
DTSTART;TZID=Europe/London:20261210T090000\r
RRULE:FREQ=MONTHLY\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:5@example\r
DTSTAMP:20261101T000000Z\r
SUMMARY:Tagless chat\r
DTSTART;TZID=Europe/London:20261210T090000\r
RRULE:FREQ=WEEKLY\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:6@example\r
DTSTAMP:20261101T000000Z\r
SUMMARY:Old #oldchat\r
DTSTART;TZID=Europe/London:20200102T090000\r
RRULE:FREQ=WEEKLY;UNTIL=20210101T000000Z\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:7@example\r
DTSTAMP:20261101T000000Z\r
SUMMARY:Twice #twicechat\r
DTSTART;TZID=Europe/London:20261207T090000\r
RRULE:FREQ=WEEKLY;BYDAY=MO,WE\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:1@example\r
RECURRENCE-ID;TZID=America/New_York:20261207T200000\r
DTSTAMP:20261101T000000Z\r
SUMMARY:EdTech Chat (moved) #edtechchat\r
DTSTART;TZID=America/New_York:20261207T210000\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_weekly_events_become_chats_and_the_others_are_named() -> None:
    rows = rows_from_ical(ICAL, TODAY)
    edtech, science = rows[0].fields, rows[1].fields
    assert (edtech["name"], edtech["hashtag"], edtech["networks"]) == (
        "EdTech Chat #edtechchat",
        "#edtechchat",
        "x",
    )
    assert (edtech["weekday"], edtech["start_time"], edtech["zone"]) == (
        "0",
        "20:00",
        "America/New_York",
    )
    assert (edtech["duration_minutes"], edtech["first_date"]) == ("60", "2026-09-07")
    assert (science["hashtag"], science["networks"], science["zone"]) == (
        "#scichat",
        "bluesky",
        "UTC",
    )
    assert (science["every_weeks"], science["duration_minutes"], science["weekday"]) == (
        "2",
        "30",
        "3",
    )
    assert problems(rows) == [
        "event 3 (“Conference #edcon”): does not repeat weekly, so it cannot be imported",
        "event 4 (“Monthly #monthchat on Mastodon”): repeats monthly, not weekly",
        "event 5 (“Tagless chat”): hashtag missing",
        "event 6 (“Old #oldchat”): ended on 2021-01-01",
        "event 7 (“Twice #twicechat”): meets on MO, WE: import one chat per day instead",
    ]
    assert len(rows) == 7  # the moved session (RECURRENCE-ID) is no chat of its own


def test_an_event_naming_no_network_takes_the_admins_choice_or_is_named() -> None:
    event = ICAL.split(b"BEGIN:VEVENT")[0] + b"BEGIN:VEVENT" + ICAL.split(b"BEGIN:VEVENT")[5]
    text = event.replace(b"Tagless chat", b"Tag #tagchat") + b"END:VCALENDAR\r\n"
    text = text.replace(b"END:VCALENDAR\r\nEND:VCALENDAR", b"END:VCALENDAR")
    (row,) = rows_from_ical(text, TODAY)
    assert row.problem == "network missing"
    (row,) = rows_from_ical(text, TODAY, default_network="mastodon")
    assert row.fields["networks"] == "mastodon" and row.fields["weekday"] == "3"


def test_an_unknown_tzid_or_a_floating_time_is_named() -> None:
    windows = ICAL.replace(b"TZID=America/New_York", b"TZID=Mars Standard Time")
    assert rows_from_ical(windows, TODAY)[0].problem == "unknown time zone 'Mars Standard Time'"
    floating = ICAL.replace(b"DTSTART;TZID=America/New_York:", b"DTSTART:")
    assert rows_from_ical(floating, TODAY)[0].problem == "has a time but no time zone"


@pytest.mark.parametrize(
    "junk", [b"", b"<html>Not found</html>", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", b"\xff\xfe"]
)
def test_what_is_no_calendar_refuses_the_import_with_a_sentence(junk: bytes) -> None:
    with pytest.raises(ImportRefused):
        rows_from_ical(junk, TODAY)


@given(st.binary(max_size=400))
@settings(max_examples=200, deadline=None)
def test_ical_junk_never_raises_but_a_refusal_or_a_named_row(junk: bytes) -> None:
    try:
        rows = rows_from_ical(b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n" + junk, TODAY)
    except ImportRefused:
        return
    assert all(r.label.startswith("event ") for r in rows)


def test_a_utc_start_takes_the_calendars_own_zone_and_its_day() -> None:
    """01:00 UTC on a Tuesday, in a calendar whose zone is New York: Mondays at 20:00 there."""
    utc = ICAL.replace(
        b"DTSTART;TZID=America/New_York:20260907T200000\r\nDTEND;TZID=America/New_York:"
        b"20260907T210000\r\nRRULE:FREQ=WEEKLY;BYDAY=MO",
        b"DTSTART:20261201T010000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=WEEKLY;BYDAY=TU",
    ).replace(b"VERSION:2.0\r\n", b"VERSION:2.0\r\nX-WR-TIMEZONE:America/New_York\r\n")
    edtech = rows_from_ical(utc, TODAY)[0].fields
    assert (edtech["weekday"], edtech["start_time"], edtech["zone"]) == (
        "0",
        "20:00",
        "America/New_York",
    )
    assert edtech["first_date"] == "2026-11-30"
