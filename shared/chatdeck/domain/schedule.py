"""Local wall-clock times in IANA zones, resolved to UTC instants (docs/architecture.md, "Time").

A local time inside a spring-forward gap does not exist: it is refused, naming the gap and the
first valid time. A local time inside a fall-back overlap exists twice: it is refused until the
author picks one of the two UTC offsets.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import AfterValidator

ISO_UTC = "%Y-%m-%dT%H:%M:%SZ"


class UnknownZone(ValueError):
    def __init__(self, zone: str) -> None:
        super().__init__(f"“{zone}” is not a time zone we know. Pick one such as America/New_York.")


class NonexistentLocalTime(ValueError):
    """The clocks skip this wall time (spring forward)."""

    def __init__(self, wall: datetime, first_valid: datetime) -> None:
        self.first_valid = first_valid
        super().__init__(
            f"{wall:%H:%M} does not exist on {wall:%Y-%m-%d} in {wall.tzinfo}: the clocks "
            f"spring forward past it. The first valid time is {first_valid:%H:%M}."
        )


class AmbiguousLocalTime(ValueError):
    """The clocks pass this wall time twice (fall back)."""

    def __init__(self, wall: datetime, offsets: tuple[str, str]) -> None:
        self.offsets = offsets
        super().__init__(
            f"{wall:%H:%M} happens twice on {wall:%Y-%m-%d} in {wall.tzinfo} as the clocks fall "
            f"back: choose UTC{offsets[0]} (the first) or UTC{offsets[1]} (the second)."
        )


@dataclass(frozen=True)
class ResolvedTime:
    utc: datetime
    utc_offset: str


def zone_named(name: str) -> ZoneInfo:
    if name not in known_zones():
        raise UnknownZone(name)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise UnknownZone(name) from error


@lru_cache(maxsize=1)
def known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def checked_zone(name: str) -> str:
    """A validator for pydantic fields: the name of a zone we know, or a clear message."""
    try:
        zone_named(name)
    except UnknownZone as error:
        raise ValueError(str(error)) from None
    return name


IanaZone = Annotated[str, AfterValidator(checked_zone)]


def format_offset(delta: timedelta | None) -> str:
    minutes = int((delta or timedelta()).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{mins:02d}"


def resolve_local_time(
    day: date, wall_time: time, zone_name: str, chosen_offset: str | None = None
) -> ResolvedTime:
    """The UTC instant of a wall time in a zone; raises for gaps and unresolved overlaps."""
    zone = zone_named(zone_name)
    earlier = datetime.combine(day, wall_time, tzinfo=zone)
    later = earlier.replace(fold=1)
    if not _exists(earlier):
        raise NonexistentLocalTime(earlier, _first_valid_after(earlier))
    offsets = (format_offset(earlier.utcoffset()), format_offset(later.utcoffset()))
    if offsets[0] == offsets[1]:
        chosen = earlier
    elif chosen_offset in offsets:
        chosen = earlier if chosen_offset == offsets[0] else later
    else:
        raise AmbiguousLocalTime(earlier, offsets)
    return ResolvedTime(utc=chosen.astimezone(UTC), utc_offset=format_offset(chosen.utcoffset()))


def _exists(wall: datetime) -> bool:
    round_trip = wall.astimezone(UTC).astimezone(wall.tzinfo)
    return round_trip.replace(tzinfo=None, fold=0) == wall.replace(tzinfo=None, fold=0)


def _first_valid_after(wall: datetime) -> datetime:
    # Gaps are whole minutes long and at most a day (Samoa skipped 30 December 2011).
    candidate = wall.replace(second=0, microsecond=0)
    for _ in range(24 * 60 + 1):
        candidate += timedelta(minutes=1)
        if _exists(candidate):
            return candidate
    raise NonexistentLocalTime(wall, wall)  # pragma: no cover - no zone has a longer gap


def to_iso_utc(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime(ISO_UTC)


def from_iso_utc(text: str) -> datetime:
    return datetime.strptime(text, ISO_UTC).replace(tzinfo=UTC)


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant such as the scheduler's `2026-12-01T20:00:00Z`, made aware in UTC."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
