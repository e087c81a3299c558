"""Publishing as a Mastodon account (the Network port): creating a status once, and finding it.

- Every create carries `Idempotency-Key: outgoing.idempotency_key` (derived from the post's id
  and the target): the instance answers a repeated key, for an hour after the first create, with
  the status it made, so a retry never posts twice. `visibility` and `language` are the
  outgoing post's.
- Any outcome but Published is raised, as errors.py maps it; a 401 ends the account's connection
  (client.py) and raises AccountDisconnected.
- Finding our own status reads the account's own statuses (newest first, 40 a page, at most five
  pages) back to `since`, and compares each status's text as Mastodon hands it back (HTML
  content turned into plain text: links as their href, entities unescaped) with the text sent,
  spacing, Unicode normalisation and a mention's server aside (Mastodon shows `@ann@server` as
  `@ann`). When the list cannot be read, the answer is CannotTell.
"""

import re
import unicodedata
from datetime import UTC, datetime
from typing import Any

from mastodon import MastodonUnauthorizedError

from chatdeck.adapters.mastodon.client import MastodonClients, Session
from chatdeck.adapters.mastodon.errors import publish_outcome
from chatdeck.domain.mastodon_text import plain_text
from chatdeck.domain.outcomes import CannotTell, Published
from chatdeck.domain.outgoing import Outgoing

PAGE = 40
PAGES = 5


class MastodonPublishing:
    def __init__(self, clients: MastodonClients) -> None:
        self._clients = clients

    def publish(self, outgoing: Outgoing) -> Published:
        session = self._clients.session(outgoing.account)
        try:
            status = session.client.status_post(
                outgoing.text,
                visibility=outgoing.visibility,
                language=outgoing.language,
                idempotency_key=outgoing.idempotency_key,
            )
        except Exception as error:
            if isinstance(error, MastodonUnauthorizedError):
                raise self._clients.lose(
                    session.connection, "The Mastodon server refused Chatdeck's access"
                ) from error
            outcome = publish_outcome(error, session.last_response())
            if outcome is error:
                raise
            raise outcome from error
        return _published(status)

    def find_own_post(self, outgoing: Outgoing, since: datetime) -> Published | None:
        wanted = _comparable(outgoing.text)
        try:
            session = self._clients.session(outgoing.account)
            for status in self._own_statuses(session, since):
                if _comparable(plain_text(str(status["content"]))) == wanted:
                    return _published(status)
        except Exception as error:
            raise CannotTell(
                f"Mastodon's list of the account's posts could not be read ({error})."
            ) from error
        return None

    @staticmethod
    def _own_statuses(session: Session, since: datetime) -> list[Any]:
        """The account's statuses made since then, newest first (five pages at most)."""
        found: list[Any] = []
        max_id: str | None = None
        for _ in range(PAGES):
            page = session.client.account_statuses(
                session.account_id, max_id=max_id, limit=PAGE, exclude_reblogs=True
            )
            for status in page:
                if _created(status) < since:
                    return found
                found.append(status)
            if len(page) < PAGE:
                break
            max_id = str(page[-1]["id"])
        return found


def _published(status: Any) -> Published:
    return Published(
        remote_id=str(status["id"]),
        url=str(status.get("url") or status.get("uri") or ""),
        text=plain_text(str(status.get("content") or "")),
        created_at=_created(status),
    )


def _created(status: Any) -> datetime:
    created: datetime | str = status["created_at"]
    if isinstance(created, str):
        created = datetime.fromisoformat(created.replace("Z", "+00:00"))
    return created if created.tzinfo else created.replace(tzinfo=UTC)


_MENTION = re.compile(r"(?<![=/\w])@(\w+)@[\w.-]+\w")


def _comparable(text: str) -> str:
    """A text as Mastodon may hand it back: a mention `@ann@server` shows as `@ann` (its link
    holds the server), and spacing and Unicode normalisation may differ."""
    plain = _MENTION.sub(lambda match: f"@{match.group(1)}", unicodedata.normalize("NFC", text))
    return " ".join(plain.split())
