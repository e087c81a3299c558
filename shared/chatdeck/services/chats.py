"""The chat calendar: chats in each member's time zone, subscriptions, feeds and session pages.

Admins add, change and remove chats, skip sessions and plan questions; every member sees the
calendar in their own zone and chooses reminders and digests per chat. A chat's id comes from
its hashtag, and adding one is a single conditional write, so two admins adding the same
hashtag at once make one chat. Calendar feeds are public at a secret URL, each member's own
(domain/feed_addresses.py): a member can renew theirs, removal ends it, and an unknown, renewed
or ended address answers 404 like any unknown page. Unsubscribe links carry a signed token and
work without signing in.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from chatdeck.domain.action_tokens import InvalidToken
from chatdeck.domain.chat_form import chat_from_form, chat_id_for
from chatdeck.domain.chats import (
    NETWORK_NAMES,
    SESSION_START,
    Chat,
    Occurrence,
    Subscription,
    UnknownChat,
    clean_questions,
    occurrences,
    session_path,
)
from chatdeck.domain.errors import NotFound, Refused
from chatdeck.domain.feed_addresses import MAX_TOKEN_LENGTH, FeedSeed, token_hash
from chatdeck.domain.members import Member, must_be_admin
from chatdeck.domain.posts import FieldErrors, readable_error
from chatdeck.notifications.email_actions import EmailActions
from chatdeck.ports import ChatStore, ConnectionStore, SubscriptionStore, UnsubscribeFrom
from chatdeck.services.counts import READING_ACCOUNT
from chatdeck.services.digests import Digests, SessionPage

UPCOMING = timedelta(weeks=5)
MAX_ID_LENGTH = 64
ALL_CHATS_FEED = "all.ics"
EXPIRED_LINK = "This unsubscribe link is not valid any more; sign in to change your subscriptions."
UNSUBSCRIBE_FROM: dict[str, UnsubscribeFrom] = {
    "reminders": "reminders",
    "digests": "digests",
    "all": "all",
}


class Members(Protocol):
    """Who is in the cohort (services.membership.Membership)."""

    def member(self, email: str) -> Member | None: ...


@dataclass(frozen=True)
class LocalSession:
    """A session as a member sees it: its start in their zone, and its page."""

    occurrence: Occurrence
    start: datetime
    path: str


@dataclass(frozen=True)
class CalendarRow:
    chat: Chat
    next: LocalSession | None
    subscription: Subscription | None


@dataclass(frozen=True)
class ChatPage:
    chat: Chat
    upcoming: list[LocalSession]
    past: list[LocalSession]  # the most recent first
    subscription: Subscription
    notes: tuple[str, ...] = ()  # for admins: why a network of the chat cannot be followed


@dataclass(frozen=True)
class UnsubscribeLink:
    chat: Chat | None
    chat_id: str
    email: str
    what: UnsubscribeFrom

    @property
    def emails(self) -> str:
        """What stops, in words: "reminders", "digests", or (all of them) "emails"."""
        return "emails" if self.what == "all" else self.what


@dataclass(frozen=True)
class Feed:
    name: str
    body: bytes


class ChatCalendar:
    def __init__(
        self,
        chats: ChatStore,
        subscriptions: SubscriptionStore,
        digests: Digests,
        email_actions: EmailActions,
        members: Members,
        connections: Mapping[str, ConnectionStore] | None = None,
        hashtag_feeds_open: Callable[[str], bool] | None = None,
    ) -> None:
        self.chats = chats
        self.subscriptions = subscriptions
        self.digests = digests
        self.email_actions = email_actions
        self.members = members  # a feed's owner must still be a member
        # The cohort's Bluesky and Mastodon connections, which read their chats, and whether a
        # Mastodon instance keeps its hashtag feeds open: what the chat page tells admins.
        self.connections = dict(connections or {})
        self.hashtag_feeds_open = hashtag_feeds_open

    # What members see

    def calendar(self, member: Member, now: datetime) -> list[CalendarRow]:
        """Every chat with its next session in the member's zone, the soonest first."""
        rows = []
        for chat in self.chats.all():
            upcoming = occurrences(chat, now, now + UPCOMING)
            rows.append(
                CalendarRow(
                    chat=chat,
                    next=_local(upcoming[0], member.zone) if upcoming else None,
                    subscription=self.subscriptions.subscription(chat.id, member.email),
                )
            )
        never = datetime.max.replace(tzinfo=now.tzinfo)
        return sorted(rows, key=lambda row: row.next.start if row.next else never)

    def chat(self, chat_id: str) -> Chat:
        chat = self.chats.get(chat_id) if len(chat_id) <= MAX_ID_LENGTH else None
        if chat is None:
            raise UnknownChat(chat_id)
        return chat

    def chat_page(self, member: Member, chat_id: str, now: datetime) -> ChatPage:
        chat = self.chat(chat_id)
        past = occurrences(chat, now - UPCOMING, now)
        return ChatPage(
            chat=chat,
            upcoming=[_local(o, member.zone) for o in occurrences(chat, now, now + UPCOMING)],
            past=[_local(o, member.zone) for o in reversed(past)],
            subscription=self.subscriptions.subscription(chat.id, member.email)
            or Subscription(chat_id=chat.id, email=member.email, reminders=False, digests=False),
            notes=tuple(self.reading_problems(chat)) if member.is_admin else (),
        )

    def reading_problems(self, chat: Chat) -> list[str]:
        """Why the cohort cannot follow the chat on one of its networks, one sentence each: no
        Bluesky or Mastodon account connected to read it, or a Mastodon instance whose hashtag
        feeds are off (its hashtag timeline answers an empty list)."""
        problems = []
        for network in chat.networks:
            store = self.connections.get(network)
            if store is None:
                continue
            name = NETWORK_NAMES[network]
            stored = store.get(READING_ACCOUNT, decrypt=False)
            if stored is None or not stored.connected:
                problems.append(
                    f"The cohort has no {name} account connected, so Chatdeck cannot follow "
                    f"this chat on {name}: connect one on the Accounts page."
                )
                continue
            instance = stored.user.server
            feeds_open = self.hashtag_feeds_open
            if network == "mastodon" and instance and feeds_open and not feeds_open(instance):
                problems.append(
                    f"The cohort's Mastodon instance ({instance}) has turned its hashtag feeds "
                    "off, so Chatdeck sees none of this chat's posts there. Connect the cohort's "
                    "account on an instance that keeps them open, or ask its admins."
                )
        return problems

    def session(self, chat_id: str, start: str) -> tuple[Chat, SessionPage | None]:
        """A past session's chat, and its digest and archive (None while it has no archive)."""
        chat, occurrence = self._session_occurrence(chat_id, start)
        return chat, self.digests.for_page(chat, occurrence)

    def correct_moderators(
        self, admin: Member, chat_id: str, start: str, values: Mapping[str, str]
    ) -> None:
        """Keep who moderated a past session as an admin ticked them among its authors (or
        infer them again); raises ModeratorChoiceRefused naming what is wrong, keeping nothing."""
        must_be_admin(admin)
        _, occurrence = self._session_occurrence(chat_id, start)
        self.digests.correct_moderators(occurrence, values)

    def _session_occurrence(self, chat_id: str, start: str) -> tuple[Chat, Occurrence]:
        chat = self.chat(chat_id)
        try:
            when = datetime.strptime(start, SESSION_START).replace(tzinfo=ZoneInfo("UTC"))
            found = occurrences(chat, when, when + timedelta(minutes=1))
        except (ValueError, OverflowError):  # not a time, or one off the calendar
            raise NotFound("No such session.") from None
        matching = [o for o in found if o.start_utc == when]
        if not matching:
            raise NotFound("No such session.")
        return chat, matching[0]

    # Admins' changes

    def add(self, admin: Member, values: Mapping[str, str]) -> Chat:
        """A new chat; its id is the hashtag in URL-safe letters (#café_chat -> caf_chat)."""
        must_be_admin(admin)
        chat = chat_from_form(values, chat_id=chat_id_for(values.get("hashtag", "")))
        if not self.chats.add(chat):
            raise FieldErrors({"hashtag": f"The cohort already follows {chat.hashtag}."})
        return chat

    def change(self, admin: Member, chat_id: str, values: Mapping[str, str]) -> Chat:
        """The chat as the form has it. Skips and planned questions are kept: they are managed
        on the chat's page, not in its form."""
        must_be_admin(admin)
        chat = self.chat(chat_id)
        return self.chats.change(chat_from_form(values, chat_id=chat.id))

    def remove(self, admin: Member, chat_id: str) -> None:
        must_be_admin(admin)
        if not self.chats.remove(self.chat(chat_id).id):
            raise UnknownChat(chat_id)

    def skip(self, admin: Member, chat_id: str, local_date: str) -> Chat:
        must_be_admin(admin)
        chat = self.chat(chat_id)
        return self.chats.skip(chat.id, _session_date(chat, local_date))

    def plan_questions(self, admin: Member, chat_id: str, local_date: str, questions: str) -> Chat:
        must_be_admin(admin)
        chat = self.chat(chat_id)
        day = _session_date(chat, local_date)
        try:
            lines = clean_questions(questions.splitlines())
        except ValueError as invalid:
            raise Refused(str(invalid)) from None
        return self.chats.set_questions(chat.id, day, lines)

    # Subscriptions

    def subscribe(self, member: Member, chat_id: str, values: Mapping[str, str]) -> Subscription:
        chat = self.chat(chat_id)
        try:
            subscription = Subscription(
                chat_id=chat.id,
                email=member.email,
                reminders=values.get("reminders") == "on",
                digests=values.get("digests") == "on",
                lead_minutes=values.get("lead_minutes") or 30,
            )
        except ValidationError as invalid:
            problem = invalid.errors()[0]
            if problem["loc"] == ("lead_minutes",):
                raise Refused(
                    "Choose how many minutes before the chat to be reminded."
                    if problem["type"].endswith("parsing")
                    else "Reminders can come 5 minutes to a day before a chat."
                ) from None
            raise Refused(readable_error(problem)) from None
        self.subscriptions.subscribe(subscription)
        return subscription

    def unsubscribe_link(self, token: str, now: datetime) -> UnsubscribeLink:
        """What an unsubscribe link is for, if it is genuine; changes nothing."""
        try:
            subject = self.email_actions.verify(token, "unsubscribe", now)
        except InvalidToken:
            raise Refused(EXPIRED_LINK) from None
        chat_id, email, what = (str(subject.get(k, "")) for k in ("chat", "email", "what"))
        if what not in UNSUBSCRIBE_FROM:
            raise Refused(EXPIRED_LINK)
        return UnsubscribeLink(self.chats.get(chat_id), chat_id, email, UNSUBSCRIBE_FROM[what])

    def unsubscribe(self, token: str, now: datetime) -> UnsubscribeLink:
        link = self.unsubscribe_link(token, now)
        self.subscriptions.unsubscribe(link.chat_id, link.email, link.what)
        return link

    # Calendar feeds

    def feed_path(self, member: Member, file: str = ALL_CHATS_FEED) -> str:
        """The member's secret path of the cohort's feed, or of one chat's (`<chat id>.ics`);
        their address is made the first time it is asked for."""
        seed = self.chats.feed_seed(member.email)
        if seed is None:
            made = self.email_actions.new_feed_seed(member.email)
            stored = self.chats.set_feed_seed(made, None)
            # Two first page loads at once: the one that lost shows the one that was stored.
            seed = made if stored else self.chats.feed_seed(member.email)
        if seed is None:  # stored, and ended at once: the member is being removed
            raise NotFound("No such calendar.")
        return self._path(seed, file)

    def renew_feed(self, member: Member) -> str:
        """A new address for the member's feeds; the old one stops working at once. The path
        of their feed of every chat."""
        current = self.chats.feed_seed(member.email)
        made = self.email_actions.new_feed_seed(member.email)
        if not self.chats.set_feed_seed(made, current):  # renewed just now by another request
            return self.feed_path(member)
        return self._path(made)

    def _path(self, seed: FeedSeed, file: str = ALL_CHATS_FEED) -> str:
        return f"/calendar/{self.email_actions.feed_token(seed)}/{file}"

    def feed(self, token: str, file: str) -> Feed:
        """A calendar feed, if the token in its URL is a current member's current one (removal
        revokes the address; the membership check also covers an address made by a request
        that raced the removal)."""
        owner = self.chats.feed_owner(token_hash(token)) if len(token) <= MAX_TOKEN_LENGTH else None
        if owner is None or self.members.member(owner) is None:
            raise NotFound("No such calendar.")
        chats = self.chats.all()
        name = "Chatdeck: the cohort's chats"
        if file != ALL_CHATS_FEED:
            chats = [c for c in chats if f"{c.id}.ics" == file]
            if not chats:
                raise NotFound("No such calendar.")
            name = chats[0].name
        from chatdeck.domain.calendar_feed import feed  # icalendar loads only for calendar apps

        return Feed(name, feed(chats, name))


def _local(occurrence: Occurrence, zone: str) -> LocalSession:
    start = occurrence.start_utc.astimezone(ZoneInfo(zone))
    return LocalSession(occurrence, start, session_path(occurrence))


def _session_date(chat: Chat, text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise Refused("Choose a date such as 2026-12-07.") from None
    if not chat.recurrence.falls_on(day):
        raise Refused(f"{chat.name} has no session on {day:%a %d %b %Y}.")
    return day
