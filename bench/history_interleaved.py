"""`python -m bench --history N --interleave`: the comparisons that load drift spoils,
taken side by side in time.

The sequential run measures the empty store, then the filled one, minutes apart; on a
shared machine the load can change several-fold in between. Here four apps run at once
(SQLite empty and filled, PostgreSQL empty and filled, each its own `python app.py`),
and the load generator takes turns: one short burst per app per round, the order rotated
each round, so every app sees the same neighbours. The ack samples of all rounds are
pooled per app; the load average is recorded each round.
"""

from __future__ import annotations

import contextlib
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench.history import (
    database,
    fill,
    load,
    people,
    postgres_reachable,
    warm_up,
)
from bench.load import percentile
from bench.stand_ins import ProcessStandIns
from bench.targets import OurApp

ROUNDS, QUICK_ROUNDS = 6, 1
CELLS = (("dial", 10, 10), ("press", 10, 10), ("dial", 50, 4), ("press", 50, 4))


def run(rows: int, *, quick: bool, server: str | None, app: Path, log) -> dict[str, Any]:
    from bench.run import QUICK as RUN_QUICK
    from bench.run import Bench, bench_users

    sizes = replace(RUN_QUICK, concurrency=(10, 50), per_client={10: 10, 50: 4})
    users_for_bench = bench_users(50)
    everyone = people([u for u, _ in users_for_bench])
    engines = ["SQLite"] + (["PostgreSQL"] if postgres_reachable(server) else [])
    setups = [(e, name, count) for e in engines for name, count in (("empty", 0), ("filled", rows))]
    stand_ins = ProcessStandIns(users_for_bench)
    results: dict[str, Any] = {"rows": rows, "rounds": [], "apps": {}}
    try:
        with (
            tempfile.TemporaryDirectory(prefix="dialbot-interleave-") as tmp,
            contextlib.ExitStack() as stack,
        ):
            apps = {}
            for engine, name, count in setups:
                key = f"{engine} {name}"
                label = f"{engine}-{name}".lower()
                url = stack.enter_context(database(engine, Path(tmp), label, server))
                from bot.store import Store

                Store.open(url).close()
                if count:
                    seconds = fill(url, count, everyone)
                    log(f"{key}: filled {count:,} rows in {seconds} s (load {load()})")
                bench = Bench(sizes, stand_ins, Path(tmp) / label, log, database_url=url)
                target = bench.start(OurApp, app)
                stack.callback(target.app.stop)
                warm_up(bench, target)
                apps[key] = (bench, target)
                results["apps"][key] = {f"{k}/{c}": [] for k, c, _ in CELLS}
            first = next(iter(apps.values()))[0]
            sent = sum(b.dials_sent for b, _ in apps.values())
            order = list(apps)
            for round_number in range(QUICK_ROUNDS if quick else ROUNDS):
                results["rounds"].append(load())
                for key in order:
                    bench, target = apps[key]
                    for kind, clients, per_client in CELLS:
                        samples = bench.one_ack_run(target, kind, clients, per_client)
                        results["apps"][key][f"{kind}/{clients}"] += [
                            s.latency for s in samples if s.status == 200
                        ]
                        failed = sum(1 for s in samples if s.status != 200)
                        if failed:
                            results.setdefault("failed", {}).setdefault(key, 0)
                            results["failed"][key] += failed
                    # This app's calls placed, before the next app's turn: no bleeding.
                    first.settle(sum(b.dials_sent for b, _ in apps.values()), timeout=300)
                sent = sum(b.dials_sent for b, _ in apps.values())
                first.settle(sent, timeout=300)
                order = order[1:] + order[:1]
                log(f"  round {round_number + 1} done (load {load()})")
    finally:
        stand_ins.close()
    results["cells"] = {
        key: {
            cell: {
                "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
                "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
                "samples": len(latencies),
            }
            for cell, latencies in cells.items()
        }
        for key, cells in results["apps"].items()
    }
    del results["apps"]
    results["load"] = {"min": min(results["rounds"]), "max": max(results["rounds"])}
    return results


def markdown(results: dict[str, Any], command: str) -> str:
    cells = results["cells"]
    rows = results["rows"]
    lines = [
        "<!-- history-interleaved:begin (written by python -m bench --history N --interleave) -->",
        "",
        f"**Command:** `{command}`; {len(results['rounds'])} rounds, load average "
        f"{results['load']['min']:.1f}–{results['load']['max']:.1f} "
        f"(per round: {', '.join(f'{x:.1f}' for x in results['rounds'])}).  ",
        "Ack p50 / p99 over all rounds' samples, each app's bursts taking turns with the "
        "others'." + (f" Failed answers: {results['failed']}." if results.get("failed") else ""),
        "",
        f"| Ack | SQLite empty | SQLite {rows:,} | ÷ | PostgreSQL empty | PostgreSQL {rows:,} "
        "| ÷ | PostgreSQL ÷ SQLite (empty, p99) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for kind, clients, _ in CELLS:
        cell = f"{kind}/{clients}"
        what = f"{'/dial' if kind == 'dial' else 'Dial press'}, {clients} clients"
        row = [what]
        for engine in ("SQLite", "PostgreSQL"):
            empty, filled = cells.get(f"{engine} empty"), cells.get(f"{engine} filled")
            if not empty or not filled:
                row += ["—", "—", "—"]
                continue
            e, f = empty[cell], filled[cell]
            row += [
                f"{e['p50_ms']:.1f} / {e['p99_ms']:.1f} ms",
                f"{f['p50_ms']:.1f} / {f['p99_ms']:.1f} ms",
                f"×{f['p99_ms'] / e['p99_ms']:.2f}",
            ]
        sqlite, postgres = cells.get("SQLite empty"), cells.get("PostgreSQL empty")
        row.append(
            f"×{postgres[cell]['p99_ms'] / sqlite[cell]['p99_ms']:.2f}"
            if sqlite and postgres
            else "—"
        )
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "<!-- history-interleaved:end -->"]
    return "\n".join(lines)
