"""X (Twitter) API v2 through tweepy, mapped onto the domain's outcomes.

tweepy's Client hard-codes https://api.twitter.com and sets no timeout, so a requests adapter
mounted on its session rewrites the host to X_API_BASE_URL and puts a timeout on every request.

An account with an OAuth 2.0 connection posts as its user with the connection's access token
(a bearer token, `user_auth=False`); the cohort's account without one uses the OAuth 1.0a
credentials in SSM.

Reading a chat's hashtag (`search_recent`, `lookup_posts`) goes through the same client, as the
account's user. X bills every post a read returns ($0.005, once per post and UTC day), so a read
asks for every field the archive keeps in one go and never reads a post for a single field.
"""

import html
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import requests
import tweepy
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

from chatdeck.domain.accounts import UserAccess
from chatdeck.domain.archive import SearchPage
from chatdeck.domain.outcomes import (
    AccountUnavailable,
    CannotTell,
    DuplicateContent,
    NotSent,
    OutcomeUnknown,
    Published,
    RateLimited,
    ReadFailed,
    Rejected,
)
from chatdeck.ports import UserAccessProvider

if TYPE_CHECKING:
    from chatdeck.domain.archive import ArchivedPost

TWEEPY_HOST = "https://api.twitter.com"
Credentials = Mapping[str, str]
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


class RewriteHostAdapter(HTTPAdapter):
    """Send tweepy's requests to `base_url`, each with a (connect, read) timeout."""

    def __init__(self, base_url: str, timeout: tuple[float, float]) -> None:
        super().__init__(max_retries=0, pool_maxsize=64)
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if request.url and request.url.startswith(TWEEPY_HOST):
            request.url = self.base_url + request.url[len(TWEEPY_HOST) :]
        kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


def make_client(credentials: Credentials, base_url: str, timeout: tuple[float, float]) -> Any:
    client = tweepy.Client(
        consumer_key=credentials["api_key"],
        consumer_secret=credentials["api_secret"],
        access_token=credentials["access_token"],
        access_token_secret=credentials["access_token_secret"],
    )
    client.session.mount(TWEEPY_HOST, RewriteHostAdapter(base_url, timeout))
    return client


class NoConnections:
    """For a network with OAuth 1.0a credentials only."""

    def user_access(self, account: str) -> UserAccess | None:
        return None

    def renewed_access(self, account: str) -> UserAccess | None:
        return None


