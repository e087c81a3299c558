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
        return XNetwork(self.x_credentials, self.settings.x_api_base_url, timeout)

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

    def effective_now(self, scheduled_time: datetime | None) -> datetime:
        """The later of the scheduled instant and the clock: a late event never acts in the past."""
        now = self.clock.now()
        return max(now, scheduled_time) if scheduled_time else now
