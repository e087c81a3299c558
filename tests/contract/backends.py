"""Where a contract case gets its store: the in-memory fake, or the DynamoDB adapter on moto.

Both backends answer the same questions (`backend.posts()`, `backend.chats()`, ...). Asking twice
gives two stores over the same data: two DynamoDB adapters on one table, or the one fake. The
knobs `small_pages` (every Query answers two items at a time, as a big table does past 1 MB)
and `stale_first_read` (the first GetItem misses: another request is writing) shape the DynamoDB
table; the fake has no pages and no stale reads, so it ignores them.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from chatdeck.adapters.account_states import DynamoAccountStore
from chatdeck.adapters.archive import DynamoArchiveStore
from chatdeck.adapters.chats import DynamoChatStore, DynamoSubscriptionStore
from chatdeck.adapters.connections import DynamoConnectionStore, DynamoPendingConnectionStore
from chatdeck.adapters.dynamodb import Table
from chatdeck.adapters.members import DynamoMemberStore, DynamoSettingsStore
from chatdeck.adapters.notices import DynamoNoticeLog
from chatdeck.adapters.posts import DynamoPostStore
from chatdeck.adapters.signin import DynamoSessionStore, DynamoSignInLinkStore
from chatdeck.adapters.ssm_data_key import SsmDataKeyStore
from chatdeck.adapters.token_cipher import AesGcmTokenCipher, DataKey
from chatdeck.ports import (
    AccountStore,
    ArchiveStore,
    ChatStore,
    ConnectionStore,
    DataKeyStore,
    MemberStore,
    NoticeLog,
    PendingConnectionStore,
    PostStore,
    SessionStore,
    SettingsStore,
    SignInLinkStore,
    SubscriptionStore,
)
from devstack.provision import create_table
from tests import fakes
from tests.conftest import unique


class Backend(Protocol):
    name: str

    def posts(self, small_pages: bool = False) -> PostStore: ...

    def account_states(self) -> AccountStore: ...

    def notice_log(self) -> NoticeLog: ...

    def members(self) -> MemberStore: ...

    def settings(self, require_approval_default: bool) -> SettingsStore: ...

    def signin_links(self) -> SignInLinkStore: ...

    def sessions(self) -> SessionStore: ...

    def chats(self, small_pages: bool = False, stale_first_read: bool = False) -> ChatStore: ...

    def subscriptions(self, small_pages: bool = False) -> SubscriptionStore: ...

    def pending_connections(self) -> PendingConnectionStore: ...

    def connections(self) -> ConnectionStore: ...

    def archive(self, small_pages: bool = False) -> ArchiveStore: ...

    def data_key(self) -> DataKeyStore: ...

    def lose_data_key(self) -> None:
        """The connections' data key is deleted (by hand): the tokens sealed under it are lost."""

    def notice_expiries(self, notice_id: str) -> list[int | None]:
        """What the stored items of a notice carry as `expires_at` (the TTL, epoch seconds): its
        record's first, then its failed listings'. Moto never expires an item: the attribute
        is what a case can check."""


class FakeBackend:
    """One fake per port for the whole case, whatever the knobs."""

    name = "fake"

    def __init__(self) -> None:
        self._fakes: dict[str, Any] = {}

    def _one(self, port: str, make: Callable[[], Any]) -> Any:
        return self._fakes.setdefault(port, make())

    def posts(self, small_pages: bool = False) -> PostStore:
        store: PostStore = self._one("posts", fakes.FakePostStore)
        return store

    def account_states(self) -> AccountStore:
        store: AccountStore = self._one("account_states", fakes.FakeAccountStore)
        return store

    def notice_log(self) -> NoticeLog:
        store: NoticeLog = self._one("notice_log", fakes.FakeNoticeLog)
        return store

    def members(self) -> MemberStore:
        store: MemberStore = self._one("members", fakes.FakeMemberStore)
        return store

    def settings(self, require_approval_default: bool) -> SettingsStore:
        return fakes.FakeSettingsStore(require_approval_default)

    def signin_links(self) -> SignInLinkStore:
        store: SignInLinkStore = self._one("signin_links", fakes.FakeSignInLinkStore)
        return store

    def sessions(self) -> SessionStore:
        store: SessionStore = self._one("sessions", fakes.FakeSessionStore)
        return store

    def chats(self, small_pages: bool = False, stale_first_read: bool = False) -> ChatStore:
        store: ChatStore = self._one("chats", fakes.FakeChatStore)
        return store

    def subscriptions(self, small_pages: bool = False) -> SubscriptionStore:
        store: SubscriptionStore = self._one("subscriptions", fakes.FakeSubscriptionStore)
        return store

    def pending_connections(self) -> PendingConnectionStore:
        store: PendingConnectionStore = self._one(
            "pending_connections", fakes.FakePendingConnectionStore
        )
        return store

    def connections(self) -> ConnectionStore:
        store: ConnectionStore = self._one("connections", fakes.FakeConnectionStore)
        return store

    def archive(self, small_pages: bool = False) -> ArchiveStore:
        store: ArchiveStore = self._one("archive", fakes.FakeArchiveStore)
        return store

    def data_key(self) -> DataKeyStore:
        store: DataKeyStore = self._one("data_key", fakes.FakeDataKeyStore)
        return store

    def lose_data_key(self) -> None:
        self._one("connections", fakes.FakeConnectionStore).lose_data_key()

    def notice_expiries(self, notice_id: str) -> list[int | None]:
        log: fakes.FakeNoticeLog = self._one("notice_log", fakes.FakeNoticeLog)
        listed = [
            log.failures_expire_at[k] for k in sorted(log.failures) if k.endswith(f"#{notice_id}")
        ]
        return [log.notices[notice_id].expires_at, *listed]


