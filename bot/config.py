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

    cxone_api: Literal["journey", "agent"] = Field(
        "journey",
        description="which CXone API places calls (journey: the tutorial's "
        "POST /api/journey/v1/outbound; agent: CXone's Agent API, the agent's session "
        "and dial-phone)",
    )
    cxone_base_url: str | None = Field(
        None,
        description="the base URL of your CXone API, e.g. https://api-us-2.cxone.com "
        "(in agent mode optional: it overrides the api_endpoint CXone's discovery names)",
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

    # ---- operating it (issue 15): where the endpoints listen, the log format, metrics ----
    host: str = Field(
        "0.0.0.0",
        description="the address the HTTP server (and, in Socket Mode, the health and "
        "metrics endpoints) binds",
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="the log format: text, or json (one JSON object per line)"
    )
    metrics_enabled: bool = Field(
        True,
        description="whether the bot keeps the counters GET /metrics serves (true/false)",
    )

    # --- issue 12: CXone's admin reads, the agent's state before a dial, links by email ---
    cxone_api_version: str = Field(
        "v30.0",
        pattern=r"^v\d+\.\d+$",
        description="the version segment of CXone's /inContactAPI/services/{version}/… "
        "(e.g. v30.0), used for agent states, agents and skills",
    )
    dial_agent_state_check: Literal["block", "warn", "off"] = Field(
        "block",
        description="what the agent's CXone state does before a dial (block: a state outside "
        "DIAL_AGENT_READY_STATES refuses it; warn: the card shows it; off: not read)",
    )
    dial_agent_ready_states: CommaList = Field(
        frozenset({"Available"}),
        description="comma-separated CXone agent state names that count as ready to dial",
    )
    dial_agent_state_budget_ms: int = Field(
        500,
        ge=50,
        le=2000,
        description="how many milliseconds /dial waits for the agent's state before it "
        "shows the card with the state not checked yet",
    )
    dial_agent_state_max_age_seconds: float = Field(
        15.0,
        ge=0,
        le=300,
        description="how many seconds a state read for the card still counts at the Dial "
        "press (older ones are read again)",
    )
    dial_link_by_email: bool = Field(
        False,
        description="whether a Slack user with no link is linked on first use to the one "
        "active CXone agent whose email equals their Slack email (true/false)",
    )

    @field_validator("dial_agent_ready_states", mode="before")
    @classmethod
    def _split_states(cls, value: object) -> object:
        if isinstance(value, str):
            value = frozenset(part.strip() for part in value.split(",") if part.strip())
        if isinstance(value, frozenset | set | list | tuple) and not value:
            raise ValueError("name at least one state, e.g. Available")
        return value

    # --- agent mode (CXONE_API=agent, issue 13) ------------------------------------
    cxone_auth_url: str = Field(
        "https://cxone.niceincontact.com",
        description="the CXone issuer in agent mode, whose /.well-known documents name "
        "the token endpoint and the tenant's API host",
    )
    cxone_access_key_id: str | None = Field(
        None,
        description="the API user's access key id, sent as username in the password grant "
        "(needed when CXONE_API=agent)",
    )
    cxone_access_key_secret: SecretStr | None = Field(
        None,
        description="the access key's secret, sent as password in the password grant "
        "(needed when CXONE_API=agent)",
    )
    cxone_tenant_id: str | None = Field(
        None,
        description="the CXone tenant id for discovery in agent mode (default: the "
        "tenantId claim of the token answer's id_token)",
    )
    cxone_outbound_skill_id: str | None = Field(
        None,
        description="the outbound phone skill sent to dial-phone in agent mode (default: "
        "the agent's first outbound phone skill)",
    )
    dial_follow_call_seconds: int = Field(
        3600,
        gt=0,
        description="how many seconds after a call is placed the bot keeps following it "
        "in agent mode, to report it connected and ended",
    )
    dial_follow_lease_seconds: float = Field(
        60.0,
        ge=3,
        le=600,
        description="how many seconds a replica's hold on following a call lasts unless "
        "renewed: a call whose follower died is taken over within about this long",
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

    @field_validator("cxone_base_url", "slack_api_url", "cxone_auth_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator(
        "cxone_token_url",
        "cxone_base_url",
        "cxone_access_key_id",
        "cxone_tenant_id",
        "cxone_outbound_skill_id",
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
        if self.cxone_base_url is not None:
            self.cxone_base_url = self.cxone_base_url.rstrip("/")
        self.cxone_auth_url = self.cxone_auth_url.rstrip("/")
        if not self.slack_api_url.endswith("/"):
            self.slack_api_url += "/"
        regions = frozenset(r.upper() for r in self.dial_allowed_regions)
        self.dial_allowed_regions = regions or frozenset({self.dial_default_region})
        return self

    @property
    def token_url(self) -> str:
        """Journey mode's token endpoint (agent mode discovers its own unless set)."""
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
    if settings.cxone_api == "journey":
        if not settings.cxone_base_url:
            problems.append(not_set("CXONE_BASE_URL"))
        if not settings.cxone_outbound_campaign_id:
            problems.append(not_set("CXONE_OUTBOUND_CAMPAIGN_ID"))
    if settings.cxone_api == "agent":
        if not settings.cxone_access_key_id:
            problems.append(not_set("CXONE_ACCESS_KEY_ID"))
        secret = settings.cxone_access_key_secret
        if secret is None or not secret.get_secret_value().strip():
            problems.append(not_set("CXONE_ACCESS_KEY_SECRET"))
    return problems


class _ModeProbe(BaseSettings):
    """The variables one mode requires, read as Settings reads them, so that a run with
    other problems names these too (agent mode, issue 13)."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )
    cxone_api: str = "journey"
    cxone_base_url: str | None = None
    cxone_outbound_campaign_id: str | None = None
    cxone_access_key_id: str | None = None
    cxone_access_key_secret: str | None = None


def _mode_problems_beside(error: ValidationError, overrides: dict[str, object]) -> list[str]:
    named = {str(p["loc"][0]).upper() for p in error.errors() if p["loc"]}
    try:
        probe = _ModeProbe(**overrides)
    except ValidationError:
        return []
    wanted = {
        "journey": ("CXONE_BASE_URL", "CXONE_OUTBOUND_CAMPAIGN_ID"),
        "agent": ("CXONE_ACCESS_KEY_ID", "CXONE_ACCESS_KEY_SECRET"),
    }.get(probe.cxone_api.strip().lower(), ())
    return [
        not_set(name)
        for name in wanted
        if name not in named and not (getattr(probe, name.lower()) or "").strip()
    ]


def load_settings(**overrides: object) -> Settings:
    """Read the settings, or raise ConfigError with a message for a person."""
    try:
        settings = Settings(**overrides)
    except ValidationError as error:
        lines = [describe_errors(error), *_mode_problems_beside(error, overrides)]
        raise ConfigError("\n".join(lines)) from None
    return validated(settings)


def validated(settings: Settings) -> Settings:
    """`settings`, once the checks across variables pass; else ConfigError."""
    problems = _problems_of_the_mode(settings)
    if problems:
        raise ConfigError("\n".join(problems))
    return settings
