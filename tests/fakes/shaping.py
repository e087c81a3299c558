"""How the adapters shape what they store, copied by the fakes: whole seconds, UTC."""

from datetime import UTC, datetime

ISO_UTC = "%Y-%m-%dT%H:%M:%SZ"


def iso(instant: datetime) -> str:
    """An instant as the adapters store it (and compare it): whole seconds, UTC."""
    return instant.astimezone(UTC).strftime(ISO_UTC)


def second(instant: datetime) -> datetime:
    """An instant as the adapters read it back."""
    return datetime.strptime(iso(instant), ISO_UTC).replace(tzinfo=UTC)


def epoch_second(instant: datetime) -> datetime:
    """An instant stored as epoch seconds (a TTL attribute), as read back."""
    return datetime.fromtimestamp(int(instant.timestamp()), UTC)


def maybe_second(instant: datetime | None) -> datetime | None:
    return None if instant is None else second(instant)
