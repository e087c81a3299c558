"""After a chat: its digest, emailed once to each digest subscriber, and shown as a page."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from chatdeck.domain.archive import ArchiveSession
from chatdeck.domain.chats import Chat, Occurrence
from chatdeck.domain.digest import Digest, digest_for_occurrence
from chatdeck.notifications.notices import Notices
from chatdeck.ports import ArchiveStore, ChatStore, SubscriptionStore
from chatdeck.services.membership import Membership


@dataclass(frozen=True)
class SessionPage:
    """What a past session's page shows: its digest, and its archive's record."""

    digest: Digest
    archive: ArchiveSession


def occurrence_of(chat: Chat, session: ArchiveSession) -> Occurrence:
    local = session.start_utc.astimezone(ZoneInfo(chat.recurrence.zone))
    return Occurrence(chat.id, local.date(), session.start_utc, session.end_utc)


class Digests:
    def __init__(
        self,
        archive: ArchiveStore,
        chats: ChatStore,
        subscriptions: SubscriptionStore,
        membership: Membership,
        notices: Notices,
    ) -> None:
        self.archive = archive
        self.chats = chats
        self.subscriptions = subscriptions
        self.membership = membership
        self.notices = notices

    def send_ready(self, now: datetime) -> int:
        """Digest every session whose counts are in; answers how many emails went out."""
        sent = 0
        for session in self.archive.needing_work(now, "counted"):
            chat = self.chats.get(session.chat_id)
            if chat is None:  # the chat was removed; nobody to tell
                self.archive.advance(session, "digested", now)
                continue
            occurrence = occurrence_of(chat, session)
            digest = self.build(chat, occurrence)
            if digest is not None:
                sent += self._send(chat, occurrence, digest, now)
                self.chats.record_participants(chat.id, occurrence.id, set(digest.participant_ids))
            self.archive.advance(session, "digested", now)
        return sent

    def build(self, chat: Chat, occurrence: Occurrence) -> Digest | None:
        page = self.for_page(chat, occurrence)
        return None if page is None else page.digest

    def for_page(self, chat: Chat, occurrence: Occurrence) -> "SessionPage | None":
        """The digest, and the session (for admins: what it cost in reads and dollars)."""
        archive = self.archive.session(occurrence.id)
        if archive is None:
            return None
        earlier = self.chats.participants_before(chat.id, occurrence.id)
        digest = digest_for_occurrence(chat, occurrence, archive.posts, earlier)
        return SessionPage(digest, archive.session)

    def _send(self, chat: Chat, occurrence: Occurrence, digest: Digest, now: datetime) -> int:
        sent = 0
        for subscription in self.subscriptions.subscribers(chat.id):
            member = self.membership.member(subscription.email) if subscription.digests else None
            if member is not None:
                sent += self.notices.digest(chat, occurrence, digest, member, now)
        return sent
