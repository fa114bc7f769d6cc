"""The App Home's render, in process: how long AppHome.message() takes (the store reads
and the Block Kit) with 10,000 dials in the table, for a linked person, an admin (who
also sees everyone's dials and the number of links) and a supervisor (who also sees the
agents they may dial as). Nothing is published: this is the work before views.publish.

    .venv/bin/python -m bench.home [--dials 10000] [--renders 300] [--database URL]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.load import percentile
from bot.dialing import DialService
from bot.fake_placer import FakePlacer
from bot.phone import PhonePolicy
from bot.slack.home import AppHome
from bot.slack.reporter import Presentation
from bot.store import Store
from bot.store.schema import dial_requests

PEOPLE = 200  # linked people the dials are spread over
ADMIN, SUPERVISOR = "U0HADMIN", "U0HSUPER"
OUTCOMES = ("placed",) * 8 + ("rejected", "unknown")


def people() -> list[str]:
    return [f"U0H{i:04d}" for i in range(PEOPLE)]


def seed(store: Store, dials: int, *, seed_value: int = 7) -> None:
    """`dials` finished dials over the last 30 days, by PEOPLE linked people (one in ten
    made by the supervisor as someone else)."""
    rng = random.Random(seed_value)
    users = people()
    for user in [*users, SUPERVISOR]:
        store.link(user, f"agent-{user[-4:]}", ADMIN)
    now = datetime.now(UTC)
    rows = []
    for n in range(dials):
        agent = rng.choice(users)
        requester = SUPERVISOR if n % 10 == 0 else agent
        created = now - timedelta(seconds=rng.uniform(0, 30 * 86400))
        state = rng.choice(OUTCOMES)
        rows.append(
            {
                "id": secrets.token_urlsafe(16),
                "requester_id": requester,
                "agent_user_id": agent,
                "agent_id": f"agent-{agent[-4:]}",
                "phone_number": f"+1415555{rng.randrange(10_000):04d}",
                "contact_id": "contact-1",
                "channel_id": "C0DEMO",
                "response_url": None,
                "state": state,
                "created_at": created,
                "expires_at": created + timedelta(minutes=10),
                "confirmed_at": created,
                "finished_at": created + timedelta(seconds=1),
                "parent_ts": None,
                "call_id": secrets.token_hex(8) if state == "placed" else None,
                "correlation_id": None,
                "error": None if state == "placed" else "CXone said no, with its reasons.",
                "view_id": None,
            }
        )
    with store.engine.begin() as connection:
        for start in range(0, len(rows), 1000):
            connection.execute(dial_requests.insert(), rows[start : start + 1000])


def home_for(store: Store) -> AppHome:
    policy = PhonePolicy("US", frozenset({"US"}))
    service = DialService(
        store, FakePlacer(), phone_policy=policy, admins={ADMIN}, supervisors={SUPERVISOR}
    )
    # The client is never called: message() renders, publish() would send.
    return AppHome(None, service, Presentation(phone_policy=policy))  # type: ignore[arg-type]


def measure(dials: int, renders: int, database_url: str | None = None) -> dict[str, Any]:
    """p50/p99 of one home render per persona, after `dials` dials were seeded."""
    with tempfile.TemporaryDirectory(prefix="dialbot-home-") as workdir:
        url = database_url or f"sqlite:///{Path(workdir) / 'home.db'}"
        store = Store.open(url)
        try:
            seed(store, dials)
            home = home_for(store)
            personas = {"linked": people()[7], "admin": ADMIN, "supervisor": SUPERVISOR}
            results: dict[str, Any] = {"dials": dials, "renders": renders}
            for name, user in personas.items():
                home.message(user)  # warm: first connection, statement caches
                times, cpu = [], []
                for _ in range(renders):
                    started, started_cpu = time.perf_counter(), time.thread_time()
                    home.message(user)
                    times.append(time.perf_counter() - started)
                    cpu.append(time.thread_time() - started_cpu)
                results[name] = {
                    "p50_ms": round(percentile(times, 0.50) * 1000, 2),
                    "p99_ms": round(percentile(times, 0.99) * 1000, 2),
                    "mean_ms": round(statistics.fmean(times) * 1000, 2),
                    # CPU of this thread alone: what the render costs, whatever else the
                    # machine is running (wall time includes waiting for a core).
                    "cpu_p50_ms": round(percentile(cpu, 0.50) * 1000, 2),
                    "cpu_p99_ms": round(percentile(cpu, 0.99) * 1000, 2),
                    "blocks": len(home.message(user).blocks),
                    "load_average": round(os.getloadavg()[0], 1),
                }
        finally:
            store.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.home", description=__doc__)
    parser.add_argument("--dials", type=int, default=10_000)
    parser.add_argument("--renders", type=int, default=300)
    parser.add_argument("--database", help="a SQLAlchemy URL of an empty database")
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.dials, args.renders, args.database), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
