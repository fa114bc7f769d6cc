"""Several processes on one database: one claim wins, restarts keep requests, upgrades
from replicas starting together do not collide."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys

from store_workers import claim_from_threads, open_and_upgrade

from bot.store import DialState, Store, migrate

PROCESSES = 2
THREADS = 8
WAIT_SECONDS = 60


def collect(results, count: int) -> list:
    outcomes = [results.get(timeout=WAIT_SECONDS) for _ in range(count)]
    errors = [error for kind, value in outcomes if kind == "errors" for error in value]
    assert not errors, "\n".join(errors)
    return [value for _, value in outcomes]


def test_sixteen_simultaneous_confirms_in_two_processes_dial_once(store, database_url):
    request = store.create_request(
        requester_id="U0ALICE",
        agent_user_id="U0ALICE",
        agent_id="agent-1001",
        phone_number="+14155550123",
        contact_id="contact-7",
        channel_id="C0SALES",
        response_url=None,
        ttl_seconds=600,
    )
    spawn = multiprocessing.get_context("spawn")
    ready, results, go = spawn.Queue(), spawn.Queue(), spawn.Event()
    processes = [
        spawn.Process(
            target=claim_from_threads,
            args=(database_url, request.id, THREADS, ready, go, results),
        )
        for _ in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    try:
        signals = [ready.get(timeout=WAIT_SECONDS) for _ in processes]
        go.set()
        answers = collect(results, PROCESSES)
    finally:
        go.set()
        for process in processes:
            process.join(timeout=WAIT_SECONDS)

    assert signals == ["ready"] * PROCESSES
    flat = [answer for process_answers in answers for answer in process_answers]
    assert len(flat) == PROCESSES * THREADS
    assert flat.count(True) == 1
    claimed = store.get_request(request.id)
    assert claimed.state is DialState.DIALING
    assert claimed.confirmed_at is not None


CREATE_PENDING = """
import sys
from bot.store import Store
store = Store.open(sys.argv[1])
request = store.create_request(
    requester_id="U0ALICE", agent_user_id="U0ALICE", agent_id="agent-1001",
    phone_number="+14155550123", contact_id="contact-7", channel_id="C0SALES",
    response_url=None, ttl_seconds=600,
)
print(request.id)
"""

CONFIRM = """
import sys
from bot.store import DialState, Store
store = Store.open(sys.argv[1])
print(store.transition(sys.argv[2], DialState.PENDING, DialState.DIALING))
"""


def run_python(code: str, *args: str) -> str:
    finished = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=WAIT_SECONDS
    )
    assert finished.returncode == 0, finished.stderr
    return finished.stdout.strip()


def test_a_request_written_before_a_restart_is_confirmed_after_it(store, database_url):
    request_id = run_python(CREATE_PENDING, database_url)

    assert run_python(CONFIRM, database_url, request_id) == "True"
    assert run_python(CONFIRM, database_url, request_id) == "False"
    confirmed = store.get_request(request_id)
    assert confirmed.state is DialState.DIALING
    assert confirmed.requester_id == "U0ALICE"
    assert confirmed.phone_number == "+14155550123"


def test_replicas_starting_together_upgrade_the_schema_once(empty_database_url):
    spawn = multiprocessing.get_context("spawn")
    ready, results, go = spawn.Queue(), spawn.Queue(), spawn.Event()
    processes = [
        spawn.Process(target=open_and_upgrade, args=(empty_database_url, ready, go, results))
        for _ in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    try:
        for _ in processes:
            ready.get(timeout=WAIT_SECONDS)
        go.set()
        upgrades = collect(results, PROCESSES)
    finally:
        go.set()
        for process in processes:
            process.join(timeout=WAIT_SECONDS)

    # One replica did the upgrade; the other found it done.
    assert sorted(upgrades, key=str) == sorted([(None, migrate.head_revision()), None], key=str)
    Store.open(empty_database_url, upgrade=False).close()
