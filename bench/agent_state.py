"""`python -m bench.agent_state`: what the agent-state check (issue 12) costs.

Two figures, each beside the same run with DIAL_AGENT_STATE_CHECK=off:

- **CXone requests per placed call** with the check on: token + state reads + dials
  over calls placed (goal <= 2.01: one state read at /dial, the press reusing it, one
  dial, the token amortised). 10 clients, each /dial then its Dial press.
- **/dial ack p50/p99 at 10 clients** with the state API answering after 2 s (goal <
  1,000 ms: the ack waits at most DIAL_AGENT_STATE_BUDGET_MS), and with it answering at
  once.

dialbot runs as `python app.py` (bench.apps); the stand-ins run in this process's
threads (the sandbox's `read_latency` delays only the admin reads). `--quick` runs
every row at a tiny size (tests/test_bench_agent_state_smoke.py).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.apps import OUR_APP, SIGNING_SECRET, start_app
from bench.load import Connection, percentile, run_batches
from bench.run import bench_users, wait_until
from bench.stand_ins import ThreadStandIns
from bench.targets import NUMBER, OurApp, confirm_request_id
from bot.sandbox.slack_requests import slash_command_body

CLIENTS = 10
SLOW_READ = 2.0  # seconds the state API takes in the slow rows


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def requests_per_call(app: OurApp, stand_ins: ThreadStandIns, calls_per_client: int) -> dict:
    """Each client, one call after another: /dial, then the Dial press on its card."""
    sandbox = stand_ins.sandbox
    users = [u for u, _ in bench_users(CLIENTS)]

    def client(index: int) -> None:
        connection = Connection(app.app.events_url, SIGNING_SECRET)
        try:
            for _ in range(calls_per_client):
                url = stand_ins.response_url()
                card = connection.post(
                    slash_command_body(user_id=users[index], text=NUMBER, response_url=url)
                )
                request_id = confirm_request_id(card.body)
                if request_id is None:
                    raise RuntimeError(f"no confirm card: {card.body[:300]!r}")
                connection.post(app.press(users[index], request_id, url).body)
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expected = CLIENTS * calls_per_client
    wait_until("every call to be placed", lambda: len(sandbox.placed_calls) >= expected, 120)
    time.sleep(0.5)  # the App Home refreshes after each dial: let any read it makes land
    placed = len(sandbox.placed_calls)
    reads = sandbox.state_requests
    total = sandbox.token_requests + sandbox.dial_requests + reads
    return {
        "calls": placed,
        "token_requests": sandbox.token_requests,
        "state_requests": reads,
        "dial_requests": sandbox.dial_requests,
        "requests_per_call": round(total / placed, 4),
        "load": load_average(),
    }


def dial_acks(app: OurApp, per_client: int, repeats: int) -> dict:
    users = [u for u, _ in bench_users(CLIENTS)]
    p50s, p99s, errors = [], [], 0
    for _ in range(repeats):
        batches = [[app.dial_body(user) for _ in range(per_client)] for user in users]
        samples = [
            s for run in run_batches(app.app.events_url, SIGNING_SECRET, batches) for s in run
        ]
        errors += sum(1 for s in samples if s.status != 200)
        latencies = [s.latency for s in samples]
        p50s.append(percentile(latencies, 0.5))
        p99s.append(percentile(latencies, 0.99))
    return {
        "p50_ms": round(statistics.median(p50s) * 1000, 1),
        "p99_ms": round(statistics.median(p99s) * 1000, 1),
        "samples": per_client * CLIENTS * repeats,
        "errors": errors,
        "load": load_average(),
    }


def measure(mode: str, quick: bool, workdir: Path, log) -> dict[str, Any]:
    calls_per_client, per_client, repeats = (2, 2, 1) if quick else (20, 10, 3)
    users = bench_users(CLIENTS)
    stand_ins = ThreadStandIns(users)
    try:
        process = start_app(
            f"dialbot-{mode}",
            OUR_APP,
            stand_ins,
            workdir / mode,
            users,
            extra_env={"DIAL_AGENT_STATE_CHECK": mode},
        )
        app = OurApp(process, stand_ins)
        try:
            result: dict[str, Any] = {
                "per_call": requests_per_call(app, stand_ins, calls_per_client)
            }
            log(f"  {mode}: {result['per_call']['requests_per_call']} CXone requests per call")
            for label, read_latency in (("0s", 0.0), ("2s", SLOW_READ)):
                stand_ins.sandbox.read_latency = read_latency
                result[f"ack_{label}"] = dial_acks(app, per_client, repeats)
                shown = result[f"ack_{label}"]
                log(
                    f"  {mode}: /dial ack, state API after {label}: p50 {shown['p50_ms']} ms,"
                    f" p99 {shown['p99_ms']} ms"
                )
            stand_ins.sandbox.read_latency = 0.0
        finally:
            process.stop()
    finally:
        stand_ins.close()
    return result


def table(results: dict[str, Any]) -> str:
    rows = [
        "| DIAL_AGENT_STATE_CHECK | CXone requests per placed call (token + state + dial) "
        "| /dial ack p50 / p99, state API at once | /dial ack p50 / p99, state API after 2 s |",
        "| --- | --- | --- | --- |",
    ]
    for mode, result in results.items():
        per_call = result["per_call"]
        fast, slow = result["ack_0s"], result["ack_2s"]
        rows.append(
            f"| `{mode}` | {per_call['requests_per_call']} ({per_call['token_requests']} + "
            f"{per_call['state_requests']} + {per_call['dial_requests']} for "
            f"{per_call['calls']} calls; load {per_call['load']}) "
            f"| {fast['p50_ms']} / {fast['p99_ms']} ms (load {fast['load']}) "
            f"| {slow['p50_ms']} / {slow['p99_ms']} ms (load {slow['load']}) |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.agent_state")
    parser.add_argument("--quick", action="store_true", help="every row at a tiny size")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    log(f"load average at start: {load_average()} ({os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory(prefix="dialbot-bench-state-") as workdir:
        results = {mode: measure(mode, args.quick, Path(workdir), log) for mode in ("block", "off")}
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
