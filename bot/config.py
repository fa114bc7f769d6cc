"""Settings read from the environment and `.env`, as listed in INTERFACE.md.

Each field's description says what the variable is for: it is the text shown when
the variable is missing or wrong, and `.env.example` is checked against these fields.
`load_settings()` is the only entry point people hit: it turns pydantic's validation
errors into one line per problem, naming the variable and what it is for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

CommaList = Annotated[frozenset[str], NoDecode]


class ConfigError(Exception):
    """Settings that cannot run the bot; the message is meant for a person."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    slack_bot_token: SecretStr = Field(
        description="the bot token (xoxb-…) from your Slack app's OAuth & Permissions page"
    )
    slack_signing_secret: SecretStr | None = Field(
        None,
        description="the signing secret from your Slack app's Basic Information page, "
        "used to verify every request in HTTP mode",
    )
    slack_app_token: SecretStr | None = Field(
        None, description="the app-level token (xapp-…) that turns on Socket Mode"
    )
    slack_api_url: str = Field(
        "https://slack.com/api/", description="the base URL of the Slack Web API"
    )
    port: int = Field(3000, ge=1, le=65535, description="the port the HTTP server listens on")

    cxone_api: Literal["journey"] = Field(
        "journey",
        description="which CXone API places calls (journey: the tutorial's "
        "POST /api/journey/v1/outbound)",
    )
    cxone_base_url: str = Field(
        description="the base URL of your CXone API, e.g. https://api-us-2.cxone.com"
    )
    cxone_oauth_client_id: str = Field(
        description="the id of the CXone OAuth client the bot signs in with"
    )
    cxone_oauth_client_secret: SecretStr = Field(description="the secret of the CXone OAuth client")
    cxone_oauth_grant_type: str = Field(
        "client_credentials", description="the OAuth grant type (usually client_credentials)"
    )
    cxone_token_url: str | None = Field(
        None,
        description="where CXone tokens come from (default {CXONE_BASE_URL}/oauth/token)",
    )
    cxone_outbound_campaign_id: str | None = Field(
        None,
        description="the Personal Connection outbound campaign calls are placed on "
        "(needed when CXONE_API=journey)",
    )
    cxone_default_contact_id: str | None = Field(
        None, description="the CXone contact id sent when /dial names none"
    )
    cxone_http_timeout: float = Field(
        10.0, gt=0, description="seconds to wait for each CXone request"
    )

    database_url: str = Field(
        "sqlite:///dialbot.db",
        description="the SQLAlchemy database URL (sqlite:///dialbot.db or postgresql+psycopg://…)",
    )

    dial_admins: CommaList = Field(
        frozenset(), description="comma-separated Slack user ids who may link and unlink agents"
    )
    dial_supervisors: CommaList = Field(
        frozenset(), description="comma-separated Slack user ids who may dial as another agent"
    )
    dial_agent_map: Path | None = Field(
        None, description="a CSV file of slack_user_id,cxone_agent_id loaded at start"
    )
    dial_notify_channel: str | None = Field(
        None, description="the Slack channel id that gets a summary of every dial attempt"
    )
    dial_default_region: str = Field(
        "US", description="the region (e.g. US) for numbers typed without a + country code"
    )
    dial_allowed_regions: CommaList = Field(
        frozenset(), description="comma-separated region codes that may be dialed"
    )
    dial_mask_numbers: bool = Field(
        True, description="whether channel posts show masked numbers (true/false)"
    )
    dial_confirm_ttl_seconds: int = Field(
        600, gt=0, description="how many seconds a confirm card stays usable"
    )
    dial_rate_limit_per_minute: int = Field(
        5, ge=1, description="how many dials one Slack user may confirm per minute"
    )

    # --- Retention (issue 16) ---
    dial_retention_days: float | None = Field(
        None,
        gt=0,
        description="how many days finished dial requests are kept before they are deleted "
        "(left out: kept forever)",
    )

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
        "cxone_token_url",
        "cxone_outbound_campaign_id",
        "cxone_default_contact_id",
        "dial_notify_channel",
        "dial_retention_days",
        mode="before",
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


def purpose(name: str) -> str:
    """What the variable `name` (any case) is for: its field's description."""
    field = Settings.model_fields.get(name.lower())
    return (field.description or "") if field else ""


def not_set(name: str, why: str = "") -> str:
    return f"{name.upper()} is not set: it is {purpose(name)}.{why}"


def describe_errors(error: ValidationError) -> str:
    """One line per problem, naming the variable and what it is for."""
    lines = []
    for problem in error.errors():
        name = str(problem["loc"][0]).upper() if problem["loc"] else "settings"
        if problem["type"] == "missing":
            lines.append(not_set(name))
        elif problem["type"] == "literal_error":
            accepted = problem["ctx"]["expected"].replace("'", "")
            lines.append(f"{name} is not valid (accepted: {accepted}): it is {purpose(name)}.")
        else:
            reason = problem["msg"].removeprefix("Value error, ")
            lines.append(f"{name} is not valid ({reason}): it is {purpose(name)}.")
    return "\n".join(lines)


def _problems_of_the_mode(settings: Settings) -> list[str]:
    """Variables only one setup needs: required there, unused elsewhere."""
    problems = []
    if settings.slack_app_token is None and settings.slack_signing_secret is None:
        problems.append(
            not_set("SLACK_SIGNING_SECRET", " Set it, or set SLACK_APP_TOKEN to use Socket Mode.")
        )
    if settings.cxone_api == "journey" and not settings.cxone_outbound_campaign_id:
        problems.append(not_set("CXONE_OUTBOUND_CAMPAIGN_ID"))
    return problems


def load_settings(**overrides: object) -> Settings:
    """Read the settings, or raise ConfigError with a message for a person."""
    try:
        settings = Settings(**overrides)
    except ValidationError as error:
        raise ConfigError(describe_errors(error)) from None
    return validated(settings)


def validated(settings: Settings) -> Settings:
    """`settings`, once the checks across variables pass; else ConfigError."""
    problems = _problems_of_the_mode(settings)
    if problems:
        raise ConfigError("\n".join(problems))
    return settings
