"""The one composition root: real clients built lazily, once per container, and injected.

Only this module and `chatdeck.adapters` name adapters. Every property answers a port or a
service type, so strict mypy checks the wiring end to end. Adapters and heavy packages are
imported inside the property that needs them: a function that never posts never loads tweepy,
and one that never serves a calendar never loads icalendar.
"""

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Literal

from chatdeck.settings import Settings, get_settings

# Every AWS call: a 2 s connect and 5 s read timeout, and at most 3 attempts in all (botocore's
# defaults are 60 s and 5 attempts), so one call takes at most 3 x (2 + 5) = 21 s: less than the
# web function's 28 s and the ticks' 60 s (tests/unit/test_timeouts.py checks both).
AWS_CONNECT_TIMEOUT = 2.0
AWS_READ_TIMEOUT = 5.0
AWS_MAX_ATTEMPTS = 3
LINK_TIMEOUT = 3.0  # seconds to ask one shortened link, every redirect included
LINK_REDIRECTS = 5  # shorteners chain (t.co → bit.ly → the site)


def aws_client(service: str) -> object:
    """A boto3 client for `service` with Chatdeck's timeouts and bounded retries."""
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=AWS_CONNECT_TIMEOUT,
        read_timeout=AWS_READ_TIMEOUT,
        retries={"mode": "standard", "total_max_attempts": AWS_MAX_ATTEMPTS},
    )
    return boto3.client(service, config=config)


def _strings(value: object) -> dict[str, str]:
    """A JSON parameter's object; anything else is malformed (the callers report it so)."""
    if not isinstance(value, dict):
        raise ValueError("the parameter is not a JSON object")
    return {str(key): str(item) for key, item in value.items()}


if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SSMProvider

    from chatdeck.adapters.bluesky import BlueskySessions
    from chatdeck.adapters.dynamodb import Table
    from chatdeck.adapters.x import XClients
    from chatdeck.notifications.email_actions import EmailActions
    from chatdeck.notifications.notices import Notices
    from chatdeck.ports import (
        AccountStore,
        ArchiveStore,
        ChatStore,
        Clock,
        ConnectionStore,
        DataKeyStore,
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
        SubscriptionStore,
        UserAccessProvider,
    )
    from chatdeck.services.accounts import Accounts
    from chatdeck.services.bluesky_accounts import BlueskyAccounts
    from chatdeck.services.chat_import import ChatImports
    from chatdeck.services.chats import ChatCalendar
    from chatdeck.services.companion import Companion
    from chatdeck.services.digests import Digests
    from chatdeck.services.membership import Membership
    from chatdeck.services.polling import Poller
    from chatdeck.services.posts import Scheduling
    from chatdeck.services.publishing import Publisher
    from chatdeck.services.reminders import Reminders
    from chatdeck.services.targets import TargetDirectory
    from chatdeck.services.x_spending import XSpendingGuard


