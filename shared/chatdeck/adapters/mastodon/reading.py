"""Reading a chat on Mastodon (the PostReader port): hashtag timelines, and statuses by id.

- A chat is read from the hashtag timeline (`GET /api/v1/timelines/tag/:hashtag`) of the
  reading account's own instance, with its token (an instance may let only signed-in users read
  it), one timeline per hashtag, merged and each status kept once.
- Pages go forward with `min_id` (the statuses just after a cursor), 40 at a time, from
  `since_id` or else from `start_time` (a Mastodon id is its time in milliseconds shifted left 16
  bits, so a time is a cursor too), and stop at `end_time` (`max_id` of that time).
- `next_token` is Chatdeck's own: base64url JSON `{"c": {hashtag: cursor}, "n": newest id}` of
  the hashtags that have more. `newest_id` is the highest status id read, given only on the last
  page (None while a `next_token` remains), so a poll continues after it only once every page is
  stored. Ids are compared as integers, never as strings.
- An instance that has turned its hashtag feeds off answers an empty list (instance.py tells).
- `lookup_posts` reads each status (`GET /api/v1/statuses/:id`) for its counts now; a status
  that is gone (404) is left out. Every failure is ReadFailed (errors.py).
- A status is archived with its author's `acct` as handle, `display_name` as name, its text as
  plain text from the HTML, its links, `in_reply_to_id`, a quote's or a boost's id, and
  `favourites_count`, `reblogs_count`, `replies_count`, `quotes_count`.
"""

import base64
import json
import warnings
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from mastodon import MastodonNotFoundError

from chatdeck.adapters.mastodon.client import MastodonClients, Session
from chatdeck.adapters.mastodon.errors import read_failure
from chatdeck.domain.archive import ArchivedPost, SearchPage, count_or_none
from chatdeck.domain.mastodon_text import links_in, plain_text
from chatdeck.domain.outcomes import ReadFailed
from chatdeck.observability import logger

PAGE = 40
LOOKUP_LIMIT = 100


def id_at(moment: datetime) -> int:
    """The lowest Mastodon id a status made at `moment` can have."""
    return int(moment.timestamp() * 1000) << 16


class MastodonReading:
    def __init__(self, clients: MastodonClients) -> None:
        self._clients = clients

    def search_recent(
        self,
        account: str,
        hashtags: Sequence[str],
        since_id: str | None = None,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        next_token: str | None = None,
        max_results: int = 100,
    ) -> SearchPage:
        session = self._session(account)
        if next_token:
            cursors, newest = _decoded(next_token)
        else:
            start = since_id or (str(id_at(start_time)) if start_time else None)
            cursors = {tag.lstrip("#＃").lower(): start for tag in hashtags}
            newest = int(since_id) if since_id and since_id.isdigit() else 0
        until = str(id_at(end_time) + (1 << 16)) if end_time else None
        limit = max(1, min(PAGE, max_results))
        posts: dict[str, ArchivedPost] = {}
        more: dict[str, str | None] = {}
        for tag, cursor in cursors.items():
            page = self._timeline(session, tag, cursor, until, limit)
            for status in page:
                post = archived(status)
                posts[post.id] = post
            if page and cursor is not None and len(page) == limit:
                more[tag] = str(max(int(status["id"]) for status in page))
        newest = max([newest, *(int(post_id) for post_id in posts)])
        ordered = sorted(posts.values(), key=lambda post: int(post.id), reverse=True)
        token = _encoded(more, newest) if more else None
        return SearchPage(
            posts=ordered,
            next_token=token,
            newest_id=None if token else (str(newest) if newest else None),
            reads=len(ordered),
        )

    def lookup_posts(self, account: str, ids: Sequence[str]) -> list[ArchivedPost]:
        if len(ids) > LOOKUP_LIMIT:
            raise ValueError(f"at most {LOOKUP_LIMIT} posts are looked up at once")
        if not ids:
            return []
        session = self._session(account)
        found = []
        for status_id in ids:
            try:
                found.append(archived(session.client.status(status_id)))
            except MastodonNotFoundError:
                continue  # deleted since
            except Exception as error:
                raise self._failure(session, error, "lookup") from error
        return found

    def _timeline(
        self, session: Session, tag: str, cursor: str | None, until: str | None, limit: int
    ) -> list[Any]:
        try:
            with warnings.catch_warnings(record=True) as warned:
                warnings.simplefilter("always")
                page = list(
                    session.client.timeline_hashtag(
                        quote(tag, safe=""), min_id=cursor, max_id=until, limit=limit
                    )
                )
        except Exception as error:
            raise self._failure(session, error, "hashtag timeline") from error
        if warned:  # Mastodon.py read the instance's timelines_access: the feed is closed
            logger.warning("Mastodon hashtag feed unavailable", extra={"hashtag": tag})
        return page

    def _session(self, account: str) -> Session:
        try:
            return self._clients.session(account)
        except Exception as error:  # not connected, or its connection is gone
            reason = getattr(error, "reason", None) or str(error)
            raise ReadFailed(
                f"Chatdeck cannot read Mastodon as this account: {reason}", account_wide=True
            ) from error

    def _failure(self, session: Session, error: Exception, what: str) -> Exception:
        from mastodon import MastodonUnauthorizedError

        if isinstance(error, MastodonUnauthorizedError):
            lost = self._clients.lose(
                session.connection, "The Mastodon server refused Chatdeck's access"
            )
            return ReadFailed(lost.reason, account_wide=True)
        return read_failure(error, what, session.last_response())


def archived(status: Any) -> ArchivedPost:
    """A status as the archive keeps it."""
    author = status["account"]
    text = plain_text(str(status.get("content") or ""))
    quoted = (status.get("quote") or {}).get("quoted_status") or {}
    boosted = status.get("reblog") or {}
    created = status["created_at"]
    if isinstance(created, str):
        created = datetime.fromisoformat(created.replace("Z", "+00:00"))
    return ArchivedPost(
        network="mastodon",
        id=str(status["id"]),
        url=status.get("url") or status.get("uri"),
        author_id=str(author["id"]),
        author_handle=str(author.get("acct") or author.get("username") or ""),
        author_name=str(author.get("display_name") or author.get("username") or ""),
        text=text,
        created_at=created if created.tzinfo else created.replace(tzinfo=UTC),
        reply_to=str(status["in_reply_to_id"]) if status.get("in_reply_to_id") else None,
        quote_of=str(quoted["id"]) if quoted.get("id") else None,
        repost_of=str(boosted["id"]) if boosted.get("id") else None,
        links=tuple(dict.fromkeys(links_in(text))),
        # a status without a count (quotes_count before Mastodon 4.5) leaves it unknown
        likes=count_or_none(status.get("favourites_count")),
        reposts=count_or_none(status.get("reblogs_count")),
        replies=count_or_none(status.get("replies_count")),
        quotes=count_or_none(status.get("quotes_count")),
    )


def _encoded(cursors: dict[str, str | None], newest: int) -> str:
    raw = json.dumps({"c": cursors, "n": newest}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _decoded(token: str) -> tuple[dict[str, str | None], int]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        state = json.loads(raw)
        return {str(k): (str(v) if v else None) for k, v in state["c"].items()}, int(state["n"])
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ReadFailed("The Mastodon page token is not one Chatdeck made.") from error
