"""The one composition root: real clients built lazily, once per container, and injected."""

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from chatdeck.settings import Settings, get_settings


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class Services:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self.clock = SystemClock()

    @cached_property
    def _dynamodb(self) -> Any:
        import boto3

        return boto3.client("dynamodb")

    @cached_property
    def posts(self) -> Any:
        from chatdeck.adapters.dynamodb import DynamoPostStore, Table

        return DynamoPostStore(Table(self._dynamodb, self.settings.posts_table))

    @cached_property
    def state(self) -> Any:
        from chatdeck.adapters.dynamodb import DynamoStateStore, Table

        return DynamoStateStore(Table(self._dynamodb, self.settings.state_table))

    @cached_property
    def membership(self) -> Any:
        from chatdeck.adapters.members import DynamoMemberStore, DynamoSignInStore
        from chatdeck.membership import Membership

        return Membership(
            members=DynamoMemberStore(self.state.table),
            signin=DynamoSignInStore(self.state.table),
            notices=self.notices,
            posts=self.posts,
            admins=self.settings.admins,
        )

    @cached_property
    def cohort_settings(self) -> Any:
        from chatdeck.adapters.members import DynamoSettingsStore

        return DynamoSettingsStore(self.state.table, self.settings.require_approval)

    @cached_property
    def notices(self) -> Any:
        import boto3

        from chatdeck.adapters.ses import SesMailer
        from chatdeck.notices import Notices

        mailer = SesMailer(boto3.client("sesv2"), self.settings.sender_email)
        return Notices(self.state, mailer, self.settings.admins, self.settings.public_url)

    @cached_property
    def network(self) -> Any:
        from chatdeck.adapters.x import XNetwork  # tweepy loads only where posts are sent

        timeout = (self.settings.x_connect_timeout, self.settings.x_read_timeout)
        return XNetwork(
            self.x_credentials, self.settings.x_api_base_url, timeout, self.access_tokens
        )

    @cached_property
    def connections(self) -> Any:
        from chatdeck.adapters.connections import DynamoConnectionStore, KmsTokenCipher

        def kms() -> Any:
            return self._kms

        return DynamoConnectionStore(
            self.state.table, KmsTokenCipher(kms, self.settings.tokens_key_id)
        )

    @cached_property
    def _kms(self) -> Any:
        import boto3

        return boto3.client("kms")

    @cached_property
    def x_oauth2(self) -> Any:
        from chatdeck.adapters.x_oauth2 import XOAuth2  # tweepy itself loads on first use

        def client_credentials() -> Mapping[str, str]:
            from aws_lambda_powertools.utilities import parameters

            value = parameters.get_parameter(
                self.settings.x_oauth2_client_parameter, decrypt=True, transform="json", max_age=300
            )
            return dict(value)

        timeout = (self.settings.x_connect_timeout, self.settings.x_read_timeout)
        return XOAuth2(
            client_credentials, self.settings.x_authorize_url, self.settings.x_api_base_url, timeout
        )

    @cached_property
    def access_tokens(self) -> Any:
        from chatdeck.accounts import AccessTokens

        return AccessTokens(self.connections, self.x_oauth2, self.clock)

    @cached_property
    def accounts(self) -> Any:
        from chatdeck.accounts import Accounts

        return Accounts(self.connections, self.x_oauth2, self.clock)

    def x_credentials(self, account: str) -> Mapping[str, str]:
        from aws_lambda_powertools.utilities import parameters

        if account != "cohort":
            raise KeyError(f"no credentials for account {account!r}")
        value = parameters.get_parameter(
            self.settings.x_credentials_parameter, decrypt=True, transform="json", max_age=300
        )
        return dict(value)

    @cached_property
    def publisher(self) -> Any:
        from chatdeck.publishing import Publisher

        return Publisher(
            posts=self.posts,
            network=self.network,
            accounts=self.state,
            notices=self.notices,
            lease=timedelta(seconds=self.settings.lease_seconds),
            concurrency=self.settings.publish_concurrency,
        )

    @cached_property
    def chats(self) -> Any:
        from chatdeck.adapters.chats import DynamoChatStore

        return DynamoChatStore(self.state.table)

    def calendar_feed(self, chats: Any, name: str) -> bytes:
        from chatdeck.calendar_feed import feed  # icalendar loads only for calendar apps

        return feed(chats, name)

    def signing_key(self) -> bytes:
        from aws_lambda_powertools.utilities import parameters

        value = parameters.get_parameter(
            self.settings.signing_key_parameter, decrypt=True, max_age=300
        )
        return str(value).encode()

    @cached_property
    def email_actions(self) -> Any:
        from chatdeck.email_actions import EmailActions

        return EmailActions(self.signing_key, lambda: self.settings.public_url)

    @cached_property
    def reminders(self) -> Any:
        from chatdeck.reminders import Reminders

        return Reminders(self.chats, self.membership, self.notices, self.email_actions)

    @cached_property
    def archive(self) -> Any:
        from chatdeck.adapters.archive import DynamoArchiveStore
        from chatdeck.adapters.dynamodb import Table

        return DynamoArchiveStore(Table(self._dynamodb, self.settings.archive_table))

    @cached_property
    def poller(self) -> Any:
        from chatdeck.polling import Poller

        return Poller(
            chats=self.chats,
            archive=self.archive,
            network=self.network,
            budget_reads=self.settings.chat_read_budget,
            retention=timedelta(days=self.settings.archive_retention_days),
        )

    @cached_property
    def digests(self) -> Any:
        from chatdeck.digests import Digests

        return Digests(
            archive=self.archive,
            chats=self.chats,
            membership=self.membership,
            notices=self.notices,
            email_actions=self.email_actions,
            public_url=self.settings.public_url,
        )

    @cached_property
    def companion(self) -> Any:
        from chatdeck.companion import Companion

        return Companion(self.reminders, self.poller, self.digests)

    def effective_now(self, scheduled_time: datetime | None) -> datetime:
        """The later of the scheduled instant and the clock: a late event never acts in the past."""
        now = self.clock.now()
        return max(now, scheduled_time) if scheduled_time else now
