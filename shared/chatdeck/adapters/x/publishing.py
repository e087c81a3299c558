"""Publishing as an account (the Network port): creating a post, and finding it again.

- A post is created once; any outcome but Published is raised, as errors.py maps it.
- When X refuses an OAuth 2.0 access token it had not said was expired, the access is renewed
  (which tells whether the grant itself was revoked); the post was certainly not created, so it
  is NotSent and tried again.
- A published post's link names the account's handle; when the handle cannot be learned, the
  post still exists and its link goes through x.com/i/web instead.
- Finding our own post reads the account's posts since a time (five pages of 100 at most) and
  compares texts as X may hand them back: links expanded from t.co, `&amp;`-escaped, a link typed
  without a scheme given `http://`, spacing changed. When the list cannot be read, the answer is
  CannotTell.
- X bills that list as a read of the account's own posts ($0.001 a post, once a UTC day): with
  the cohort's X spending cap (`spending`), each page is asked only for as many posts as still
  fit under it, none is asked when fewer than X's smallest page (OWN_PAGE_MIN) fit (CannotTell
  with the cap as its reason), and the posts each page returned are counted. When the cap or
  the count cannot be read or written, the answer is CannotTell too: never an uncounted read.
"""

import html
import re
import unicodedata
from datetime import UTC, datetime
from typing import Any

import tweepy

from chatdeck.adapters.x.client import XClients, post_url
from chatdeck.adapters.x.errors import publish_outcome
from chatdeck.domain.outcomes import CannotTell, NotSent, Published
from chatdeck.domain.outgoing import Outgoing

OWN_PAGES = 5  # pages of the account's posts read to find one, at most
OWN_PAGE_MAX = 100  # posts in one page of GET /2/users/:id/tweets, at most
OWN_PAGE_MIN = 5  # and at least


class XPublishing:
    def __init__(self, clients: XClients) -> None:
        self._clients = clients
        self._spending = clients.spending  # the cohort's X spending cap (None: not counted)
        self._now = clients.now

    def publish(self, outgoing: Outgoing) -> Published:
        account, text = outgoing.account, outgoing.text
        client, access = self._clients.session(account)
        try:
            response = client.create_tweet(text=text, user_auth=access is None)
        except Exception as error:
            outcome = publish_outcome(error)
            if outcome is error:
                raise
            if access is not None and isinstance(error, tweepy.Unauthorized):
                outcome = self._after_refused_access(account)
            raise outcome from error
        data = response.data
        remote_id = str(data["id"])
        try:
            username = access.username if access else self._clients.me(account)[1]
        except Exception:  # the post exists; its link can live without the handle
            username = "i/web"
        return Published(remote_id, post_url(username, remote_id), str(data.get("text", text)))

    def _after_refused_access(self, account: str) -> Exception:
        """X refused an access token it had not said was expired: renew it (which tells whether
        the grant itself was revoked); the post was certainly not created, so it is tried again."""
        self._clients.renew(account)  # raises AccountDisconnected when revoked
        return NotSent("X refused the account's access token; it was renewed for the next try.")

    def find_own_post(self, outgoing: Outgoing, since: datetime) -> Published | None:
        account, text = outgoing.account, outgoing.text
        wanted = _comparable(text)
        now = self._now()
        try:
            client, access = self._clients.session(account)
            user_id, username = (
                (access.user_id, access.username) if access else self._clients.me(account)
            )
            token: str | None = None
            for _ in range(OWN_PAGES):
                response = client.get_users_tweets(
                    user_id,
                    start_time=since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    max_results=self._own_page_size(now),
                    pagination_token=token,
                    tweet_fields=["created_at", "entities"],
                    user_auth=access is None,
                )
                tweets = response.data or []
                if self._spending is not None:
                    self._spending.count_reads([str(t.id) for t in tweets], now, "own_read")
                for tweet in tweets:
                    if _comparable(_expanded_text(tweet)) == wanted:
                        return Published(str(tweet.id), post_url(username, str(tweet.id)), text)
                token = (response.meta or {}).get("next_token")
                if not token:
                    break
        except CannotTell:
            raise
        except Exception as error:
            raise CannotTell(
                f"X's list of the account's posts could not be read ({error})."
            ) from error
        return None

    def _own_page_size(self, now: datetime) -> int:
        """As many posts as still fit under the cap, up to a full page; CannotTell when fewer
        than X's smallest page do."""
        if self._spending is None:
            return OWN_PAGE_MAX
        left = self._spending.own_reads_left(now)
        if left is None:
            return OWN_PAGE_MAX
        if left < OWN_PAGE_MIN:
            raise CannotTell(self._spending.own_reads_stopped(now))
        return min(OWN_PAGE_MAX, left)


def _expanded_text(tweet: Any) -> str:
    """The text as written: X replaces every link by a t.co one and keeps the original aside."""
    result = str(tweet.text)
    for link in (tweet.entities or {}).get("urls", []):
        if link.get("url") and link.get("expanded_url"):
            result = result.replace(link["url"], link["expanded_url"])
    return result


_SCHEME = re.compile(r"\bhttps?://", re.IGNORECASE)


def _comparable(text: str) -> str:
    """A post's text as X may hand it back: `&amp;`-escaped, and a link typed without a scheme
    expanded to `http://…`, so both sides drop entities, schemes and spacing differences."""
    plain = _SCHEME.sub("", html.unescape(unicodedata.normalize("NFC", text)))
    return " ".join(plain.split())
