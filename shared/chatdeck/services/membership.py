"""Who is in the cohort, and signing in with a link sent by email.

A link's token has 256 random bits, is stored only as a hash, works once and for 15 minutes.
Opening the link shows a page whose button signs in: mail scanners open links, people press
buttons. A session is a random token kept as a hash too, so ending one (sign-out, removal) is
immediate; every request also checks the member still belongs to the cohort.
"""

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from chatdeck.domain.email import FailedNotice
from chatdeck.domain.errors import InvalidLink, NotAllowed
from chatdeck.domain.members import Member, Role, member_from_form, must_be_admin, normal_email
from chatdeck.domain.posts import CANCELLABLE, EMAIL, FieldErrors
from chatdeck.notifications.notices import Notices
from chatdeck.observability import logger
from chatdeck.ports import (
    ChatStore,
    MemberStore,
    PostStore,
    SessionStore,
    SignInLinkStore,
    SubscriptionStore,
)
from chatdeck.services.accounts import Accounts

LINK_LIFETIME = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(days=30)
LINK_REQUESTS_ALLOWED = 5
LINK_REQUEST_WINDOW = timedelta(minutes=10)
MAX_EMAIL_LENGTH = 254
FAILED_EMAILS_SHOWN = 20


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class SignedIn:
    session_token: str
    member: Member


@dataclass(frozen=True)
class MembersPage:
    """What the members page shows an admin."""

    members: list[Member]
    following: str | None  # the last address of this page, when there are more
    failed_emails: list[FailedNotice]  # newest first, their times in the admin's zone


