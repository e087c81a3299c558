"""After a chat: its digest, emailed once to each digest subscriber, and shown as a page.

Before a digest is built its shortened links are expanded (`links`, a LinkExpander: bounded and
cached; the companion's asks the shorteners, the web function's only reads what is cached), so
links group by where they lead. The moderators an admin set for the session (its archive's
`moderator_override`) are taken instead of inferring them; correcting them rebuilds the page's
digest, and the emailed one if it has not gone out (one already sent is not sent again:
services/session_moderators.py says why).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from chatdeck.domain.archive import ArchivedPost, ArchiveSession
from chatdeck.domain.chats import Chat, Occurrence
from chatdeck.domain.digest import Digest, digest_for_occurrence
from chatdeck.domain.errors import NotFound
from chatdeck.domain.short_links import expansion_order, with_expanded_links
from chatdeck.notifications.notices import Notices
from chatdeck.ports import ArchiveStore, ChatStore, LinkExpander, SubscriptionStore
from chatdeck.services.membership import Membership
from chatdeck.services.session_moderators import (
    SessionAuthor,
    chosen_moderators,
    session_authors,
)


@dataclass(frozen=True)
class SessionPage:
    """What a past session's page shows: its digest, its archive's record, and (for admins
    correcting its moderators) who posted in it."""

    digest: Digest
    archive: ArchiveSession
    authors: tuple[SessionAuthor, ...] = field(default=())


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
        links: LinkExpander | None = None,
    ) -> None:
        self.links = links
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
        digest = digest_for_occurrence(
            chat,
            occurrence,
            self._with_links_expanded(archive.posts),
            earlier,
            moderator_override=archive.session.moderator_override,
        )
        return SessionPage(digest, archive.session, session_authors(archive.posts))

    def correct_moderators(self, occurrence: Occurrence, values: Mapping[str, str]) -> None:
        """Keep the session's moderators as the admin's form ticks them among its authors (or
        infer them again); raises ModeratorChoiceRefused, keeping nothing."""
        archive = self.archive.session(occurrence.id)
        if archive is None:
            raise NotFound("This session has no archive yet.")
        moderators = chosen_moderators(values, session_authors(archive.posts))
        if not self.archive.set_moderators(occurrence.id, moderators):
            raise NotFound("This session has no archive yet.")  # pragma: no cover - just read

    def _with_links_expanded(self, posts: list[ArchivedPost]) -> list[ArchivedPost]:
        short = expansion_order(posts)
        if self.links is None or not short:
            return posts
        return with_expanded_links(posts, self.links.expand(short))

    def _send(self, chat: Chat, occurrence: Occurrence, digest: Digest, now: datetime) -> int:
        sent = 0
        for subscription in self.subscriptions.subscribers(chat.id):
            member = self.membership.member(subscription.email) if subscription.digests else None
            if member is not None:
                sent += self.notices.digest(chat, occurrence, digest, member, now)
        return sent
