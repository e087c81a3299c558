"""Every email Chatdeck sends, each recorded before it is sent, so it goes out at most once.

A notice's id names what it is about (a post, a pause episode, an occurrence and a member), so
asking twice sends once. A notice to several people (an unconfirmed post, a paused account) is
one email per recipient, each with its own id: no recipient sees another's address. An email
that could not be sent is marked FAILED in the notice log, where admins can see it, and is never
retried blind. Logs name a notice's kind and a digest of
its id, never an address.
"""

import hashlib
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from chatdeck.domain.accounts import AccountState
from chatdeck.domain.chats import Chat, Occurrence, session_path
from chatdeck.domain.email import Email, FailedNotice
from chatdeck.domain.members import Member
from chatdeck.domain.posts import Post
from chatdeck.domain.spending import XSpending
from chatdeck.notifications.email_actions import EmailActions
from chatdeck.notifications.render import render_email
from chatdeck.observability import count, logger
from chatdeck.ports import Clock, Mailer, NoticeLog

if TYPE_CHECKING:  # the digest module (and Q/A reading behind it) loads where digests are built
    from chatdeck.domain.digest import Digest


def join_link(chat: Chat) -> str:
    """Where to follow a chat live: its own link, or its hashtag's live page on its network."""
    if chat.link:
        return str(chat.link)
    tag = quote(chat.hashtag)
    bare = quote(chat.hashtag.lstrip("#"))
    # Mastodon has no one site: the hashtag's page on a moderator's instance, as they chat there.
    servers = [handle.partition("@")[2] for handle in chat.moderators if "@" in handle]
    return {
        "x": f"https://x.com/search?q={tag}&f=live",
        "bluesky": f"https://bsky.app/hashtag/{bare}",
        "mastodon": f"https://{(servers or ['mastodon.social'])[0]}/tags/{bare}",
    }.get(chat.networks[0], f"https://x.com/search?q={tag}&f=live")


def one_click_unsubscribe(url: str) -> dict[str, str]:
    """RFC 8058: mail clients offer an unsubscribe button that POSTs to this URL."""
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


