"""Settings read from the environment and `.env`, as listed in INTERFACE.md.

`load_settings()` is the only entry point people hit: it turns pydantic's
validation errors into one line per problem, naming the variable and what it is for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# What each variable is for, shown when it is missing or wrong.
PURPOSES: dict[str, str] = {
    "SLACK_BOT_TOKEN": "the bot token (xoxb-…) from your Slack app's OAuth & Permissions page",
    "SLACK_SIGNING_SECRET": "the signing secret from your Slack app's Basic Information page, "
    "used to verify every request in HTTP mode",
    "SLACK_APP_TOKEN": "the app-level token (xapp-…) that turns on Socket Mode",
    "SLACK_API_URL": "the base URL of the Slack Web API",
    "PORT": "the port the HTTP server listens on",
    "CXONE_BASE_URL": "the base URL of your CXone API, e.g. https://api-us-2.cxone.com",
    "CXONE_OAUTH_CLIENT_ID": "the id of the CXone OAuth client the bot signs in with",
    "CXONE_OAUTH_CLIENT_SECRET": "the secret of the CXone OAuth client",
    "CXONE_OAUTH_GRANT_TYPE": "the OAuth grant type (usually client_credentials)",
    "CXONE_TOKEN_URL": "where CXone tokens come from (default {CXONE_BASE_URL}/oauth/token)",
    "CXONE_OUTBOUND_CAMPAIGN_ID": "the Personal Connection outbound campaign calls are placed on",
    "CXONE_DEFAULT_CONTACT_ID": "the CXone contact id sent when /dial names none",
    "CXONE_HTTP_TIMEOUT": "seconds to wait for each CXone request",
    "DATABASE_URL": "the SQLAlchemy database URL (sqlite:///dialbot.db or postgresql+psycopg://…)",
    "DIAL_ADMINS": "comma-separated Slack user ids who may link and unlink agents",
    "DIAL_SUPERVISORS": "comma-separated Slack user ids who may dial as another agent",
    "DIAL_AGENT_MAP": "a CSV file of slack_user_id,cxone_agent_id loaded at start",
    "DIAL_NOTIFY_CHANNEL": "the Slack channel id that gets a summary of every dial attempt",
    "DIAL_DEFAULT_REGION": "the region (e.g. US) for numbers typed without a + country code",
    "DIAL_ALLOWED_REGIONS": "comma-separated region codes that may be dialed",
    "DIAL_MASK_NUMBERS": "whether channel posts show masked numbers (true/false)",
    "DIAL_CONFIRM_TTL_SECONDS": "how many seconds a confirm card stays usable",
    "DIAL_RATE_LIMIT_PER_MINUTE": "how many dials one Slack user may confirm per minute",
}

CommaList = Annotated[frozenset[str], NoDecode]


class ConfigError(Exception):
    """Settings that cannot run the bot; the message is meant for a person."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    slack_bot_token: SecretStr
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    port: int = Field(default=3000, ge=1, le=65535)

    cxone_base_url: str
    cxone_oauth_client_id: str
    cxone_oauth_client_secret: SecretStr
    cxone_oauth_grant_type: str = "client_credentials"
    cxone_token_url: str | None = None
    cxone_outbound_campaign_id: str
    cxone_default_contact_id: str | None = None
    cxone_http_timeout: float = Field(default=10.0, gt=0)

    database_url: str = "sqlite:///dialbot.db"

    dial_admins: CommaList = frozenset()
    dial_supervisors: CommaList = frozenset()
    dial_agent_map: Path | None = None
    dial_notify_channel: str | None = None
    dial_default_region: str = "US"
    dial_allowed_regions: CommaList = frozenset()
    dial_mask_numbers: bool = True
    dial_confirm_ttl_seconds: int = Field(default=600, gt=0)
    dial_rate_limit_per_minute: int = Field(default=5, ge=1)

    @field_validator("dial_admins", "dial_supervisors", "dial_allowed_regions", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("dial_default_region")
    @classmethod
    def _upper_region(cls, value: str) -> str:
        return value.strip().upper()

    @field_validator("cxone_base_url", "slack_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip()
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator(
        "cxone_token_url", "cxone_default_contact_id", "dial_notify_channel", mode="before"
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @model_validator(mode="after")
    def _derive_defaults(self) -> Settings:
        self.cxone_base_url = self.cxone_base_url.rstrip("/")
        if not self.slack_api_url.endswith("/"):
            self.slack_api_url += "/"
        regions = frozenset(r.upper() for r in self.dial_allowed_regions)
        self.dial_allowed_regions = regions or frozenset({self.dial_default_region})
        return self

    @property
    def token_url(self) -> str:
        return self.cxone_token_url or f"{self.cxone_base_url}/oauth/token"

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None


def describe_errors(error: ValidationError) -> str:
    """One line per problem, naming the variable and what it is for."""
    lines = []
    for problem in error.errors():
        name = str(problem["loc"][0]).upper() if problem["loc"] else "settings"
        purpose = PURPOSES.get(name, "")
        if problem["type"] == "missing":
            lines.append(f"{name} is not set: it is {purpose}.")
        else:
            reason = problem["msg"].removeprefix("Value error, ")
            lines.append(f"{name} is not valid ({reason}): it is {purpose}.")
    return "\n".join(lines)


def load_settings(**overrides: object) -> Settings:
    """Read the settings, or raise ConfigError with a message for a person."""
    try:
        settings = Settings(**overrides)
    except ValidationError as error:
        raise ConfigError(describe_errors(error)) from None
    if settings.slack_app_token is None and settings.slack_signing_secret is None:
        raise ConfigError(
            f"SLACK_SIGNING_SECRET is not set: it is {PURPOSES['SLACK_SIGNING_SECRET']}. "
            "Set it, or set SLACK_APP_TOKEN to use Socket Mode."
        )
    return settings
