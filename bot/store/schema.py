"""The tables, as SQLAlchemy Core metadata. Alembic migrations create them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, Index, MetaData, String, Table, Text, text
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in and out on both engines.

    PostgreSQL keeps the zone (timestamptz); SQLite keeps naive text, so values are
    converted to UTC before they are written and marked UTC when they are read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("datetimes given to the store must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


metadata = MetaData()

# The states in which a request holds its dial modal's view (see the index below).
CLAIMED_VIEW_WHERE = (
    "view_id IS NOT NULL AND "  # one claimed request per view; NULL: not from a modal
    "state IN ('dialing', 'placed', 'rejected', 'unknown')"
)

agent_links = Table(
    "agent_links",
    metadata,
    Column("slack_user_id", String(64), primary_key=True),
    Column("cxone_agent_id", String(64), nullable=False),
    Column("linked_by", String(64), nullable=False),
    Column("linked_at", UTCDateTime, nullable=False),
    Column("source", String(16), nullable=False),  # records.LinkSource
)

# One row per user a person unlinked, so that the file does not link them again.
agent_unlinks = Table(
    "agent_unlinks",
    metadata,
    Column("slack_user_id", String(64), primary_key=True),
    Column("cxone_agent_id", String(64), nullable=True),
    Column("unlinked_by", String(64), nullable=True),
    Column("unlinked_at", UTCDateTime, nullable=False),
    Column("source", String(16), nullable=False),
)

dial_requests = Table(
    "dial_requests",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("requester_id", String(64), nullable=False),
    Column("agent_user_id", String(64), nullable=False),
    Column("agent_id", String(64), nullable=False),
    Column("phone_number", String(32), nullable=False),
    Column("contact_id", String(255), nullable=False),
    Column("channel_id", String(64), nullable=False),
    Column("response_url", Text, nullable=True),
    Column("state", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("confirmed_at", UTCDateTime, nullable=True),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("parent_ts", String(32), nullable=True),
    Column("call_id", String(255), nullable=True),
    Column("correlation_id", String(255), nullable=True),
    Column("error", Text, nullable=True),
    # The dial modal a request was submitted from (its Slack view id), else None.
    Column("view_id", String(64), nullable=True),
    # The agent's CXone state seen at the press ("Available", "unread: timeout"), else None.
    Column("agent_state", String(64), nullable=True),
    # Agent mode follows a placed call (migration 0006): its session and contact, when
    # it connected and ended, why it failed, and the Slack messages edited as it goes.
    Column("session_id", String(255), nullable=True),
    Column("cxone_contact_id", String(255), nullable=True),
    Column("connected_at", UTCDateTime, nullable=True),
    Column("ended_at", UTCDateTime, nullable=True),
    Column("disconnect_code", String(64), nullable=True),
    Column("follow_state", String(16), nullable=True),  # records.FollowState
    Column("follow_note", Text, nullable=True),
    Column("reply_ts", String(32), nullable=True),
    # Where that reply is: a DM's D… id (chat.update refuses the user id it was posted to).
    Column("reply_channel", String(32), nullable=True),
    Column("notify_ts", String(32), nullable=True),
    # Rate limit: confirmations by one requester since a moment.
    Index("ix_dial_requests_requester_confirmed", "requester_id", "confirmed_at"),
    # Crash recovery: requests stuck in one state since a moment.
    Index("ix_dial_requests_state_confirmed", "state", "confirmed_at"),
    # History: newest first.
    Index("ix_dial_requests_created", "created_at"),
    # One claimed request per dial modal: the claim (pending -> dialing) of a second
    # submission from the same view breaks this index and fails, so it places no call.
    Index(
        "ux_dial_requests_claimed_view",
        "view_id",
        unique=True,
        sqlite_where=text(CLAIMED_VIEW_WHERE),
        postgresql_where=text(CLAIMED_VIEW_WHERE),
    ),
    # The App Home: a person's dials, as requester or as the agent, newest first.
    Index("ix_dial_requests_requester_created", "requester_id", "created_at"),
    Index("ix_dial_requests_agent_created", "agent_user_id", "created_at"),
    # Following: placed calls still being followed, by when they were placed.
    Index("ix_dial_requests_follow", "follow_state", "finished_at"),
)

# One follower per call across replicas: the holder renews expires_at while following;
# once it has passed, another replica may take the call over.
follow_leases = Table(
    "follow_leases",
    metadata,
    Column("request_id", String(64), primary_key=True),
    Column("holder", String(64), nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)
