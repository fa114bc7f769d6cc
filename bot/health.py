"""Readiness, and the operations endpoints: GET /readyz and GET /metrics.

`GET /healthz` is liveness (the process serves: bot/server.py). `GET /readyz` is
readiness: 200 while the database answers a `SELECT 1` within READY_BUDGET_SECONDS,
503 with the reason otherwise, so a load balancer stops sending Slack's requests to a
replica that could only answer "the database is not answering". One probe runs at a
time: a database that hangs costs one waiting thread, not one per /readyz.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from sqlalchemy import Engine

from bot.front_door import StartResponse, WsgiApp, plain
from bot.metrics import CONTENT_TYPE, Metrics
from bot.store.engine import check_connection
from bot.store.errors import StoreError

READY_BUDGET_SECONDS = 1.0  # a load balancer's probe usually gives 2–5 s
# A probe still waiting after this long is given up on (left to its daemon thread) and
# a new one started, so a database that comes back is seen even if a probe hangs forever.
STALE_PROBE_SECONDS = 10.0


class Readiness:
    """Whether the database answers now, within `budget` seconds."""

    def __init__(self, engine: Engine, *, budget: float = READY_BUDGET_SECONDS) -> None:
        self._engine = engine
        self.budget = budget
        self._lock = threading.Lock()
        self._probe: Future[str | None] | None = None
        self._probe_started = 0.0

    def problem(self) -> str | None:
        """None when ready; otherwise why not, in a sentence (no password in it)."""
        with self._lock:
            now = time.monotonic()
            stale = now - self._probe_started > STALE_PROBE_SECONDS
            if self._probe is None or self._probe.done() or stale:
                self._probe, self._probe_started = self._start_probe(), now
            probe = self._probe
        try:
            return probe.result(timeout=self.budget)
        except FutureTimeout:
            return f"the database did not answer within {self.budget:g} s"

    def _start_probe(self) -> Future[str | None]:
        probe: Future[str | None] = Future()

        def run() -> None:
            try:
                check_connection(self._engine)
            except StoreError as error:
                probe.set_result(f"database: {error}")
            except Exception as error:  # whatever the driver raises
                probe.set_result(f"database: {type(error).__name__}")
            else:
                probe.set_result(None)

        threading.Thread(target=run, name="readiness-probe", daemon=True).start()
        return probe


def readyz_endpoint(readiness: Readiness | None) -> WsgiApp:
    def readyz(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        problem = readiness.problem() if readiness is not None else None
        if problem is None:
            return plain(start_response, "200 OK", b"ready")
        body = f"not ready: {problem}".encode()
        return plain(start_response, "503 Service Unavailable", body)

    return readyz


def metrics_endpoint(metrics: Metrics) -> WsgiApp:
    def serve_metrics(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        body = metrics.exposition()
        start_response(
            "200 OK", [("Content-Type", CONTENT_TYPE), ("Content-Length", str(len(body)))]
        )
        return [body]

    return serve_metrics