class XNetwork:
    """X accounts: through their OAuth 2.0 connection when they have one, else (the cohort's) with
    OAuth 1.0a user-context credentials, fetched lazily and cached."""

    def __init__(
        self,
        credentials_for: Callable[[str], Credentials],
        base_url: str,
        timeout: tuple[float, float],
        connections: UserAccessProvider | None = None,
    ) -> None:
        self._credentials_for = credentials_for
        self._base_url = base_url
        self._timeout = timeout
        self._connections = connections or NoConnections()
        self._clients: dict[str, Any] = {}
        self._users: dict[str, tuple[str, str]] = {}
        self._bearer_clients: dict[str, tuple[str, Any]] = {}  # account -> (token, client)

    def _session(self, account: str) -> tuple[Any, UserAccess | None]:
        """The client to call X with as the account, and its OAuth 2.0 access if it has one."""
        access = self._connections.user_access(account)
        if access is None:
            return self._client(account), None
        return self._bearer_client(account, access), access

    def _bearer_client(self, account: str, access: UserAccess) -> Any:
        token, client = self._bearer_clients.get(account, ("", None))
        if client is None or token != access.access_token:
            client = tweepy.Client(bearer_token=access.access_token)
            client.session.mount(TWEEPY_HOST, RewriteHostAdapter(self._base_url, self._timeout))
            self._bearer_clients[account] = (access.access_token, client)
        return client

    def _client(self, account: str) -> Any:
        if account not in self._clients:
            try:
                credentials = self._credentials_for(account)
            except Exception as error:  # the SSM parameter missing or malformed
                raise AccountUnavailable(
                    "Chatdeck has no usable credentials for this account."
                ) from error
            self._clients[account] = make_client(credentials, self._base_url, self._timeout)
        return self._clients[account]

    def _me(self, account: str) -> tuple[str, str]:
        if account not in self._users:
            user = self._client(account).get_me(user_auth=True).data
            self._users[account] = (str(user.id), str(user.username))
        return self._users[account]

    def publish(self, account: str, text: str) -> Published:
        client, access = self._session(account)
        try:
            response = client.create_tweet(text=text, user_auth=access is None)
        except Exception as error:
            outcome = _publish_error(error)
            if outcome is error:
                raise
            if access is not None and isinstance(error, tweepy.Unauthorized):
                outcome = self._after_refused_access(account)
            raise outcome from error
        data = response.data
        remote_id = str(data["id"])
        try:
            username = access.username if access else self._me(account)[1]
        except Exception:  # the post exists; its link can live without the handle
            username = "i/web"
        return Published(remote_id, _post_url(username, remote_id), str(data.get("text", text)))

    def _after_refused_access(self, account: str) -> Exception:
        """X refused an access token it had not said was expired: renew it (which tells whether
        the grant itself was revoked); the post was certainly not created, so it is tried again."""
        self._connections.renewed_access(account)  # raises AccountDisconnected when revoked
        return NotSent("X refused the account's access token; it was renewed for the next try.")

    def find_own_post(self, account: str, text: str, since: datetime) -> Published | None:
        wanted = _comparable(text)
        try:
            client, access = self._session(account)
            user_id, username = (access.user_id, access.username) if access else self._me(account)
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
                        return Published(str(tweet.id), _post_url(username, str(tweet.id)), text)
        except Exception as error:
            raise CannotTell(
                f"X's list of the account's posts could not be read ({error})."
            ) from error
        return None

    def search_recent(
        self,
        account: str,
        query: str,
        since_id: str | None = None,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        next_token: str | None = None,
        max_results: int = 100,
    ) -> SearchPage:
        """One page of GET /2/tweets/search/recent, newest first; raises ReadFailed."""
        client, access = self._reading_session(account)
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
            raise self._read_error(account, access, error, "search") from error
        posts = _archived_posts(response)
        meta = response.meta or {}
        return SearchPage(
            posts=posts,
            next_token=meta.get("next_token"),
            newest_id=meta.get("newest_id"),
            reads=len(posts),
        )

    def lookup_posts(self, account: str, ids: Sequence[str]) -> "list[ArchivedPost]":
        """GET /2/tweets?ids=… (at most 100): the posts that still exist, with their counts now;
        raises ReadFailed."""
        if len(ids) > LOOKUP_LIMIT:
            raise ValueError(f"X looks up at most {LOOKUP_LIMIT} posts at once")
        if not ids:
            return []
        client, access = self._reading_session(account)
        try:
            response = client.get_tweets(list(ids), user_auth=access is None, **READ_FIELDS)
        except Exception as error:
            raise self._read_error(account, access, error, "lookup") from error
        return _archived_posts(response)

    def _reading_session(self, account: str) -> tuple[Any, UserAccess | None]:
        try:
            return self._session(account)
        except Exception as error:  # no credentials, or a connection that cannot be renewed
            raise ReadFailed(
                f"Chatdeck cannot read X as this account: {_reason(error)}", account_wide=True
            ) from error

    def _read_error(
        self, account: str, access: UserAccess | None, error: Exception, what: str
    ) -> Exception:
        """Map what tweepy and requests raised on a read to ReadFailed."""
        if isinstance(error, tweepy.TooManyRequests):
            outcome = _publish_error(error)
            retry_at = outcome.retry_at if isinstance(outcome, RateLimited) else None
            return ReadFailed(f"X's rate limit for the {what} was reached.", retry_at=retry_at)
        if isinstance(error, tweepy.Unauthorized):
            if access is not None:
                try:  # renewed for the next read; a revoked grant disconnects the account
                    self._connections.renewed_access(account)
                except Exception as renewal:
                    return ReadFailed(_reason(renewal), account_wide=True)
            return ReadFailed("X refused the account's credentials.", account_wide=True)
        if isinstance(error, tweepy.HTTPException):
            status = error.response.status_code
            if status == 402:
                return ReadFailed("The X API credits are used up.", account_wide=True)
            if status == 403:
                return ReadFailed(f"X refused the {what}: {_detail(error)}", account_wide=True)
            if status >= 500:
                return ReadFailed(f"X answered {status} to the {what}.")
            return ReadFailed(f"X refused the {what}: {_detail(error)}")
        if isinstance(error, requests.RequestException):
            return ReadFailed(f"X did not answer the {what} in time.")
        return error


