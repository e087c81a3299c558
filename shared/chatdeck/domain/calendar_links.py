"""Links that add a member's calendar feed to their calendar app in one tap.

- `webcal://`: the feed's own address with the scheme swapped; Apple Calendar, Outlook and
  most desktop apps open it as a subscription (they fetch it over https).
- Google Calendar's subscribe-by-address form: `https://calendar.google.com/calendar/r?cid=`
  followed by the webcal address, percent-encoded; Google then asks the member to confirm.
- For one chat, Google's event template (`render?action=TEMPLATE`): a weekly event with the
  chat's next session, zone and RRULE, copied once into the member's calendar (not kept up to
  date, unlike the feed).

Every link is made from the member's own secret feed address, so they appear only on pages
that member sees, as the address does.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote, urlencode

from chatdeck.domain.chats import Chat
from chatdeck.domain.schedule import zone_named

GOOGLE_SUBSCRIBE = "https://calendar.google.com/calendar/r?cid="
GOOGLE_EVENT = "https://calendar.google.com/calendar/render?"


@dataclass(frozen=True)
class SubscribeLinks:
    feed: str  # https (or the local stack's http) address
    webcal: str
    google: str


def subscribe_links(feed_url: str) -> SubscribeLinks:
    scheme, sep, rest = feed_url.partition("://")
    webcal = f"webcal://{rest}" if sep and scheme.lower() in ("https", "http") else feed_url
    return SubscribeLinks(feed_url, webcal, GOOGLE_SUBSCRIBE + quote(webcal, safe=""))


def google_event_link(chat: Chat, next_start: datetime) -> str:
    """Google Calendar's form for one weekly event: the chat from its next session on, in its
    own zone (`next_start` is converted to it)."""
    recurrence = chat.recurrence
    local = next_start.astimezone(zone_named(recurrence.zone)).replace(tzinfo=None)
    end = local + timedelta(minutes=recurrence.duration_minutes)
    day = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[recurrence.weekday]
    rule = f"RRULE:FREQ=WEEKLY;INTERVAL={recurrence.every_weeks};BYDAY={day}"
    details = f"Follow {' '.join([chat.hashtag, *chat.extra_tags])} on {chat.network_names}."
    query = {
        "action": "TEMPLATE",
        "text": chat.summary,
        "dates": f"{local:%Y%m%dT%H%M%S}/{end:%Y%m%dT%H%M%S}",
        "ctz": recurrence.zone,
        "recur": rule,
        "details": f"{details}\n{chat.link}" if chat.link else details,
    }
    return GOOGLE_EVENT + urlencode(query)
