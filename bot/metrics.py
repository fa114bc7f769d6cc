"""Metrics: the numbers `GET /metrics` serves, in the Prometheus text format.

One `Metrics` per app, each with its own CollectorRegistry, so tests and several apps
in one process never share a counter. The rooms that do the work report to it through
the methods below (not through prometheus_client objects), so `NoMetrics`, which
records nothing, can stand in where metrics are off (`METRICS_ENABLED=false`).

The metric names are public (dashboards and alert rules use them, README "Operating
it" lists them): add names, never rename one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

# The classic text format generate_latest() writes, which every Prometheus version reads.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Slack gives an ack 3 s; most take milliseconds.
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
# CXone answers in tens of milliseconds to seconds; CXONE_HTTP_TIMEOUT is 10 s by default.
CXONE_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
NO_STATUS = "none"  # a CXone request that got no HTTP answer (refused, timed out, broken)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self._dials = Counter(
            "dialbot_dials",
            "Dial attempts that reached CXone (or tried to), by outcome: placed, rejected, "
            "unknown.",
            ["outcome"],
            registry=r,
        )
        self._refusals = Counter(
            "dialbot_refusals",
            "Requests refused before any call was placed, by kind (not_linked, "
            "number_refused, rate_limited, store_failed, …).",
            ["kind"],
            registry=r,
        )
        self._cxone_requests = Counter(
            "dialbot_cxone_requests",
            "HTTP requests to CXone (each attempt), by endpoint and status; status "
            f"'{NO_STATUS}' when no HTTP answer came.",
            ["endpoint", "status"],
            registry=r,
        )
        self._cxone_seconds = Histogram(
            "dialbot_cxone_request_seconds",
            "Time each CXone request took, by endpoint, answered or not.",
            ["endpoint"],
            buckets=CXONE_BUCKETS,
            registry=r,
        )
        self._token_fetches = Counter(
            "dialbot_cxone_token_fetches",
            "Token requests to CXone's token endpoint, by result: ok, refused, unavailable.",
            ["result"],
            registry=r,
        )
        self._slack_errors = Counter(
            "dialbot_slack_api_errors",
            "Slack Web API calls that failed, by method and error.",
            ["method", "error"],
            registry=r,
        )
        self._ack_seconds = Histogram(
            "dialbot_ack_seconds",
            "Time from a Slack request reaching the app to its answer, by surface "
            "(slash_command, block_actions, view_submission, shortcut, message_action, "
            "event).",
            ["surface"],
            buckets=ACK_BUCKETS,
            registry=r,
        )
        self._in_flight = Gauge(
            "dialbot_dials_in_flight",
            "Calls being placed at CXone right now.",
            registry=r,
        )
        self._ready = Gauge(
            "dialbot_ready",
            "1 while the database answers within the readiness budget (GET /readyz), else 0; "
            "read at each scrape.",
            registry=r,
        )
        self._calls_followed = Counter(
            "dialbot_calls_followed",
            "Placed calls whose progress the bot followed (agent mode).",
            registry=r,
        )
        for outcome in ("placed", "rejected", "unknown"):  # present at 0 from the start
            self._dials.labels(outcome)

    # ---- what the rooms report ------------------------------------------------------

    def dial_finished(self, outcome: str) -> None:
        self._dials.labels(outcome).inc()

    def refused(self, kind: str) -> None:
        self._refusals.labels(kind).inc()

    @contextmanager
    def dial_in_flight(self) -> Iterator[None]:
        self._in_flight.inc()
        try:
            yield
        finally:
            self._in_flight.dec()

    def cxone_request(self, endpoint: str, status: int | None, seconds: float) -> None:
        self._cxone_requests.labels(endpoint, str(status) if status else NO_STATUS).inc()
        self._cxone_seconds.labels(endpoint).observe(seconds)

    def token_fetch(self, result: str) -> None:
        self._token_fetches.labels(result).inc()

    def slack_error(self, method: str, error: str) -> None:
        self._slack_errors.labels(method, error).inc()

    def ack(self, surface: str, seconds: float) -> None:
        self._ack_seconds.labels(surface).observe(seconds)

    def call_followed(self) -> None:
        self._calls_followed.inc()

    def watch_readiness(self, problem: Callable[[], str | None]) -> None:
        """dialbot_ready asks `problem` (Readiness.problem) at each scrape."""
        self._ready.set_function(lambda: 0.0 if problem() else 1.0)

    # ---- what GET /metrics serves -----------------------------------------------------

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class NoMetrics(Metrics):
    """Records nothing (METRICS_ENABLED=false, and code built without an app's metrics)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)

    def dial_finished(self, outcome: str) -> None:
        pass

    def refused(self, kind: str) -> None:
        pass

    @contextmanager
    def dial_in_flight(self) -> Iterator[None]:
        yield

    def cxone_request(self, endpoint: str, status: int | None, seconds: float) -> None:
        pass

    def token_fetch(self, result: str) -> None:
        pass

    def slack_error(self, method: str, error: str) -> None:
        pass

    def ack(self, surface: str, seconds: float) -> None:
        pass

    def call_followed(self) -> None:
        pass

    def watch_readiness(self, problem: Callable[[], str | None]) -> None:
        pass


def ack_surface(body: dict) -> str:
    """Which Slack surface a request body comes from, as the ack histogram labels it."""
    if body.get("command"):
        return "slash_command"
    kind = str(body.get("type") or "")
    if kind == "event_callback":
        return "event"
    return kind if kind in _SURFACES else "other"


_SURFACES = frozenset(
    {"block_actions", "view_submission", "view_closed", "shortcut", "message_action"}
)


class Stopwatch:
    """Seconds since it was made, by the monotonic clock."""

    def __init__(self) -> None:
        self._started = time.perf_counter()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self._started
