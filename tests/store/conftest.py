"""Every store test runs on SQLite and on the PostgreSQL server at 127.0.0.1:5432, or
the one DIALBOT_TEST_POSTGRES_URL names (see store_databases).

Each PostgreSQL run gets its own database, dropped afterwards. Where no server answers
the PostgreSQL half is skipped with the reason shown, except under CI, where it fails.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete

# Child processes started with "spawn" import helpers from here (store_workers).
HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from store_databases import new_database  # noqa: E402

from bot.store import Store  # noqa: E402
from bot.store.schema import metadata  # noqa: E402

ENGINES = ["sqlite", "postgresql"]


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
