"""Retention: finished dial requests older than a limit are deleted, in small batches.

Only finished requests go (placed, rejected, unknown, cancelled, expired); a pending or
dialing request is never touched, however old. Age is counted from `created_at`, the
moment `dialbot history --since` and the App Home show.

One pass at a time across every replica: on PostgreSQL the pass holds a session-level
advisory lock (`pg_try_advisory_lock`) on its own connection, so a second replica that
finds it taken skips its pass instead of queueing behind it; the lock goes with the
connection if the process dies. SQLite is one process's database: there each batch is
one short write transaction through the store's writer queue, and a second process
pruning at once only finds fewer rows.

Each batch deletes at most `batch_size` rows in its own transaction and the pass pauses
between batches, so the acks that write (a new request, a claim) wait at most one
batch, never the whole pass.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, delete, func, select, text

from bot.store.records import TERMINAL_STATES
from bot.store.schema import dial_requests

BATCH_SIZE = 500  # rows per delete transaction: a few milliseconds on either engine
BATCH_PAUSE_SECONDS = 0.05  # between batches, so waiting writers get the database
# pg_advisory_lock key: "dialbot retention" folded into a bigint; any constant would do,
# it only has to differ from other advisory locks taken on the same database.
ADVISORY_LOCK_KEY = 0x6469616C_62726574
FINISHED = sorted(state.value for state in TERMINAL_STATES)


@dataclass(frozen=True)
class PruneResult:
    cutoff: datetime  # requests created before this moment were (or would be) removed
    removed: int  # rows deleted; with dry_run, rows that would be
    ran: bool = True  # False: another replica's pass held the lock, so this one skipped
    dry_run: bool = False


def _old_finished(cutoff: datetime):
    return (dial_requests.c.created_at < cutoff) & dial_requests.c.state.in_(FINISHED)


def count_prunable(connection: Connection, cutoff: datetime) -> int:
    query = select(func.count()).select_from(dial_requests).where(_old_finished(cutoff))
    return connection.execute(query).scalar_one()


def oldest_finished_query(cutoff: datetime, batch_size: int):
    """The ids of up to `batch_size` of the oldest finished requests created before
    `cutoff`, read in order from ix_dial_requests_created."""
    return (
        select(dial_requests.c.id)
        .where(_old_finished(cutoff))
        .order_by(dial_requests.c.created_at)
        .limit(batch_size)
    )


def delete_by_ids(ids: list[str]):
    """A finished request never changes state again (records.LEGAL_TRANSITIONS), so
    what oldest_finished_query() picked is still finished when it is deleted. By id, so
    both engines delete through the primary key: a DELETE … WHERE id IN (subquery)
    made PostgreSQL plan a sequential scan of the whole table."""
    return delete(dial_requests).where(dial_requests.c.id.in_(ids))


def delete_batch(connection: Connection, cutoff: datetime, batch_size: int) -> int:
    """Delete one batch in the caller's transaction; how many rows went."""
    ids = list(connection.execute(oldest_finished_query(cutoff, batch_size)).scalars())
    if not ids:
        return 0
    return connection.execute(delete_by_ids(ids)).rowcount


class Pruner:
    """Runs passes for one store: `writer` begins a write transaction (the store's
    queue on SQLite)."""

    def __init__(
        self,
        engine: Engine,
        writer: Callable[[], AbstractContextManager[Connection]],
        *,
        batch_size: int = BATCH_SIZE,
        pause: float = BATCH_PAUSE_SECONDS,
    ) -> None:
        self.engine = engine
        self.writer = writer
        self.batch_size = batch_size
        self.pause = pause

    def prune(self, cutoff: datetime, *, dry_run: bool = False) -> PruneResult:
        if dry_run:
            with self.engine.connect() as connection:
                return PruneResult(cutoff, count_prunable(connection, cutoff), dry_run=True)
        if self.engine.dialect.name != "postgresql":
            return PruneResult(cutoff, self._batches(cutoff))
        with self.engine.connect() as lock_holder:
            taken = lock_holder.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
            ).scalar_one()
            lock_holder.commit()  # the lock is the session's: it outlives this transaction
            if not taken:
                return PruneResult(cutoff, 0, ran=False)
            try:
                return PruneResult(cutoff, self._batches(cutoff))
            finally:
                lock_holder.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY}
                )
                lock_holder.commit()

    def _batches(self, cutoff: datetime) -> int:
        removed = 0
        while True:
            with self.writer() as connection:
                gone = delete_batch(connection, cutoff, self.batch_size)
            removed += gone
            if gone < self.batch_size:
                return removed
            time.sleep(self.pause)


def cutoff_for(now: datetime, older_than_days: float) -> datetime:
    return now - timedelta(days=older_than_days)
