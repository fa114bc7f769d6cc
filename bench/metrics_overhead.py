"""`python -m bench.metrics_overhead`: the ack with metrics on against metrics off.

Two `python app.py` processes (HTTP mode, SQLite), identical but for
METRICS_ENABLED, against the same stand-ins (a process of their own). Rounds
alternate which app goes first; in each round each app gets the same load: 10
clients sending /dial back to back, then 10 clients pressing Dial on pending
requests (made untimed beforehand), CXone answering at once. p50/p99 per app over
all rounds, and /proc/loadavg before and after: the machine is shared.
`--quick` runs one tiny round (for the smoke test).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.apps import OUR_APP, SIGNING_SECRET, start_app
from bench.load import Sample, percentile, run_batches
from bench.report import machine
from bench.run import bench_users
from bench.stand_ins import ProcessStandIns
from bench.targets import OurApp

CLIENTS = 10
FULL_ROUNDS, FULL_PER_CLIENT = 10, 20
QUICK_ROUNDS, QUICK_PER_CLIENT = 1, 2
SETTINGS = {"on": {"METRICS_ENABLED": "true"}, "off": {"METRICS_ENABLED": "false"}}


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def one_run(target: OurApp, kind: str, users: list[str], per_client: int) -> list[Sample]:
    if kind == "dial":
        batches = [[target.dial_body(user) for _ in range(per_client)] for user in users]
    else:
        batches = [[p.body for p in row] for row in target.presses(users, per_client)]
    runs = run_batches(target.app.events_url, SIGNING_SECRET, batches)
    return [sample for samples in runs for sample in samples]


def summary(samples: list[Sample]) -> dict[str, Any]:
    ok = [s.latency for s in samples if s.status == 200]
    return {
        "samples": len(samples),
        "errors": len(samples) - len(ok),
        "p50_ms": round(percentile(ok, 0.50) * 1000, 1),
        "p99_ms": round(percentile(ok, 0.99) * 1000, 1),
    }


def measure(rounds: int, per_client: int, log) -> dict[str, Any]:
    users = bench_users(CLIENTS)
    user_ids = [user for user, _ in users]
    stand_ins = ProcessStandIns(users)
    results: dict[str, Any] = {"loadavg_before": loadavg(), "machine": machine()}
    samples: dict[tuple[str, str], list[Sample]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="dialbot-bench-metrics-") as workdir:
            targets = {
                name: OurApp(
                    start_app(
                        f"dialbot-metrics-{name}",
                        OUR_APP,
                        stand_ins,
                        Path(workdir) / name,
                        users,
                        extra_env=env,
                    ),
                    stand_ins,
                )
                for name, env in SETTINGS.items()
            }
            stand_ins.set_latency(0.0)
            for target in targets.values():  # warm both up (token, pools, caches)
                one_run(target, "dial", user_ids, 2)
                one_run(target, "press", user_ids, 1)
            for number in range(rounds):
                order = list(targets) if number % 2 == 0 else list(reversed(targets))
                for kind in ("dial", "press"):
                    for name in order:
                        got = one_run(targets[name], kind, user_ids, per_client)
                        samples.setdefault((name, kind), []).extend(got)
                log(f"  round {number + 1}/{rounds} done (load {loadavg()})")
            for target in targets.values():
                target.app.stop()
    finally:
        stand_ins.close()
    results["loadavg_after"] = loadavg()
    results["cells"] = {f"{name} {kind}": summary(s) for (name, kind), s in samples.items()}
    return results


def table(results: dict[str, Any]) -> str:
    cells = results["cells"]
    lines = [
        "| ack, 10 clients | metrics on p50 / p99 | metrics off p50 / p99 | p99 on vs off |",
        "| --- | --- | --- | --- |",
    ]
    for kind, label in (("dial", "/dial"), ("press", "Dial press")):
        on, off = cells[f"on {kind}"], cells[f"off {kind}"]
        change = (on["p99_ms"] - off["p99_ms"]) / off["p99_ms"] * 100 if off["p99_ms"] else 0.0
        lines.append(
            f"| {label} ({on['samples']} each) | {on['p50_ms']} / {on['p99_ms']} ms | "
            f"{off['p50_ms']} / {off['p99_ms']} ms | {change:+.1f} % |"
        )
    m = results["machine"]
    lines.append("")
    lines.append(
        f"{m['date']}, {m['cores']} cores ({m['cpu']}), Python {m['python']}; load average "
        f"{results['loadavg_before']} before, {results['loadavg_after']} after."
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.metrics_overhead")
    parser.add_argument("--quick", action="store_true", help="one tiny round (smoke test)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    rounds, per_client = (
        (QUICK_ROUNDS, QUICK_PER_CLIENT)
        if args.quick
        else (
            FULL_ROUNDS,
            FULL_PER_CLIENT,
        )
    )
    started = time.monotonic()
    results = measure(rounds, per_client, lambda line: print(line, file=sys.stderr, flush=True))
    print(table(results))
    print(f"({time.monotonic() - started:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
