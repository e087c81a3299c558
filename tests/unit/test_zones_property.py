"""Time zones, by search: for any local date and time a teacher picks in any of 24 IANA zones, the
post's UTC instant, the local time shown back (Post.local_label, the queue's `local_time`), a
chat's session start, its reminder time and its iCal occurrence all agree; a time the clocks skip
is refused naming the first valid time, and one they pass twice offers both offsets.

The zones cover both DST edges north and south (New York, London, Sydney, Santiago), half-hour
(Kolkata, Adelaide, St John's, Lord Howe's half-hour DST) and 45-minute offsets (Kathmandu, Eucla,
Chatham), Dublin's negative DST, Casablanca's Ramadan reversals, and zones whose rules changed
(Mexico City and Tehran dropped DST in 2022, Volgograd moved in 2018 and back in 2020, Samoa
dropped it in 2021, São Paulo in 2019).

The oracle is independent of chatdeck.domain.schedule: it only converts UTC instants to local
time (which is never ambiguous) and finds the transitions by bisection, so "exists", "happens
twice" and "first valid time" are worked out from the zone's offsets, not from the code under
test. Three in four picked times fall within 90 minutes of a transition, so gaps and folds come up
in most runs. Derandomized: a clean clone's run is the same every time.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest
import vobject
import vobject.icalendar
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatdeck.domain.calendar_feed import feed
from chatdeck.domain.chats import Chat, Occurrence, Recurrence, Subscription, occurrence_on
from chatdeck.domain.chats import occurrences as chat_occurrences
from chatdeck.domain.limits import X_RULE
from chatdeck.domain.posts import FieldErrors, Post, post_from_form
from chatdeck.domain.schedule import (
    AmbiguousLocalTime,
    NonexistentLocalTime,
    format_offset,
    resolve_local_time,
)
from chatdeck.services.reminders import _due as reminder_due
from chatdeck.web.posts import post_as_json

ZONES = (
    "UTC",
    "America/New_York",
    "America/Los_Angeles",
    "America/St_Johns",
    "America/Santiago",
    "America/Sao_Paulo",
    "America/Mexico_City",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Berlin",
    "Europe/Volgograd",
    "Africa/Casablanca",
    "Asia/Tehran",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Tokyo",
    "Australia/Adelaide",
    "Australia/Eucla",
    "Australia/Lord_Howe",
    "Australia/Sydney",
    "Pacific/Chatham",
    "Pacific/Auckland",
    "Pacific/Apia",
    "Pacific/Kiritimati",
)
FIRST_DAY, LAST_DAY = date(2018, 1, 1), date(2030, 12, 31)
MINUTE = timedelta(minutes=1)
FAST = settings(
    max_examples=250,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# The oracle: a zone's transitions and what a wall time is in it, from UTC → local only.


@dataclass(frozen=True)
class Transition:
    at: datetime  # the first UTC minute of the new offset
    before: timedelta
    after: timedelta


def offset_at(zone: ZoneInfo, instant: datetime) -> timedelta:
    found = instant.astimezone(zone).utcoffset()
    assert found is not None
    return found


@cache
def transitions(zone_name: str) -> tuple[Transition, ...]:
    """Every change of the zone's UTC offset from FIRST_DAY to LAST_DAY, to the minute."""
    zone = ZoneInfo(zone_name)
    found = []
    step = timedelta(hours=6)
    instant = datetime.combine(FIRST_DAY, time(), tzinfo=UTC)
    end = datetime.combine(LAST_DAY, time(), tzinfo=UTC)
    current = offset_at(zone, instant)
    while instant < end:
        following = instant + step
        offset = offset_at(zone, following)
        if offset != current:
            low, high = instant, following  # offset(low) == current, offset(high) != current
            while high - low > MINUTE:
                middle = low + (high - low) / 2
                middle = middle.replace(second=0, microsecond=0)
                if offset_at(zone, middle) == current:
                    low = middle
                else:
                    high = middle
            found.append(Transition(high, current, offset_at(zone, high)))
            current = offset
        instant = following
    return tuple(found)


def instants_of(wall: datetime, zone_name: str) -> list[datetime]:
    """Every UTC instant whose local time in the zone is `wall` (naive): none in a gap, two in a
    fold, earlier first."""
    zone = ZoneInfo(zone_name)
    guess = wall.replace(tzinfo=UTC)
    offsets = {offset_at(zone, guess + timedelta(hours=h)) for h in range(-30, 31, 6)}
    offsets |= {t.before for t in transitions(zone_name)} | {
        t.after for t in transitions(zone_name)
    }
    found = {
        guess - offset
        for offset in offsets
        if (guess - offset).astimezone(zone).replace(tzinfo=None) == wall
    }
    return sorted(found)


