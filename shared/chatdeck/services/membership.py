"""Who is in the cohort, and signing in with a link sent by email.

A link's token has 256 random bits, is stored only as a hash, works once and for 15 minutes, and
only while it is its address's newest. Opening the link shows a page, naming the account, whose
button signs in: mail scanners open links, people press buttons. It refuses while another member
is signed in in that browser (a member who sends someone their own link cannot swap them into
their account). A browser that signed in carries a signed "known browser" token naming the member
by a keyed hash: its requests for links have an allowance of their own, which nobody else's
requests use up; and an address gets at most 10 sign-in emails a day whoever asks, of which
others than the member's known browsers may cause 6. A session is a random token kept as a hash
too, so ending one (sign-out, removal) is immediate; every request also checks the member still
belongs to the cohort.
"""

import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from chatdeck.domain import action_tokens
from chatdeck.domain.email import FailedNotice
from chatdeck.domain.errors import InvalidLink, NotAllowed, SignedInAsOther
from chatdeck.domain.members import Member, Role, member_from_form, must_be_admin, normal_email
from chatdeck.domain.posts import EMAIL, FieldErrors
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
from chatdeck.services.removal import ConnectedAccounts, Removal

LINK_LIFETIME = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(days=30)
SESSION_IDLE = timedelta(days=14)  # a session unused this long is over
SESSION_TOUCH = timedelta(hours=1)  # its last use is written at most this often
LINK_REQUESTS_ALLOWED = 5
LINK_REQUEST_WINDOW = timedelta(minutes=10)
EMAILS_PER_DAY = 10  # sign-in emails to one address in a (UTC) day, whoever asks
EMAILS_PER_DAY_FROM_ANYONE = 6  # of which requests not from the member's known browsers may use
KNOWN_BROWSER_LIFETIME = timedelta(days=400)
KNOWN_BROWSER = "known-browser"  # the signed token's purpose
MAX_EMAIL_LENGTH = 254
FAILED_EMAILS_SHOWN = 20


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class SignedIn:
    session_token: str
    member: Member
    known_browser: str  # a signed token for the browser to keep (see `request_link`)


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
        accounts: Mapping[str, ConnectedAccounts],
        signing_key: Callable[[], bytes],
    ) -> None:
        self.signing_key = signing_key  # fetched only when a known-browser token is made or read
        self.members = members
        self.links = links
        self.sessions = sessions
        self.notices = notices
        self.posts = posts
        self.admins = [normal_email(a) for a in admins]
        self.chats = chats
        self.subscriptions = subscriptions
        self.accounts = accounts  # each network's: a removed member's own are disconnected
        self.removal = Removal(posts, links, chats, subscriptions, accounts)

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

    def request_link(
        self, email: str, base_url: str, now: datetime, known_browser: str = ""
    ) -> None:
        """Send a sign-in link if the address is a member's. Says nothing either way, nor when
        a limit holds it back. `known_browser` is the token the asking browser kept from signing
        in before: when it names this member, the request is counted in the member's own
        allowance, which requests from elsewhere cannot use up."""
        email = normal_email(email)
        if len(email) > MAX_EMAIL_LENGTH or not EMAIL.match(email):
            raise FieldErrors({"email": "Enter an email address such as name@school.org."})
        epoch = int(now.timestamp())
        window = int(LINK_REQUEST_WINDOW.total_seconds())
        known = self._is_known_browser(known_browser, email, now)
        allowance, share = (
            ("known", EMAILS_PER_DAY) if known else ("anyone", EMAILS_PER_DAY_FROM_ANYONE)
        )
        if not self.links.allow_request(email, epoch, window, LINK_REQUESTS_ALLOWED, allowance):
            logger.info("sign-in link refused: too many requests", extra={"allowance": allowance})
            return
        member = self.member(email)
        if member is None:
            return
        day = now.astimezone(UTC)
        ttl = int(datetime.combine(day.date(), time(), UTC).timestamp()) + 2 * 86_400
        if not self.links.allow_email(
            email, day.date().isoformat(), allowance, EMAILS_PER_DAY, share, ttl
        ):
            logger.info("sign-in link refused: the day's emails", extra={"allowance": allowance})
            return
        link, token_hash = self._new_link(member, base_url, now)
        minutes = int(LINK_LIFETIME.total_seconds() // 60)
        self.notices.signin_link(member, link, token_hash, minutes)

    def _member_key(self, email: str) -> str:
        """Names a member in a browser's token without their address: a keyed hash."""
        return hmac.new(self.signing_key(), f"member:{email}".encode(), "sha256").hexdigest()[:32]

    def _is_known_browser(self, token: str, email: str, now: datetime) -> bool:
        if not token or len(token) > 1024:
            return False
        try:
            subject = action_tokens.verify(self.signing_key(), token, KNOWN_BROWSER, now)
        except action_tokens.InvalidToken:
            return False
        return hmac.compare_digest(str(subject.get("m", "")), self._member_key(email))

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

    def link_account(self, token: str, now: datetime) -> str | None:
        """The address a sign-in link would sign in to now, leaving it usable; None when it
        would not work (unknown, used, expired, or no longer its address's newest)."""
        return self.links.peek(_hash(token), int(now.timestamp())) if token else None

    def sign_in(self, token: str, now: datetime, signed_in_as: Member | None = None) -> SignedIn:
        """Use a link and begin a session. Refused, leaving the link usable, while the browser
        is signed in as another member (`signed_in_as`): they sign out first."""
        if signed_in_as is not None and token:
            account = self.link_account(token, now)
            if account is not None and account != signed_in_as.email:
                raise SignedInAsOther(signed_in_as.email, account)
        # The session is written before the link is used up, so a write that fails (a
        # throttled table) leaves the link usable: the member just tries again. A session whose
        # link then cannot be used is ended; its token never left the server anyway.
        epoch = int(now.timestamp())
        email = self.links.peek(_hash(token), epoch) if token else None
        member = self.member(email) if email else None
        if member is None:
            raise InvalidLink
        session = secrets.token_urlsafe(32)
        expires = epoch + int(SESSION_LIFETIME.total_seconds())
        self.sessions.add(_hash(session), member.email, epoch, expires)
        if self.links.use(_hash(token), epoch) != member.email:
            self.sessions.end(_hash(session))
            raise InvalidLink
        known = action_tokens.sign(
            self.signing_key(),
            KNOWN_BROWSER,
            {"m": self._member_key(member.email)},
            now + KNOWN_BROWSER_LIFETIME,
        )
        return SignedIn(session, member, known)

    def member_for_session(self, session_token: str, now: datetime) -> Member | None:
        """The session's member, while it lasts: 30 days at most, and over once unused for 14
        (its last use is written at most once an hour, to keep writes low)."""
        token_hash, epoch = _hash(session_token), int(now.timestamp())
        found = self.sessions.get(token_hash, epoch)
        if found is None:
            return None
        email, began, used = found
        if epoch - used >= SESSION_IDLE.total_seconds():
            self.sessions.end(token_hash)
            return None
        member = self.member(email)
        # Sessions keep whole seconds: one begun in the second of joining is still good.
        if member is None or (member.joined_at and began < int(member.joined_at.timestamp())):
            return None  # removed, or removed and invited again since this session began
        if epoch - used >= SESSION_TOUCH.total_seconds():
            self.sessions.touch(token_hash, epoch)
        return member

    def sign_out(self, session_token: str) -> None:
        self.sessions.end(_hash(session_token))

    def sign_out_everywhere(self, member: Member, now: datetime) -> None:
        """End every session of the member, this one too, on every device: sessions begun
        until now are refused from now on (none is looked for)."""
        epoch = int(now.timestamp())
        self.sessions.end_all(member.email, epoch, epoch + int(SESSION_LIFETIME.total_seconds()))

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
        member = self.members.get(email)
        if member is None:
            raise NotAllowed("That person is not a member.")
        # Their data goes first: if that fails, they are still a member and removing them again
        # finishes the job (the other way round, a retry would find "not a member"). Their own
        # accounts are disconnected on every network and their posts to them cancelled, whatever
        # `cancel_queued` says (services/removal.py). Their sessions and sign-in links, kept
        # under a token's hash, stop working at once (every request checks membership) and
        # expire (the TTL) within 30 days; the notices to them within `NOTICE_TTL`.
        cancelled = self.removal.forget(member)
        if not self.members.remove(email):
            raise NotAllowed("That person is not a member.")
        if cancel_queued:
            cancelled |= self.removal.cancel_queued(email)
        return len(cancelled)

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
