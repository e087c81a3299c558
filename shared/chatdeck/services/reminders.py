"""Email reminders before each chat, at each member's chosen lead time, once per occurrence."""

from datetime import datetime, timedelta

from chatdeck.domain.chats import Occurrence, Subscription, occurrences
from chatdeck.notifications.notices import Notices
from chatdeck.ports import ChatStore, SubscriptionStore
from chatdeck.services.membership import Membership

LONGEST_LEAD = timedelta(days=1)


class Reminders:
    def __init__(
        self,
        chats: ChatStore,
        subscriptions: SubscriptionStore,
        membership: Membership,
        notices: Notices,
    ) -> None:
        self.chats = chats
        self.subscriptions = subscriptions
        self.membership = membership
        self.notices = notices

    def send_due(self, now: datetime) -> int:
        """Send every reminder whose time has come; answers how many went out now."""
        sent = 0
        for chat in self.chats.all():
            # The longest lead reminds exactly a day ahead: that start must be in the window.
            upcoming = occurrences(chat, now, now + LONGEST_LEAD + timedelta(minutes=1))
            if not upcoming:
                continue  # no subscriber is read for a chat that is not within a day
            subscribers = self.subscriptions.subscribers(chat.id)
            for occurrence in upcoming:
                for subscription in subscribers:
                    if not _due(subscription, occurrence, now):
                        continue
                    member = self.membership.member(subscription.email)
                    if member is not None:  # None: removed since subscribing
                        sent += self.notices.reminder(chat, occurrence, member, now)
        return sent


def _due(subscription: Subscription, occurrence: Occurrence, now: datetime) -> bool:
    remind_at = occurrence.start_utc - timedelta(minutes=subscription.lead_minutes)
    return subscription.reminders and remind_at <= now < occurrence.start_utc