def first_valid(wall: datetime, zone_name: str) -> datetime:
    """For a wall time in a gap: the local time the clocks spring to (naive)."""
    for change in transitions(zone_name):
        start = (change.at + change.before).replace(tzinfo=None)
        end = (change.at + change.after).replace(tzinfo=None)
        if start <= wall < end:
            return end
    raise AssertionError(f"{wall} in {zone_name} is in no gap")


# Strategies: any minute in the years covered, or one near a transition.


@st.composite
def picks(draw: st.DrawFn) -> tuple[str, datetime]:
    zone_name = draw(st.sampled_from(ZONES))
    changes = transitions(zone_name)
    near_a_change = draw(st.integers(0, 3)) > 0  # three times in four
    if changes and near_a_change:
        change = draw(st.sampled_from(changes))
        near = change.at + draw(st.sampled_from((change.before, change.after)))
        minutes = draw(st.one_of(st.integers(-1, 61), st.integers(-90, 90)))
        wall = near.replace(tzinfo=None) + minutes * MINUTE
    else:
        wall = draw(
            st.datetimes(
                min_value=datetime.combine(FIRST_DAY, time()),
                max_value=datetime.combine(LAST_DAY, time(23, 59)),
            )
        ).replace(second=0, microsecond=0)
    return zone_name, wall


def shown(wall: datetime, offset: timedelta, zone_name: str) -> str:
    """How Post.local_label shows a local time."""
    return f"{wall:%a %d %b %Y}, {wall:%H:%M} {zone_name} (UTC{format_offset(offset)})"


def post_form(wall: datetime, zone_name: str, offset: str | None = None) -> dict[str, str]:
    form = {
        "submission_id": "zones-0001",
        "text": "Join #edtechchat tonight.",
        "local_date": wall.date().isoformat(),
        "local_time": f"{wall:%H:%M}",
        "zone": zone_name,
    }
    return form | ({"utc_offset": offset} if offset else {})


def schedule(form: dict[str, str], now: datetime) -> Post:
    return post_from_form(
        form,
        now,
        author_name="A Teacher",
        author_email="t@school.example",
        targets=[("x", "cohort")],
        rules=[X_RULE],
    )


def a_week_ahead_of(wall: datetime) -> datetime:
    """A `now` from which the wall time (whichever zone) is within the year posts may be set."""
    return wall.replace(tzinfo=UTC) - timedelta(days=7)


@settings(FAST)
@given(picks())
def test_a_picked_time_resolves_shows_and_posts_as_the_same_instant(
    pick: tuple[str, datetime],
) -> None:
    zone_name, wall = pick
    zone = ZoneInfo(zone_name)
    instants = instants_of(wall, zone_name)
    now = a_week_ahead_of(wall)
    day, at = wall.date(), wall.time()

    if not instants:  # the clocks skip it: refused, naming the first valid time
        valid = first_valid(wall, zone_name)
        with pytest.raises(NonexistentLocalTime) as gap:
            resolve_local_time(day, at, zone_name)
        assert gap.value.first_valid.replace(tzinfo=None) == valid
        with pytest.raises(FieldErrors) as refused:
            schedule(post_form(wall, zone_name), now)
        assert f"The first valid time is {valid:%H:%M}." in refused.value.errors["local_time"]
        return

    offsets = [format_offset(offset_at(zone, i)) for i in instants]
    if len(instants) == 2:  # the clocks pass it twice: both offsets offered, each its own
        with pytest.raises(AmbiguousLocalTime) as fold:
            resolve_local_time(day, at, zone_name)
        assert list(fold.value.offsets) == offsets
        with pytest.raises(FieldErrors) as asked:
            schedule(post_form(wall, zone_name), now)
        assert list(asked.value.offset_choices) == offsets
        for offset in offsets:
            assert f"UTC{offset}" in asked.value.errors["local_time"]
    else:
        assert len(instants) == 1, instants

    for instant, offset in zip(instants, offsets, strict=True):
        chosen = offset if len(instants) == 2 else None
        resolved = resolve_local_time(day, at, zone_name, chosen)
        assert (resolved.utc, resolved.utc_offset) == (instant, offset)
        post = schedule(post_form(wall, zone_name, chosen), now)
        assert post.due_utc == instant
        assert post.local_label == shown(wall, offset_at(zone, instant), zone_name)
        listed = post_as_json(post)
        assert datetime.fromisoformat(listed["local_time"]) == instant
        assert listed["local_time"][:16] == f"{wall:%Y-%m-%dT%H:%M}"
        assert listed["due_utc"] == f"{instant:%Y-%m-%dT%H:%M:%SZ}"


