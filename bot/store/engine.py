"""Engines for SQLite and PostgreSQL, and a first connection that fails with a clear message."""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.pool import StaticPool

from bot.store.errors import DatabaseUnavailable, StoreError

# Execution option asking for a write transaction: on SQLite it begins with
# BEGIN IMMEDIATE, so a transaction that reads before it writes waits for the write
# lock up front instead of failing with "database is locked" halfway through.
WRITE = {"dialbot_write": True}

# Both stay under Slack's 3 s for answering /dial, so a locked or unreachable database
# becomes a sentence for the person instead of a Slack timeout.
SQLITE_BUSY_TIMEOUT_MS = 2000
# One replica runs 16 HTTP threads, 32 listener threads (the after-ack work) and 32 dial
# threads; each holds a connection for one statement, but under load a thread waits for
# the GIL while holding it. With a pool of 20 (+ 20 overflow) a run of 50-client
# presses opened 72 server sessions (overflow connections opened and closed, each a new
# PostgreSQL process); with 40 kept, 48. Two replicas (90) stay within PostgreSQL's
# default max_connections of 100.
POSTGRES_POOL_SIZE = 40
POSTGRES_MAX_OVERFLOW = 5
POSTGRES_POOL_TIMEOUT = 2  # seconds to wait for a free connection, under Slack's 3 s
POSTGRES_CONNECT_TIMEOUT = 2  # seconds (libpq's minimum)
# No SELECT 1 before each checkout: it doubled the round trips of every read and
# one-statement write, and under load each round trip is a wait for the GIL on the way
# back (bench/RESULTS.md, issue 16). A connection PostgreSQL dropped is noticed on use
# instead: SQLAlchemy retires the pool's older connections and Store retries the read.
POSTGRES_PRE_PING = False


def create_store_engine(url: str) -> Engine:
    """An engine for DATABASE_URL, tuned for several threads (and processes)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(
            "DATABASE_URL is not a database URL dialbot understands. Use "
            "sqlite:///dialbot.db or postgresql+psycopg://user@host:5432/dbname."
        ) from None
    try:
        if parsed.get_backend_name() == "sqlite":
            return _sqlite_engine(parsed)
        postgres = parsed.get_backend_name() == "postgresql"
        connect_args = {"connect_timeout": POSTGRES_CONNECT_TIMEOUT} if postgres else {}
        return create_engine(
            parsed,
            pool_pre_ping=POSTGRES_PRE_PING,
            pool_size=POSTGRES_POOL_SIZE,
            max_overflow=POSTGRES_MAX_OVERFLOW,
            pool_timeout=POSTGRES_POOL_TIMEOUT,
            connect_args=connect_args,
        )
    except (NoSuchModuleError, ImportError):
        raise StoreError(
            f"DATABASE_URL {describe_url(parsed)} names a database dialbot cannot use. Use "
            "sqlite:///dialbot.db or postgresql+psycopg://user@host:5432/dbname."
        ) from None


def _sqlite_engine(parsed) -> Engine:
    in_memory = parsed.database in (None, "", ":memory:")
    options: dict = {"connect_args": {"timeout": 30, "check_same_thread": False}}
    if in_memory:
        # One shared connection, or every connection would see its own empty database;
        # so an in-memory store is for single-threaded scripts and tests only.
        options["poolclass"] = StaticPool
    engine = create_engine(parsed, **options)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record) -> None:
        # SQLAlchemy emits BEGIN itself (see _begin), so transactions cover reads too.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        if not in_memory:
            _enable_wal(cursor)
            # No checkpoint inside a writer's COMMIT (every ~1,000 pages of WAL, a copy
            # into the database file and an fsync, while this process's writer queue
            # waits): Store.open() runs them on a thread of their own (Checkpointer),
            # and the last connection to close checkpoints what is left.
            cursor.execute("PRAGMA wal_autocheckpoint = 0")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        writing = connection.get_execution_options().get("dialbot_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")

    return engine


def _enable_wal(cursor) -> None:
    # Switching a new file to WAL can fail at once with "database is locked" while
    # another process is creating the schema: SQLite skips the busy handler there.
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def missing_sqlite_file(url: str) -> Path | None:
    """The file a SQLite DATABASE_URL names, when it does not exist (opening it would
    create it); None for any other URL, including in-memory SQLite."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(parsed.database)
    return None if path.exists() else path.resolve()


def describe_url(url) -> str:
    """The URL with any password hidden, fit for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def check_connection(engine: Engine) -> None:
    """Connect once, or raise DatabaseUnavailable saying what went wrong."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as error:
        raise unavailable(engine, error) from None


def unavailable(engine: Engine, error: DBAPIError) -> DatabaseUnavailable:
    where = describe_url(engine.url)
    if engine.dialect.name == "sqlite":
        directory = Path(engine.url.database or ".").resolve().parent
        reason = _first_line(error)
        if not directory.is_dir():
            reason = f"the directory {directory} does not exist"
        return DatabaseUnavailable(
            f"Can't open the SQLite database at {where} ({reason}). Check that its "
            "directory exists and dialbot may write there, or set DATABASE_URL."
        )
    return DatabaseUnavailable(
        f"Can't reach the database at {where} ({_server_reason(error)}). "
        "Check DATABASE_URL and that the server is running."
    )


def _first_line(error: DBAPIError) -> str:
    return str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else "unknown error"


_REASONS = (
    (re.compile(r"connection refused", re.I), "connection refused"),
    (re.compile(r"timeout expired|timed out", re.I), "the connection timed out"),
    (re.compile(r"password authentication failed", re.I), "password authentication failed"),
    (re.compile(r"no password supplied", re.I), "the server wants a password"),
    (re.compile(r"(database \"[^\"]*\" does not exist)", re.I), None),
    (re.compile(r"(role \"[^\"]*\" does not exist)", re.I), None),
    (
        re.compile(r"could not translate host name|name or service not known", re.I),
        "unknown host name",
    ),
)


def _server_reason(error: DBAPIError) -> str:
    message = str(error.orig)
    for pattern, reason in _REASONS:
        match = pattern.search(message)
        if match:
            return reason or match.group(1)
    first = _first_line(error)
    return first.rsplit("failed: ", 1)[-1]


class Checkpointer:
    """A file SQLite database's WAL checkpoints, every `interval` seconds on a daemon
    thread of their own: PASSIVE, so they never wait for a writer and no writer waits
    for them (with SQLite's automatic checkpoints a writer's COMMIT did the copy and
    the fsync while every other writer of the process queued behind it; at 1,000,000
    rows, under load, past the writer queue's 2 s)."""

    def __init__(self, engine: Engine, interval: float = 1.0) -> None:
        self._engine = engine
        self._interval = interval
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sqlite-checkpoint", daemon=True)

    def start(self) -> Checkpointer:
        self._thread.start()
        return self

    def checkpoint(self) -> None:
        connection = self._engine.raw_connection()
        try:
            connection.cursor().execute("PRAGMA wal_checkpoint(PASSIVE)").close()
        finally:
            connection.close()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stopped.wait(self._interval):
            try:
                self.checkpoint()
            except Exception:  # a busy or vanished file: the next turn tries again
                continue
