"""Publishing to Bluesky (the Network port): creating a post once, and reading it back.

- Exactly once: the record is created with `rkey` = a TID derived from the post's due time and
  its target digest (chatdeck.domain.tid), so every try of one post to one account names the
  same record. A create of a key that exists is refused (the reference server answers a plain
  500), so a repeated create cannot make a second post; that 500, a timeout and every other
  unknown outcome is OutcomeUnknown, and `find_own_post` settles it by reading that exact record
  with getRecord (RecordNotFound: it was not made).
- The record: `text`, `createdAt` (now), `langs` from the author's language (left out when
  unknown), `facets` for links, mentions and hashtags at UTF-8 byte offsets
  (chatdeck.domain.bluesky_text), and a link card for the first link (cards.py).
- Mentions: each handle is resolved to its DID with resolveHandle (unauthenticated); a handle
  that does not resolve, or a failed lookup, leaves that mention as plain text.
- A text over 300 graphemes is Rejected before anything is sent, with the count.
- Sessions come from the store (sessions.py): an expired access token is renewed and the call
  sent again; the outcomes of errors.py are raised as the domain's.
"""

from datetime import UTC, datetime
from typing import Any

from atproto_client import models
from atproto_client.models.utils import get_model_as_dict

from chatdeck.adapters.bluesky.cards import LinkCards
from chatdeck.adapters.bluesky.errors import describe, is_not_found, publish_outcome
from chatdeck.adapters.bluesky.sessions import BlueskySessions, Session
from chatdeck.domain.bluesky_text import detect, facets, first_link, length_problem
from chatdeck.domain.bluesky_text import mentioned_handles as handles_in
from chatdeck.domain.outcomes import CannotTell, Published, PublishError, Rejected
from chatdeck.domain.outgoing import Outgoing
from chatdeck.domain.tid import tid_for
from chatdeck.observability import logger
from chatdeck.ports import Clock

POST = "app.bsky.feed.post"
MAX_MENTIONS = 10  # handles resolved for one post; more stay plain text


def post_url(handle: str, rkey: str) -> str:
    return f"https://bsky.app/profile/{handle}/post/{rkey}"


def rkey_of(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1]


def iso_ms(moment: datetime) -> str:
    """`2026-12-01T20:00:00.000Z`: the datetime form Bluesky's clients write."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


class BlueskyPublishing:
    def __init__(self, sessions: BlueskySessions, cards: LinkCards | None, clock: Clock) -> None:
        self._sessions = sessions
        self._cards = cards
        self._clock = clock

    def publish(self, outgoing: Outgoing) -> Published:
        problem = length_problem(outgoing.text)
        if problem is not None:
            raise Rejected(problem)
        rkey = tid_for(outgoing.due_utc, outgoing.digest)
        try:
            session = self._sessions.session(outgoing.account)
            record = self.record(outgoing, session)
            answer = self._sessions.call(
                outgoing.account,
                lambda client, s: client.com.atproto.repo.create_record(
                    models.ComAtprotoRepoCreateRecord.Data(
                        repo=s.did, collection=POST, rkey=rkey, record=record
                    ),
                    **self._sessions.options(s),
                ),
            )
        except PublishError:
            raise
        except Exception as error:
            outcome = publish_outcome(error, self._clock.now())
            if outcome is error:
                raise
            logger.info("Bluesky create failed", extra={"error": describe(error)})
            raise outcome from error
        uri = str(answer.uri)
        return Published(uri, post_url(session.handle, rkey_of(uri)), outgoing.text)

    def find_own_post(self, outgoing: Outgoing, since: datetime) -> Published | None:
        """The record this post's key names, read back; None when it does not exist. `since`
        is not needed: the key says which record."""
        rkey = tid_for(outgoing.due_utc, outgoing.digest)
        try:
            answer = self._sessions.call(
                outgoing.account,
                lambda client, s: client.com.atproto.repo.get_record(
                    models.ComAtprotoRepoGetRecord.Params(repo=s.did, collection=POST, rkey=rkey),
                    **self._sessions.options(s),
                ),
            )
            session = self._sessions.session(outgoing.account)
        except Exception as error:
            if is_not_found(error):
                return None
            reason = getattr(error, "reason", None) or describe(error)
            raise CannotTell(
                f"The post's record on Bluesky could not be read ({reason})."
            ) from error
        text = str(getattr(answer.value, "text", ""))
        if text != outgoing.text:
            raise CannotTell(
                "Bluesky holds a different post at this post's record key; check the account."
            )
        uri = str(answer.uri)
        return Published(uri, post_url(session.handle, rkey_of(uri)), text)

    def record(self, outgoing: Outgoing, session: Session) -> dict[str, Any]:
        """The `app.bsky.feed.post` record for the post, with its facets and link card."""
        spans = detect(outgoing.text)
        record: dict[str, Any] = {
            "$type": POST,
            "text": outgoing.text,
            "createdAt": iso_ms(self._clock.now()),
        }
        if outgoing.language:
            record["langs"] = [outgoing.language]
        found = facets(spans, self._dids(session, handles_in(spans)[:MAX_MENTIONS]))
        if found:
            record["facets"] = found
        link = first_link(spans)
        if link and self._cards is not None:
            try:
                card = self._cards.card(
                    link, lambda data, mime: self._upload(outgoing.account, data, mime)
                )
            except Exception as error:  # a card is a courtesy: the post goes out without it
                logger.warning("Link card failed", extra={"error": type(error).__name__})
                card = None
            if card is not None:
                record["embed"] = card
        return record

    def _dids(self, session: Session, handles: list[str]) -> dict[str, str]:
        """Each handle's DID; a handle that does not resolve is left out."""
        client = self._sessions.client(session.server)
        dids = {}
        for handle in handles:
            try:
                answer = client.com.atproto.identity.resolve_handle(
                    models.ComAtprotoIdentityResolveHandle.Params(handle=handle),
                    **self._sessions.options(),
                )
            except Exception as error:  # unknown handle or failed lookup: plain text
                logger.info("Mention not resolved", extra={"error": describe(error)})
                continue
            dids[handle] = str(answer.did)
        return dids

    def _upload(self, account: str, data: bytes, mime: str) -> dict[str, Any]:
        answer = self._sessions.call(
            account,
            lambda client, s: client.com.atproto.repo.upload_blob(
                data, **self._sessions.options(s, content_type=mime)
            ),
        )
        blob: dict[str, Any] = get_model_as_dict(answer.blob)
        return blob