class Membership:
    def __init__(
        self,
        members: MemberStore,
        links: SignInLinkStore,
        sessions: SessionStore,
        notices: Notices,
        posts: PostStore,
        admins: list[str],
        chats: ChatStore,
        subscriptions: SubscriptionStore,
        accounts: Accounts,
    ) -> None:
        self.members = members
        self.links = links
        self.sessions = sessions
        self.notices = notices
        self.posts = posts
        self.admins = [normal_email(a) for a in admins]
        self.chats = chats
        self.subscriptions = subscriptions
        self.accounts = accounts

    def member(self, email: str) -> Member | None:
        """A stored member, or an admin named at deploy time who has not saved a profile yet."""
        stored = self.members.get(email)
        if stored is not None:
            return (
                stored.model_copy(update={"role": Role.ADMIN}) if email in self.admins else stored
            )
        if email in self.admins:
            return Member(email=email, name=email.split("@")[0], role=Role.ADMIN)
        return None

    def page(
        self, admin: Member, after: str | None, limit: int = 50
    ) -> tuple[list[Member], str | None]:
        """A page of members by email address; deploy-time admins not yet stored come first.
        `after` is the last address of the page before (one no address could be starts over)."""
        must_be_admin(admin)
        if after is not None and len(after) > MAX_EMAIL_LENGTH:
            after = None
        stored, following = self.members.page(after, limit)
        if after:
            return stored, following
        known = {m.email for m in stored}
        unsaved = [
            Member(email=email, name=email.split("@")[0], role=Role.ADMIN)
            for email in self.admins
            if email not in known and self.members.get(email) is None
        ]
        return unsaved + [self.member(m.email) or m for m in stored], following

    def members_page(self, admin: Member, after: str | None, limit: int = 50) -> MembersPage:
        """A page of members (see `page`) and the emails that could not be sent."""
        members, following = self.page(admin, after, limit)
        return MembersPage(members, following, self.failed_emails(admin))

    def failed_emails(self, admin: Member, limit: int = FAILED_EMAILS_SHOWN) -> list[FailedNotice]:
        """The newest emails that could not be sent, with their addresses: admins only. The
        sign-in page says the same whether or not its email went out; this list is where an
        admin finds out."""
        must_be_admin(admin)
        zone = ZoneInfo(admin.zone)
        return [
            replace(notice, failed_at=notice.failed_at.astimezone(zone))
            for notice in self.notices.failed(limit)
        ]

    def request_link(self, email: str, base_url: str, now: datetime) -> None:
        """Send a sign-in link if the address is a member's. Says nothing either way."""
        email = normal_email(email)
        if len(email) > MAX_EMAIL_LENGTH or not EMAIL.match(email):
            raise FieldErrors({"email": "Enter an email address such as name@school.org."})
        epoch = int(now.timestamp())
        window = int(LINK_REQUEST_WINDOW.total_seconds())
        if not self.links.allow_request(email, epoch, window, LINK_REQUESTS_ALLOWED):
            logger.info("sign-in link refused: too many requests for one address")
            return
        member = self.member(email)
        if member is None:
            return
        link, token_hash = self._new_link(member, base_url, now)
        minutes = int(LINK_LIFETIME.total_seconds() // 60)
        self.notices.signin_link(member, link, token_hash, minutes)

    def signin_link(self, email: str, base_url: str, now: datetime) -> str | None:
        """The link `request_link` would email, returned instead, for someone who can deploy
        the stack (a direct invocation of the web function, which no HTTP request can make):
        an admin who cannot receive email yet signs in with it. None for an address that is
        not a member's. No email is recorded or sent, so the per-address limit on emails
        neither applies nor is spent: it guards inboxes and the sending quota, and only those
        allowed to invoke the function can ask, who can read the members anyway."""
        email = normal_email(email)
        if len(email) > MAX_EMAIL_LENGTH or not EMAIL.match(email):
            return None
        member = self.member(email)
        if member is None:
            return None
        link, _ = self._new_link(member, base_url, now)
        return link

    def _new_link(self, member: Member, base_url: str, now: datetime) -> tuple[str, str]:
        """A new single-use sign-in link, good for 15 minutes, and the hash it is stored as."""
        token = secrets.token_urlsafe(32)
        token_hash = _hash(token)
        expires = int(now.timestamp()) + int(LINK_LIFETIME.total_seconds())
        self.links.add(token_hash, member.email, expires)
        return f"{base_url.rstrip('/')}/signin/confirm?token={token}", token_hash

    def sign_in(self, token: str, now: datetime) -> SignedIn:
        email = self.links.use(_hash(token), int(now.timestamp())) if token else None
        member = self.member(email) if email else None
        if member is None:
            raise InvalidLink
        session = secrets.token_urlsafe(32)
        epoch = int(now.timestamp())
        expires = epoch + int(SESSION_LIFETIME.total_seconds())
        self.sessions.add(_hash(session), member.email, epoch, expires)
        return SignedIn(session, member)

    def member_for_session(self, session_token: str, now: datetime) -> Member | None:
        found = self.sessions.get(_hash(session_token), int(now.timestamp()))
        if found is None:
            return None
        email, began = found
        member = self.member(email)
        # Sessions keep whole seconds: one begun in the second of joining is still good.
        if member is None or (member.joined_at and began < int(member.joined_at.timestamp())):
            return None  # removed, or removed and invited again since this session began
        return member

    def sign_out(self, session_token: str) -> None:
        self.sessions.end(_hash(session_token))

    def invite(
        self, admin: Member, form: Mapping[str, str], base_url: str, now: datetime
    ) -> Member:
        must_be_admin(admin)
        member = member_from_form(form, role=Role.MEMBER.value)
        if self.member(member.email) is not None:
            raise FieldErrors({"email": f"{member.email} is already a member."})
        if not self.members.add(member, now):  # invited by another admin meanwhile
            raise FieldErrors({"email": f"{member.email} is already a member."})
        self.notices.invitation(member, admin, f"{base_url.rstrip('/')}/signin", now)
        return member

    def remove(self, admin: Member, email: str, cancel_queued: bool) -> int:
        """Remove a member at once; answers how many of their queued posts were cancelled."""
        must_be_admin(admin)
        if len(email) > MAX_EMAIL_LENGTH:  # no member's, and DynamoDB refuses a key that long
            raise NotAllowed("That person is not a member.")
        if email in self.admins:
            raise NotAllowed("Admins named when Chatdeck was deployed are removed by redeploying.")
        if self.members.get(email) is None:
            raise NotAllowed("That person is not a member.")
        # Their data goes first: if that fails, they are still a member and removing them again
        # finishes the job (the other way round, a retry would find "not a member").
        self._forget(email)
        if not self.members.remove(email):
            raise NotAllowed("That person is not a member.")
        if not cancel_queued:
            return 0
        return sum(
            1
            for post in self.posts.by_author(email)
            if post.status in CANCELLABLE and self.posts.cancel(post.id) is not None
        )

    def _forget(self, email: str) -> None:
        """Delete what a removed member leaves that is found by key, without a Scan: their own
        X account's tokens (revoked at X, then deleted) and their subscriptions (one per chat).
        And their count of sign-in link requests. Their sessions and sign-in links, kept under a
        token's hash, stop working at once (every request checks membership) and expire (the TTL)
        within 30 days; the notices to them within `NOTICE_TTL`; their posts stay the cohort's."""
        self.accounts.disconnect(f"member:{email}")
        self.links.forget_requests(email)
        for chat in self.chats.all():
            self.subscriptions.unsubscribe(chat.id, email, "all")

    def set_role(self, admin: Member, email: str, role: Role) -> Member:
        """Change only the member's role: a profile they save meanwhile is kept."""
        must_be_admin(admin)
        if len(email) > MAX_EMAIL_LENGTH:  # no member's, and DynamoDB refuses a key that long
            raise NotAllowed("That person is not a member.")
        if email in self.admins and role is not Role.ADMIN:
            raise NotAllowed("Admins named when Chatdeck was deployed stay admins.")
        changed = self.member(email) if self.members.save_role(email, role) else None
        if changed is None:  # not a member, or removed just now
            raise NotAllowed("That person is not a member.")
        return changed

    def update_profile(self, member: Member, form: Mapping[str, str], now: datetime) -> Member:
        """Change only the member's name, zone and language: a role an admin changes meanwhile
        is kept."""
        changed = member_from_form(form, email=member.email, role=member.role.value)
        saved = self.members.save_profile(
            changed.email, changed.name, changed.zone, changed.language
        )
        first = member.email in self.admins  # a deploy-time admin's first profile, or a race
        if not saved and first:
            saved = self.members.add(changed, now) or self.members.save_profile(
                changed.email, changed.name, changed.zone, changed.language
            )
        stored = self.member(member.email) if saved else None
        if stored is None:
            raise NotAllowed("You are no longer a member of this cohort.")  # removed meanwhile
        return stored
