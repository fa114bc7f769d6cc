"""Every store test runs on SQLite and on the PostgreSQL server at 127.0.0.1:5432.

Each PostgreSQL run gets its own database, dropped afterwards. Where no server answers
the PostgreSQL half is skipped with the reason shown, except under CI, where it fails.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import delete

from bot.store import Store
from bot.store.schema import metadata

# Child processes started with "spawn" import helpers from here (store_workers).
HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)

POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
ENGINES = ["sqlite", "postgresql"]


def _admin_connection() -> psycopg.Connection:
    try:
        return psycopg.connect(POSTGRES_SERVER, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        reason = f"PostgreSQL at 127.0.0.1:5432 does not answer ({str(error).strip()})"
        if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
            pytest.fail(f"{reason}; CI must run the store tests on PostgreSQL", pytrace=False)
        pytest.skip(f"{reason}: PostgreSQL store tests skipped, SQLite ones still run")


@contextmanager
def new_database(engine: str, directory: Path) -> Iterator[str]:
    """The URL of a new, empty database, removed afterwards."""
    if engine == "sqlite":
        yield f"sqlite:///{directory / f'dialbot-{secrets.token_hex(4)}.db'}"
        return
    name = f"dialbot_test_{secrets.token_hex(6)}"
    with _admin_connection() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with _admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=ENGINES)
def database_url(request, tmp_path_factory) -> Iterator[str]:
    """A database at the current schema, shared by the tests of one engine."""
    with new_database(request.param, tmp_path_factory.mktemp("store")) as url:
        Store.open(url).close()
        yield url


@pytest.fixture(params=ENGINES)
def empty_database_url(request, tmp_path) -> Iterator[str]:
    """A brand-new database with no tables at all."""
    with new_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def store(database_url) -> Iterator[Store]:
    store = Store.open(database_url)
    with store.engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(delete(table))
    yield store
    store.close()