class Lazily[T](Mapping[str, T]):
    """A mapping whose values are made on first use, each once: the publisher and the companion
    know every network, and load a network's client only when they first call it."""

    def __init__(self, factories: "dict[str, Callable[[], T]]") -> None:
        self._factories = factories
        self._made: dict[str, T] = {}

    def __getitem__(self, key: str) -> T:
        if key not in self._made:
            self._made[key] = self._factories[key]()
        return self._made[key]

    def __setitem__(self, key: str, value: T) -> None:
        """Stand one in (a test's own adapter, say)."""
        self._factories[key] = lambda: value
        self._made[key] = value

    def __iter__(self) -> "Iterator[str]":
        return iter(self._factories)

    def __len__(self) -> int:
        return len(self._factories)


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class Services:
    def __init__(self, settings: Settings | None = None, clock: "Clock | None" = None) -> None:
        self.settings = settings or get_settings()
        self.clock: Clock = clock or SystemClock()

    # Tables and clients

    @cached_property
    def _dynamodb(self) -> object:
        return aws_client("dynamodb")

    def _table(self, name: str) -> "Table":
        from chatdeck.adapters.dynamodb import Table

        return Table(self._dynamodb, name)

    @cached_property
    def _state_table(self) -> "Table":
        return self._table(self.settings.state_table)

    # Stores (one adapter per port)

    @cached_property
    def posts(self) -> "PostStore":
        from chatdeck.adapters.posts import DynamoPostStore

        return DynamoPostStore(self._table(self.settings.posts_table))

    @cached_property
    def account_states(self) -> "AccountStore":
        from chatdeck.adapters.account_states import DynamoAccountStore

        return DynamoAccountStore(self._state_table)

    @cached_property
    def notice_log(self) -> "NoticeLog":
        from chatdeck.adapters.notices import DynamoNoticeLog

        return DynamoNoticeLog(self._state_table)

    @cached_property
    def members(self) -> "MemberStore":
        from chatdeck.adapters.members import DynamoMemberStore

        return DynamoMemberStore(self._state_table)

    @cached_property
    def signin_links(self) -> "SignInLinkStore":
        from chatdeck.adapters.signin import DynamoSignInLinkStore

        return DynamoSignInLinkStore(self._state_table)

    @cached_property
    def sessions(self) -> "SessionStore":
        from chatdeck.adapters.signin import DynamoSessionStore

        return DynamoSessionStore(self._state_table)

    @cached_property
    def cohort_settings(self) -> "SettingsStore":
        from chatdeck.adapters.members import DynamoSettingsStore

        return DynamoSettingsStore(self._state_table, self.settings.require_approval)

    @cached_property
    def chats(self) -> "ChatStore":
        from chatdeck.adapters.chats import DynamoChatStore

        return DynamoChatStore(self._state_table)

    @cached_property
    def subscriptions(self) -> "SubscriptionStore":
        from chatdeck.adapters.chats import DynamoSubscriptionStore

        return DynamoSubscriptionStore(self._state_table)

    @cached_property
    def pending_connections(self) -> "PendingConnectionStore":
        from chatdeck.adapters.connections import DynamoPendingConnectionStore

        return DynamoPendingConnectionStore(self._state_table)

    @cached_property
    def connections(self) -> "ConnectionStore":
        from chatdeck.adapters.connections import DynamoConnectionStore
        from chatdeck.adapters.token_cipher import AesGcmTokenCipher, DataKey

        return DynamoConnectionStore(
            self._state_table, AesGcmTokenCipher(DataKey(self.tokens_data_key))
        )

    @cached_property
    def tokens_data_key(self) -> "DataKeyStore":
        from chatdeck.adapters.ssm_data_key import SsmDataKeyStore

        return SsmDataKeyStore(lambda: self._ssm, self.settings.tokens_data_key_parameter)

    @cached_property
    def archive(self) -> "ArchiveStore":
        from chatdeck.adapters.archive import DynamoArchiveStore

        return DynamoArchiveStore(self._table(self.settings.archive_table))

    @cached_property
    def _ssm(self) -> object:
        return aws_client("ssm")

    @cached_property
    def _parameters(self) -> "SSMProvider":
        from aws_lambda_powertools.utilities.parameters import SSMProvider

        return SSMProvider(boto3_client=self._ssm)

    def _parameter(self, name: str, transform: "Literal['json'] | None" = None) -> object:
        """An SSM SecureString, decrypted, cached 5 minutes, read through `_ssm` (so with its
        timeouts and bounded retries)."""
        return self._parameters.get(name, decrypt=True, transform=transform, max_age=300)

    # Email

    @cached_property
    def notices(self) -> "Notices":
        from chatdeck.adapters.ses import SesMailer
        from chatdeck.notifications.notices import Notices

        mailer = SesMailer(
            lambda: aws_client("sesv2"),
            self.settings.sender_email,
            self.settings.ses_configuration_set,
        )
        return Notices(
            self.notice_log,
            mailer,
            self.settings.admins,
            self.settings.public_url,
            self.email_actions,
            self.clock,
        )

    @cached_property
    def email_actions(self) -> "EmailActions":
        from chatdeck.notifications.email_actions import EmailActions

        return EmailActions(self.signing_key, lambda: self.settings.public_url)

    def signing_key(self) -> bytes:
        return str(self._parameter(self.settings.signing_key_parameter)).encode()

    # X

    @cached_property
    def _x_clients(self) -> "XClients":
        from chatdeck.adapters.x import XClients  # tweepy loads only where X is called

        timeout = (self.settings.x_connect_timeout, self.settings.x_read_timeout)
        return XClients(
            self.x_credentials,
            self.settings.x_api_base_url,
            timeout,
            self.access_tokens,
            self.x_spending,  # GET /2/users/me reads the account's own data
            self.clock.now,
        )

    @cached_property
    def network(self) -> "Network":
        from chatdeck.adapters.x import XPublishing

        return XPublishing(self._x_clients)  # own reads capped through the clients

    @cached_property
    def networks(self) -> "Mapping[str, Network]":
        """Every network the publisher posts to, by name, each built (and its client package:
        tweepy, atproto, Mastodon.py, loaded) only when a post first goes to it."""
        return Lazily(
            {
                "x": lambda: self.network,
                "bluesky": lambda: self.bluesky_network,
                "mastodon": lambda: self.mastodon_network,
            }
        )

    @cached_property
    def target_directory(self) -> "TargetDirectory":
        from chatdeck.services.targets import TargetDirectory

        stores = {
            "x": self.connections,
            "bluesky": self.bluesky_connections,
            "mastodon": self.mastodon_connections,
        }
        return TargetDirectory(stores, self.cohort_settings, self.mastodon_instance_rule)

    @cached_property
    def reader(self) -> "PostReader":
        from chatdeck.adapters.x import XReading

        return XReading(self._x_clients)  # lookups capped through the clients

    @cached_property
    def readers(self) -> "Mapping[str, PostReader]":
        """The reader of each network whose chats the companion follows, each built (and its
        client package loaded) only when a session on that network is first polled."""
        return Lazily(
            {
                "x": lambda: self.reader,
                "bluesky": lambda: self.bluesky_reader,
                "mastodon": lambda: self.mastodon_reader,
            }
        )

    def x_credentials(self, account: str) -> Mapping[str, str]:
        if account != "cohort":
            raise KeyError(f"no credentials for account {account!r}")
        return _strings(self._parameter(self.settings.x_credentials_parameter, "json"))

    @cached_property
    def x_oauth2(self) -> "OAuthClient":
        from chatdeck.adapters.x_oauth2 import XOAuth2  # tweepy itself loads on first use

        def client_credentials() -> Mapping[str, str]:
            return _strings(self._parameter(self.settings.x_oauth2_client_parameter, "json"))

        timeout = (self.settings.x_connect_timeout, self.settings.x_read_timeout)
        return XOAuth2(
            client_credentials, self.settings.x_authorize_url, self.settings.x_api_base_url, timeout
        )

    @cached_property
    def access_tokens(self) -> "UserAccessProvider":
        from chatdeck.services.accounts import AccessTokens

        return AccessTokens(self.connections, self.x_oauth2, self.clock)

    # Bluesky (atproto loads only in the properties that call Bluesky)

    @cached_property
    def bluesky_connections(self) -> "ConnectionStore":
        from chatdeck.adapters.connections import DynamoConnectionStore
        from chatdeck.adapters.token_cipher import AesGcmTokenCipher, DataKey

        return DynamoConnectionStore(
            self._state_table, AesGcmTokenCipher(DataKey(self.tokens_data_key)), "bluesky"
        )

    @cached_property
    def _bluesky_sessions(self) -> "BlueskySessions":
        from chatdeck.adapters.bluesky import BlueskySessions

        timeout = (self.settings.x_connect_timeout, self.settings.x_read_timeout)
        return BlueskySessions(self.bluesky_connections, self.clock, timeout)

    @cached_property
    def bluesky_network(self) -> "Network":
        from chatdeck.adapters.bluesky import BlueskyPublishing, LinkCards
        from chatdeck.adapters.outbound import Outbound

        outbound = Outbound(allow_loopback_http=self.settings.outbound_allow_loopback_http)
        return BlueskyPublishing(self._bluesky_sessions, LinkCards(outbound), self.clock)

    @cached_property
    def bluesky_reader(self) -> "PostReader":
        from chatdeck.adapters.bluesky import BlueskyReading

        return BlueskyReading(self._bluesky_sessions, self.clock)

    @cached_property
    def bluesky_accounts(self) -> "BlueskyAccounts":
        from chatdeck.services.bluesky_accounts import BlueskyAccounts

        return BlueskyAccounts(
            self.bluesky_connections,
            lambda: self._bluesky_sessions,
            self.clock,
            self.settings.bluesky_service_url,
        )

    # Mastodon (Mastodon.py loads only in the properties that call an instance)

    @cached_property
    def mastodon_connections(self) -> "ConnectionStore":
        from chatdeck.adapters.connections import DynamoConnectionStore
        from chatdeck.adapters.token_cipher import AesGcmTokenCipher, DataKey

        return DynamoConnectionStore(
            self._state_table, AesGcmTokenCipher(DataKey(self.tokens_data_key)), "mastodon"
        )

    @cached_property
    def _mastodon_check(self) -> "UrlChecks":
        from chatdeck.adapters.mastodon.oauth import UrlChecks
        from chatdeck.adapters.outbound import Outbound

        return UrlChecks(Outbound(allow_loopback_http=self.settings.outbound_allow_loopback_http))

    def _mastodon_client(self, instance: str, **credentials: str) -> object:
        from chatdeck.adapters.mastodon.client import make_client

        timeout = (self.settings.x_connect_timeout, self.settings.x_read_timeout)
        return make_client(instance, timeout, self._mastodon_check, **credentials)

    @cached_property
    def _mastodon_clients(self) -> "MastodonClients":
        from chatdeck.adapters.mastodon import MastodonClients

        timeout = (self.settings.x_connect_timeout, self.settings.x_read_timeout)
        return MastodonClients(self.mastodon_connections, self.clock, timeout, self._mastodon_check)

    @cached_property
    def mastodon_network(self) -> "Network":
        from chatdeck.adapters.mastodon import MastodonPublishing

        return MastodonPublishing(self._mastodon_clients)

    @cached_property
    def mastodon_reader(self) -> "PostReader":
        from chatdeck.adapters.mastodon import MastodonReading

        return MastodonReading(self._mastodon_clients)

    @cached_property
    def mastodon_app_store(self) -> "MastodonAppStore":
        from chatdeck.adapters.mastodon.apps import DynamoMastodonAppStore
        from chatdeck.adapters.token_cipher import AesGcmTokenCipher, DataKey

        return DynamoMastodonAppStore(
            self._state_table, AesGcmTokenCipher(DataKey(self.tokens_data_key))
        )

    @cached_property
    def mastodon_apps(self) -> "MastodonApps":
        from chatdeck.adapters.mastodon.apps import MastodonApps, register_with

        timeout = (self.settings.x_connect_timeout, self.settings.x_read_timeout)
        return MastodonApps(
            self.mastodon_app_store, register_with(self._mastodon_client, timeout), self.clock
        )

    @cached_property
    def mastodon_oauth(self) -> "MastodonOAuthClient":
        from chatdeck.adapters.mastodon.oauth import MastodonOAuth

        return MastodonOAuth(
            self.mastodon_apps,
            self._mastodon_client,
            self._mastodon_check,
            self.clock,
            allow_http=self.settings.outbound_allow_loopback_http,
        )

    @cached_property
    def mastodon_accounts(self) -> "MastodonAccounts":
        from chatdeck.services.mastodon_accounts import MastodonAccounts

        approve = None
        if self.settings.outbound_allow_loopback_http:  # the local stack: its seeded accounts
            from chatdeck.adapters.mastodon.oauth import sandbox_approver

            timeout = (self.settings.x_connect_timeout, self.settings.x_read_timeout)
            approve = sandbox_approver(timeout)
        return MastodonAccounts(
            self.mastodon_connections,
            self.pending_connections,
            self.mastodon_oauth,
            self.clock,
            approve,
        )

    @cached_property
    def mastodon_instance_rules(self) -> "InstanceRulesCache":
        from chatdeck.adapters.mastodon.instance import InstanceRulesCache

        return InstanceRulesCache(self._mastodon_client)

    @cached_property
    def mastodon_instance_rule(self) -> "Callable[[str], LengthRule]":
        """A Mastodon instance's length rule, from its own `/api/v2/instance` (kept 5 minutes)."""
        from chatdeck.domain.limits import mastodon_rule

        def rule(instance: str) -> "LengthRule":
            rules = self.mastodon_instance_rules.rules(instance)
            return mastodon_rule(rules.max_characters, rules.characters_reserved_per_url)

        return rule

    # Services

    @cached_property
    def membership(self) -> "Membership":
        from chatdeck.services.membership import Membership

        return Membership(
            members=self.members,
            links=self.signin_links,
            sessions=self.sessions,
            notices=self.notices,
            posts=self.posts,
            admins=self.settings.admins,
            chats=self.chats,
            subscriptions=self.subscriptions,
            accounts=Lazily(  # a removed member's own accounts, on every network
                {
                    "x": lambda: self.accounts,
                    "bluesky": lambda: self.bluesky_accounts,
                    "mastodon": lambda: self.mastodon_accounts,
                }
            ),
            signing_key=self.signing_key,
        )

    @cached_property
    def accounts(self) -> "Accounts":
        from chatdeck.services.accounts import Accounts

        return Accounts(self.connections, self.pending_connections, self.x_oauth2, self.clock)

    @cached_property
    def scheduling(self) -> "Scheduling":
        from chatdeck.services.posts import Scheduling

        return Scheduling(
            self.posts, self.membership, self.target_directory, self.cohort_settings, self.notices
        )

    @cached_property
    def calendar(self) -> "ChatCalendar":
        from chatdeck.services.chats import ChatCalendar

        return ChatCalendar(
            self.chats,
            self.subscriptions,
            self._page_digests,
            self.email_actions,
            self.membership,
            connections={
                "bluesky": self.bluesky_connections,
                "mastodon": self.mastodon_connections,
            },
            hashtag_feeds_open=lambda instance: (
                self.mastodon_instance_rules.rules(instance).hashtag_feeds_open
            ),
        )

    @cached_property
    def chat_imports(self) -> "ChatImports":
        from chatdeck.adapters.calendar_fetch import calendar_fetcher
        from chatdeck.adapters.outbound import Outbound
        from chatdeck.services.chat_import import ChatImports

        outbound = Outbound(allow_loopback_http=self.settings.outbound_allow_loopback_http)
        return ChatImports(self.chats, calendar_fetcher(outbound))

    @cached_property
    def publisher(self) -> "Publisher":
        from chatdeck.services.publishing import Publisher

        return Publisher(
            posts=self.posts,
            networks=self.networks,
            accounts=self.account_states,
            notices=self.notices,
            lease=timedelta(seconds=self.settings.lease_seconds),
            concurrency=self.settings.publish_concurrency,
            spending=self.x_spending,
        )

    @cached_property
    def x_spending(self) -> "XSpendingGuard":
        from chatdeck.adapters.spending import DynamoSpendingStore
        from chatdeck.services.x_spending import XSpendingGuard

        return XSpendingGuard(DynamoSpendingStore(self._state_table), self.notices)

    @cached_property
    def reminders(self) -> "Reminders":
        from chatdeck.services.reminders import Reminders

        return Reminders(self.chats, self.subscriptions, self.membership, self.notices)

    @cached_property
    def poller(self) -> "Poller":
        from chatdeck.services.polling import Poller

        return Poller(
            chats=self.chats,
            archive=self.archive,
            readers=self.readers,
            budget_reads=self.settings.chat_read_budget,
            retention=timedelta(days=self.settings.archive_retention_days),
            spending=self.x_spending,
        )

    @cached_property
    def digests(self) -> "Digests":
        """The digests the companion emails: their shortened links asked of the shorteners."""
        return self._digests(resolve_links=True)

    @cached_property
    def _page_digests(self) -> "Digests":
        """The session pages' digests: shortened links expanded only as far as cached, so a page
        view never waits on a shortener."""
        return self._digests(resolve_links=False)

    def _digests(self, resolve_links: bool) -> "Digests":
        from chatdeck.adapters.link_expansion import CachedLinks, ShortLinkExpander
        from chatdeck.adapters.outbound import Outbound
        from chatdeck.services.digests import Digests

        outbound = Outbound(
            allow_loopback_http=self.settings.outbound_allow_loopback_http,
            timeout=LINK_TIMEOUT,
            max_redirects=LINK_REDIRECTS,
        )
        links = ShortLinkExpander(
            outbound, CachedLinks(self._state_table), self.clock.now, resolve=resolve_links
        )
        return Digests(
            archive=self.archive,
            chats=self.chats,
            subscriptions=self.subscriptions,
            membership=self.membership,
            notices=self.notices,
            links=links,
        )

    @cached_property
    def companion(self) -> "Companion":
        from chatdeck.services.companion import Companion

        return Companion(self.reminders, self.poller, self.digests)

    def effective_now(self, scheduled_time: datetime | None) -> datetime:
        """The later of the scheduled instant and the clock: a late event never acts in the past."""
        now = self.clock.now()
        return max(now, scheduled_time) if scheduled_time else now


if TYPE_CHECKING:  # the Mastodon wiring's types
    from chatdeck.adapters.mastodon import MastodonClients
    from chatdeck.adapters.mastodon.apps import MastodonApps
    from chatdeck.adapters.mastodon.instance import InstanceRulesCache
    from chatdeck.adapters.mastodon.oauth import UrlChecks
    from chatdeck.domain.limits import LengthRule
    from chatdeck.ports import MastodonAppStore, MastodonOAuthClient
    from chatdeck.services.mastodon_accounts import MastodonAccounts
