"""Indexes for the rate limit, crash recovery and history queries.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_dial_requests_requester_confirmed", "dial_requests", ["requester_id", "confirmed_at"]
    )
    op.create_index("ix_dial_requests_state_confirmed", "dial_requests", ["state", "confirmed_at"])
    op.create_index("ix_dial_requests_created", "dial_requests", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_dial_requests_created", "dial_requests")
    op.drop_index("ix_dial_requests_state_confirmed", "dial_requests")
    op.drop_index("ix_dial_requests_requester_confirmed", "dial_requests")
