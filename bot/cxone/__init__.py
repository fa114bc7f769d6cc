"""The CXone side of a dial: OAuth tokens, the placers for each API, what failures mean."""

from bot.cxone.admin import CXoneAdmin
from bot.cxone.auth import TokenClient
from bot.cxone.errors import (
    CXoneConfigError,
    CXoneError,
    CXoneUnavailableError,
    rejection_message,
)
from bot.cxone.http import CXoneHttp
from bot.cxone.journey import JourneyPlacer

__all__ = [
    "CXoneAdmin",
    "CXoneConfigError",
    "CXoneError",
    "CXoneHttp",
    "CXoneUnavailableError",
    "JourneyPlacer",
    "TokenClient",
    "rejection_message",
]
