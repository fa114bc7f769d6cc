"""A complete settings set pointing the bot at the local stand-ins: one helper for the
demo, the tests and the bench.

`sandbox_environment()` gives the variables (for `python app.py` in a subprocess);
`sandbox_settings()` gives the same as `Settings`, read from those values only, never
from the environment or a `.env` file, so nothing on the developer's machine leaks in.
Overrides name variables in either case (`DIAL_ADMINS` or `dial_admins`); a value of
None leaves the variable out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.config import Settings, validated

SIGNING_SECRET = "sandbox-signing-secret"
CONTACT_ID = "contact-1"


@dataclass(frozen=True)
class Endpoints:
    """Where the stand-ins listen and the credentials they accept."""

    slack_url: str  # ends with "/api/"
    bot_token: str
    cxone_url: str
    client_id: str
    client_secret: str
    campaign_id: str

    @classmethod
    def of(cls, slack: Any, cxone: Any) -> Endpoints:
        """From a running SlackApiStandIn and CXoneSandbox."""
        return cls(
            slack_url=slack.url,
            bot_token=slack.bot_token,
            cxone_url=cxone.url,
            client_id=cxone.client_id,
            client_secret=cxone.client_secret,
            campaign_id=cxone.campaign_id,
        )


def sandbox_environment(
    endpoints: Endpoints, *, database_url: str, **overrides: Any
) -> dict[str, str]:
    """The variables for `python app.py` against the stand-ins (HTTP mode by default)."""
    values: dict[str, Any] = {
        "SLACK_BOT_TOKEN": endpoints.bot_token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": endpoints.slack_url,
        "CXONE_BASE_URL": endpoints.cxone_url,
        "CXONE_OAUTH_CLIENT_ID": endpoints.client_id,
        "CXONE_OAUTH_CLIENT_SECRET": endpoints.client_secret,
        "CXONE_OUTBOUND_CAMPAIGN_ID": endpoints.campaign_id,
        "CXONE_DEFAULT_CONTACT_ID": CONTACT_ID,
        "DATABASE_URL": database_url,
    }
    values.update({name.upper(): value for name, value in overrides.items()})
    return {name: _as_text(value) for name, value in values.items() if value is not None}


def sandbox_settings(endpoints: Endpoints, *, database_url: str, **overrides: Any) -> Settings:
    """The same settings as `sandbox_environment()`, checked as `python app.py` checks them."""
    environment = sandbox_environment(endpoints, database_url=database_url, **overrides)
    return validated(IsolatedSettings(**{name.lower(): v for name, v in environment.items()}))


class IsolatedSettings(Settings):
    """Settings from keyword arguments only: no environment variables, no `.env`."""

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, **_other_sources):
        return (init_settings,)


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, Iterable):
        return ",".join(sorted(str(item) for item in value))
    return str(value)
