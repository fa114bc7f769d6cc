"""PostgreSQL connections are not pinged before each use (engine.POSTGRES_PRE_PING): a
read that finds its pooled connection dropped runs again on a fresh one."""

from __future__ import annotations

import pytest
from store_databases import admin_connection
from test_store_requests import make_request

from bot.store import DialState


def drop_every_connection(store) -> int:
    """What a PostgreSQL restart (or an idle-connection reaper) does to the pool."""
    name = store.engine.url.database
    with admin_connection() as admin:
        return len(
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            ).fetchall()
        )


@pytest.fixture
def postgres_store(store):
    if store.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to drop connections")
    return store


def test_a_read_on_a_dropped_connection_is_answered_from_a_fresh_one(postgres_store):
    request = make_request(postgres_store)
    assert postgres_store.get_request(request.id) is not None  # the pool holds a connection
    assert drop_every_connection(postgres_store) >= 1

    assert postgres_store.get_request(request.id).id == request.id
    # The pool's other connections were retired too: the claim that follows just works.
    assert postgres_store.transition(request.id, DialState.PENDING, DialState.DIALING)
