"""Agent mode follows calls: the call's session, contact, times and disconnect code on
the record, the messages to edit as it goes, and one follower per call (a lease).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

NEW_COLUMNS = (
    ("session_id", sa.String(255)),
    ("cxone_contact_id", sa.String(255)),
    ("connected_at", sa.DateTime(timezone=True)),
    ("ended_at", sa.DateTime(timezone=True)),
    ("disconnect_code", sa.String(64)),
    ("follow_state", sa.String(16)),
    ("follow_note", sa.Text),
    ("reply_ts", sa.String(32)),
    ("reply_channel", sa.String(32)),
    ("notify_ts", sa.String(32)),
)


def upgrade() -> None:
    with op.batch_alter_table("dial_requests") as table:
        for name, kind in NEW_COLUMNS:
            table.add_column(sa.Column(name, kind, nullable=True))
    op.create_index("ix_dial_requests_follow", "dial_requests", ["follow_state", "finished_at"])
    op.create_table(
        "follow_leases",
        sa.Column("request_id", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("follow_leases")
    op.drop_index("ix_dial_requests_follow", "dial_requests")
    with op.batch_alter_table("dial_requests") as table:
        for name, _kind in reversed(NEW_COLUMNS):
            table.drop_column(name)
