"""An instance's own rules, from `GET /api/v2/instance` (public: no token), kept a while.

- `configuration.statuses.max_characters` and `characters_reserved_per_url` give the length rule;
  `configuration.timelines_access.hashtag_feeds` (Mastodon 4.5+) whether its hashtag feeds can be
  read: `disabled` for local or remote posts means a chat followed there misses them (the
  hashtag timeline answers an empty list or leaves them out), so admins are told.
- Answers are kept 5 minutes per instance (the instance's own `Cache-Control: max-age=300`).
- An instance that cannot be asked, or does not say, gets Mastodon's defaults (500, 23, open):
  the length check is advisory, and the instance itself refuses what is too long (422).
"""

import threading
import time
from collections.abc import Callable
from typing import Any

from chatdeck.domain.mastodon_text import InstanceRules
from chatdeck.observability import logger

KEEP_SECONDS = 300.0


def rules_from(instance: dict[str, Any]) -> InstanceRules:
    """The rules in a `GET /api/v2/instance` body; defaults for what it leaves out."""
    configuration = instance.get("configuration") or {}
    statuses = configuration.get("statuses") or {}
    feeds = (configuration.get("timelines_access") or {}).get("hashtag_feeds") or {}
    defaults = InstanceRules()
    return InstanceRules(
        max_characters=int(statuses.get("max_characters") or defaults.max_characters),
        characters_reserved_per_url=int(
            statuses.get("characters_reserved_per_url", defaults.characters_reserved_per_url)
        ),
        hashtag_feeds_open="disabled" not in (feeds.get("local"), feeds.get("remote")),
    )


class InstanceRulesCache:
    def __init__(
        self, make_client: Callable[[str], Any], monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._make_client = make_client  # instance -> a Mastodon.py client without a token
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._kept: dict[str, tuple[float, InstanceRules]] = {}

    def rules(self, instance: str) -> InstanceRules:
        with self._lock:
            kept = self._kept.get(instance)
        if kept is not None and self._monotonic() - kept[0] < KEEP_SECONDS:
            return kept[1]
        try:
            answer = self._make_client(instance).instance_v2()
            rules = rules_from(dict(answer))
        except Exception as error:  # any failure: Mastodon's defaults, not a failed post
            logger.warning("Mastodon instance rules unread", extra={"error": type(error).__name__})
            return InstanceRules()
        with self._lock:
            self._kept[instance] = (self._monotonic(), rules)
        return rules
