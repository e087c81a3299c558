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


class XPublishing:
    def __init__(self, clients: XClients) -> None:
        self._clients = clients

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
        try:
            client, access = self._clients.session(account)
            user_id, username = (
                (access.user_id, access.username) if access else self._clients.me(account)
            )
            pages = tweepy.Paginator(
                client.get_users_tweets,
                user_id,
                start_time=since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                max_results=100,
                tweet_fields=["created_at", "entities"],
                user_auth=access is None,
                limit=5,
            )
            for page in pages:
                for tweet in page.data or []:
                    if _comparable(_expanded_text(tweet)) == wanted:
                        return Published(str(tweet.id), post_url(username, str(tweet.id)), text)
        except Exception as error:
            raise CannotTell(
                f"X's list of the account's posts could not be read ({error})."
            ) from error
        return None


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
