"""`python -m bench --history N`: dialbot with a year of dials in its store.

For SQLite and for PostgreSQL (when a server answers), in one run: an empty store and
one filled with N finished requests (500 people, timestamps over the last 365 days,
as a contact center writes them). On each, beside each other:

- `python app.py` over HTTP: /dial and Dial press ack p50 / p99 at 1, 10 and 50
  clients, and sustained /dial acks/s;
- in process: the rate-limit read, `dialbot history --user U --limit 20` (the query and
  its table), the App Home's reads and render, and the CLI itself as a process;
- the EXPLAIN plans of the hot queries on the filled store.

With `--app PATH` (a before-tree's app.py) that app is measured beside this one on an
empty store of each engine, in the same run: the before → after of a change.
The load average is recorded beside every figure: the machine may be shared.
"""

from __future__ import annotations

import contextlib
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ClauseElement, Executable

import bot.store.store as store
from bench.apps import default_postgres_server, postgres_database
from bench.home import ADMIN
from bench.load import percentile
from bench.stand_ins import ProcessStandIns
from bench.targets import OurApp
from bot.store import Store
from bot.store.retention import delete_by_ids, oldest_finished_query
from bot.store.schema import dial_requests

PEOPLE = 500  # 500 agents placing 50 calls a day: 9 million rows a year
SUPERVISORS = 10  # who also dial as others, one call in twenty
STATES = ("placed",) * 16 + ("rejected", "unknown", "cancelled", "expired")
YEAR = timedelta(days=365)


@dataclass(frozen=True)
class HistorySizes:
    repeats: int
    concurrency: tuple[int, ...]
    per_client: dict[int, int]
    sustained_clients: int
    sustained_seconds: float
    reads: int  # in-process repetitions of each read
    cli_runs: int  # `dialbot history` processes started


FULL = HistorySizes(3, (1, 10, 50), {1: 40, 10: 10, 50: 4}, 16, 5.0, 300, 5)
QUICK = HistorySizes(1, (1, 10, 50), {1: 3, 10: 1, 50: 1}, 2, 0.5, 10, 1)


def load() -> float:
    return round(os.getloadavg()[0], 2)


def people(bench_user_ids: list[str]) -> list[str]:
    """The bench's own users first (they dial in the ack phases), then the rest."""
    return bench_user_ids + [f"U0HIST{i:04d}" for i in range(PEOPLE - len(bench_user_ids))]


def history_rows(count: int, users: list[str], now: datetime, seed: int = 16) -> Iterator[tuple]:
    """`count` finished requests, oldest first, as tuples in dial_requests' column order."""
    rng = random.Random(seed)
    supervisors = users[-SUPERVISORS:]
    step = YEAR / max(count, 1)
    start = now - YEAR
    for n in range(count):
        agent = users[rng.randrange(len(users))]
        requester = supervisors[n % SUPERVISORS] if n % 20 == 0 else agent
        created = start + step * n + timedelta(seconds=rng.random())
        state = STATES[rng.randrange(len(STATES))]
        unconfirmed = state in ("cancelled", "expired")
        confirmed = None if unconfirmed else created + timedelta(seconds=5)
        yield (
            secrets.token_urlsafe(16),
            requester,
            agent,
            f"agent-{agent[-4:]}",
            f"+1415555{rng.randrange(10_000):04d}",
            "contact-1",
            "C0SALES",
            None,
            state,
            created,
            created + timedelta(minutes=10),
            confirmed,
            created + timedelta(seconds=40),
            f"{created.timestamp():.6f}" if confirmed else None,
            secrets.token_hex(8) if state == "placed" else None,
            None,
            None if state in ("placed", "cancelled", "expired") else "CXone said no.",
            None,
        )


# The columns history_rows() fills, in its order; later columns (the agent's state, a
# followed call's progress) stay NULL, as on a journey-mode tenant's finished dials.
COLUMNS = [
    "id",
    "requester_id",
    "agent_user_id",
    "agent_id",
    "phone_number",
    "contact_id",
    "channel_id",
    "response_url",
    "state",
    "created_at",
    "expires_at",
    "confirmed_at",
    "finished_at",
    "parent_ts",
    "call_id",
    "correlation_id",
    "error",
    "view_id",
]
assert set(COLUMNS) <= {column.name for column in dial_requests.columns}


