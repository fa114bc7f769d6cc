"""The migrations: they build exactly the tables bot.store.schema describes, and 0003
gives links made before it the source their maker implies."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from bot.store import LinkSource, Store, migrate
from bot.store.engine import create_store_engine
from bot.store.schema import metadata


def test_the_migrations_build_the_tables_the_code_describes(empty_database_url):
    engine = create_store_engine(empty_database_url)
    migrate.upgrade(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()

    assert differences == []


def test_links_made_before_0003_get_their_source_from_who_made_them(empty_database_url):
    engine = create_store_engine(empty_database_url)
    migrate.upgrade(engine, "0002")
    with engine.begin() as connection:
        for user, linked_by in (
            ("U0FILE", "DIAL_AGENT_MAP"),
            ("U0IMPORT", "dialbot links import"),
            ("U0SLACK", "U0ADMIN"),
        ):
            connection.execute(
                text(
                    "INSERT INTO agent_links (slack_user_id, cxone_agent_id, linked_by, "
                    "linked_at) VALUES (:user, 'agent-1', :by, :at)"
                ),
                {"user": user, "by": linked_by, "at": datetime(2024, 5, 1, tzinfo=UTC)},
            )
    engine.dispose()

    store = Store.open(empty_database_url)

    assert store.schema_upgrade == ("0002", migrate.head_revision())
    assert {link.slack_user_id: link.source for link in store.list_links()} == {
        "U0FILE": LinkSource.FILE,
        "U0IMPORT": LinkSource.IMPORT,
        "U0SLACK": LinkSource.SLACK,
    }
    assert store.list_unlinks() == []
    store.close()


def test_0003_can_be_undone(empty_database_url):
    engine = create_store_engine(empty_database_url)
    migrate.upgrade(engine)
    with engine.begin() as connection:
        command.downgrade(migrate.alembic_config(connection), "0002")
        tables = set(inspect(connection).get_table_names())
        columns = {column["name"] for column in inspect(connection).get_columns("agent_links")}
    engine.dispose()

    assert "agent_unlinks" not in tables
    assert "source" not in columns
