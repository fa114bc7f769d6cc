"""What the store hands out: plain, immutable records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class DialState(StrEnum):
    PENDING = "pending"
    DIALING = "dialing"
    PLACED = "placed"
    REJECTED = "rejected"
    UNKNOWN = "unknown"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


TERMINAL_STATES: frozenset[DialState] = frozenset(
    {
        DialState.PLACED,
        DialState.REJECTED,
        DialState.UNKNOWN,
        DialState.CANCELLED,
        DialState.EXPIRED,
    }
)

# The only moves a dial request may make; anything else is a programming error.
LEGAL_TRANSITIONS: dict[DialState, frozenset[DialState]] = {
    DialState.PENDING: frozenset({DialState.DIALING, DialState.CANCELLED, DialState.EXPIRED}),
    DialState.DIALING: frozenset({DialState.PLACED, DialState.REJECTED, DialState.UNKNOWN}),
}


@dataclass(frozen=True)
class AgentLink:
    slack_user_id: str
    cxone_agent_id: str
    linked_by: str
    linked_at: datetime


@dataclass(frozen=True)
class DialRequest:
    id: str
    requester_id: str
    agent_user_id: str
    agent_id: str
    phone_number: str  # E.164
    contact_id: str
    channel_id: str
    response_url: str | None
    state: DialState
    created_at: datetime
    expires_at: datetime
    confirmed_at: datetime | None
    finished_at: datetime | None
    parent_ts: str | None
    call_id: str | None
    correlation_id: str | None
    error: str | None


@dataclass(frozen=True)
class ImportReport:
    loaded: int
    problems: list[str] = field(default_factory=list)  # "line 3: ..." per bad row
