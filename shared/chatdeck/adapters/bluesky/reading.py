"""Reading a chat's hashtags on Bluesky (the PostReader port): searches and lookups.

- A search is authenticated `app.bsky.feed.searchPosts` (unauthenticated search is often
  refused) with `tag=<hashtag without #>`, `sort=latest`, `since` / `until` (ISO times) and
  `limit`. Several tags are AND-matched by Bluesky, so there is one search per hashtag.
- Pages: each `search_recent` call reads the next page of every hashtag still having one and
  merges them, newest first. So the first page holds the newest post of every hashtag, and
  `next_token` is an opaque string holding each unfinished hashtag's cursor; None once every
  cursor was followed to its end.
- De-duplicated: within a page by URI, and across hashtags by leaving out of hashtag i's results
  a post that also carries an earlier hashtag (that one's search returns it).
- `since_id` / `newest_id` is Chatdeck's marker, not a Bluesky id: the newest `indexedAt` (ISO
  8601, UTC) among the posts read. The next search asks `since` = that marker less
  `SINCE_OVERLAP` (2 minutes), because Bluesky filters on `sortAt` (the earlier of createdAt and
  indexedAt), so a post indexed late is still found; a post read twice is stored once.
- `reads` is the posts returned: reads on Bluesky cost nothing, they are only counted.
- A lookup is `app.bsky.feed.getPosts`, 25 URIs per call (its limit); deleted posts are absent.
- A post keeps its URI as `id`, its bsky.app link, its author's DID, handle and display name,
  the links of its facets and link card, `reply_to` (the parent's URI) and `quote_of` (the
  quoted record's URI), and its counts. A count Bluesky leaves out (an AppView may) reads as 0.
- Every failure is ReadFailed (errors.py); a session that cannot be renewed is account-wide.
"""

import base64
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from atproto_client import models
from atproto_client.models.utils import get_model_as_dict

from chatdeck.adapters.bluesky.errors import read_failure, reason_of
from chatdeck.adapters.bluesky.publishing import post_url, rkey_of
from chatdeck.adapters.bluesky.sessions import BlueskySessions
from chatdeck.domain.archive import ArchivedPost, SearchPage, count_or_none
from chatdeck.domain.outcomes import AccountUnavailable, PublishError, RateLimited, ReadFailed
from chatdeck.ports import Clock

LOOKUP_BATCH = 25  # app.bsky.feed.getPosts: uris maxLength 25
LOOKUP_LIMIT = 100  # what the port allows in one lookup_posts
SINCE_OVERLAP = timedelta(minutes=2)


