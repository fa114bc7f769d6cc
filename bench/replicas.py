"""`python -m bench.replicas`: do two app processes on one port beat one at 50 clients?

Three set-ups, one after the other, against the same stand-ins and load generator as
`python -m bench`: one `python app.py` on SQLite, one on PostgreSQL, and two on
PostgreSQL sharing one port through SO_REUSEPORT (`bench/reuse_port_app.py`), the
kernel spreading the 50 kept-alive connections across them. For each: /dial and Dial
press ack p50/p99 at 50 clients with CXone answering at once and after 3 s, sustained
/dial acks/s at 16 and 50 clients with the CPU the app processes used and the idle
CPU left on the machine, and how the connections were spread across the processes.
The Markdown table is written into bench/RESULTS.md between its own markers.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import report
from bench.apps import (
    OUR_APP,
    SIGNING_SECRET,
    AppProcess,
    default_postgres_server,
    free_port,
    postgres_database,
    start_app,
)
from bench.load import percentile, run_for
from bench.run import FULL, Bench, Cell, Sizes, bench_users
from bench.stand_ins import ProcessStandIns
from bench.targets import OurApp

REUSE_PORT_APP = Path(__file__).resolve().parent / "reuse_port_app.py"
BEGIN = "<!-- replicas:begin (written by python -m bench.replicas) -->"
END = "<!-- replicas:end -->"
READY_LINE = "listening on "  # app.py logs it once its own server is up ("listening on HOST:PORT")
CLIENTS = 50


@dataclass(frozen=True)
class Plan:
    ack_repeats: int
    per_client: int
    latencies: tuple[float, ...]
    sustained_clients: tuple[int, ...]
    sustained_seconds: float
    sustained_repeats: int


FULL_PLAN = Plan(5, 4, (0.0, 3.0), (16, 50), 5.0, 3)
QUICK_PLAN = Plan(1, 1, (0.0,), (50,), 0.5, 1)


@dataclass(frozen=True)
class Setup:
    label: str
    processes: int
    postgres: bool


SETUPS = (
    Setup("1 process, SQLite", 1, False),
    Setup("1 process, PostgreSQL", 1, True),
    Setup("2 replicas on one port, PostgreSQL", 2, True),
)


class Replicas:
    """Processes serving one port, seen by the load generator as one app."""

    def __init__(self, apps: list[AppProcess]) -> None:
        self.apps = apps
        self.url = apps[0].url
        self.events_url = apps[0].events_url
        self.port = int(self.url.rsplit(":", 1)[1])

    @property
    def pids(self) -> list[int]:
        return [app.pid for app in self.apps]

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(app.log_tail(lines) for app in self.apps)

    def stop(self) -> None:
        for app in self.apps:
            app.stop()


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a live process."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def idle_seconds() -> float:
    """Idle + iowait CPU seconds of the whole machine since boot."""
    with open("/proc/stat", encoding="ascii") as stat:
        fields = stat.readline().split()[1:]
    return (int(fields[3]) + int(fields[4])) / os.sysconf("SC_CLK_TCK")


def connections_by_process(port: int, pids: list[int]) -> dict[int, int] | None:
    """Established connections to `port` each process holds (`ss`), or None without ss."""
    try:
        listing = subprocess.run(
            ["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    return {pid: listing.count(f"pid={pid},") for pid in pids}


def sample_connections(
    replicas: Replicas, clients: int, done: threading.Event, spread: dict[int, int]
) -> None:
    """Fill `spread` with the fullest view of who holds the clients' connections: a
    connection shows under a process only once that process has accepted it."""
    while not done.wait(0.1):
        seen = connections_by_process(replicas.port, replicas.pids)
        if seen is None:
            return
        if sum(seen.values()) > sum(spread.values()):
            spread.clear()
            spread.update(seen)
        if sum(spread.values()) >= clients:
            return


@contextlib.contextmanager
def started(setup: Setup, stand_ins, workdir: Path, users, database_url, app: Path) -> Iterator:
    port = free_port()
    apps: list[AppProcess] = []
    try:
        for n in range(setup.processes):
            if setup.processes == 1:
                script, args, ready = app, (), None
            else:
                script, args, ready = REUSE_PORT_APP, (str(app),), READY_LINE
            apps.append(
                start_app(
                    f"replica-{n + 1}",
                    script,
                    stand_ins,
                    workdir / f"replica-{n + 1}",
                    users,
                    database_url=database_url if setup.postgres else None,
                    port=port,
                    script_args=args,
                    ready_line=ready,
                )
            )
        yield Replicas(apps)
    finally:
        stand_ins.set_latency(0.0)  # calls queued behind a slow CXone finish at once
        for started_app in apps:
            started_app.stop()


def measure(setup: Setup, plan: Plan, bench: Bench, replicas: Replicas) -> dict[str, Any]:
    target = OurApp(replicas, bench.stand_ins)
    figures: dict[str, Any] = {"setup": setup.label, "ack": {}, "sustained": {}}
    users = bench.user_ids
    bench.stand_ins.set_latency(0.0)
    bench.reset_records()
    # Warm up (connections to the database, Python's caches) as `python -m bench`'s
    # 1,000 calls do before its first timed row; untimed.
    run_for(
        replicas.events_url,
        SIGNING_SECRET,
        16,
        plan.sustained_seconds / 2,
        lambda client, _n: target.dial_body(users[client]),
    )
    for clients in plan.sustained_clients:
        runs = []
        for _ in range(plan.sustained_repeats):
            done = threading.Event()
            spread: dict[int, int] = {}
            sampler = threading.Thread(
                target=sample_connections, args=(replicas, clients, done, spread), daemon=True
            )
            cpu_before = sum(cpu_seconds(pid) for pid in replicas.pids)
            idle_before = idle_seconds()
            sampler.start()
            samples, elapsed = run_for(
                replicas.events_url,
                SIGNING_SECRET,
                clients,
                plan.sustained_seconds,
                lambda client, _n: target.dial_body(users[client % len(users)]),
            )
            done.set()
            sampler.join()
            good = [s.latency for s in samples if s.status == 200]
            runs.append(
                {
                    "acks_per_s": len(good) / elapsed,
                    "p50_ms": percentile(good, 0.5) * 1000,
                    "p99_ms": percentile(good, 0.99) * 1000,
                    "errors": len(samples) - len(good),
                    "app_cores": (sum(cpu_seconds(p) for p in replicas.pids) - cpu_before)
                    / elapsed,
                    "idle_cores": (idle_seconds() - idle_before) / elapsed,
                    "connections": list(spread.values()),
                }
            )
        middle = sorted(runs, key=lambda r: r["acks_per_s"])[len(runs) // 2]
        figures["sustained"][str(clients)] = {
            **{k: round(v, 2) if isinstance(v, float) else v for k, v in middle.items()},
            "acks_per_s_runs": [round(r["acks_per_s"]) for r in runs],
        }
        bench.log(
            f"  {setup.label}: sustained, {clients} clients: "
            f"{statistics.median(r['acks_per_s'] for r in runs):.0f} acks/s, "
            f"connections {middle['connections']}"
        )
    for latency in plan.latencies:
        bench.reset_records()  # the last phase's calls have all reached CXone
        bench.stand_ins.set_latency(latency)
        for kind in ("dial", "press"):
            cell = Cell()
            for _ in range(plan.ack_repeats):
                cell.add(bench.one_ack_run(target, kind, CLIENTS, plan.per_client))
            figures["ack"][f"{kind}/{latency:g} s"] = cell.as_dict()
            shown = cell.as_dict()
            bench.log(
                f"  {setup.label}: {kind:5} CXone {latency:g} s: "
                f"p50 {shown['p50_ms']} ms, p99 {shown['p99_ms']} ms"
            )
    bench.stand_ins.set_latency(0.0)
    bench.reset_records()  # every call placed before the processes stop
    return figures


def table(results: list[dict[str, Any]], plan: Plan) -> str:
    lines = [
        "| Figure (50 clients unless said) | Goal | "
        + " | ".join(r["setup"] for r in results)
        + " |",
        "| --- | --- |" + " --- |" * len(results),
    ]
    for latency in plan.latencies:
        for kind, what in (("dial", "/dial ack"), ("press", "Dial press ack")):
            key = f"{kind}/{latency:g} s"
            cells = [
                f"{c['p50_ms']:.0f} / {c['p99_ms']:.0f} ms" if c["p50_ms"] is not None else "—"
                for c in (r["ack"][key] for r in results)
            ]
            lines.append(
                f"| {what} p50 / p99, CXone answers after {latency:g} s "
                f"| p99 < {report.ACK_GOAL_MS:.0f} ms | " + " | ".join(cells) + " |"
            )
    for clients in plan.sustained_clients:
        sustained = [r["sustained"][str(clients)] for r in results]
        lines.append(
            f"| Sustained /dial acks/s, {clients} clients (p99) | — | "
            + " | ".join(f"{s['acks_per_s']:.0f}/s ({s['p99_ms']:.0f} ms)" for s in sustained)
            + " |"
        )
        lines.append(
            f"| CPU cores used by the app process(es) / left idle, {clients} clients | — | "
            + " | ".join(f"{s['app_cores']:.2f} / {s['idle_cores']:.2f}" for s in sustained)
            + " |"
        )
        lines.append(
            f"| Connections held by each process, {clients} clients | — | "
            + " | ".join(" + ".join(map(str, s["connections"])) or "?" for s in sustained)
            + " |"
        )
    return "\n".join(lines)


def section(results: list[dict[str, Any]], plan: Plan, command: str, wall: float) -> str:
    machine = report.machine()
    return "\n".join(
        [
            BEGIN,
            "",
            f"**Machine:** {machine['cores']} cores ({machine['cpu'] or 'unknown CPU'}); "
            f"{machine['date']}.  ",
            f"**Command:** `{command}` ({wall:.0f} s wall).  ",
            f"**Repetitions:** ack rows are the median of {plan.ack_repeats} runs of "
            f"{CLIENTS} clients × {plan.per_client} requests; sustained rows are the median "
            f"of {plan.sustained_repeats} runs of {plan.sustained_seconds:g} s.",
            "",
            table(results, plan),
            "",
            END,
        ]
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m bench.replicas", description=__doc__)
    parser.add_argument(
        "--postgres",
        metavar="USER@HOST:PORT",
        default=default_postgres_server(),
        help="the PostgreSQL server (default: DIALBOT_TEST_POSTGRES_URL's, or "
        "postgres@127.0.0.1:5432)",
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes (seconds; for tests)")
    parser.add_argument("--app", type=Path, default=OUR_APP, help="the app.py to run")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument(
        "--results",
        type=Path,
        help="Markdown file to write the table into (default bench/RESULTS.md for a full "
        "run; a --quick run writes none unless asked)",
    )
    args = parser.parse_args(argv)
    plan = QUICK_PLAN if args.quick else FULL_PLAN
    command = " ".join([".venv/bin/python -m bench.replicas", *argv]).strip()

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    started_at = time.perf_counter()
    users = bench_users(CLIENTS)
    stand_ins = ProcessStandIns(users)
    results = []
    try:
        with tempfile.TemporaryDirectory(prefix="dialbot-replicas-") as workdir:
            sizes: Sizes = FULL
            bench = Bench(sizes, stand_ins, Path(workdir), log)
            for n, setup in enumerate(SETUPS):
                with contextlib.ExitStack() as stack:
                    database_url = (
                        stack.enter_context(postgres_database(args.postgres))
                        if setup.postgres
                        else None
                    )
                    replicas = stack.enter_context(
                        started(
                            setup, stand_ins, Path(workdir) / str(n), users, database_url, args.app
                        )
                    )
                    results.append(measure(setup, plan, bench, replicas))
    finally:
        stand_ins.close()
    text = section(results, plan, command, time.perf_counter() - started_at)
    print(table(results, plan))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    target = args.results or (None if args.quick else report.RESULTS_PATH)
    if target is not None:
        report.replace_section(target, BEGIN, END, text)
        log(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
