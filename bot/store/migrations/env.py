"""Alembic environment: dialbot runs migrations in code (bot.store.migrate), always on a
connection it has opened and put in a transaction, so there is no alembic.ini and no
offline mode."""

from alembic import context

from bot.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations with `dialbot db upgrade`, not the alembic command.")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
