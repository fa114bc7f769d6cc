"""Retention: old finished requests go in small batches, recent and unfinished ones stay,
replicas pruning at once delete each row once and never hold up a dial."""

from __future__ import annotations

import secrets
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from bot.store import TERMINAL_STATES, DialState, Store
from bot.store.retention import ADVISORY_LOCK_KEY, Pruner
from bot.store.schema import dial_requests

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=100)
RECENT = NOW - timedelta(days=10)


def row(state: DialState, created: datetime, requester: str = "U0ALICE") -> dict:
    finished = created + timedelta(minutes=1) if state in TERMINAL_STATES else None
    return {
        "id": secrets.token_urlsafe(16),
        "requester_id": requester,
        "agent_user_id": requester,
        "agent_id": "agent-1001",
        "phone_number": "+14155550123",
        "contact_id": "contact-7",
        "channel_id": "C0SALES",
        "response_url": None,
        "state": state.value,
        "created_at": created,
        "expires_at": created + timedelta(minutes=10),
        "confirmed_at": created if state is not DialState.PENDING else None,
        "finished_at": finished,
    }


def insert(store: Store, rows: list[dict]) -> list[str]:
    with store.engine.begin() as connection:
        connection.execute(dial_requests.insert(), rows)
    return [r["id"] for r in rows]


def remaining(store: Store) -> set[str]:
    with store.engine.connect() as connection:
        return set(connection.execute(select(dial_requests.c.id)).scalars())


def at_now(store: Store) -> Store:
    return Store(store.engine, clock=lambda: NOW)


def test_old_finished_requests_go_and_recent_or_unfinished_ones_stay(store):
    old_finished = insert(store, [row(state, OLD) for state in TERMINAL_STATES])
    old_unfinished = insert(store, [row(DialState.PENDING, OLD), row(DialState.DIALING, OLD)])
    recent = insert(store, [row(state, RECENT) for state in DialState])

    result = at_now(store).prune_finished(30)

    assert result.ran and not result.dry_run
    assert result.removed == len(old_finished) == 5
    assert result.cutoff == NOW - timedelta(days=30)
    assert remaining(store) == set(old_unfinished) | set(recent)
    assert at_now(store).prune_finished(30).removed == 0  # a second pass finds nothing


def test_a_request_exactly_at_the_cutoff_stays(store):
    (kept,) = insert(store, [row(DialState.PLACED, NOW - timedelta(days=30))])
    assert at_now(store).prune_finished(30).removed == 0
    assert remaining(store) == {kept}


def test_dry_run_counts_and_changes_nothing(store):
    ids = insert(store, [row(DialState.PLACED, OLD) for _ in range(7)])
    ids += insert(store, [row(DialState.PENDING, OLD), row(DialState.PLACED, RECENT)])

    result = at_now(store).prune_finished(30, dry_run=True)

    assert result.dry_run and result.removed == 7
    assert remaining(store) == set(ids)


def test_a_pass_deletes_in_batches_until_none_are_left(store):
    insert(store, [row(DialState.EXPIRED, OLD - timedelta(seconds=i)) for i in range(23)])
    (kept,) = insert(store, [row(DialState.DIALING, OLD)])
    pruner = Pruner(store.engine, store._writer.begin, batch_size=5, pause=0)

    assert pruner.prune(NOW - timedelta(days=30)).removed == 23
    assert remaining(store) == {kept}


def test_two_replicas_pruning_at_once_delete_each_row_once(store, database_url):
    old = insert(store, [row(DialState.PLACED, OLD - timedelta(seconds=i)) for i in range(3000)])
    kept = insert(store, [row(DialState.PLACED, RECENT)])
    replicas = [Store.open(database_url, clock=lambda: NOW) for _ in range(2)]
    for replica in replicas:
        replica._pruner.batch_size = 100
    results, start = [], threading.Barrier(2)

    def prune(replica: Store) -> None:
        start.wait()
        results.append(replica.prune_finished(30))

    threads = [threading.Thread(target=prune, args=(r,)) for r in replicas]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        for replica in replicas:
            replica.close()

    assert sum(r.removed for r in results) == len(old)
    assert remaining(store) == set(kept)


def test_a_dial_is_never_held_up_by_a_pass_in_progress(store, database_url):
    insert(store, [row(DialState.PLACED, OLD - timedelta(seconds=i)) for i in range(400)])
    pruning = Store.open(database_url, clock=lambda: NOW)
    pruning._pruner.batch_size, pruning._pruner.pause = 10, 0.02  # about a second in all
    dialer = Store.open(database_url)
    pass_thread = threading.Thread(target=pruning.prune_finished, args=(30,))
    try:
        pass_thread.start()
        request = dialer.create_request(
            requester_id="U0BOB",
            agent_user_id="U0BOB",
            agent_id="agent-2",
            phone_number="+14155550199",
            contact_id="contact-7",
            channel_id="C0SALES",
            response_url=None,
            ttl_seconds=600,
        )
        claimed = dialer.transition(request.id, DialState.PENDING, DialState.DIALING)
        # The dial was recorded and claimed while the pass was still deleting.
        assert claimed and pass_thread.is_alive()
    finally:
        pass_thread.join(60)
        pruning.close()
        dialer.close()
    with store.engine.connect() as connection:
        left = connection.execute(select(func.count()).select_from(dial_requests)).scalar_one()
    assert left == 1  # the 400 old ones went, the new dial stayed


def test_a_replica_finding_the_lock_taken_skips_its_pass(store):
    if store.engine.dialect.name != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's; SQLite is one process's database")
    ids = insert(store, [row(DialState.PLACED, OLD) for _ in range(3)])
    with store.engine.connect() as other_replica:
        other_replica.execute(text("SELECT pg_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
        result = at_now(store).prune_finished(30)
        other_replica.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})
    assert not result.ran and result.removed == 0
    assert remaining(store) == set(ids)
    assert at_now(store).prune_finished(30).removed == 3  # the lock is free again
