"""A SQLite file locked by another process: writers give up in bounded time, with a reason."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from bot.store import Store, StoreError
from bot.store import engine as store_engine

BUSY_MS = 300


def request_fields() -> dict:
    return dict(
        requester_id="U0ALICE",
        agent_user_id="U0ALICE",
        agent_id="1001",
        phone_number="+14155550123",
        contact_id="contact-1",
        channel_id="C1",
        response_url=None,
        ttl_seconds=600,
    )


def test_queued_writers_each_give_up_within_the_busy_timeout(tmp_path, monkeypatch):
    monkeypatch.setattr(store_engine, "SQLITE_BUSY_TIMEOUT_MS", BUSY_MS)
    path = tmp_path / "dialbot.db"
    store = Store.open(f"sqlite:///{path}")
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    waits: list[float] = []
    errors: list[Exception] = []

    def write() -> None:
        started = time.monotonic()
        try:
            store.create_request(**request_fields())
        except Exception as error:
            errors.append(error)
        waits.append(time.monotonic() - started)

    threads = [threading.Thread(target=write) for _ in range(6)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        locker.rollback()
        locker.close()

    assert len(errors) == 6  # nobody wrote while the file was locked
    assert all(isinstance(e, StoreError) or "locked" in str(e) for e in errors), errors
    # Six writers queued one behind the other would wait up to 6 x 0.3 s without a bound;
    # each gives up after about one busy timeout (generous margin for a loaded machine).
    assert max(waits) < BUSY_MS / 1000 * 4, waits
    assert store.history() == []
    store.create_request(**request_fields())  # the lock is gone: writes work again
    assert len(store.history()) == 1
    store.close()


@pytest.mark.parametrize(
    "name", ["SQLITE_BUSY_TIMEOUT_MS", "POSTGRES_CONNECT_TIMEOUT", "POSTGRES_POOL_TIMEOUT"]
)
def test_database_waits_stay_under_slacks_three_seconds(name):
    seconds = getattr(store_engine, name) / (1000 if name.endswith("_MS") else 1)
    assert seconds < 3
