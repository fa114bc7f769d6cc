"""Alembic, run in code: upgrade to head at start or by `dialbot db upgrade`, or check."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, func, inspect, select
from sqlalchemy.exc import DBAPIError

from bot.store.engine import WRITE, describe_url
from bot.store.errors import SchemaOutdated, StoreError
from bot.store.schema import metadata

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Alembic says at INFO, on every start, which plugins it set up and that it will
# "assume transactional DDL": nothing an operator can use. upgrade() logs the one line
# that matters, when the schema changed.
logging.getLogger("alembic").setLevel(logging.WARNING)
log = logging.getLogger("bot.store")
# Any fixed number; replicas starting together take turns upgrading the schema.
POSTGRES_UPGRADE_LOCK = 0x6469616C626F74  # "dialbot"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Upgrade the schema to `revision`; returns the revisions before and after.

    One transaction: replicas (or processes) starting at once queue on a lock
    (PostgreSQL advisory lock, SQLite's write lock), and the later ones find the
    work done.
    """
    with engine.execution_options(**WRITE).begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(select(func.pg_advisory_xact_lock(POSTGRES_UPGRADE_LOCK)))
        before = current_revision(connection)
        if before is None and _dialbot_tables(connection):
            raise _unversioned(engine)
        if before is not None and before not in _known_revisions():
            raise _unknown_revision(engine, before)
        command.upgrade(alembic_config(connection), revision)
        after = current_revision(connection)
    if before != after:
        log.info(
            "upgraded the database schema at %s from revision %s to %s",
            describe_url(engine.url),
            before or "none",
            after,
        )
    return before, after


def check_current(engine: Engine) -> None:
    """Raise SchemaOutdated unless the database is at this version's head revision."""
    with engine.connect() as connection:
        current = current_revision(connection)
        tables = _dialbot_tables(connection)
    head = head_revision()
    if current == head:
        return
    where = describe_url(engine.url)
    if current is None and tables:
        raise _unversioned(engine)
    if current is None:
        raise SchemaOutdated(
            f"The database at {where} has no dialbot schema yet, and this version of "
            f"dialbot needs schema revision {head}. Run `dialbot db upgrade`."
        )
    if current not in _known_revisions():
        raise _unknown_revision(engine, current)
    raise SchemaOutdated(
        f"The database at {where} has schema revision {current} but this version of "
        f"dialbot needs {head}. Run `dialbot db upgrade`."
    )


def schema_state(engine: Engine) -> tuple[str | None, bool]:
    """The database's schema revision (None: none) and whether dialbot's tables exist;
    reads only (`dialbot doctor`)."""
    with engine.connect() as connection:
        return current_revision(connection), bool(_dialbot_tables(connection))


def is_known_revision(revision: str) -> bool:
    """Whether this version of dialbot knows `revision` (so it can upgrade from it)."""
    return revision in _known_revisions()


def upgrade_failed(engine: Engine, error: DBAPIError) -> StoreError:
    reason = str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else "unknown"
    return StoreError(
        f"Couldn't create or upgrade dialbot's tables in the database at "
        f"{describe_url(engine.url)} ({reason}). Check that the DATABASE_URL user may "
        "create tables there, then run `dialbot db upgrade`."
    )


def _known_revisions() -> set[str]:
    scripts = ScriptDirectory.from_config(alembic_config())
    return {script.revision for script in scripts.walk_revisions()}


def _dialbot_tables(connection: Connection) -> set[str]:
    return set(metadata.tables) & set(inspect(connection).get_table_names())


def _unversioned(engine: Engine) -> SchemaOutdated:
    return SchemaOutdated(
        f"The database at {describe_url(engine.url)} has dialbot's tables but no schema "
        "revision (its alembic_version table is missing or empty), so dialbot cannot tell "
        "how to upgrade it. Restore alembic_version from a backup, or point DATABASE_URL "
        "at an empty database."
    )


def _unknown_revision(engine: Engine, revision: str | None) -> SchemaOutdated:
    return SchemaOutdated(
        f"The database at {describe_url(engine.url)} has schema revision {revision}, which "
        "this version of dialbot does not know: a newer dialbot probably upgraded it. "
        "Run that newer version, or restore a backup."
    )
