"""The dial modal a request came from, one claimed request per modal, and home indexes.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# As bot.store.schema.CLAIMED_VIEW_WHERE (a migration keeps its own copy: it must not
# change when the schema module does).
CLAIMED_VIEW_WHERE = (
    "view_id IS NOT NULL AND "  # one claimed request per view; NULL: not from a modal
    "state IN ('dialing', 'placed', 'rejected', 'unknown')"
)


def upgrade() -> None:
    with op.batch_alter_table("dial_requests") as table:
        table.add_column(sa.Column("view_id", sa.String(64), nullable=True))
    op.create_index(
        "ux_dial_requests_claimed_view",
        "dial_requests",
        ["view_id"],
        unique=True,
        sqlite_where=sa.text(CLAIMED_VIEW_WHERE),
        postgresql_where=sa.text(CLAIMED_VIEW_WHERE),
    )
    op.create_index(
        "ix_dial_requests_requester_created", "dial_requests", ["requester_id", "created_at"]
    )
    op.create_index(
        "ix_dial_requests_agent_created", "dial_requests", ["agent_user_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_dial_requests_agent_created", "dial_requests")
    op.drop_index("ix_dial_requests_requester_created", "dial_requests")
    op.drop_index("ux_dial_requests_claimed_view", "dial_requests")
    with op.batch_alter_table("dial_requests") as table:
        table.drop_column("view_id")