@dataclass
class MotoAws:
    """What the DynamoDB backends of a session share: moto server's clients (DynamoDB, and SSM
    for the connections' data key) and the template's table definitions."""

    url: str
    dynamodb: Any
    ssm: Any
    tables: dict[str, dict[str, Any]]


class DynamoBackend:
    """The real adapters, each case on its own fresh tables (made when first asked for) and its
    own data key parameter name (the key in it is made by the first seal, as when deployed)."""

    name = "dynamodb"

    def __init__(self, aws: MotoAws) -> None:
        self.aws = aws
        self._names: dict[str, str] = {}
        self._data_key_parameter = f"/chatdeck/{unique('contract')}/tokens-data-key"

    def table(
        self, logical_id: str, small_pages: bool = False, stale_first_read: bool = False
    ) -> Table:
        if logical_id not in self._names:
            name = unique(f"contract-{logical_id}")
            properties = {**self.aws.tables[logical_id], "TableName": name}
            self._names[logical_id] = create_table(self.aws.url, name, properties)
        kind: type[Table] = Table
        if small_pages:
            kind = SmallPages
        elif stale_first_read:
            kind = StaleFirstRead
        return kind(self.aws.dynamodb, self._names[logical_id])

    def posts(self, small_pages: bool = False) -> PostStore:
        return DynamoPostStore(self.table("PostsTable", small_pages))

    def account_states(self) -> AccountStore:
        return DynamoAccountStore(self.table("StateTable"))

    def notice_log(self) -> NoticeLog:
        return DynamoNoticeLog(self.table("StateTable"))

    def members(self) -> MemberStore:
        return DynamoMemberStore(self.table("StateTable"))

    def settings(self, require_approval_default: bool) -> SettingsStore:
        return DynamoSettingsStore(self.table("StateTable"), require_approval_default)

    def signin_links(self) -> SignInLinkStore:
        return DynamoSignInLinkStore(self.table("StateTable"))

    def sessions(self) -> SessionStore:
        return DynamoSessionStore(self.table("StateTable"))

    def chats(self, small_pages: bool = False, stale_first_read: bool = False) -> ChatStore:
        return DynamoChatStore(self.table("StateTable", small_pages, stale_first_read))

    def subscriptions(self, small_pages: bool = False) -> SubscriptionStore:
        return DynamoSubscriptionStore(self.table("StateTable", small_pages))

    def pending_connections(self) -> PendingConnectionStore:
        return DynamoPendingConnectionStore(self.table("StateTable"))

    def connections(self) -> ConnectionStore:
        cipher = AesGcmTokenCipher(DataKey(self.data_key()))
        return DynamoConnectionStore(self.table("StateTable"), cipher)

    def archive(self, small_pages: bool = False) -> ArchiveStore:
        return DynamoArchiveStore(self.table("ArchiveTable", small_pages))

    def data_key(self) -> DataKeyStore:
        """The SSM adapter, on a parameter name of this case's own (no key in it yet)."""
        return SsmDataKeyStore(lambda: self.aws.ssm, self._data_key_parameter)

    def lose_data_key(self) -> None:
        self.aws.ssm.delete_parameter(Name=self._data_key_parameter)

    def notice_expiries(self, notice_id: str) -> list[int | None]:
        table = self.table("StateTable")
        key = {"pk": f"NOTICE#{notice_id}", "sk": "NOTICE"}
        record = table.get_item(Key=key, ConsistentRead=True)["Item"]
        listed = table.query_all(
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": "NOTICES-FAILED"},
            ConsistentRead=True,
        )
        mine = [item for item in listed if item["notice_id"] == notice_id]
        return [_epoch(record.get("expires_at")), *(_epoch(i.get("expires_at")) for i in mine)]


class SmallPages(Table):
    """The real table, answering every Query without a Limit two items at a time."""

    def query(self, **params: Any) -> dict[str, Any]:
        params.setdefault("Limit", 2)
        return super().query(**params)


class StaleFirstRead(Table):
    """The real table, whose first read of an item misses it: another request is writing."""

    missed = False

    def get_item(self, **params: Any) -> dict[str, Any]:
        if not self.missed:
            self.missed = True
            return {}
        return super().get_item(**params)


def _epoch(value: Any) -> int | None:
    return None if value is None else int(value)
