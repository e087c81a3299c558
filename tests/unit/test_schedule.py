from datetime import UTC, date, datetime, time

import pytest

from chatdeck.domain.schedule import (
    AmbiguousLocalTime,
    NonexistentLocalTime,
    UnknownZone,
    parse_instant,
    resolve_local_time,
    to_iso_utc,
)


def test_an_ordinary_evening_in_new_york_is_five_hours_behind_utc_in_winter() -> None:
    resolved = resolve_local_time(date(2026, 12, 7), time(20, 0), "America/New_York")
    assert resolved.utc == datetime(2026, 12, 8, 1, 0, tzinfo=UTC)
    assert resolved.utc_offset == "-05:00"


def test_summer_time_is_four_hours_behind() -> None:
    resolved = resolve_local_time(date(2026, 6, 1), time(20, 0), "America/New_York")
    assert resolved.utc == datetime(2026, 6, 2, 0, 0, tzinfo=UTC)
    assert resolved.utc_offset == "-04:00"


def test_half_hour_zones_keep_their_minutes() -> None:
    resolved = resolve_local_time(date(2026, 12, 1), time(9, 0), "Asia/Kolkata")
    assert resolved.utc == datetime(2026, 12, 1, 3, 30, tzinfo=UTC)
    assert resolved.utc_offset == "+05:30"


def test_a_time_in_the_spring_forward_gap_is_refused_naming_the_first_valid_time() -> None:
    with pytest.raises(NonexistentLocalTime) as refused:
        resolve_local_time(date(2026, 3, 8), time(2, 30), "America/New_York")
    assert refused.value.first_valid.strftime("%H:%M") == "03:00"
    assert "02:30 does not exist" in str(refused.value)
    assert "03:00" in str(refused.value)


def test_europe_gap_is_at_two_in_the_morning_too() -> None:
    with pytest.raises(NonexistentLocalTime) as refused:
        resolve_local_time(date(2026, 3, 29), time(2, 15), "Europe/Berlin")
    assert refused.value.first_valid.strftime("%H:%M") == "03:00"


def test_a_time_in_the_fall_back_overlap_needs_a_chosen_offset() -> None:
    with pytest.raises(AmbiguousLocalTime) as refused:
        resolve_local_time(date(2026, 11, 1), time(1, 30), "America/New_York")
    assert refused.value.offsets == ("-04:00", "-05:00")


@pytest.mark.parametrize(
    ("offset", "utc_hour"),
    [("-04:00", 5), ("-05:00", 6)],
)
def test_the_chosen_offset_picks_one_of_the_two_instants(offset: str, utc_hour: int) -> None:
    resolved = resolve_local_time(date(2026, 11, 1), time(1, 30), "America/New_York", offset)
    assert resolved.utc == datetime(2026, 11, 1, utc_hour, 30, tzinfo=UTC)
    assert resolved.utc_offset == offset


def test_an_offset_that_is_not_one_of_the_two_is_still_ambiguous() -> None:
    with pytest.raises(AmbiguousLocalTime):
        resolve_local_time(date(2026, 11, 1), time(1, 30), "America/New_York", "+01:00")


@pytest.mark.parametrize("zone", ["Mars/Olympus", "EST5EDT;rm", "", "../etc/passwd"])
def test_unknown_zones_are_refused(zone: str) -> None:
    with pytest.raises(UnknownZone):
        resolve_local_time(date(2026, 12, 1), time(9, 0), zone)


def test_instants_round_trip_in_the_fixed_sortable_format() -> None:
    instant = parse_instant("2026-12-01T20:00:00Z")
    assert to_iso_utc(instant) == "2026-12-01T20:00:00Z"
    assert parse_instant("2026-12-01T15:00:00-05:00") == instant