class Notices:
    def __init__(
        self,
        log: NoticeLog,
        mailer: Mailer,
        admins: list[str],
        public_url: str,
        email_actions: EmailActions,
        clock: Clock,
    ) -> None:
        self._log = log
        self._mailer = mailer
        self._admins = admins
        self._public_url = public_url.rstrip("/")
        self._queue_url = self._public_url + "/posts" if public_url else ""
        self._accounts_url = self._public_url + "/accounts" if public_url else ""
        self._email_actions = email_actions
        self._clock = clock

    # Signing in and joining

    def signin_link(self, member: Member, link: str, link_id: str, minutes: int) -> bool:
        email = render_email(
            "signin_link", [member.email], member=member, link=link, minutes=minutes
        )
        return self.send_once(f"signin#{link_id}", email)

    def invitation(self, member: Member, admin: Member, signin_url: str, now: datetime) -> bool:
        email = render_email(
            "invitation", [member.email], member=member, admin=admin, signin_url=signin_url
        )
        return self.send_once(f"invitation#{member.email}#{now.date().isoformat()}", email)

    # Scheduled posts

    def post_failed(self, post: Post) -> bool:
        email = render_email(
            "post_failed", [post.author_email], post=post, queue_url=self._queue_url
        )
        return self.send_once(f"post-failed#{_targets_of(post)}", email)

    def post_unconfirmed(self, post: Post) -> bool:
        """To the author and to every admin, one email each: no one sees another's address."""
        to = [post.author_email, *[a for a in self._admins if a != post.author_email]]
        sent = [
            self.send_once(
                f"post-unconfirmed#{_targets_of(post)}#to#{address}",
                render_email("post_unconfirmed", [address], post=post, queue_url=self._queue_url),
            )
            for address in to
        ]
        return any(sent)

    def post_declined(self, post: Post, admin: Member) -> bool:
        email = render_email("post_declined", [post.author_email], post=post, admin=admin)
        return self.send_once(f"post-declined#{post.id}", email)

    def account_disconnected(self, post: Post, connection: str) -> bool:
        """A member's own X account lost its connection: one email per lost connection."""
        email = render_email(
            "account_disconnected",
            [post.author_email],
            post=post,
            accounts_url=self._accounts_url,
            queue_url=self._queue_url,
        )
        target = post.targets[0]
        return self.send_once(
            f"account-disconnected#{target.network}#{target.account}#{connection}", email
        )

    def account_paused(self, state: AccountState) -> bool:
        if not self._admins or state.paused_since is None:
            logger.warning("account paused with no admin to tell", extra={"network": state.network})
            return False
        episode = f"{state.network}#{state.account}#{state.paused_since.isoformat()}"
        sent = [  # one email per admin, each its own notice: no admin sees another's address
            self.send_once(
                f"account-paused#{episode}#to#{address}",
                render_email("account_paused", [address], state=state, queue_url=self._queue_url),
            )
            for address in self._admins
        ]
        return any(sent)

    def x_cap_reached(self, spending: XSpending, cap: Decimal, stopped: str) -> bool:
        """The X spending cap stopped a call (`stopped`: "posting" or "polling"): each admin
        hears once per month and cap, whichever stopped first."""
        settings_url = self._public_url + "/settings" if self._public_url else ""
        sent = [
            self.send_once(
                f"x-cap#{spending.month}#{cap}#to#{address}",
                render_email(
                    "x_cap_reached",
                    [address],
                    spending=spending,
                    cap=cap,
                    stopped=stopped,
                    settings_url=settings_url,
                ),
            )
            for address in self._admins
        ]
        return any(sent)

    # Chats

    def reminder(self, chat: Chat, occurrence: Occurrence, member: Member, now: datetime) -> bool:
        return self._about_a_chat(
            "reminder",
            f"reminder#{occurrence.id}#{member.email}",
            chat,
            member,
            now,
            local_start=occurrence.start_utc.astimezone(ZoneInfo(member.zone)),
            questions=chat.questions.get(occurrence.local_date, []),
            join_url=join_link(chat),
        )

    def digest(
        self, chat: Chat, occurrence: Occurrence, digest: "Digest", member: Member, now: datetime
    ) -> bool:
        return self._about_a_chat(
            "digest",
            f"digest#{occurrence.id}#{member.email}",
            chat,
            member,
            now,
            digest=digest,
            session_url=self._public_url + session_path(occurrence),
        )

    def _about_a_chat(
        self,
        kind: Literal["reminder", "digest"],
        notice_id: str,
        chat: Chat,
        member: Member,
        now: datetime,
        **context: object,
    ) -> bool:
        """A chat's email to one subscriber, with a signed link (and RFC 8058's one-click
        button) to stop that kind of email for that chat."""
        what = "reminders" if kind == "reminder" else "digests"
        unsubscribe = self._email_actions.unsubscribe_url(member.email, chat.id, what, now)
        email = render_email(
            kind, [member.email], chat=chat, member=member, unsubscribe_url=unsubscribe, **context
        )
        email.headers.update(one_click_unsubscribe(unsubscribe))
        return self.send_once(notice_id, email)

    def send_once(self, notice_id: str, email: Email) -> bool:
        try:
            recorded = self._log.record(notice_id, email, self._clock.now())
        except Exception as error:  # the log itself failed (throttled past retries): not sent
            self._could_not_send(notice_id, email, error)
            return False
        if not recorded:
            return False
        try:
            message_id = self._mailer.send(email)
        except Exception as error:  # any mail failure stays visible to admins, never retried blind
            self._could_not_send(notice_id, email, error)
            return False
        self._log.mark_sent(notice_id, message_id)
        return True

    def _could_not_send(self, notice_id: str, email: Email, error: Exception) -> None:
        """List the notice as failed for admins (which also keeps it from being sent later).
        The id names the recipient, and so may SES's message ("...failed the check:
        <address>"): log only the notice's kind, a digest of its id and the error's class.
        Admins see the rest on the members page."""
        kind = notice_id.split("#", 1)[0]
        digest = hashlib.sha256(notice_id.encode()).hexdigest()[:12]
        reason = type(error).__name__
        logger.error(
            "notice could not be sent", extra={"kind": kind, "notice": digest, "error": reason}
        )
        count("emails_failed")  # an alarm tells the admins (docs/operations.md)
        try:
            self._log.mark_failed(notice_id, email, reason, self._clock.now())
        except Exception as listing:  # the log is down too: the log line and alarm remain
            logger.error(
                "failed notice could not be listed",
                extra={"kind": kind, "notice": digest, "error": type(listing).__name__},
            )

    def failed(self, limit: int) -> list[FailedNotice]:
        """The emails that could not be sent, newest first: for admins' eyes only."""
        return self._log.failed(limit)


def _targets_of(post: Post) -> str:
    """A notice about a post names the targets it concerns: one email per target's outcome."""
    return "#".join([post.id, *(t.key for t in post.targets)])
