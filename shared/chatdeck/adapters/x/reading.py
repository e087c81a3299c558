"""Reading a chat's hashtag (the PostReader port): a page of a recent search, and a lookup of posts.

- A read goes through the same client as publishing, as the account's user.
- The search is for the chat's hashtags, reposts left out: `#a -is:retweet`, or
  `(#a OR #b) -is:retweet` (`search_query`).
- X bills every post a read returns ($0.005, once per post and UTC day), so a read asks for every
  field the archive keeps in one go (`READ_FIELDS`) and never reads a post for a single field.
- A search page asks for 10 to 100 posts, the bounds X allows; a lookup for at most 100 ids, and
  no ids are no call at all.
- A lookup is a read X bills like a search: with the cohort's X spending cap (`spending`), a
  lookup that would pass it is not made (ReadFailed with the cap as its reason, to be tried
  again at `recheck_at`), one whose cap cannot be read is not made either (never an uncounted
  read), and the posts it returned that were not read yet that UTC day are counted.
- Every failure is ReadFailed (errors.py says which). When X refuses an OAuth 2.0 access token,
  the access is renewed for the next read; when it cannot be, the failure is account-wide.
- A post is kept with its author's handle and name (from the read's `includes`), and with where
  its links lead: past t.co and other shorteners. A photo or video's link is no shared link.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import tweepy

from chatdeck.adapters.x.client import XClients, post_url
from chatdeck.adapters.x.errors import read_failure, reason_of
from chatdeck.domain.accounts import UserAccess
from chatdeck.domain.archive import ArchivedPost, SearchPage, count_or_none
from chatdeck.domain.outcomes import ReadFailed

LOOKUP_LIMIT = 100  # ids in one GET /2/tweets
READ_FIELDS = {
    "tweet_fields": [
        "created_at",
        "public_metrics",
        "entities",
        "referenced_tweets",
        "author_id",
        "conversation_id",
    ],
    "expansions": ["author_id"],
    "user_fields": ["username", "name"],
}


def search_query(hashtags: Sequence[str]) -> str:
    """The chat's hashtags, reposts left out. AND binds tighter than OR on X, hence the
    parentheses: `#a OR #b -is:retweet` would keep the reposts of #a."""
    if isinstance(hashtags, str):
        raise TypeError("search_query takes a list of hashtags, not one string")
    tags = [f"#{tag.lstrip('#')}" for tag in hashtags]
    if not tags:
        raise ValueError("a search needs at least one hashtag")
    either = tags[0] if len(tags) == 1 else "(" + " OR ".join(tags) + ")"
    return f"{either} -is:retweet"


CAP_UNREADABLE = "X was not read: Chatdeck could not check the cohort's X spending cap."


