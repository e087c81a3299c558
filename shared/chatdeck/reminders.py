"""Email reminders before each chat, at each member's chosen lead time, once per occurrence."""

from datetime import datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from chatdeck.adapters.chats import DynamoChatStore
from chatdeck.domain.chats import Chat, Occurrence, Subscription, occurrences
from chatdeck.email_actions import EmailActions
from chatdeck.membership import Membership
from chatdeck.notices import Notices, render_email

LONGEST_LEAD = timedelta(days=1)


def join_link(chat: Chat) -> str:
    if chat.link:
        return str(chat.link)
    tag = quote(chat.hashtag)
    return {
        "x": f"https://x.com/search?q={tag}&f=live",
        "bluesky": f"https://bsky.app/hashtag/{chat.hashtag.lstrip('#')}",
    }.get(chat.network, f"https://x.com/search?q={tag}&f=live")


class Reminders:
    def __init__(
        self,
        chats: DynamoChatStore,
        membership: Membership,
        notices: Notices,
        email_actions: EmailActions,
    ) -> None:
        self.chats = chats
        self.membership = membership
        self.notices = notices
        self.email_actions = email_actions

    def send_due(self, now: datetime) -> int:
        """Send every reminder whose time has come; answers how many went out now."""
        sent = 0
        for chat in self.chats.all():
            upcoming = occurrences(chat, now, now + LONGEST_LEAD)
            if not upcoming:
                continue  # no subscriber is read for a chat that is not within a day
            for occurrence in upcoming:
                for subscription in self.chats.subscribers(chat.id):
                    if self._due(subscription, occurrence, now):
                        sent += self._remind(chat, occurrence, subscription, now)
        return sent

    @staticmethod
    def _due(subscription: Subscription, occurrence: Occurrence, now: datetime) -> bool:
        remind_at = occurrence.start_utc - timedelta(minutes=subscription.lead_minutes)
        return subscription.reminders and remind_at <= now < occurrence.start_utc

    def _remind(
        self, chat: Chat, occurrence: Occurrence, subscription: Subscription, now: datetime
    ) -> int:
        member = self.membership.member(subscription.email)
        if member is None:
            return 0  # removed since subscribing
        local_start = occurrence.start_utc.astimezone(ZoneInfo(member.zone))
        unsubscribe = self.email_actions.unsubscribe_url(member.email, chat.id, "reminders", now)
        email = render_email(
            "reminder",
            [member.email],
            chat=chat,
            member=member,
            local_start=local_start,
            questions=chat.questions.get(occurrence.local_date, []),
            join_url=join_link(chat),
            unsubscribe_url=unsubscribe,
        )
        email.headers.update(one_click_unsubscribe(unsubscribe))
        notice = f"reminder#{occurrence.id}#{member.email}"
        return 1 if self.notices.send_once(notice, email) else 0


def one_click_unsubscribe(url: str) -> dict[str, str]:
    """RFC 8058: mail clients offer an unsubscribe button that POSTs to this URL."""
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
