"""Databases for the store tests: a SQLite file, or a new PostgreSQL database that is
dropped afterwards.

The PostgreSQL server is the one at 127.0.0.1:5432 (user postgres, trust auth), or the
one DIALBOT_TEST_POSTGRES_URL names: a postgresql:// URL of a database on that server
(usually .../postgres) for a user who may create databases."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import URL, make_url

SERVER_VARIABLE = "DIALBOT_TEST_POSTGRES_URL"
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def server_url() -> URL:
    return make_url(os.environ.get(SERVER_VARIABLE) or DEFAULT_SERVER)


def server_address() -> tuple[str, int]:
    url = server_url()
    return url.host or "127.0.0.1", url.port or 5432


def database_url(name: str, **changes: object) -> str:
    """The SQLAlchemy URL of database `name` on the test server; `changes` (username,
    password, host, port) as URL.set() takes them."""
    url = server_url().set(drivername="postgresql+psycopg", database=name, **changes)
    return url.render_as_string(hide_password=False)


def describe_server() -> str:
    return server_url().set(drivername="postgresql").render_as_string(hide_password=True)


def admin_connection() -> psycopg.Connection:
    admin = server_url().set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        return psycopg.connect(admin, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        detail = " ".join(str(error).split())
        reason = (
            f"PostgreSQL at {describe_server()} does not answer ({detail}); "
            f"{SERVER_VARIABLE} names another server"
        )
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
    with admin_connection() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url(name)
    finally:
        with admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
