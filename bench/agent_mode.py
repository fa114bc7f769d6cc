"""Agent mode beside journey mode, in one run: CXone requests per placed call (event
polls not counted), Dial press -> the dial request at CXone (p50), and following 200
calls at once (extra RSS, CPU while idle-polling).

    .venv/bin/python -m bench.agent_mode            # ~2 min
    .venv/bin/python -m bench.agent_mode --quick    # a few calls, for a smoke test

The app runs as people run it (`python app.py`, HTTP mode, settings from the
environment, the users linked by DIAL_AGENT_MAP); the CXone sandbox (journey's
CXoneSandbox or agent's AgentApiSandbox) and the Slack stand-in run in threads of this
process, with the load generator.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.request import urlopen

from bench.apps import AppProcess, free_port
from bench.load import Connection
from bench.stand_ins import peak_rss_kib
from bot.sandbox import wait_for
from bot.sandbox.cxone import CXoneSandbox
from bot.sandbox.cxone_agent import AgentApiSandbox
from bot.sandbox.settings import Endpoints, sandbox_environment
from bot.sandbox.slack_api import SlackApiStandIn, demo_user
from bot.sandbox.slack_requests import block_action_body, slash_command_body

ROOT = Path(__file__).resolve().parents[1]
SIGNING_SECRET = "bench-signing-secret"
CLEARED_PREFIXES = ("SLACK_", "CXONE_", "DIAL_", "DATABASE_URL", "PORT")


def users(count: int) -> list[tuple[str, str]]:
    return [(f"U0B{n:04d}", f"agent-{n:04d}") for n in range(count)]


def start(
    mode: str, cxone: CXoneSandbox, slack: SlackApiStandIn, workdir: Path, people
) -> AppProcess:

    workdir.mkdir(parents=True, exist_ok=True)
    agent_map = workdir / "agents.csv"
    agent_map.write_text("".join(f"{u},{a}\n" for u, a in people))
    port = free_port()
    extra: dict[str, Any] = {}
    if mode == "agent":
        assert isinstance(cxone, AgentApiSandbox)
        extra = {
            "CXONE_API": "agent",
            "CXONE_AUTH_URL": cxone.auth_url,
            "CXONE_ACCESS_KEY_ID": cxone.access_key_id,
            "CXONE_ACCESS_KEY_SECRET": cxone.access_key_secret,
            "CXONE_BASE_URL": None,
            "CXONE_OUTBOUND_CAMPAIGN_ID": None,
        }
    env = {k: v for k, v in os.environ.items() if not k.startswith(CLEARED_PREFIXES)}
    env.update(
        sandbox_environment(
            Endpoints.of(slack, cxone),
            database_url=f"sqlite:///{workdir / 'dialbot.db'}",
            slack_signing_secret=SIGNING_SECRET,
            port=port,
            cxone_http_timeout=30,
            dial_agent_map=agent_map,
            dial_allowed_regions="US",
            dial_rate_limit_per_minute=1_000_000,
            log_level="WARNING",
            **extra,
        )
    )
    log_path = workdir / "app.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py")],
            cwd=workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    app = AppProcess(mode, process, f"http://127.0.0.1:{port}", log_path)

    def healthy() -> bool:
        try:
            with urlopen(app.url + "/healthz", timeout=2) as answer:
                return answer.status == 200
        except OSError:
            return False

    wait_for(healthy, timeout=60)
    return app


def press_one(conn: Connection, slack: SlackApiStandIn, user: str, number: str) -> float:
    """/dial (untimed), then the Dial press; returns time.time() when the press was sent."""
    response_url = slack.response_url()
    body = slash_command_body(
        user_id=user, text=number, channel_id="C0BENCH", response_url=response_url
    )
    card = json.loads(conn.post(body).body)
    request_id = next(
        e["value"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]
    )
    press = block_action_body(
        user_id=user,
        action_id="dial_confirm",
        value=request_id,
        channel_id="C0BENCH",
        response_url=response_url,
    )
    return conn.post(press).sent


def cxone_requests(mode: str, cxone: CXoneSandbox) -> int:
    if mode == "journey":
        return cxone.token_requests + cxone.dial_requests
    assert isinstance(cxone, AgentApiSandbox)
    counted = {k: v for k, v in cxone.api_requests.items()}  # join, dial-phone, discovery
    reads = len(cxone.reads)  # states, skills, agents (the admin reads)
    return cxone.token_requests + sum(counted.values()) + reads


def measure_placing(mode: str, calls: int, agents: int, presses: int) -> dict[str, Any]:
    people = users(agents)
    slack = SlackApiStandIn(
        users=[demo_user(u, u.lower(), u) for u, _ in people], response_url_uses=None
    )
    cxone: CXoneSandbox
    if mode == "agent":
        cxone = AgentApiSandbox(
            agents=[a for _, a in people],
            one_call_per_agent=False,
            ring_seconds=0.01,
            talk_seconds=0.01,
        )
    else:
        cxone = CXoneSandbox(agents=[a for _, a in people])
    with slack, cxone, tempfile.TemporaryDirectory(prefix=f"bench-{mode}-") as tmp:
        app = start(mode, cxone, slack, Path(tmp), people)
        try:
            conn = Connection(app.events_url, SIGNING_SECRET)
            for n in range(calls):
                press_one(conn, slack, people[n % agents][0], f"+1 415 555 {n % 10000:04d}")
            wait_for(lambda: len(cxone.placed_calls) >= calls, timeout=120)
            per_call = cxone_requests(mode, cxone) / len(cxone.placed_calls)
            latencies = []
            for n in range(presses):
                time.sleep(0.3)  # a person's pace: the last call's progress is told by now
                before = len(cxone.calls)
                sent = press_one(conn, slack, people[n % agents][0], "+1 415 555 0100")
                wait_for(lambda before=before: len(cxone.calls) > before, timeout=30)
                latencies.append((cxone.calls[before].time.timestamp() - sent) * 1000)
            conn.close()
            rss = peak_rss_kib(app.pid)
        finally:
            app.stop()
    return {
        "requests_per_call": round(per_call, 3),
        "press_to_dial_p50_ms": round(statistics.median(latencies), 1),
        "press_to_dial_p90_ms": round(sorted(latencies)[int(0.9 * (len(latencies) - 1))], 1),
        "peak_rss_mib": round((rss or 0) / 1024, 1),
    }


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def measure_following(count: int, idle_seconds: float) -> dict[str, Any]:
    people = users(count)
    slack = SlackApiStandIn(
        users=[demo_user(u, u.lower(), u) for u, _ in people], response_url_uses=None
    )
    cxone = AgentApiSandbox(agents=[a for _, a in people], call_script="held", ring_seconds=0.05)
    with slack, cxone, tempfile.TemporaryDirectory(prefix="bench-follow-") as tmp:
        app = start("agent", cxone, slack, Path(tmp), people)
        try:
            conn = Connection(app.events_url, SIGNING_SECRET)
            press_one(conn, slack, people[0][0], "+1 415 555 0000")  # warm up every path
            wait_for(lambda: cxone.polls_waiting >= 1, timeout=30)
            time.sleep(1)
            before = rss_kib(app.pid)
            for user, _ in people[1:]:
                press_one(conn, slack, user, "+1 415 555 0001")
            wait_for(lambda: cxone.polls_waiting >= count, timeout=120)
            time.sleep(2)
            after = rss_kib(app.pid)
            polls, cpu, started = cxone.event_polls, cpu_seconds(app.pid), time.monotonic()
            time.sleep(idle_seconds)
            cpu_share = (cpu_seconds(app.pid) - cpu) / (time.monotonic() - started)
            polls = cxone.event_polls - polls
            conn.close()
        finally:
            app.stop()
    return {
        "calls_followed": count,
        "extra_rss_mib": round((after - before) / 1024, 1),
        "idle_cpu_percent_of_a_core": round(100 * cpu_share, 2),
        "event_polls_in_idle_window": polls,
        "idle_seconds": idle_seconds,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.agent_mode")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    calls, agents, presses, follow, idle = (
        (10, 5, 5, 10, 3.0) if args.quick else (200, 20, 50, 200, 30.0)
    )
    load = Path("/proc/loadavg").read_text().split()[:3]
    results = {"loadavg_before": " ".join(load)}
    for mode in ("journey", "agent"):
        results[mode] = measure_placing(mode, calls, agents, presses)
    results["following"] = measure_following(follow, idle)
    results["loadavg_after"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    results["sizes"] = {"calls": calls, "agents": agents, "presses": presses}
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
