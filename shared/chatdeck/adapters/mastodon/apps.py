"""Chatdeck's app on each Mastodon instance, kept in the StateTable (the MastodonAppStore port).

- `MASTODON_APP#<instance>` / `APP`: `client_id`, `redirect_uri`, `scopes`, `registered_at`, and
  `client_secret` (binary) sealed by the token cipher with `mastodon-app:<instance>` as its
  associated data (the cipher seals a token pair: the secret is kept as its access token).
- `create` is a create-only conditional put: when two functions register Chatdeck on one instance
  at once, the first write wins and the other uses the winner's app (its own registration is
  left unused on the instance, which does no harm).
- `MastodonApps.app_for` reads the kept app, or registers one (`POST /api/v1/apps`, through
  Mastodon.py) and keeps it.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from chatdeck.adapters.dynamodb import Table
from chatdeck.adapters.token_cipher import AesGcmTokenCipher
from chatdeck.domain.accounts import Tokens
from chatdeck.domain.mastodon_app import SCOPES, MastodonApp
from chatdeck.domain.schedule import from_iso_utc, to_iso_utc
from chatdeck.ports import Clock, MastodonAppStore

APP_NAME = "Chatdeck"


def _key(instance: str) -> dict[str, str]:
    return {"pk": f"MASTODON_APP#{instance}", "sk": "APP"}


def _bound(instance: str) -> str:
    return f"mastodon-app:{instance}"


class DynamoMastodonAppStore:
    def __init__(self, table: Table, cipher: AesGcmTokenCipher) -> None:
        self.table = table
        self.cipher = cipher

    def get(self, instance: str) -> MastodonApp | None:
        item = self.table.get_item(Key=_key(instance), ConsistentRead=True).get("Item")
        if item is None:
            return None
        sealed = self.cipher.open(_bound(instance), bytes(item["client_secret"]))
        return MastodonApp(
            instance=instance,
            client_id=str(item["client_id"]),
            client_secret=sealed.access_token,
            redirect_uri=str(item["redirect_uri"]),
            scopes=tuple(item["scopes"]),
            registered_at=from_iso_utc(item["registered_at"]),
        )

    def create(self, app: MastodonApp) -> bool:
        secret = Tokens(app.client_secret, None, datetime.fromtimestamp(0, UTC))
        answer = self.table.write_if(
            "put_item",
            Item={
                **_key(app.instance),
                "client_id": app.client_id,
                "client_secret": self.cipher.seal(_bound(app.instance), secret),
                "redirect_uri": app.redirect_uri,
                "scopes": list(app.scopes),
                "registered_at": to_iso_utc(app.registered_at),
            },
            ConditionExpression="attribute_not_exists(pk)",
        )
        return answer is not None


Register = Callable[[str, str, tuple[str, ...]], tuple[str, str]]


class MastodonApps:
    """The app to connect accounts of an instance with: kept, or registered now."""

    def __init__(self, store: MastodonAppStore, register: Register, clock: Clock) -> None:
        self._store = store
        self._register = register  # (instance, redirect_uri, scopes) -> (client_id, secret)
        self._clock = clock

    def kept(self, instance: str) -> MastodonApp | None:
        return self._store.get(instance)

    def app_for(self, instance: str, redirect_uri: str) -> MastodonApp:
        kept = self._store.get(instance)
        if kept is not None:
            return kept
        client_id, secret = self._register(instance, redirect_uri, SCOPES)
        app = MastodonApp(instance, client_id, secret, redirect_uri, SCOPES, self._clock.now())
        if self._store.create(app):
            return app
        winner = self._store.get(instance)  # another function registered first: theirs is kept
        if winner is None:
            raise RuntimeError("the Mastodon app was kept by another function but cannot be read")
        return winner


def register_with(make_client: Callable[..., Any], timeout: tuple[float, float]) -> Register:
    """Registration through Mastodon.py's `create_app`, on a checked session with timeouts."""

    def register(instance: str, redirect_uri: str, scopes: tuple[str, ...]) -> tuple[str, str]:
        from mastodon import Mastodon

        client = make_client(instance)
        client_id, secret = Mastodon.create_app(
            APP_NAME,
            scopes=list(scopes),
            redirect_uris=redirect_uri,
            api_base_url=instance,
            request_timeout=timeout[1],
            session=client.session,
        )
        return str(client_id), str(secret)

    return register
