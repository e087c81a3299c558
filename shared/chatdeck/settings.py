"""Every function reads its environment through this one model; nothing else touches os.environ.

A plain pydantic model, not pydantic-settings' BaseSettings: importing pydantic-settings and
building a BaseSettings model cost every function ~50-100 ms of its cold start. The behaviour is
BaseSettings' own, kept by hand: each field is read from the environment variable of its name in
any case (LEASE_SECONDS for lease_seconds), a value passed to Settings(...) wins over the
environment, and the environment over the default; other variables are ignored; values are
validated (and their errors worded) by pydantic as before.
"""

import os
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    posts_table: str = "PostsTable"
    state_table: str = "StateTable"
    sender_email: str = "chatdeck@example.org"
    # The SES configuration set every email is sent through (bounces and complaints); none locally
    ses_configuration_set: str = ""
    admin_emails: str = ""
    x_credentials_parameter: str = "/chatdeck/x/cohort"
    x_api_base_url: str = "https://api.x.com"  # the OAuth 2.0 token endpoint's host too
    x_oauth2_client_parameter: str = "/chatdeck/x/oauth2-client"
    x_authorize_url: str = "https://x.com/i/oauth2/authorize"
    # SSM SecureString: the data key that seals OAuth tokens at rest, made by the functions
    tokens_data_key_parameter: str = "/chatdeck/tokens-data-key"
    public_url: str = ""
    archive_table: str = "ArchiveTable"
    # SSM SecureString: the key that signs links in emails (unsubscribe)
    signing_key_parameter: str = "/chatdeck/signing-key"
    require_approval: bool = False
    lease_seconds: int = Field(default=120, ge=30)
    publish_concurrency: int = Field(default=16, ge=1, le=64)
    # Both must stay well under the lease, so a claim never expires while its request is open.
    x_connect_timeout: float = 3.05
    x_read_timeout: float = 10.0
    # Bluesky: where handles sign in (the entryway; each account's own PDS is kept with it), and
    # the local stack's switch letting outbound fetches use plain http to loopback addresses.
    bluesky_service_url: str = "https://bsky.social"
    outbound_allow_loopback_http: bool = False
    # The ed-chat archive: posts X may bill for reading in one session, and how long it is kept.
    chat_read_budget: int = Field(default=2000, ge=10)
    archive_retention_days: int = Field(default=180, ge=1)

    @model_validator(mode="before")
    @classmethod
    def read_the_environment(cls, given: Any) -> Any:
        """The fields' environment variables (names in any case) under the values given."""
        if not isinstance(given, dict):
            return given
        environment = {name.lower(): value for name, value in os.environ.items()}
        found = {name: environment[name] for name in cls.model_fields if name in environment}
        return found | given

    @model_validator(mode="after")
    def requests_end_before_the_lease(self) -> "Settings":
        if self.x_connect_timeout + self.x_read_timeout >= self.lease_seconds:
            raise ValueError(
                "X_CONNECT_TIMEOUT + X_READ_TIMEOUT must be shorter than LEASE_SECONDS"
            )
        return self

    @property
    def admins(self) -> list[str]:
        return [a.strip() for a in self.admin_emails.split(",") if a.strip()]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
