"""Databases for the store tests: a SQLite file, or a new PostgreSQL database on the
server at 127.0.0.1:5432 that is dropped afterwards."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def admin_connection() -> psycopg.Connection:
    try:
        return psycopg.connect(POSTGRES_SERVER, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        detail = " ".join(str(error).split())
        reason = f"PostgreSQL at 127.0.0.1:5432 does not answer ({detail})"
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
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
