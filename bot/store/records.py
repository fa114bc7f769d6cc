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


class FollowState(StrEnum):
    """Where a followed call (agent mode) stands."""

    FOLLOWING = "following"  # placed; no progress seen yet
    RINGING = "ringing"
    CONNECTED = "connected"
    ENDED = "ended"  # connected, then hung up
    FAILED = "failed"  # ended without connecting (follow_note says why)
    STOPPED = "stopped"  # the bot stopped following (follow_note says why)


# Calls still followed: a replica may pick them up again.
OPEN_FOLLOW_STATES: frozenset[str] = frozenset(
    {FollowState.FOLLOWING, FollowState.RINGING, FollowState.CONNECTED}
)


class LinkSource(StrEnum):
    """Where a link, or an unlink, came from."""

    FILE = "file"  # DIAL_AGENT_MAP, loaded at every start
    IMPORT = "import"  # `dialbot links import FILE`
    SLACK = "slack"  # an admin's `/dial link` or `/dial unlink`
    CLI = "cli"  # `dialbot links link` or `dialbot links unlink`
    EMAIL = "email"  # linked by email on first use (DIAL_LINK_BY_EMAIL)


# A person's own decision, one user at a time: it stands until a person changes it.
BY_HAND: frozenset[LinkSource] = frozenset({LinkSource.SLACK, LinkSource.CLI})

# The file seeds, people decide. What a load of many rows at once may overwrite: the
# file at start only what a file or an email match made; `dialbot links import` also
# what an earlier import made. Never a link or unlink made by hand, and the file never
# what someone imported by hand either. An email match only fills a gap (issue 12).
REPLACEABLE_BY: dict[LinkSource, frozenset[LinkSource]] = {
    LinkSource.FILE: frozenset({LinkSource.FILE, LinkSource.EMAIL}),
    LinkSource.IMPORT: frozenset({LinkSource.FILE, LinkSource.IMPORT, LinkSource.EMAIL}),
    LinkSource.EMAIL: frozenset(),
}


@dataclass(frozen=True)
class AgentLink:
    slack_user_id: str
    cxone_agent_id: str
    linked_by: str  # an admin's Slack user id, an OS user name, or the tool's name
    linked_at: datetime
    source: LinkSource


@dataclass(frozen=True)
class AgentUnlink:
    """A person removed this user's link: a file or import row for them is skipped
    until a person links them again."""

    slack_user_id: str
    cxone_agent_id: str | None  # the agent they were linked to
    unlinked_by: str | None  # None where the caller did not say (the Slack service today)
    unlinked_at: datetime
    source: LinkSource


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
    view_id: str | None = None  # the dial modal it was submitted from, if it was
    agent_state: str | None = None  # the agent's CXone state seen at the press (issue 12)
    # Agent mode: following the placed call (see FollowState)
    session_id: str | None = None
    cxone_contact_id: str | None = None
    connected_at: datetime | None = None
    ended_at: datetime | None = None
    disconnect_code: str | None = None
    follow_state: str | None = None
    follow_note: str | None = None  # why it failed, or why following stopped
    reply_ts: str | None = None  # the outcome's thread reply, edited as the call goes
    reply_channel: str | None = None  # the conversation it is in (a DM: its D… id)
    notify_ts: str | None = None  # the notification, edited likewise

    @property
    def call_seconds(self) -> float | None:
        """How long the call was connected, once it ended."""
        if self.connected_at is None or self.ended_at is None:
            return None
        return max(0.0, (self.ended_at - self.connected_at).total_seconds())


class RowOutcome(StrEnum):
    NEW = "new"  # the user had no link; now linked as the row says
    CHANGED = "changed"  # linked to another agent before (previous_agent_id)
    UNCHANGED = "unchanged"  # already linked as the row says
    KEPT = "kept"  # skipped: a decision this load may not overwrite stands (decision)


@dataclass(frozen=True)
class ImportedRow:
    line: int
    slack_user_id: str
    cxone_agent_id: str  # as the file says
    outcome: RowOutcome
    previous_agent_id: str | None = None
    decision: AgentLink | AgentUnlink | None = None


@dataclass(frozen=True)
class ImportReport:
    rows: list[ImportedRow] = field(default_factory=list)  # the good rows, in file order
    problems: list[str] = field(default_factory=list)  # "line 3: ..." per bad row

    def count(self, outcome: RowOutcome) -> int:
        return sum(1 for row in self.rows if row.outcome is outcome)

    @property
    def loaded(self) -> int:
        """Good rows whose link is now as the file says."""
        return len(self.rows) - self.count(RowOutcome.KEPT)