class BlueskyReading:
    def __init__(self, sessions: BlueskySessions, clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

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
        """One page of every hashtag's search, newest first; raises ReadFailed."""
        tags = list(
            dict.fromkeys(tag.lstrip("#＃").strip() for tag in hashtags if tag.strip("#＃ "))
        )
        cursors: dict[str, str | None] = _cursors(next_token) if next_token else dict.fromkeys(tags)
        since = _since(since_id, start_time)
        limit = max(1, min(100, max_results))
        posts: dict[str, ArchivedPost] = {}
        returned = 0
        indexed: list[datetime] = []
        left: dict[str, str] = {}
        for index, tag in enumerate(tags):
            if tag not in cursors:
                continue  # this hashtag's pages were all read
            params: dict[str, Any] = {
                "q": f"#{tag}",
                "tag": [tag],
                "sort": "latest",
                "limit": limit,
            }
            if since:
                params["since"] = _iso(since)
            if end_time:
                params["until"] = _iso(end_time)
            if cursors[tag]:
                params["cursor"] = cursors[tag]
            answer = self._read(
                account,
                "search",
                lambda c, s, p=params: c.app.bsky.feed.search_posts(
                    models.AppBskyFeedSearchPosts.Params(**p), **self._sessions.options(s)
                ),
            )
            views = [get_model_as_dict(view) for view in answer.posts]
            returned += len(views)
            earlier = {t.lower() for t in tags[:index]}
            for view in views:
                moment = _parse(view.get("indexedAt"))
                if moment is not None:
                    indexed.append(moment)
                if earlier & _tags_of(view.get("record") or {}):
                    continue
                post = archived(view)
                posts.setdefault(post.id, post)
            if answer.cursor and views:
                left[tag] = str(answer.cursor)
        ordered = sorted(posts.values(), key=lambda p: p.created_at, reverse=True)
        return SearchPage(
            posts=ordered,
            next_token=_token(left) if left else None,
            newest_id=_iso(max(indexed)) if indexed else None,
            reads=returned,
        )

    def lookup_posts(self, account: str, ids: Sequence[str]) -> list[ArchivedPost]:
        """The posts with these URIs that still exist, with their counts now; raises
        ReadFailed."""
        if len(ids) > LOOKUP_LIMIT:
            raise ValueError(f"at most {LOOKUP_LIMIT} posts are looked up at once")
        found: list[ArchivedPost] = []
        for start in range(0, len(ids), LOOKUP_BATCH):
            batch = list(ids[start : start + LOOKUP_BATCH])
            answer = self._read(
                account,
                "lookup",
                lambda c, s, b=batch: c.app.bsky.feed.get_posts(
                    models.AppBskyFeedGetPosts.Params(uris=b), **self._sessions.options(s)
                ),
            )
            found.extend(archived(get_model_as_dict(view)) for view in answer.posts)
        return found

    def _read(self, account: str, what: str, action: Any) -> Any:
        try:
            return self._sessions.call(account, action)
        except RateLimited as limited:
            raise ReadFailed(limited.reason, retry_at=limited.retry_at) from limited
        except AccountUnavailable as unavailable:
            raise ReadFailed(
                f"Chatdeck cannot read Bluesky as this account: {reason_of(unavailable)}",
                account_wide=True,
            ) from unavailable
        except PublishError as failed:
            raise ReadFailed(failed.reason) from failed
        except Exception as error:
            failure = read_failure(error, what, self._clock.now())
            if failure is error:
                raise
            raise failure from error


def archived(view: dict[str, Any]) -> ArchivedPost:
    """A `app.bsky.feed.defs#postView` (as JSON) as the archive keeps it."""
    record = view.get("record") or {}
    author = view.get("author") or {}
    handle = str(author.get("handle") or "")
    uri = str(view["uri"])
    created = _parse(record.get("createdAt")) or _parse(view.get("indexedAt")) or datetime.now(UTC)
    return ArchivedPost(
        id=uri,
        network="bluesky",
        url=post_url(handle or str(author.get("did", "")), rkey_of(uri)),
        author_id=str(author.get("did") or ""),
        author_handle=handle,
        author_name=str(author.get("displayName") or handle),
        text=str(record.get("text") or ""),
        created_at=created,
        reply_to=((record.get("reply") or {}).get("parent") or {}).get("uri"),
        quote_of=_quoted(record.get("embed") or {}),
        links=_links(record),
        # a view without a count (optional in the lexicon) leaves it unknown, never 0
        likes=count_or_none(view.get("likeCount")),
        reposts=count_or_none(view.get("repostCount")),
        replies=count_or_none(view.get("replyCount")),
        quotes=count_or_none(view.get("quoteCount")),
    )


def _quoted(embed: dict[str, Any]) -> str | None:
    kind = embed.get("$type") or embed.get("py_type") or ""
    if kind.startswith("app.bsky.embed.recordWithMedia"):
        embed = embed.get("record") or {}
    inner = embed.get("record") or {}
    uri = inner.get("uri") if isinstance(inner, dict) else None
    return str(uri) if uri and str(uri).startswith("at://") else None


def _links(record: dict[str, Any]) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for facet in record.get("facets") or []:
        for feature in facet.get("features") or []:
            if feature.get("uri"):
                found[str(feature["uri"])] = None
    external = (record.get("embed") or {}).get("external") or {}
    if external.get("uri"):
        found[str(external["uri"])] = None
    return tuple(found)


def _tags_of(record: dict[str, Any]) -> set[str]:
    tags = {str(t).lower() for t in record.get("tags") or []}
    for facet in record.get("facets") or []:
        for feature in facet.get("features") or []:
            if feature.get("tag"):
                tags.add(str(feature["tag"]).lower())
    return tags


def _parse(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _since(since_id: str | None, start_time: datetime | None) -> datetime | None:
    marker = _parse(since_id)
    if marker is not None:
        marker -= SINCE_OVERLAP
    candidates = [m for m in (marker, start_time) if m is not None]
    return max(candidates) if candidates else None


def _token(cursors: dict[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(cursors).encode()).decode()


def _cursors(token: str) -> dict[str, str | None]:
    try:
        value = json.loads(base64.urlsafe_b64decode(token.encode()))
    except ValueError as error:
        raise ReadFailed("The search's page marker is not Chatdeck's.") from error
    if not isinstance(value, dict):
        raise ReadFailed("The search's page marker is not Chatdeck's.")
    return {str(k): str(v) for k, v in value.items()}