def expected_start(wall: datetime, zone_name: str) -> datetime:
    """When a chat set for this local time starts: the first valid time after a gap, the first
    of two in a fold."""
    instants = instants_of(wall, zone_name) or instants_of(first_valid(wall, zone_name), zone_name)
    return instants[0]


def a_chat(wall: datetime, zone_name: str, weeks_before: int) -> Chat:
    first = wall.date() - timedelta(weeks=weeks_before)
    recurrence = Recurrence(
        weekday=first.weekday(),
        start=wall.time(),
        zone=zone_name,
        duration_minutes=60,
        first_date=first,
    )
    return Chat(id="zones", name="Zones", hashtag="#zones", networks=["x"], recurrence=recurrence)


@settings(FAST)
@given(picks(), st.integers(0, 3), st.integers(5, 24 * 60))
def test_a_chat_starts_and_reminds_when_its_local_time_says(
    pick: tuple[str, datetime], weeks_before: int, lead: int
) -> None:
    zone_name, wall = pick
    chat = a_chat(wall, zone_name, weeks_before)
    start = expected_start(wall, zone_name)

    session = occurrence_on(chat, wall.date())
    assert session is not None and session.start_utc == start
    assert chat_occurrences(chat, start - MINUTE, start + MINUTE) == [session]
    local = start.astimezone(ZoneInfo(zone_name)).replace(tzinfo=None)
    assert local == (wall if instants_of(wall, zone_name) else first_valid(wall, zone_name))

    reminded = Subscription(
        chat_id=chat.id, email="t@school.example", reminders=True, digests=False, lead_minutes=lead
    )
    remind_at = start - timedelta(minutes=lead)
    assert reminder_due(reminded, session, remind_at)
    assert not reminder_due(reminded, session, remind_at - MINUTE)


@contextmanager
def vobject_with_no_zones() -> Iterator[None]:
    """vobject keeps every calendar's zones in one global map: each read starts with none, so
    a zone comes from the feed being read (as in tests/unit/test_calendar_feed.py)."""
    saved = vars(vobject.icalendar)["__tzidMap"]
    vars(vobject.icalendar)["__tzidMap"] = {"UTC": vobject.icalendar.getTzid("UTC")}
    try:
        yield
    finally:
        vars(vobject.icalendar)["__tzidMap"] = saved


def ical_starts(chat: Chat, around: datetime) -> list[datetime]:
    """The chat's starts within a day of `around`, as a calendar app reads its feed: vobject,
    each TZID resolved by the feed's own VTIMEZONE."""
    data = feed([chat], "Zones", stamp=around - timedelta(days=30))
    with vobject_with_no_zones():
        text = data.decode("utf-8")
        for vtimezone in vobject.readOne(text).contents.get("vtimezone", []):
            vobject.icalendar.registerTzid(vtimezone.tzid.value, vtimezone.gettzinfo())
        (event,) = vobject.readOne(text).vevent_list
        rules = event.getrruleset(addRDate=True)
        found = rules.between(around - timedelta(days=1), around + timedelta(days=1), inc=True)
    return [start.astimezone(UTC) for start in found]


@settings(FAST, max_examples=80)
@given(picks(), st.integers(0, 3))
def test_the_ical_occurrence_is_the_session_chatdeck_keeps(
    pick: tuple[str, datetime], weeks_before: int
) -> None:
    zone_name, wall = pick
    chat = a_chat(wall, zone_name, weeks_before)
    session = occurrence_on(chat, wall.date())
    assert isinstance(session, Occurrence)
    assert ical_starts(chat, session.start_utc) == [session.start_utc]


def test_the_zones_cover_every_kind_of_edge() -> None:
    """The suite's zones have what the search needs: at least 20, gaps and folds, half-hour and
    45-minute offsets, and zones whose rules changed within the years searched."""
    assert len(set(ZONES)) >= 20
    kinds = {"gap": False, "fold": False}
    for zone_name in ZONES:
        for change in transitions(zone_name):
            kinds["gap" if change.after > change.before else "fold"] = True
    assert kinds == {"gap": True, "fold": True}
    offsets = {
        format_offset(offset_at(ZoneInfo(z), datetime(2026, 1, 15, tzinfo=UTC))) for z in ZONES
    }
    assert {"+05:30", "+10:30", "+05:45", "+08:45", "+13:45"} <= offsets
    # Mexico City's last change was in October 2022; Volgograd's in December 2020.
    assert transitions("America/Mexico_City")[-1].at.date() == date(2022, 10, 30)
    assert transitions("Europe/Volgograd")[-1].at.date() == date(2020, 12, 26)
