"""Opening the store: schema upgrades, and clear messages when the database is wrong."""

from __future__ import annotations

import logging
import secrets

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from store_databases import admin_connection, database_url, new_database

from bot.cli import main
from bot.store import DatabaseUnavailable, SchemaOutdated, Store, StoreError, migrate
from bot.store import engine as store_engine
from bot.store.engine import create_store_engine, describe_url
from bot.store.schema import metadata


def test_a_new_database_gets_the_schema_at_start(empty_database_url):
    store = Store.open(empty_database_url)

    assert store.schema_upgrade == (None, migrate.head_revision())
    store.link("U0ALICE", "agent-1001", linked_by="U0ADMIN")
    store.close()
    reopened = Store.open(empty_database_url, upgrade=False)
    assert reopened.schema_upgrade is None
    assert reopened.get_link("U0ALICE").cxone_agent_id == "agent-1001"
    reopened.close()


def test_an_old_schema_is_named_and_db_upgrade_fixes_it(empty_database_url, monkeypatch, capsys):
    engine = create_store_engine(empty_database_url)
    migrate.upgrade(engine, "0001")
    engine.dispose()

    with pytest.raises(SchemaOutdated) as raised:
        Store.open(empty_database_url, upgrade=False)

    message = str(raised.value)
    assert "schema revision 0001" in message
    assert f"needs {migrate.head_revision()}" in message
    assert "dialbot db upgrade" in message

    monkeypatch.setenv("DATABASE_URL", empty_database_url)
    assert main(["db", "upgrade"]) == 0
    assert f"from schema revision 0001 to {migrate.head_revision()}" in capsys.readouterr().out
    Store.open(empty_database_url, upgrade=False).close()
    assert main(["db", "upgrade"]) == 0
    assert "already up to date" in capsys.readouterr().out


def test_an_empty_database_opened_without_upgrade_says_to_run_db_upgrade(empty_database_url):
    with pytest.raises(SchemaOutdated, match="no dialbot schema yet.*dialbot db upgrade"):
        Store.open(empty_database_url, upgrade=False)


def test_tables_without_a_schema_revision_are_refused(empty_database_url):
    engine = create_store_engine(empty_database_url)
    metadata.create_all(engine)
    engine.dispose()

    for upgrade in (False, True):
        with pytest.raises(SchemaOutdated, match="no schema revision.*alembic_version"):
            Store.open(empty_database_url, upgrade=upgrade)


def test_a_schema_from_a_newer_dialbot_is_named(empty_database_url):
    Store.open(empty_database_url).close()
    engine = create_store_engine(empty_database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    engine.dispose()

    for upgrade in (False, True):
        with pytest.raises(SchemaOutdated, match="revision 0099, which this version"):
            Store.open(empty_database_url, upgrade=upgrade)


def test_an_unreachable_server_is_named_without_its_password():
    url = "postgresql+psycopg://dialbot:hunter2@127.0.0.1:9/dialbot"  # port 9: nothing there

    with pytest.raises(DatabaseUnavailable) as raised:
        Store.open(url)

    message = str(raised.value)
    assert "Can't reach the database at " in message
    assert "postgresql+psycopg://dialbot:***@127.0.0.1:9/dialbot" in message
    assert "connection refused" in message
    assert "DATABASE_URL" in message
    assert "hunter2" not in message


def test_a_sqlite_file_in_a_missing_directory_is_named(tmp_path):
    missing = tmp_path / "no-such-dir"

    with pytest.raises(DatabaseUnavailable) as raised:
        Store.open(f"sqlite:///{missing}/dialbot.db")

    assert f"the directory {missing} does not exist" in str(raised.value)
    assert not missing.exists()


def test_a_url_that_is_not_a_database_url_is_named():
    with pytest.raises(StoreError, match="DATABASE_URL"):
        Store.open("not a url")


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'dialbot.db'}")

    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert (
            connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
            == store_engine.SQLITE_BUSY_TIMEOUT_MS
            == 2000
        )
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    store.close()


def test_a_user_who_may_not_create_tables_is_told_so(tmp_path):
    role = f"dialbot_no_create_{secrets.token_hex(4)}"
    password = secrets.token_hex(8)  # for a test server that asks for one
    with new_database("postgresql", tmp_path) as url:
        with admin_connection() as admin:
            admin.execute(f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'")
        try:
            with pytest.raises(StoreError) as raised:
                Store.open(database_url(make_url(url).database, username=role, password=password))
        finally:
            with admin_connection() as admin:
                admin.execute(f'DROP ROLE "{role}"')

    message = str(raised.value)
    assert "Couldn't create or upgrade dialbot's tables" in message
    assert "permission denied" in message
    assert "dialbot db upgrade" in message


def test_a_start_logs_one_line_when_the_schema_changes_and_none_otherwise(
    empty_database_url, caplog
):
    caplog.set_level(logging.DEBUG)  # whatever LOG_LEVEL says, Alembic's chatter stays out

    Store.open(empty_database_url).close()
    Store.open(empty_database_url).close()

    lines = [(r.name, r.levelname, r.getMessage()) for r in caplog.records]
    assert [line for line in lines if line[0].startswith("alembic")] == []
    assert lines == [
        (
            "bot.store",
            "INFO",
            f"upgraded the database schema at {describe_url(empty_database_url)} "
            f"from revision none to {migrate.head_revision()}",
        )
    ]


def test_a_sqlite_store_checkpoints_its_wal_off_the_writers_path(tmp_path):
    """No writer's COMMIT checkpoints (wal_autocheckpoint 0); Store.open() runs PASSIVE
    checkpoints on a thread of its own, which leave nothing behind once writers stop."""
    store = Store.open(f"sqlite:///{tmp_path / 'wal.db'}")
    try:
        for n in range(300):
            store.link(f"U0{n:06d}", f"agent-{n}", "U0ADMIN")
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        store._checkpointer.checkpoint()
        raw = store.engine.raw_connection()
        try:
            busy, frames, done = raw.cursor().execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        finally:
            raw.close()
        assert busy == 0 and frames == done  # every frame of the WAL is in the file
        assert store.count_links() == 300
    finally:
        store.close()
    assert store._checkpointer is not None and not store._checkpointer._thread.is_alive()
