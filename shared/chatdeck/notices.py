"""Emails to authors and admins: each recorded before it is sent, so it goes out at most once."""

import hashlib
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from chatdeck.domain.posts import Post
from chatdeck.observability import logger
from chatdeck.ports import AccountState, Email, Mailer, NoticeLog


@lru_cache(maxsize=1)
def _templates() -> Environment:
    return Environment(
        loader=PackageLoader("chatdeck", "templates/email"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_email(name: str, to: list[str], **context: Any) -> Email:
    env = _templates()
    # One line, whatever a name held: a line break in a subject would fail the whole email.
    subject = " ".join(env.get_template(f"{name}.subject.txt").render(**context).split())
    return Email(
        to=to,
        subject=subject,
        text=env.get_template(f"{name}.txt").render(**context),
        html=env.get_template(f"{name}.html").render(subject=subject, **context),
    )


class Notices:
    def __init__(self, log: NoticeLog, mailer: Mailer, admins: list[str], public_url: str) -> None:
        self._log = log
        self._mailer = mailer
        self._admins = admins
        self._queue_url = public_url.rstrip("/") + "/posts" if public_url else ""
        self._accounts_url = public_url.rstrip("/") + "/accounts" if public_url else ""

    def post_failed(self, post: Post) -> bool:
        email = render_email(
            "post_failed", [post.author_email], post=post, queue_url=self._queue_url
        )
        return self.send_once(f"post-failed#{post.id}", email)

    def post_unconfirmed(self, post: Post) -> bool:
        to = [post.author_email, *[a for a in self._admins if a != post.author_email]]
        email = render_email("post_unconfirmed", to, post=post, queue_url=self._queue_url)
        return self.send_once(f"post-unconfirmed#{post.id}", email)

    def account_disconnected(self, post: Post, connection: str) -> bool:
        """A member's own X account lost its connection: one email per lost connection."""
        email = render_email(
            "account_disconnected",
            [post.author_email],
            post=post,
            accounts_url=self._accounts_url,
            queue_url=self._queue_url,
        )
        return self.send_once(
            f"account-disconnected#{post.network}#{post.account}#{connection}", email
        )

    def account_paused(self, state: AccountState) -> bool:
        if not self._admins or state.paused_since is None:
            logger.warning("account paused with no admin to tell", extra={"network": state.network})
            return False
        email = render_email("account_paused", self._admins, state=state, queue_url=self._queue_url)
        episode = f"{state.network}#{state.account}#{state.paused_since.isoformat()}"
        return self.send_once(f"account-paused#{episode}", email)

    def send_once(self, notice_id: str, email: Email) -> bool:
        if not self._log.record(notice_id, email):
            return False
        try:
            message_id = self._mailer.send(email)
        except Exception as error:  # any mail failure stays visible to admins, never retried blind
            # The id names the recipient: log only its kind and a digest of it.
            kind = notice_id.split("#", 1)[0]
            digest = hashlib.sha256(notice_id.encode()).hexdigest()[:12]
            logger.exception("notice could not be sent", extra={"kind": kind, "notice": digest})
            self._log.mark(notice_id, "FAILED", type(error).__name__)
            return False
        self._log.mark(notice_id, "SENT", message_id)
        return True