class XReading:
    def __init__(self, clients: XClients) -> None:
        self._clients = clients
        self._spending = clients.spending  # the cohort's X spending cap (None: not counted)
        self._now = clients.now

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
        """One page of GET /2/tweets/search/recent for the hashtags, newest first; raises
        ReadFailed."""
        query = search_query(hashtags)
        client, access = self._session(account)
        try:
            response = client.search_recent_tweets(
                query,
                since_id=since_id,
                start_time=start_time,
                end_time=end_time,
                next_token=next_token,
                max_results=max(10, min(100, max_results)),
                user_auth=access is None,
                **READ_FIELDS,
            )
        except Exception as error:
            raise self._failure(account, access, error, "search") from error
        posts = _archived_posts(response)
        meta = response.meta or {}
        return SearchPage(
            posts=posts,
            next_token=meta.get("next_token"),
            newest_id=meta.get("newest_id"),
            reads=len(posts),
        )

    def lookup_posts(self, account: str, ids: Sequence[str]) -> list[ArchivedPost]:
        """GET /2/tweets?ids=… (at most 100): the posts that still exist, with their counts now;
        raises ReadFailed."""
        if len(ids) > LOOKUP_LIMIT:
            raise ValueError(f"X looks up at most {LOOKUP_LIMIT} posts at once")
        if not ids:
            return []
        now = self._now()
        unread = self._within_cap(list(ids), now)
        client, access = self._session(account)
        try:
            response = client.get_tweets(list(ids), user_auth=access is None, **READ_FIELDS)
        except Exception as error:
            raise self._failure(account, access, error, "lookup") from error
        posts = _archived_posts(response)
        if self._spending is not None and unread:  # raises when it cannot count: read again
            self._spending.count_reads([post.id for post in posts if post.id in unread], now)
        return posts

    def _within_cap(self, ids: list[str], now: datetime) -> set[str]:
        """The posts not read yet today (the ones X bills the lookup for); ReadFailed when
        looking them up would pass the cap, or when the cap cannot be read."""
        if self._spending is None:
            return set()
        try:
            unread, stopped = self._spending.lookup_unread(ids, now)
        except Exception as error:
            raise ReadFailed(CAP_UNREADABLE) from error
        if stopped is not None:
            raise ReadFailed(stopped, retry_at=self._spending.recheck_at(now))
        return unread

    def _session(self, account: str) -> tuple[Any, UserAccess | None]:
        try:
            return self._clients.session(account)
        except Exception as error:  # no credentials, or a connection that cannot be renewed
            raise ReadFailed(
                f"Chatdeck cannot read X as this account: {reason_of(error)}", account_wide=True
            ) from error

    def _failure(
        self, account: str, access: UserAccess | None, error: Exception, what: str
    ) -> Exception:
        if access is not None and isinstance(error, tweepy.Unauthorized):
            try:  # renewed for the next read; a revoked grant disconnects the account
                self._clients.renew(account)
            except Exception as renewal:
                return ReadFailed(reason_of(renewal), account_wide=True)
        return read_failure(error, what)


def _archived_posts(response: Any) -> list[ArchivedPost]:
    """A read's posts as the archive keeps them, each with its author from `includes`."""
    users = {str(u.id): u for u in (response.includes or {}).get("users", [])}
    posts = []
    for tweet in response.data or []:
        raw: dict[str, Any] = tweet.data
        author = users.get(str(raw.get("author_id", "")))
        handle = str(author.username) if author else ""
        references = {r["type"]: str(r["id"]) for r in raw.get("referenced_tweets") or []}
        metrics = raw.get("public_metrics") or {}
        posts.append(
            ArchivedPost(
                id=str(raw["id"]),
                author_id=str(raw.get("author_id", "")),
                author_handle=handle,
                author_name=str(author.name) if author else handle,
                text=str(raw["text"]),
                created_at=datetime.fromisoformat(raw["created_at"]),
                reply_to=references.get("replied_to"),
                quote_of=references.get("quoted"),
                repost_of=references.get("retweeted"),
                links=_links(raw.get("entities") or {}),
                # a post without public_metrics (or one of them) leaves it unknown, never 0
                likes=count_or_none(metrics.get("like_count")),
                # X's description says repost_count; the API has long answered retweet_count.
                reposts=count_or_none(metrics.get("repost_count", metrics.get("retweet_count"))),
                replies=count_or_none(metrics.get("reply_count")),
                quotes=count_or_none(metrics.get("quote_count")),
                url=post_url(handle or "i/web", str(raw["id"])),
                network="x",
            )
        )
    return posts


def _links(entities: Mapping[str, Any]) -> tuple[str, ...]:
    """Where the post's links lead: past t.co (`expanded_url`) and past other shorteners
    (`unwound_url`, when X followed them). A photo or video's link is no shared link."""
    found: dict[str, None] = {}
    for link in entities.get("urls") or []:
        if link.get("media_key"):
            continue
        target = link.get("unwound_url") or link.get("expanded_url") or link.get("url")
        if target:
            found[str(target)] = None
    return tuple(found)