def fill(url: str, count: int, users: list[str]) -> float:
    """Insert `count` rows in bulk (executemany on SQLite, COPY on PostgreSQL) and
    ANALYZE; seconds taken."""
    started = time.perf_counter()
    rows = history_rows(count, users, datetime.now(UTC))
    if url.startswith("sqlite"):
        _fill_sqlite(url.removeprefix("sqlite:///"), rows)
    else:
        _fill_postgres(url.replace("postgresql+psycopg://", "postgresql://"), rows)
    return round(time.perf_counter() - started, 1)


def _sqlite_time(moment: datetime | None) -> str | None:
    # SQLAlchemy's SQLite DateTime format, naive UTC (bot.store.schema.UTCDateTime).
    return None if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def _fill_sqlite(path: str, rows: Iterator[tuple]) -> None:
    import sqlite3

    times = {COLUMNS.index(c) for c in ("created_at", "expires_at", "confirmed_at", "finished_at")}
    marks = ", ".join("?" * len(COLUMNS))
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        # Indexes are dropped and built again after the load (a sort each, instead of
        # a million random inserts into seven b-trees), exactly as the schema made them.
        indexes = [
            sql
            for (sql,) in connection.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'index' "
                "AND tbl_name = 'dial_requests' AND sql IS NOT NULL"
            )
        ]
        connection.execute("PRAGMA cache_size = -200000")
        connection.execute("BEGIN")
        for sql in indexes:
            connection.execute("DROP INDEX " + sql.split(" ON ")[0].split()[-1])
        insert = f"INSERT INTO dial_requests ({', '.join(COLUMNS)}) VALUES ({marks})"
        connection.executemany(
            insert,
            (tuple(_sqlite_time(v) if i in times else v for i, v in enumerate(r)) for r in rows),
        )
        for sql in indexes:
            connection.execute(sql)
        connection.execute("COMMIT")
        connection.execute("ANALYZE")
    finally:
        connection.close()


