"""After a chat: its digest, emailed once to each digest subscriber, and shown as a page."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from chatdeck.adapters.chats import DynamoChatStore
from chatdeck.domain.chats import Chat, Occurrence, session_path
from chatdeck.domain.digest import Digest, digest_for_occurrence
from chatdeck.email_actions import EmailActions
from chatdeck.membership import Membership
from chatdeck.notices import Notices, render_email
from chatdeck.ports import ArchiveSession, ArchiveStore
from chatdeck.reminders import one_click_unsubscribe


def occurrence_of(chat: Chat, session: ArchiveSession) -> Occurrence:
    local = session.start_utc.astimezone(ZoneInfo(chat.recurrence.zone))
    return Occurrence(chat.id, local.date(), session.start_utc, session.end_utc)


class Digests:
    def __init__(
        self,
        archive: ArchiveStore,
        chats: DynamoChatStore,
        membership: Membership,
        notices: Notices,
        email_actions: EmailActions,
        public_url: str,
    ) -> None:
        self.archive = archive
        self.chats = chats
        self.membership = membership
        self.notices = notices
        self.email_actions = email_actions
        self.public_url = public_url.rstrip("/")

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
        return None if page is None else page["digest"]

    def for_page(self, chat: Chat, occurrence: Occurrence) -> dict[str, Any] | None:
        """The digest, and the session (for admins: what it cost in reads and dollars)."""
        archive = self.archive.session(occurrence.id)
        if archive is None:
            return None
        earlier = self.chats.participants_before(chat.id, occurrence.id)
        digest = digest_for_occurrence(chat, occurrence, archive.posts, earlier)
        return {"digest": digest, "archive": archive.session}

    def _send(self, chat: Chat, occurrence: Occurrence, digest: Digest, now: datetime) -> int:
        sent = 0
        for subscription in self.chats.subscribers(chat.id):
            member = self.membership.member(subscription.email) if subscription.digests else None
            if member is None:
                continue
            unsubscribe = self.email_actions.unsubscribe_url(member.email, chat.id, "digests", now)
            email = render_email(
                "digest",
                [member.email],
                digest=digest,
                member=member,
                session_url=self.public_url + session_path(occurrence),
                unsubscribe_url=unsubscribe,
            )
            email.headers.update(one_click_unsubscribe(unsubscribe))
            if self.notices.send_once(f"digest#{occurrence.id}#{member.email}", email):
                sent += 1
        return sent
