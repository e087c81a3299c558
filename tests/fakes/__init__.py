"""In-memory fakes of the ports in `chatdeck.ports`: one per store, plus a mailer, a clock and a
network, for tests that should not need moto server.

Each store fake does what its DynamoDB adapter does, condition for condition; the cases in
`tests/contract/` run against both, so the two cannot drift apart. Where the adapter's storage
shapes a value, the fake shapes it the same way: instants the adapter writes as
`YYYY-MM-DDTHH:MM:SSZ` or epoch seconds come back whole seconds in UTC, and DynamoDB's ordering
(by key, strings compared by code point) is kept. Fakes hold frozen values or copies, never what
a caller could change afterwards, and every one (the clock aside) takes a lock around its state:
the publisher works on posts from 16 threads.

No boto3 and no network here.
"""

from chatdeck.ports import (
    AccountStore,
    ArchiveStore,
    ChatStore,
    Clock,
    ConnectionStore,
    DataKeyStore,
    Mailer,
    MastodonAppStore,
    MemberStore,
    Network,
    NoticeLog,
    OAuthClient,
    PendingConnectionStore,
    PostReader,
    PostStore,
    SessionStore,
    SettingsStore,
    SignInLinkStore,
    SpendingStore,
    SubscriptionStore,
)
from tests.fakes.archive import FakeArchiveStore
from tests.fakes.chats import FakeChatStore, FakeSubscriptionStore
from tests.fakes.clock_and_mail import FakeMailer, FakeNotice, FakeNoticeLog, FixedClock
from tests.fakes.connections import FakeConnectionStore, FakePendingConnectionStore
from tests.fakes.data_key import FakeDataKeyStore
from tests.fakes.mastodon import FakeMastodonAppStore
from tests.fakes.members import (
    FakeMemberStore,
    FakeSessionStore,
    FakeSettingsStore,
    FakeSignInLinkStore,
)
from tests.fakes.network import FakeNetwork, OwnPost
from tests.fakes.oauth import FakeOAuthClient
from tests.fakes.posts import FakeAccountStore, FakePostStore
from tests.fakes.spending import FakeSpendingStore

__all__ = [
    "FakeAccountStore",
    "FakeArchiveStore",
    "FakeChatStore",
    "FakeConnectionStore",
    "FakeDataKeyStore",
    "FakeMailer",
    "FakeMastodonAppStore",
    "FakeMemberStore",
    "FakeNetwork",
    "FakeNotice",
    "FakeNoticeLog",
    "FakeOAuthClient",
    "FakePendingConnectionStore",
    "FakePostStore",
    "FakeSessionStore",
    "FakeSettingsStore",
    "FakeSignInLinkStore",
    "FakeSpendingStore",
    "FakeSubscriptionStore",
    "FixedClock",
    "OwnPost",
]


# Each fake is its port (strict mypy checks these lines: `mypy tests/fakes`).
def _fakes_are_ports() -> None:  # pragma: no cover - never called; read by the type checker
    _posts: PostStore = FakePostStore()
    _accounts: AccountStore = FakeAccountStore()
    _notice_log: NoticeLog = FakeNoticeLog()
    _members: MemberStore = FakeMemberStore()
    _links: SignInLinkStore = FakeSignInLinkStore()
    _sessions: SessionStore = FakeSessionStore()
    _settings: SettingsStore = FakeSettingsStore()
    _chats: ChatStore = FakeChatStore()
    _subscriptions: SubscriptionStore = FakeSubscriptionStore()
    _pending: PendingConnectionStore = FakePendingConnectionStore()
    _connections: ConnectionStore = FakeConnectionStore()
    _archive: ArchiveStore = FakeArchiveStore()
    _data_key: DataKeyStore = FakeDataKeyStore()
    _mastodon_apps: MastodonAppStore = FakeMastodonAppStore()
    _spending: SpendingStore = FakeSpendingStore()
    _mailer: Mailer = FakeMailer()
    _clock: Clock = FixedClock()
    _network: Network = FakeNetwork()
    _reader: PostReader = FakeNetwork()
    _oauth: OAuthClient = FakeOAuthClient()
