"""Settings read from the environment and `.env`, as listed in INTERFACE.md.

Each field's description says what the variable is for: it is the text shown when
the variable is missing or wrong, and `.env.example` is checked against these fields.
`load_settings()` is the only entry point people hit: it turns pydantic's validation
errors into one line per problem, naming the variable and what it is for.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

import phonenumbers
from dotenv import dotenv_values
from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

CommaList = Annotated[frozenset[str], NoDecode]


# --- checks a new admin trips over (issue 11) ------------------------------------------
# Each refused value is named with what the variable is for and a good example.

REQUIRED_TEXT = (
    "slack_bot_token",
    "cxone_base_url",
    "cxone_oauth_client_id",
    "cxone_oauth_client_secret",
)
# The values .env.example ships with (xoxb-your-bot-token, your-client-id, ...).
PLACEHOLDER = re.compile(r"(?i)(xox[a-z]-|xapp-)?your-[a-z0-9-]+")
PLACEHOLDER_CHECKED = (
    "slack_bot_token",
    "slack_app_token",
    "slack_signing_secret",
    "cxone_oauth_client_id",
    "cxone_oauth_client_secret",
    "cxone_outbound_campaign_id",
    "cxone_default_contact_id",
    "cxone_access_key_id",
    "cxone_access_key_secret",
    "cxone_tenant_id",
)
EXAMPLES = {
    "slack_bot_token": "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp",
    "slack_signing_secret": "8f2b1c0e7d6a5f4e3d2c1b0a9f8e7d6c",
    "slack_app_token": "xapp-1-A0123ABCD-1234567890-abcdef",
    "slack_api_url": "https://slack.com/api/",
    "port": "3000",
    "host": "0.0.0.0",
    "log_level": "INFO",
    "cxone_base_url": "https://api-us-2.cxone.com",
    "cxone_oauth_client_id": "<the client id of your CXone OAuth client>",
    "cxone_oauth_client_secret": "<the secret CXone showed when the client was created>",
    "cxone_token_url": "https://api-us-2.cxone.com/oauth/token",
    "cxone_outbound_campaign_id": "<the id of your Personal Connection campaign>",
    "cxone_default_contact_id": "<the id of a CXone contact>",
    "cxone_http_timeout": "10",
    "database_url": "sqlite:///dialbot.db",
    "dial_admins": "U0123ABCD,U0456EFGH",
    "dial_supervisors": "U0123ABCD",
    "dial_notify_channel": "C0123ABCD",
    "dial_default_region": "US",
    "dial_allowed_regions": "US,CA",
    "dial_mask_numbers": "true",
    "dial_confirm_ttl_seconds": "600",
    "dial_rate_limit_per_minute": "5",
}
TOKEN_PREFIXES = {"slack_bot_token": "xoxb-", "slack_app_token": "xapp-"}
USER_ID = re.compile(r"[UW][A-Z0-9]+")
CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]+")
FIND_USER_ID = "in Slack, the person's profile → ⋮ More → Copy member ID gives it"
FIND_CHANNEL_ID = "in Slack, click the channel's name: its About tab ends with the Channel ID"
REGION_ALIASES = {"UK": "GB", "EN": "GB", "USA": "US", "EU": "a country such as DE or FR"}


def check_token_kind(field: str, token: str) -> None:
    prefix = TOKEN_PREFIXES.get(field, "")
    if not token.startswith(prefix):
        raise ValueError(f"a token that starts with {token[:5]!r}, not {prefix!r}")


def check_user_id(item: str) -> None:
    if not USER_ID.fullmatch(item):
        raise ValueError(
            f"{item!r} is not a Slack user id; it takes ids (U… or W…), not names: {FIND_USER_ID}"
        )


def check_channel_id(value: str) -> None:
    if not CHANNEL_ID.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a Slack channel id; it takes the id (C…, G… or D…), not the "
            f"name: {FIND_CHANNEL_ID}"
        )


def check_region(region: str) -> None:
    region = region.strip().upper()
    if region in phonenumbers.SUPPORTED_REGIONS:
        return
    hint = f"; did you mean {REGION_ALIASES[region]}?" if region in REGION_ALIASES else ""
    raise ValueError(f"{region!r} is not an ISO 3166 two-letter region code{hint}")


def check_url_host(url: str) -> None:
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError as error:
        raise ValueError(f"{url!r} is not a URL ({error})") from None
    if not host:
        raise ValueError(f"{url!r} names no host")


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

    # --- what it logs (issue 11; HOST is with issue 15's above) -----------------------
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="how much the bot logs (DEBUG, INFO, WARNING or ERROR)"
    )

    # --- values a new admin gets wrong, refused at start (issue 11) -------------------

    @field_validator(*REQUIRED_TEXT, "slack_signing_secret", mode="before")
    @classmethod
    def _not_empty(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            raise ValueError("it is set but empty")
        return value

    @field_validator(*PLACEHOLDER_CHECKED, mode="before")
    @classmethod
    def _not_a_placeholder(cls, value: object) -> object:
        if isinstance(value, str) and PLACEHOLDER.fullmatch(value.strip()):
            raise ValueError(f"{value.strip()!r} is the placeholder from .env.example")
        return value

    @field_validator("slack_app_token", mode="before")
    @classmethod
    def _blank_app_token_is_http_mode(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("slack_bot_token", "slack_app_token")
    @classmethod
    def _token_kind(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is not None:
            check_token_kind(info.field_name or "", value.get_secret_value())
        return value

    @field_validator("dial_admins", "dial_supervisors")
    @classmethod
    def _user_ids(cls, value: frozenset[str]) -> frozenset[str]:
        for item in value:
            check_user_id(item)
        return value

    @field_validator("dial_notify_channel")
    @classmethod
    def _channel_id(cls, value: str | None) -> str | None:
        if value is not None:
            check_channel_id(value.strip())
            return value.strip()
        return value

    @field_validator("dial_default_region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        check_region(value)
        return value

    @field_validator("dial_allowed_regions")
    @classmethod
    def _known_regions(cls, value: frozenset[str]) -> frozenset[str]:
        regions = frozenset(region.upper() for region in value)
        for region in sorted(regions):
            check_region(region)
        return regions

    @field_validator("cxone_base_url", "slack_api_url", "cxone_token_url")
    @classmethod
    def _has_a_host(cls, value: str | None) -> str | None:
        if value is not None and value.strip().startswith(("http://", "https://")):
            check_url_host(value)
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

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


def example(name: str) -> str:
    """ " Example: NAME=value." for a variable with a known good example, else ""."""
    value = EXAMPLES.get(name.lower())
    return f" Example: {name.upper()}={value}." if value else ""


def not_set(name: str, why: str = "") -> str:
    return f"{name.upper()} is not set: it is {purpose(name)}.{why}{example(name)}"


def describe_errors(error: ValidationError) -> str:
    """One line per problem, naming the variable and what it is for."""
    lines = []
    for problem in error.errors():
        name = str(problem["loc"][0]).upper() if problem["loc"] else "settings"
        if problem["type"] == "missing":
            lines.append(not_set(name))
        elif problem["type"] == "literal_error":
            accepted = problem["ctx"]["expected"].replace("'", "")
            lines.append(
                f"{name} is not valid (accepted: {accepted}): it is {purpose(name)}."
                + example(name)
            )
        else:
            reason = problem["msg"].removeprefix("Value error, ")
            lines.append(f"{name} is not valid ({reason}): it is {purpose(name)}.{example(name)}")
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


# --- names close to a setting's (issue 11) ---------------------------------------------
# DIAL_ADMIN=U0123 is ignored (extra="ignore") and nobody may link: say so at start.
OUR_PREFIXES = ("DIAL_", "CXONE_", "SLACK_")
NEAR_PREFIXED = 0.78  # CXONE_CAMPAIGN_ID is caught; Bolt's SLACK_CLIENT_SECRET is not
NEAR_OTHER = 0.9  # LOGLEVEL is caught; HOSTNAME and HOSTS are not


def near_misses(environ: Mapping[str, str], env_file: Path | None = Path(".env")) -> list[str]:
    """One sentence per variable (environment or `.env`) whose name is not a setting's
    but close to one."""
    known = {name.upper() for name in Settings.model_fields}
    found: list[str] = []
    sources = [("the environment", list(environ))]
    if env_file is not None and env_file.is_file():
        sources.append((str(env_file), list(dotenv_values(env_file))))
    for where, names in sources:
        for name in sorted(names):
            match = _close_to(name.upper(), known)
            if match:
                found.append(
                    f"{name} (in {where}) is not a dialbot setting and is ignored; "
                    f"did you mean {match}? It is {purpose(match)}."
                )
    return found


def _close_to(name: str, known: set[str]) -> str | None:
    if name in known:
        return None
    cutoff = NEAR_PREFIXED if name.startswith(OUR_PREFIXES) else NEAR_OTHER
    matches = difflib.get_close_matches(name, sorted(known), n=1, cutoff=cutoff)
    return matches[0] if matches else None
