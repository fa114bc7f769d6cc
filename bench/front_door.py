"""`python -m bench.front_door`: the HTTP front door against strangers, server by server.

Each server runs the real app (`python app.py`, HTTP mode) against the stand-ins:
dialbot's own front door (bot/server.py), waitress tuned by its settings alone, and
cheroot (bench/front_door_servers.py), plus, with `--before PATH`, another checkout's
app.py. On each, in processes of their own so that one attack's peak memory does not
hide the next one's:

1. held connections: idle ones (no bytes) and slow ones (a request head dripping a
   byte a second), reopened whenever the server drops them; after a settle time,
   signed /dial and GET /healthz are timed on fresh connections, and again after;
2. a forged flood (bad signatures, stale timestamps, unsigned, garbage; open loop) at
   1x, 2x and 4x the sustained signed /dial rate, with signed /dials timed meanwhile;
   on dialbot the flood doubles on until signed acks leave 3 s or the generator tops out;
3. big unsigned bodies, N at once, by Content-Length and chunked: the answer, the time,
   and how far the app's peak RSS (VmHWM) rose.

The Markdown table goes into bench/RESULTS.md between its own markers.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench import report
from bench.apps import OUR_APP, SIGNING_SECRET, AppProcess, start_app
from bench.attackers import ForgedFlood, HeldConnections, raise_descriptor_limit, send_big_body
from bench.front_door_report import holds, saturated, table
from bench.load import Connection, percentile, run_for
from bench.run import bench_users
from bench.stand_ins import ProcessStandIns
from bot.sandbox.slack_requests import signed_headers, slash_command_body

SHIM = Path(__file__).resolve().parent / "front_door_servers.py"
BEGIN = "<!-- front-door:begin (written by python -m bench.front_door) -->"
END = "<!-- front-door:end -->"


@dataclass(frozen=True)
class Plan:
    idle: int
    slow: int
    settle: float  # seconds the held connections are up before the probes
    probes: int
    body_mb: int
    bodies: int
    before_bodies: int  # the unhardened app holds every body in memory: fewer at once
    flood_seconds: float
    flood_multiples: tuple[int, ...]
    sustained_seconds: float
    max_multiple: int
    probe_timeout: float  # a probe unanswered this long counts as failed
    flood_connections: int  # the most connections the flood opens; doubled for the last step


FULL = Plan(2000, 200, 7.0, 10, 200, 8, 4, 4.0, (1, 2, 4), 4.0, 64, 5.0, 2000)
QUICK = Plan(100, 10, 0.5, 2, 4, 2, 2, 0.5, (1,), 0.5, 1, 1.0, 50)


@dataclass(frozen=True)
class Server:
    name: str
    script: Path
    args: tuple[str, ...] = ()


def servers(before: Path | None) -> list[Server]:
    found = [
        Server("dialbot (bot/server.py)", OUR_APP),
        Server("waitress, settings only", SHIM, ("waitress-settings", str(OUR_APP))),
        Server("cheroot", SHIM, ("cheroot", str(OUR_APP))),
    ]
    if before is not None:  # last: the signed rate the floods are sized by is dialbot's
        found.append(Server(f"before ({before.parent.name})", before))
    return found


class FrontDoorBench:
    def __init__(self, plan: Plan, stand_ins: ProcessStandIns, workdir: Path, log) -> None:
        self.plan = plan
        self.stand_ins = stand_ins
        self.workdir = workdir
        self.log = log
        self.users = bench_users(16)
        self._runs = 0

    @contextlib.contextmanager
    def app(self, server: Server) -> Iterator[AppProcess]:
        self._runs += 1
        workdir = self.workdir / f"run-{self._runs}"
        app = start_app("dialbot", server.script, self.stand_ins, workdir, self.users,
                        script_args=server.args)  # fmt: skip
        try:
            yield app
        finally:
            app.stop()

    def dial_body(self, n: int = 0) -> str:
        user = self.users[n % len(self.users)][0]
        return slash_command_body(
            user_id=user, text="+1 415 555 0123", response_url=self.stand_ins.response_url()
        )

    def probe(self, app: AppProcess, count: int) -> dict[str, Any]:
        """Signed /dial and GET /healthz, each on a fresh connection, one after another."""
        dials, healths, failed = [], [], 0
        for n in range(count):
            for url, times, body in (
                (app.events_url, dials, self.dial_body(n)),
                (app.url + "/healthz", healths, None),
            ):
                status, seconds = timed_fresh(url, body, self.plan.probe_timeout)
                times.append(seconds)
                failed += status != 200
            if failed >= 4:  # the server is not answering: do not wait out every probe
                break
        return {"dial": spread(dials), "healthz": spread(healths), "failed": failed}

    def held_connections(self, app: AppProcess) -> dict[str, Any]:
        plan = self.plan
        host, port = "127.0.0.1", int(app.url.rsplit(":", 1)[1])
        with HeldConnections(host, port, idle=plan.idle, slow=plan.slow) as held:
            held.wait_until_held()
            time.sleep(plan.settle)
            during = self.probe(app, plan.probes)
            stats = held.stats.as_dict()
        time.sleep(0.5)
        after = self.probe(app, 1)
        return {"during": during, "after": after, "held": stats}

    def sustained_rate(self, app: AppProcess) -> float:
        samples, elapsed = run_for(
            app.events_url, SIGNING_SECRET, 16, self.plan.sustained_seconds,
            lambda client, n: self.dial_body(client),
        )  # fmt: skip
        return sum(1 for s in samples if s.status == 200) / elapsed

    def flood_step(self, app: AppProcess, rate: float, crowd: int = 1) -> dict[str, Any]:
        port = int(app.url.rsplit(":", 1)[1])
        signed: list[float] = []
        failed = 0
        connections = crowd * self.plan.flood_connections
        flood = ForgedFlood("127.0.0.1", port, rate, SIGNING_SECRET, max_connections=connections)
        with flood:
            connection = Connection(app.events_url, SIGNING_SECRET, timeout=10)
            deadline = time.perf_counter() + self.plan.flood_seconds
            while time.perf_counter() < deadline:
                sample = connection.post(self.dial_body())
                if sample.status == 200:
                    signed.append(sample.latency)
                else:
                    failed += 1
                time.sleep(0.05)
            connection.close()
        return {
            "target_per_s": round(rate),
            "connections": connections,
            "forged_answered_per_s": round(flood.answered_rate()),
            "forged_answers": {str(k): v for k, v in sorted(flood.answers.items())},
            "forged_dropped": flood.backlogged,
            "signed": spread(signed),
            "signed_failed": failed,
        }

    def floods(self, app: AppProcess, rate: float | None, search: bool) -> dict[str, Any]:
        rate = rate or self.sustained_rate(app)
        steps = [self.flood_step(app, m * rate) for m in self.plan.flood_multiples]
        multiple = self.plan.flood_multiples[-1]
        while search and multiple < self.plan.max_multiple and holds(steps[-1]):
            multiple *= 2
            steps.append(self.flood_step(app, multiple * rate))
            if saturated(steps[-2], steps[-1]):
                break  # more would only queue up behind what it cannot answer
        crowded = None
        if search:  # past what it answers, the wait is the forged requests in flight
            best = max(steps, key=lambda step: step["forged_answered_per_s"])
            crowded = self.flood_step(app, best["target_per_s"], crowd=2)
        return {"signed_rate_per_s": round(rate, 1), "steps": steps, "crowded": crowded}

    def bodies(self, server: Server, count: int, chunked: bool) -> dict[str, Any]:
        size = self.plan.body_mb << 20
        with self.app(server) as app:
            host, port = "127.0.0.1", int(app.url.rsplit(":", 1)[1])
            before = app.peak_rss_kib() or 0
            results: list[Any] = [None] * count

            def attempt(i: int) -> None:
                results[i] = send_big_body(host, port, size, chunked=chunked, timeout=120)

            threads = [threading.Thread(target=attempt, args=(i,)) for i in range(count)]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            seconds = time.perf_counter() - started
            growth = (app.peak_rss_kib() or 0) - before
            served = self.probe(app, 1)
        return {
            "count": count,
            "mb": self.plan.body_mb,
            "chunked": chunked,
            "statuses": sorted(str(r.status) for r in results),
            "seconds": round(seconds, 2),
            "rss_growth_mb": round(growth * 1024 / 1e6, 1),
            "served_after": served["failed"] == 0,
        }

    def run(self, chosen: list[Server]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        rate = None
        for server in chosen:
            entry: dict[str, Any] = {}
            with self.app(server) as app:  # the held connections are all gone before the flood
                self.log(f"{server.name}: held connections")
                entry["held"] = self.held_connections(app)
                self.log(f"{server.name}: forged flood")
                entry["flood"] = self.floods(app, rate, search=server.script == OUR_APP)
            rate = rate or entry["flood"]["signed_rate_per_s"]
            count = self.plan.before_bodies if server.name.startswith("before") else None
            for chunked in (False, True):
                self.log(f"{server.name}: big bodies{' (chunked)' if chunked else ''}")
                key = "bodies_chunked" if chunked else "bodies"
                entry[key] = self.bodies(server, count or self.plan.bodies, chunked)
            out[server.name] = entry
        return out


def timed_fresh(url: str, body: str | None, timeout: float) -> tuple[int, float]:
    """Status and seconds of a GET (no body) or a signed POST on a new connection,
    connecting included; status 0 when it failed or timed out."""
    parts = urlsplit(url)
    started = time.perf_counter()
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        if body is None:
            connection.request("GET", parts.path)
        else:
            headers = signed_headers(SIGNING_SECRET, body)
            connection.request("POST", parts.path, body.encode(), headers)
        answer = connection.getresponse()
        answer.read()
        status = answer.status
    except (OSError, http.client.HTTPException):
        status = 0
    finally:
        connection.close()
    return status, time.perf_counter() - started


def spread(seconds: list[float]) -> dict[str, Any]:
    if not seconds:
        return {"n": 0}
    return {
        "n": len(seconds),
        "p50_ms": round(percentile(seconds, 0.5) * 1000, 1),
        "p99_ms": round(percentile(seconds, 0.99) * 1000, 1),
        "max_ms": round(max(seconds) * 1000, 1),
    }


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.front_door", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="every row at a tiny size")
    parser.add_argument("--before", type=Path, help="also measure this checkout's app.py")
    parser.add_argument("--only", choices=("dialbot",), help="measure dialbot's server alone")
    parser.add_argument("--json", type=Path, help="also write every figure as JSON here")
    parser.add_argument(
        "--results", type=Path, help="write the table here (default: bench/RESULTS.md)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    plan = QUICK if args.quick else FULL
    raise_descriptor_limit(2 * (plan.idle + plan.slow) + 8192)
    chosen = servers(args.before)
    if args.only:
        chosen = [server for server in chosen if server.script == OUR_APP]
    started = time.perf_counter()
    log = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    stand_ins = ProcessStandIns(bench_users(16))
    try:
        with tempfile.TemporaryDirectory(prefix="dialbot-front-door-") as workdir:
            figures = FrontDoorBench(plan, stand_ins, Path(workdir), log).run(chosen)
    finally:
        stand_ins.close()
    results = {
        "servers": figures,
        "plan": asdict(plan),
        "machine": report.machine(),
        "load_average": os.getloadavg(),
        "command": " ".join([".venv/bin/python -m bench.front_door", *argv]).strip(),
        "wall_seconds": round(time.perf_counter() - started, 1),
    }
    text = table(results)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    target = args.results or (None if args.quick else report.RESULTS_PATH)
    if target is not None:
        report.replace_section(target, BEGIN, END, f"{BEGIN}\n\n{text}\n{END}")
        log(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
