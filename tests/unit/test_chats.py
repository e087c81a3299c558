"""The chats a cohort follows: when each session happens, across DST, and what the form accepts.

2026's changes: the US springs forward on 8 March and falls back on 1 November; the UK (and the
EU) on 29 March and 25 October. Between them the two are four hours apart, not five.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from chatdeck.domain.chat_form import FIELD_ADVICE, chat_from_form
from chatdeck.domain.chats import (
    Chat,
    Occurrence,
    Recurrence,
    Subscription,
    clean_questions,
    next_occurrence,
    occurrence_on,
    occurrences,
)
from chatdeck.domain.posts import FieldErrors
from chatdeck.notifications.notices import join_link

LONDON = ZoneInfo("Europe/London")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def weekly(
    weekday: int = 0,
    start: time = time(20, 0),
    zone: str = "America/New_York",
    first_date: date = date(2026, 1, 5),
    every_weeks: int = 1,
    duration_minutes: int = 60,
) -> Recurrence:
    return Recurrence(
        weekday=weekday,
        start=start,
        zone=zone,
        duration_minutes=duration_minutes,
        every_weeks=every_weeks,
        first_date=first_date,
    )


def a_chat(recurrence: Recurrence | None = None, **fields: object) -> Chat:
    values: dict[str, object] = {
        "id": "edtechchat",
        "name": "EdTech Chat",
        "hashtag": "#edtechchat",
        "network": "x",
        "recurrence": recurrence or weekly(),
        **fields,
    }
    return Chat.model_validate(values)


EDTECHCHAT = a_chat()  # Mondays 20:00 New York
UKEDCHAT = a_chat(  # Thursdays 20:00 London
    weekly(weekday=3, zone="Europe/London", first_date=date(2026, 1, 1)),
    id="ukedchat",
    hashtag="ukedchat",
)


def starts(chat: Chat, since: datetime, until: datetime) -> list[datetime]:
    return [o.start_utc for o in occurrences(chat, since, until)]


# ----- across DST -------------------------------------------------------------------------------


def test_new_york_evening_is_midnight_utc_in_summer_and_one_in_winter_around_november() -> None:
    # Given #edtechchat at 20:00 New York, when the clocks fall back on Sunday 1 November
    found = starts(EDTECHCHAT, utc(2026, 10, 21), utc(2026, 11, 11))

    # Then the Monday before is 00:00 UTC (EDT) and the Mondays after are 01:00 UTC (EST)
    assert found == [utc(2026, 10, 27, 0), utc(2026, 11, 3, 1), utc(2026, 11, 10, 1)]


def test_new_york_springs_forward_on_8_march() -> None:
    found = starts(EDTECHCHAT, utc(2026, 3, 1), utc(2026, 3, 18))
    assert found == [utc(2026, 3, 3, 1), utc(2026, 3, 10, 0), utc(2026, 3, 17, 0)]


def test_london_keeps_twenty_hundred_local_across_both_changes() -> None:
    autumn = starts(UKEDCHAT, utc(2026, 10, 20), utc(2026, 11, 1))
    spring = starts(UKEDCHAT, utc(2026, 3, 24), utc(2026, 4, 4))
    assert autumn == [utc(2026, 10, 22, 19), utc(2026, 10, 29, 20)]
    assert spring == [utc(2026, 3, 26, 20), utc(2026, 4, 2, 19)]
    for occurrence in occurrences(UKEDCHAT, utc(2026, 1, 1), utc(2027, 1, 1)):
        assert occurrence.start_utc.astimezone(LONDON).time() == time(20, 0)


def test_a_londoner_sees_the_new_york_chat_an_hour_earlier_while_us_and_uk_disagree() -> None:
    # Given a teacher in London following #edtechchat (20:00 New York)
    def london_start(monday: date) -> time:
        found = occurrence_on(EDTECHCHAT, monday)
        assert found is not None
        return found.start_utc.astimezone(LONDON).time()

    # Then it is 01:00 in London, except in the weeks between the US and the UK changes
    assert london_start(date(2026, 3, 2)) == time(1, 0)
    assert london_start(date(2026, 3, 9)) == time(0, 0)  # US on EDT, UK still on GMT
    assert london_start(date(2026, 3, 23)) == time(0, 0)
    assert london_start(date(2026, 3, 30)) == time(1, 0)  # both on summer time
    assert london_start(date(2026, 10, 19)) == time(1, 0)
    assert london_start(date(2026, 10, 26)) == time(0, 0)  # UK on GMT, US still on EDT
    assert london_start(date(2026, 11, 2)) == time(1, 0)  # both on winter time


def test_a_start_time_the_clocks_skip_moves_to_the_first_valid_time() -> None:
    # Given a chat at 02:30 on Sundays in New York, when 02:00 jumps to 03:00 on 8 March
    night_owls = a_chat(weekly(weekday=6, start=time(2, 30), first_date=date(2026, 3, 1)))
    found = starts(night_owls, utc(2026, 3, 1), utc(2026, 3, 16))

    # Then that Sunday's session starts at 03:00 EDT, the first valid time, not 03:30
    assert found == [utc(2026, 3, 1, 7, 30), utc(2026, 3, 8, 7, 0), utc(2026, 3, 15, 6, 30)]


def test_a_start_time_the_clocks_pass_twice_takes_the_earlier_offset() -> None:
    # Given a chat at 01:30 on Sundays in New York, which happens twice on 1 November
    early = a_chat(weekly(weekday=6, start=time(1, 30), first_date=date(2026, 10, 25)))
    found = starts(early, utc(2026, 10, 25), utc(2026, 11, 9))

    # Then it starts at the first 01:30 (EDT, 05:30 UTC), as RFC 5545 reads it too
    assert found == [utc(2026, 10, 25, 5, 30), utc(2026, 11, 1, 5, 30), utc(2026, 11, 8, 6, 30)]


def test_a_session_ends_after_its_duration_in_real_time_even_through_a_change() -> None:
    early = a_chat(
        weekly(weekday=6, start=time(0, 30), first_date=date(2026, 11, 1), duration_minutes=120)
    )
    (session,) = occurrences(early, utc(2026, 11, 1), utc(2026, 11, 2))
    assert session.end_utc - session.start_utc == timedelta(hours=2)


# ----- the schedule -----------------------------------------------------------------------------


def test_every_two_weeks_counts_from_the_first_date() -> None:
    fortnightly = a_chat(weekly(first_date=date(2026, 10, 5), every_weeks=2))
    found = occurrences(fortnightly, utc(2026, 9, 1), utc(2026, 12, 2))
    assert [o.local_date for o in found] == [
        date(2026, 10, 5),
        date(2026, 10, 19),
        date(2026, 11, 2),
        date(2026, 11, 16),
        date(2026, 11, 30),
    ]
    assert occurrence_on(fortnightly, date(2026, 10, 12)) is None
    assert not fortnightly.recurrence.falls_on(date(2026, 9, 21))  # before the first date


def test_nothing_happens_before_the_first_date() -> None:
    later = a_chat(weekly(first_date=date(2026, 11, 2)))
    assert starts(later, utc(2026, 10, 1), utc(2026, 11, 4)) == [utc(2026, 11, 3, 1)]


def test_skipped_dates_are_left_out() -> None:
    chat = a_chat(skipped=[date(2026, 11, 23), date(2026, 12, 28)])
    found = occurrences(chat, utc(2026, 11, 16), utc(2027, 1, 6))
    assert [o.local_date for o in found] == [
        date(2026, 11, 16),
        date(2026, 11, 30),
        date(2026, 12, 7),
        date(2026, 12, 14),
        date(2026, 12, 21),
        date(2027, 1, 4),
    ]
    assert occurrence_on(chat, date(2026, 11, 23)) is None
    assert chat.recurrence.falls_on(date(2026, 11, 23))  # still on the schedule, just skipped


def test_the_bounds_include_since_and_exclude_until() -> None:
    start = utc(2026, 11, 3, 1)
    assert starts(EDTECHCHAT, start, start + timedelta(minutes=1)) == [start]
    assert starts(EDTECHCHAT, start - timedelta(days=1), start) == []


def test_bounds_without_a_zone_are_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        occurrences(EDTECHCHAT, datetime(2026, 11, 1), utc(2026, 12, 1))


def test_an_occurrence_has_an_id_and_a_watch_window() -> None:
    found = occurrence_on(EDTECHCHAT, date(2026, 11, 2))
    assert found == Occurrence(
        "edtechchat", date(2026, 11, 2), utc(2026, 11, 3, 1), utc(2026, 11, 3, 2)
    )
    assert found.id == "edtechchat#2026-11-03T01:00:00Z"
    assert found.window == (utc(2026, 11, 3, 0, 45), utc(2026, 11, 3, 2, 30))


def test_the_next_occurrence_is_strictly_after_and_skips_skipped_dates() -> None:
    chat = a_chat(skipped=[date(2026, 11, 9)])
    assert next_occurrence(chat, utc(2026, 11, 2, 12)).start_utc == utc(2026, 11, 3, 1)
    assert next_occurrence(chat, utc(2026, 11, 3, 1)).start_utc == utc(2026, 11, 17, 1)
    late_sunday_london = datetime(2026, 10, 26, 0, 30, tzinfo=LONDON)  # Monday already
    assert next_occurrence(EDTECHCHAT, late_sunday_london).local_date == date(2026, 10, 26)


def test_a_first_date_that_is_not_the_weekday_is_refused() -> None:
    with pytest.raises(ValidationError, match="not a Monday"):
        weekly(weekday=0, first_date=date(2026, 11, 3))


# ----- the chat itself --------------------------------------------------------------------------


def test_hashtags_and_handles_are_normalised() -> None:
    chat = a_chat(
        hashtag=" EdTechChat ",
        extra_tags=["edchat", "#EdTechChat", "#EDCHAT", "ISTE"],
        moderators=["@TomWhitby", "nancyblair", "@tomwhitby"],
        chat_account="@EdTechChat",
    )
    assert chat.hashtag == "#EdTechChat"
    assert chat.extra_tags == ["#edchat", "#ISTE"]  # the main tag and repeats dropped
    assert chat.moderators == ["tomwhitby", "nancyblair"]
    assert chat.chat_account == "edtechchat"


@pytest.mark.parametrize("tag", ["#edtech-chat", "#", "#2026", "#ed tech", "edtech!"])
def test_a_hashtag_takes_letters_digits_and_underscore_only(tag: str) -> None:
    with pytest.raises(ValidationError, match="hashtag"):
        a_chat(hashtag=tag)


def test_each_network_has_its_own_form_of_handle() -> None:
    bluesky = a_chat(network="bluesky", moderators=["@Rivera.bsky.social"])
    mastodon = a_chat(network="mastodon", moderators=["@rivera@mastodon.social"])
    assert bluesky.moderators == ["rivera.bsky.social"]
    assert mastodon.moderators == ["rivera@mastodon.social"]
    with pytest.raises(ValidationError, match="include the server"):
        a_chat(network="mastodon", moderators=["rivera"])
    with pytest.raises(ValidationError, match="1–15 letters"):
        a_chat(network="x", moderators=["a_handle_far_too_long"])


def test_questions_are_kept_by_date_without_blank_lines() -> None:
    chat = a_chat(
        questions={"2026-11-02": ["  Q1 What   works? ", "", "Q2 Why?"], "2026-11-09": []}
    )
    assert chat.questions == {date(2026, 11, 2): ["Q1 What works?", "Q2 Why?"]}
    with pytest.raises(ValueError, match="at most 20"):
        clean_questions([f"Q{n}" for n in range(21)])
    with pytest.raises(ValueError, match="Q2 is over 500"):
        clean_questions(["Q1", "x" * 501])


def test_a_subscription_has_a_lowercase_email_and_a_sensible_lead() -> None:
    subscription = Subscription(
        chat_id="edtechchat", email="Rivera@School.example", reminders=True, digests=False
    )
    assert (subscription.email, subscription.lead_minutes) == ("rivera@school.example", 30)
    with pytest.raises(ValidationError):
        Subscription(
            chat_id="edtechchat", email="r@s.example", reminders=True, digests=True, lead_minutes=2
        )


# ----- the admin's form -------------------------------------------------------------------------


def chat_form(**changes: str) -> dict[str, str]:
    values = {
        "name": "EdTech Chat",
        "hashtag": "edtechchat",
        "extra_tags": "#edchat, ISTE",
        "networks": "x",
        "weekday": "Monday",
        "start_time": "20:00",
        "zone": "America/New_York",
        "duration_minutes": "60",
        "every_weeks": "",
        "first_date": "2026-10-05",
        "moderators": "@TomWhitby, nancyblair  @SusanBearden",
        "chat_account": "",
        "description": "Weekly conversation about technology in the classroom.",
        "link": "https://edtechchat.example/",
    }
    return {**values, **changes}


def form_errors(**changes: str) -> dict[str, str]:
    with pytest.raises(FieldErrors) as refused:
        chat_from_form(chat_form(**changes), "edtechchat")
    return refused.value.errors


def test_a_good_form_becomes_a_chat() -> None:
    chat = chat_from_form(chat_form(), "edtechchat")
    assert chat.id == "edtechchat"
    assert chat.hashtag == "#edtechchat"
    assert chat.extra_tags == ["#edchat", "#ISTE"]
    assert chat.moderators == ["tomwhitby", "nancyblair", "susanbearden"]
    assert chat.chat_account is None
    assert chat.recurrence == weekly(first_date=date(2026, 10, 5))


def test_the_summary_names_the_hashtag_once() -> None:
    assert a_chat().summary == "EdTech Chat #edtechchat"
    assert a_chat(name="The #EdTechChat hour").summary == "The #EdTechChat hour"


def test_the_network_may_be_typed_in_capitals() -> None:
    assert chat_from_form(chat_form(networks=" X "), "c").networks == ["x"]


def test_a_chat_may_run_on_several_networks_named_in_order() -> None:
    chat = chat_from_form(
        chat_form(networks="mastodon,x,bluesky,x", moderators="@tomwhitby, rivera.bsky.social"),
        "c",
    )
    assert chat.networks == ["x", "bluesky", "mastodon"]
    assert chat.network_names == "X, Bluesky and Mastodon"
    assert chat.moderators == ["tomwhitby", "rivera.bsky.social"]
    assert a_chat(networks=["bluesky"]).network_names == "Bluesky"
    assert a_chat(networks=["x", "mastodon"]).network_names == "X and Mastodon"


def test_the_single_network_field_of_older_forms_is_read() -> None:
    values = {k: v for k, v in chat_form().items() if k != "networks"}
    assert chat_from_form({**values, "network": "bluesky", "moderators": ""}, "c").networks == [
        "bluesky"
    ]


def test_a_chat_stored_with_one_network_reads_as_a_chat_on_it() -> None:
    stored = a_chat(networks=["mastodon"], moderators=["rivera@mastodon.social"]).model_dump()
    stored["network"] = stored.pop("networks")[0]
    assert Chat.model_validate(stored).networks == ["mastodon"]


def test_a_handle_may_be_of_any_of_the_chats_networks_and_of_none_other() -> None:
    with pytest.raises(ValidationError, match="include the server"):
        a_chat(networks=["x", "mastodon"], moderators=["rivera.bsky.social"])


def test_no_network_ticked_says_to_tick_one() -> None:
    assert form_errors(networks="") == {"networks": FIELD_ADVICE["networks"]}


@pytest.mark.parametrize("weekday", ["0", "monday", "Mon", " MONDAY "])
def test_the_weekday_is_a_number_or_a_name(weekday: str) -> None:
    assert chat_from_form(chat_form(weekday=weekday), "c").recurrence.weekday == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "This is required."),
        ("name", "x" * 81, "1 to 80 characters"),
        ("hashtag", "edtech-chat", "letters, digits and _ only"),
        ("extra_tags", "#ok #not-ok", "“#not-ok” is not a hashtag"),
        ("networks", "myspace", "Tick the networks the chat runs on"),
        ("weekday", "someday", "Pick a day of the week"),
        ("weekday", "7", "Pick a day of the week"),
        ("start_time", "25:00", "Enter a time such as 20:00."),
        ("start_time", "8pm", "Enter a time such as 20:00."),
        ("zone", "Mars/Olympus", "not a time zone we know"),
        ("duration_minutes", "14", "from 15 to 240 minutes"),
        ("duration_minutes", "241", "from 15 to 240 minutes"),
        ("duration_minutes", "an hour", "from 15 to 240 minutes"),
        ("every_weeks", "9", "every 1 to 8 weeks"),
        ("every_weeks", "0", "every 1 to 8 weeks"),
        ("first_date", "5 Oct", "Enter a date such as"),
        ("first_date", "2026-10-06", "Tue 06 Oct 2026, is not a Monday"),
        ("moderators", "@ok, @not-ok!", "“@not-ok!” is not a handle"),
        ("chat_account", "@way_too_long_for_x", "is not a handle"),
        ("link", "ftp://files.example/chat", "starts with https:// or http://"),
        ("link", "javascript:alert(1)", "starts with https:// or http://"),
    ],
)
def test_each_wrong_field_has_its_own_message(field: str, value: str, message: str) -> None:
    errors = form_errors(**{field: value})
    assert list(errors) == [field]
    assert message in errors[field]


def test_every_wrong_field_is_named_at_once() -> None:
    errors = form_errors(name="", hashtag="#", zone="Nowhere", duration_minutes="5")
    assert set(errors) == {"name", "hashtag", "zone", "duration_minutes"}


def test_a_blank_form_names_every_required_field() -> None:
    with pytest.raises(FieldErrors) as refused:
        chat_from_form({}, "edtechchat")
    assert set(refused.value.errors) == {
        "name",
        "hashtag",
        "networks",
        "weekday",
        "start_time",
        "zone",
        "duration_minutes",
        "first_date",
    }
    assert set(refused.value.errors.values()) == {"This is required.", FIELD_ADVICE["networks"]}


def test_optional_fields_may_be_left_blank() -> None:
    chat = chat_from_form(
        chat_form(extra_tags=" ", moderators="", description="", link=" ", every_weeks=""), "c"
    )
    assert (chat.extra_tags, chat.moderators, chat.description, chat.link) == ([], [], "", None)
    assert chat.recurrence.every_weeks == 1


def test_a_reminders_join_link_is_the_hashtags_page_on_the_chats_first_network() -> None:
    on_x = a_chat(link=None)
    on_bluesky = a_chat(network="bluesky", moderators=["mod.bsky.social"], link=None)
    on_mastodon = a_chat(network="mastodon", moderators=["mod@mastodon.example"], link=None)
    assert join_link(on_x) == "https://x.com/search?q=%23edtechchat&f=live"
    assert join_link(on_bluesky) == "https://bsky.app/hashtag/edtechchat"
    assert join_link(on_mastodon) == "https://mastodon.example/tags/edtechchat"
    assert join_link(a_chat(link="https://edtechchat.example/")) == "https://edtechchat.example/"