def _fill_postgres(url: str, rows: Iterator[tuple]) -> None:
    import psycopg

    copy_in = f"COPY dial_requests ({', '.join(COLUMNS)}) FROM STDIN"
    with psycopg.connect(url, autocommit=True) as connection:
        # As on SQLite: the secondary indexes are built again after the load.
        indexes = connection.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'dial_requests' "
            "AND indexname <> 'dial_requests_pkey'"
        ).fetchall()
        for name, _ in indexes:
            connection.execute(f'DROP INDEX "{name}"')
        with connection.cursor() as cursor, cursor.copy(copy_in) as copy:
            for row in rows:
                copy.write_row(row)
        connection.execute("SET maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            connection.execute(definition)
        connection.execute("VACUUM ANALYZE dial_requests")


# --- in-process reads -----------------------------------------------------------------


def timed(function: Callable[[], object], runs: int) -> dict[str, Any]:
    function()  # warm: the first connection, statement caches
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return {
        "p50_ms": round(percentile(times, 0.50) * 1000, 2),
        "p99_ms": round(percentile(times, 0.99) * 1000, 2),
        "load": load(),
    }


def reads(url: str, user: str, admin: str, sizes: HistorySizes) -> dict[str, Any]:
    from bench.home import home_for
    from bot.store.cli_history import as_table

    opened = Store.open(url)
    try:
        opened.link(user, f"agent-{user[-4:]}", admin)  # a linked person's home
        home = home_for(opened)
        since = datetime.now(UTC) - timedelta(minutes=1)
        return {
            "rate_limit": timed(lambda: opened.confirmations_since(user, since), sizes.reads),
            "history_user": timed(
                lambda: as_table(opened.history(user=user, limit=20), str, whole_errors=False),
                sizes.reads,
            ),
            "home_linked": timed(lambda: home.message(user), sizes.reads),
            "home_admin": timed(lambda: home.message(admin), sizes.reads),
        }
    finally:
        opened.close()


def cli_history(url: str, user: str, runs: int) -> dict[str, Any]:
    """`dialbot history --user U --limit 20` as a process: start-up included."""
    env = {**os.environ, "DATABASE_URL": url}
    dialbot = str(Path(sys.executable).with_name("dialbot"))
    times = []
    with tempfile.TemporaryDirectory() as empty:  # no stray .env
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run(
                [dialbot, "history", "--user", user, "--limit", "20"],
                cwd=empty,
                env=env,
                check=True,
                capture_output=True,
            )
            times.append(time.perf_counter() - started)
    return {"p50_ms": round(statistics.median(times) * 1000, 1), "load": load()}


# --- EXPLAIN --------------------------------------------------------------------------


class Explain(Executable, ClauseElement):
    inherit_cache = False

    def __init__(self, statement, analyze: bool) -> None:
        self.statement = statement
        self.analyze = analyze


@compiles(Explain, "sqlite")
def _explain_sqlite(element, compiler, **kw):
    return "EXPLAIN QUERY PLAN " + compiler.process(element.statement, **kw)


@compiles(Explain, "postgresql")
def _explain_postgres(element, compiler, **kw):
    options = "(ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " if element.analyze else ""
    return "EXPLAIN " + options + compiler.process(element.statement, **kw)


def hot_queries(user: str) -> dict[str, tuple[Any, dict[str, Any], bool]]:
    """name: (statement, parameters, EXPLAIN ANALYZE on PostgreSQL)."""
    now = datetime.now(UTC)
    return {
        "get_request (every press)": (*store.request_query("x" * 22), True),
        "rate-limit read": (*store.confirmations_query(user, now - timedelta(minutes=1)), True),
        "history --user U --limit 20, the App Home's own dials": (
            *store.history_query(user, 20),
            True,
        ),
        "the App Home's team dials (admins), history --limit 10": (
            *store.history_query(None, 10),
            True,
        ),
        "crash recovery (dialing since)": (*store.stuck_query(now - timedelta(minutes=5)), True),
        "retention batch: pick 500": (
            oldest_finished_query(now - timedelta(days=90), 500),
            {},
            True,
        ),
        "retention batch: delete them": (delete_by_ids(["x" * 22, "y" * 22]), {}, False),
    }


def plans(url: str, user: str) -> dict[str, str]:
    """Each hot query's plan; PostgreSQL's with ANALYZE (the DELETE without)."""
    opened = Store.open(url)
    out = {}
    try:
        with opened.engine.connect() as connection:
            sqlite = opened.engine.dialect.name == "sqlite"
            for name, (statement, parameters, analyze) in hot_queries(user).items():
                rows = connection.execute(Explain(statement, analyze), parameters).all()
                if sqlite:
                    out[name] = "\n".join(f"{'  ' * _depth(rows, r)}{r[-1]}" for r in rows)
                else:
                    out[name] = "\n".join(r[0] for r in rows)
            connection.rollback()
    finally:
        opened.close()
    return out


def _depth(rows, row) -> int:
    parents = {r[0]: r[1] for r in rows}
    depth, parent = 0, row[1]
    while parent in parents:
        depth, parent = depth + 1, parents[parent]
    return depth


def uses_indexes(plan: str) -> bool:
    """No full scan of dial_requests: SQLite's `SCAN dial_requests` without an index,
    PostgreSQL's `Seq Scan on dial_requests`."""
    for line in plan.splitlines():
        line = line.strip()
        if line.startswith("SCAN dial_requests") and "INDEX" not in line:
            return False
        if "Seq Scan on dial_requests" in line:
            return False
    return True


# --- the app over HTTP -----------------------------------------------------------------


def app_figures(bench, script: Path, label: str) -> dict[str, Any]:
    """Ack latencies and the sustained rate of `script` on bench's database."""
    bench.reset_records()
    ours = bench.start(OurApp, script)
    figures: dict[str, Any] = {"load_before": load()}
    try:
        warm_up(bench, ours)
        # Sustained first: after the presses, their calls are still being placed and
        # reported in the background for a while, and would share the process.
        bench.sustained(ours)
        figures["sustained"] = bench.results["sustained"]["dialbot"]
        bench.ack_latency(ours, 0.0, label, bench.sizes.repeats, bench.sizes.per_client)
        figures["ack"] = bench.results["ack"]["dialbot"][label]
        bench.settle(bench.dials_sent)
        figures["rss_kib"] = ours.app.peak_rss_kib()
    finally:
        ours.app.stop()
    figures["load_after"] = load()
    return figures


def warm_up(bench, target: OurApp) -> None:
    """Untimed: the first connections, statement caches and the first token."""
    from bench.apps import SIGNING_SECRET
    from bench.load import run_batches

    users = bench.user_ids[:10]
    presses = target.presses(users, 2)
    run_batches(target.app.events_url, SIGNING_SECRET, [[p.body for p in b] for b in presses])
    bench.dials_sent += len(users) * 2
    bench.settle(bench.dials_sent)


@contextlib.contextmanager
def database(engine: str, workdir: Path, name: str, server: str | None) -> Iterator[str]:
    if engine == "SQLite":
        yield f"sqlite:///{workdir / f'{name}.db'}"
    else:
        with postgres_database(server or default_postgres_server()) as url:
            yield url


def postgres_reachable(server: str | None) -> bool:
    try:
        import psycopg

        psycopg.connect(
            f"postgresql://{server or default_postgres_server()}/postgres", connect_timeout=2
        ).close()
    except Exception:
        return False
    return True


def run(
    rows: int, *, quick: bool, server: str | None, before_app: Path | None, app: Path, log
) -> dict[str, Any]:
    from bench.run import QUICK as RUN_QUICK
    from bench.run import Bench, bench_users

    sizes = QUICK if quick else FULL
    run_sizes = replace(
        RUN_QUICK,
        repeats=sizes.repeats,
        concurrency=sizes.concurrency,
        per_client=sizes.per_client,
        sustained_clients=sizes.sustained_clients,
        sustained_seconds=sizes.sustained_seconds,
    )
    engines = ["SQLite"] + (["PostgreSQL"] if postgres_reachable(server) else [])
    users_for_bench = bench_users(max(max(sizes.concurrency), sizes.sustained_clients))
    everyone = people([u for u, _ in users_for_bench])
    busy_user, admin = everyone[0], ADMIN
    results: dict[str, Any] = {"rows": rows, "engines": engines, "by_engine": {}}
    stand_ins = ProcessStandIns(users_for_bench)
    try:
        with tempfile.TemporaryDirectory(prefix="dialbot-history-") as tmp:
            workdir = Path(tmp)
            for engine in engines:
                per_engine: dict[str, Any] = {}
                results["by_engine"][engine] = per_engine
                stores = [("empty", 0), ("filled", rows)]
                apps = [("after", app)] + ([("before", before_app)] if before_app else [])
                for store_name, count in stores:
                    for app_name, script in apps if store_name == "empty" else apps[:1]:
                        key = f"{store_name}/{app_name}" if before_app and not count else store_name
                        log(f"{engine}, {store_name} store ({count:,} rows), {app_name} app:")
                        name = f"{engine}-{store_name}-{app_name}".lower()
                        with database(engine, workdir, name, server) as url:
                            per_engine[key] = measure_store(
                                url, count, everyone, busy_user, admin, sizes,
                                Bench(run_sizes, stand_ins, workdir / name, log, database_url=url),
                                script, engine, app_name == "after", log,
                            )  # fmt: skip
    finally:
        stand_ins.close()
    return results


def measure_store(
    url, count, everyone, busy_user, admin, sizes, bench, script, engine, ours, log
) -> dict[str, Any]:
    figures: dict[str, Any] = {"rows": count}
    if ours:
        Store.open(url).close()  # this tree's schema, so the fill matches it
        if count:
            figures["fill_seconds"] = fill(url, count, everyone)
            log(f"  filled {count:,} rows in {figures['fill_seconds']} s (load {load()})")
        figures["reads"] = reads(url, busy_user, admin, sizes)
        figures["cli_history"] = cli_history(url, busy_user, sizes.cli_runs)
        if count:
            figures["plans"] = plans(url, busy_user)
        shown = figures["reads"]["history_user"]
        log(f"  history --user: p50 {shown['p50_ms']} ms, p99 {shown['p99_ms']} ms")
    try:
        figures["app"] = app_figures(bench, script, "0 s")
    except (RuntimeError, TimeoutError) as error:  # recorded: the other phases still run
        figures["app_failed"] = str(error).splitlines()[0][:300]
        log(f"  the app phase failed: {figures['app_failed']}")
    return figures
