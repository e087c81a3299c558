"""Fetching a public chat calendar (an iCal address an admin pasted) for the chat import.

Through the outbound fetcher (adapters/outbound.py), so the address and every redirect must be
https to public addresses, with its size (domain/chat_import.MAX_CALENDAR_BYTES) and time limits.
Every failure becomes the domain's CalendarUnavailable, with a sentence an admin can act on.
"""

from collections.abc import Callable

from chatdeck.adapters.outbound import Outbound, OutboundError
from chatdeck.domain.chat_import import MAX_CALENDAR_BYTES, CalendarUnavailable

ACCEPT = "text/calendar, text/plain;q=0.5, */*;q=0.1"


def calendar_fetcher(outbound: Outbound) -> Callable[[str], bytes]:
    def fetch(url: str) -> bytes:
        try:
            fetched = outbound.get(url, max_bytes=MAX_CALENDAR_BYTES, accept=ACCEPT)
        except OutboundError as failed:
            raise CalendarUnavailable(
                f"The calendar could not be fetched: {failed.reason}"
            ) from None
        if fetched.status != 200:
            raise CalendarUnavailable(
                f"The calendar could not be fetched: its address answered {fetched.status}."
            )
        return fetched.body

    return fetch
