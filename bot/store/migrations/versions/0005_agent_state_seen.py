"""The agent's CXone state as the bot saw it when Dial was pressed.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dial_requests") as table:
        table.add_column(sa.Column("agent_state", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dial_requests") as table:
        table.drop_column("agent_state")
