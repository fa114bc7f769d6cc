"""Where each link came from, and the unlinks people made, so the file stops undoing them.

Links made before this revision get their source from who made them: the start-up
load wrote "DIAL_AGENT_MAP", `dialbot links import` wrote its name, and anything else
is a Slack admin's user id. Unlinks made before it left no trace and cannot be known.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agent_links") as batch:
        batch.add_column(sa.Column("source", sa.String(16), nullable=False, server_default="slack"))
    agent_links = sa.table("agent_links", sa.column("linked_by"), sa.column("source"))
    for linked_by, source in (("DIAL_AGENT_MAP", "file"), ("dialbot links import", "import")):
        op.execute(
            agent_links.update().where(agent_links.c.linked_by == linked_by).values(source=source)
        )
    with op.batch_alter_table("agent_links") as batch:
        batch.alter_column("source", server_default=None)
    op.create_table(
        "agent_unlinks",
        sa.Column("slack_user_id", sa.String(64), primary_key=True),
        sa.Column("cxone_agent_id", sa.String(64), nullable=True),
        sa.Column("unlinked_by", sa.String(64), nullable=True),
        sa.Column("unlinked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("agent_unlinks")
    with op.batch_alter_table("agent_links") as batch:
        batch.drop_column("source")
