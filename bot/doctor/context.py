"""What the doctor's checks share: the settings, and what earlier checks found."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.config import Settings
from bot.doctor.runner import CHECK_TIMEOUT_SECONDS


@dataclass
class DoctorContext:
    settings: Settings | None
    settings_problem: str | None = None
    timeout: float = CHECK_TIMEOUT_SECONDS
    granted_scopes: list[str] | None = field(default=None)  # from auth.test's x-oauth-scopes
    # Set by the CXone token check for the checks after it: the TokenClient (journey)
    # or AgentSignIn (agent mode) that got a token, so no check fetches another.
    cxone_tokens: Any = field(default=None, repr=False)
    cxone_admin: Any = field(default=None, repr=False)  # CXoneAdmin, by the agents check
    first_agent_id: str | None = None  # the agents check's first active agent

    @property
    def ready(self) -> Settings:
        assert self.settings is not None  # every check but the first needs "settings"
        return self.settings
