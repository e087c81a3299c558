"""Expanding shortened links (ports.LinkExpander): each asked once of its shortener through the
outbound fetcher, the answer cached in the StateTable.

- **Asking**: `Outbound.locate` (https to public addresses only, checked at every redirect; HEAD,
  or a GET left unread, so no body is downloaded), one redirect at a time. Redirects are followed
  while they stay on a shortener (`follow`; t.co → bit.ly → the article): the site a link finally
  points at is named by the last redirect and never fetched itself. A shortener on http (t.co →
  http://bit.ly/…, or a link posted so) is asked over https (`short_links.over_https`), as the
  fetcher asks https only (and so in the local stack too, whose loopback switch would let plain
  http through); a chain is at most the fetcher's `max_redirects` redirects, and no hop starts
  once the fetcher's `timeout` is spent (each hop has that limit too).
- **Bounds**: at most `max_links` links asked per call (a digest), `workers` at a time, and no
  more than `total_seconds` for all of them: links still unanswered then stay as posted (and are
  asked by a later digest). Each ask has the fetcher's own time limit too.
- **Cache**: `LINK#<sha256 of the link>` / `LINK` holds `url`, `leads_to` (absent when the link
  does not redirect) and `expires_at` (epoch seconds, the table's TTL; checked on reading too,
  as DynamoDB deletes expired items late). An expansion is kept `EXPANDED_TTL`, a link that
  does not redirect `UNCHANGED_TTL`, a failure `FAILED_TTL` (so a shortener that was down is
  asked again another day, not on every page view).
- **Failures** keep the link as posted: a refused or failed ask, the time limit, the cache
  unreadable (links are then asked, or left as posted when reading only).
- **Reading only** (`resolve=False`): the web function's session page shows the links the cache
  knows and asks nothing, so a page view never waits on a shortener; the companion asks, when it
  builds the digest it emails.
"""

import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError

from chatdeck.adapters.dynamodb import Table, UnprocessedKeys
from chatdeck.adapters.outbound import Outbound, OutboundError
from chatdeck.domain.short_links import is_short_link, over_https

log = logging.getLogger(__name__)

EXPANDED_TTL = timedelta(days=30)
UNCHANGED_TTL = timedelta(days=7)
FAILED_TTL = timedelta(hours=6)
MAX_LINKS = 40
TOTAL_SECONDS = 8.0
WORKERS = 4
SORT_KEY = "LINK"
STORE_ERRORS = (BotoCoreError, ClientError, UnprocessedKeys)


def cache_key(url: str) -> dict[str, str]:
    return {"pk": f"LINK#{hashlib.sha256(url.encode()).hexdigest()}", "sk": SORT_KEY}


class CachedLinks:
    """What the StateTable knows of links asked before: where each leads (None: nowhere else)."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def known(self, urls: Sequence[str], now: datetime) -> dict[str, str | None]:
        wanted = list(dict.fromkeys(urls))
        if not wanted:
            return {}
        items = self.table.batch_get([cache_key(url) for url in wanted], consistent=False)
        epoch = int(now.timestamp())
        return {
            item["url"]: item.get("leads_to")
            for item in items
            if int(item.get("expires_at", 0)) > epoch and item.get("url") in wanted
        }

    def keep(self, url: str, leads_to: str | None, now: datetime, ttl: timedelta) -> None:
        item: dict[str, Any] = {
            **cache_key(url),
            "url": url,
            "checked_at": now.isoformat(),
            "expires_at": int((now + ttl).timestamp()),
        }
        if leads_to is not None:
            item["leads_to"] = leads_to
        self.table.put_item(Item=item)


class ShortLinkExpander:
    def __init__(
        self,
        outbound: Outbound,
        cache: CachedLinks,
        now: Callable[[], datetime],
        *,
        resolve: bool = True,
        max_links: int = MAX_LINKS,
        total_seconds: float = TOTAL_SECONDS,
        workers: int = WORKERS,
        follow: Callable[[str], bool] = is_short_link,
    ) -> None:
        self.outbound = outbound
        self.cache = cache
        self.now = now
        self.resolve = resolve
        self.max_links = max_links
        self.total_seconds = total_seconds
        self.workers = workers
        self.follow = follow  # whether to follow a redirect to this address too

    def expand(self, urls: Sequence[str]) -> dict[str, str]:
        now = self.now()
        try:
            known = self.cache.known(urls, now)
        except STORE_ERRORS:  # the links stay as posted, or are asked again below
            log.warning("the link cache could not be read", exc_info=True)
            known = {}
        expanded = {url: leads_to for url, leads_to in known.items() if leads_to}
        if not self.resolve:
            return expanded
        asking = [url for url in dict.fromkeys(urls) if url not in known][: self.max_links]
        for url, leads_to, ttl in self._ask(asking):
            try:
                self.cache.keep(url, leads_to, now, ttl)
            except STORE_ERRORS:  # asked again next time
                log.warning("a link's expansion could not be cached", exc_info=True)
            if leads_to:
                expanded[url] = leads_to
        return expanded

    def _ask(self, urls: list[str]) -> list[tuple[str, str | None, timedelta]]:
        """(link, where it leads or None, how long to keep that) for each link answered in time."""
        if not urls:
            return []
        ends_at = time.monotonic() + self.total_seconds
        pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="links")
        pending: dict[Future[tuple[str | None, timedelta]], str] = {
            pool.submit(self._locate, url): url for url in urls
        }
        answered = []
        try:
            while pending and (left := ends_at - time.monotonic()) > 0:
                done, _ = wait(pending, timeout=left, return_when=FIRST_COMPLETED)
                for future in done:
                    answered.append((pending.pop(future), *future.result()))
        finally:
            # unanswered links stay as posted; a fetch under way ends by its own time limit
            pool.shutdown(wait=False, cancel_futures=True)
        if pending:
            log.info("link expansion stopped at its time limit", extra={"left": len(pending)})
        return answered

    def _locate(self, url: str) -> tuple[str | None, timedelta]:
        try:
            leads_to = self._follow(url)
        except OutboundError as error:
            log.info("a short link was not expanded", extra={"reason": error.reason})
            return None, FAILED_TTL
        if leads_to == url or urlsplit(leads_to).scheme.lower() not in ("http", "https"):
            return None, UNCHANGED_TTL
        return leads_to, EXPANDED_TTL

    def _follow(self, url: str) -> str:
        """Where `url` leads: each redirect asked in turn while `follow` says so, a shortener's
        http address over https; `url` itself when it does not redirect. Raises OutboundError."""
        asking = over_https(url)
        started = time.monotonic()
        for hop in range(self.outbound.max_redirects + 1):
            if time.monotonic() - started > self.outbound.timeout:
                raise OutboundError("The short link's redirects took too long to follow.")
            leads_to = self.outbound.locate(asking, follow=_stop)
            if leads_to == asking:  # no redirect: the link itself, or the last shortener
                return asking if hop else url
            if not self.follow(leads_to):
                return leads_to
            asking = over_https(leads_to)
        most = self.outbound.max_redirects
        raise OutboundError(f"The address redirected more than {most} times.")


def _stop(_: str) -> bool:
    return False