def _archived_posts(response: Any) -> "list[ArchivedPost]":
    """A read's posts as the archive keeps them, each with its author from `includes`."""
    from chatdeck.domain.archive import ArchivedPost

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
                likes=int(metrics.get("like_count", 0)),
                # X's description says repost_count; the API has long answered retweet_count.
                reposts=int(metrics.get("repost_count", metrics.get("retweet_count", 0))),
                replies=int(metrics.get("reply_count", 0)),
                quotes=int(metrics.get("quote_count", 0)),
                url=_post_url(handle or "i/web", str(raw["id"])),
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


def _reason(error: BaseException) -> str:
    return str(getattr(error, "reason", None) or error)


def _post_url(username: str, remote_id: str) -> str:
    return f"https://x.com/{username}/status/{remote_id}"


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


def _publish_error(error: Exception) -> Exception:
    """Map what tweepy and requests raised to the domain's outcome of a create."""
    if isinstance(error, tweepy.TooManyRequests):
        reset = error.response.headers.get("x-rate-limit-reset")
        retry_at = (
            datetime.fromtimestamp(int(reset), UTC)
            if reset and reset.isdigit()
            else datetime.now(UTC)
        )
        return RateLimited(
            f"X's rate limit was reached; it will be tried at {retry_at:%H:%M} UTC.", retry_at
        )
    if isinstance(error, tweepy.Unauthorized):
        return AccountUnavailable("X refused the account's credentials")
    if isinstance(error, tweepy.Forbidden):
        detail = _detail(error)
        if "duplicate" in detail.lower():
            return DuplicateContent("X refused it as a duplicate of a post already on the account.")
        return Rejected(f"X refused the post: {detail}")
    if isinstance(error, tweepy.BadRequest):
        return Rejected(f"X rejected the post as invalid: {_detail(error)}")
    if isinstance(error, tweepy.TwitterServerError):
        status = error.response.status_code
        return OutcomeUnknown(f"X answered {status} after the post was sent.")
    if isinstance(error, tweepy.HTTPException):
        status = error.response.status_code
        if status == 402:
            return AccountUnavailable("the X API credits are used up")
        return Rejected(f"X answered {status}: {_detail(error)}")
    if isinstance(error, requests.ConnectionError) and _never_connected(error):
        return NotSent("X could not be reached; it will be tried again shortly.")
    if isinstance(error, requests.RequestException):
        return OutcomeUnknown("X did not answer in time after the post was sent.")
    return error


def _never_connected(error: BaseException) -> bool:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ConnectTimeoutError | NewConnectionError | NameResolutionError):
            return True
        if isinstance(seen, requests.ConnectTimeout):
            return True
        reason = getattr(seen, "reason", None)
        seen = reason if isinstance(reason, BaseException) else (seen.__cause__ or seen.__context__)
        if seen is error:
            return False
    return False


def _detail(error: Any) -> str:
    try:
        body = error.response.json()
    except ValueError:
        return str(error.response.reason)
    return str(body.get("detail") or body.get("title") or error.response.reason)
