"""Chatdeck's app on each Mastodon instance, kept in memory (the MastodonAppStore port)."""

import threading
from dataclasses import replace

from chatdeck.domain.mastodon_app import MastodonApp
from tests.fakes.shaping import second


class FakeMastodonAppStore:
    """As DynamoMastodonAppStore: create-only, times kept to the second as stored."""

    def __init__(self) -> None:
        self._apps: dict[str, MastodonApp] = {}
        self._lock = threading.Lock()
        self.creates = 0

    def get(self, instance: str) -> MastodonApp | None:
        with self._lock:
            return self._apps.get(instance)

    def create(self, app: MastodonApp) -> bool:
        with self._lock:
            self.creates += 1
            if app.instance in self._apps:
                return False
            self._apps[app.instance] = replace(app, registered_at=second(app.registered_at))
            return True
