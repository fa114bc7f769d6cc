"""The CXone side of a dial: OAuth tokens, the outbound call, and what its failures mean."""

from bot.cxone.auth import TokenClient
from bot.cxone.dialer import Dialer, DialOutcome, Placed, Rejected, Unknown
from bot.cxone.errors import (
    UNKNOWN_ADVICE,
    CXoneConfigError,
    CXoneError,
    CXoneUnavailableError,
    rejection_message,
)

__all__ = [
    "UNKNOWN_ADVICE",
    "CXoneConfigError",
    "CXoneError",
    "CXoneUnavailableError",
    "DialOutcome",
    "Dialer",
    "Placed",
    "Rejected",
    "TokenClient",
    "Unknown",
    "rejection_message",
]
