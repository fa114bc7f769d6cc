"""The load generator: N clients, each a thread with one kept-alive connection, sending
signed Slack requests back to back and timing each answer.

http.client rather than requests: it costs the generator a fraction of the CPU per
request, and on a 2-core machine every millisecond the generator spends is one the
app under test does not get.
"""

from __future__ import annotations

import http.client
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.sandbox.slack_requests import signed_headers


@dataclass(frozen=True)
class Sample:
    sent: float  # time.time() just before the request went out
    latency: float  # seconds until the whole answer was read
    status: int  # 0: the connection failed
    body: bytes


class Connection:
    """One client's kept-alive connection to the app's events URL."""

    def __init__(
        self, url: str, signing_secret: str, *, keep_alive: bool = True, timeout: float = 60.0
    ) -> None:
        parts = urlsplit(url)
        self._keep_alive = keep_alive
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        self._path = parts.path or "/"
        self._secret = signing_secret
        self._timeout = timeout
        self._conn = self._open()

    def _open(self) -> http.client.HTTPConnection:
        conn = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
        conn.connect()
        return conn

    def post(self, body: str) -> Sample:
        data = body.encode()
        headers = signed_headers(self._secret, body)
        headers["Content-Length"] = str(len(data))
        if not self._keep_alive:
            headers["Connection"] = "close"
        sent = time.time()
        start = time.perf_counter()
        try:
            self._conn.request("POST", self._path, body=data, headers=headers)
            answer = self._conn.getresponse()
            payload = answer.read()
            status = answer.status
        except (OSError, http.client.HTTPException):
            self._conn.close()
            self._conn = self._open()
            return Sample(sent, time.perf_counter() - start, 0, b"")
        latency = time.perf_counter() - start
        if not self._keep_alive:
            self._conn.close()
            self._conn = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
        return Sample(sent, latency, status, payload)

    def close(self) -> None:
        self._conn.close()


def run_batches(
    url: str, signing_secret: str, batches: Sequence[Sequence[str]], *, keep_alive: bool = True
) -> list[list[Sample]]:
    """One client per batch, all starting together, each sending its bodies in order.

    Returns each client's samples, in the order of its batch. A client closes its
    connection as soon as its batch is done: idle connections count against the
    server's connection limit.
    """
    results: list[list[Sample]] = [[] for _ in batches]
    connections = [Connection(url, signing_secret, keep_alive=keep_alive) for _ in batches]
    start = threading.Barrier(len(batches))

    def client(index: int) -> None:
        start.wait()
        for body in batches[index]:
            results[index].append(connections[index].post(body))
        connections[index].close()

    _run_threads(client, len(batches))
    return results


def run_for(
    url: str,
    signing_secret: str,
    clients: int,
    seconds: float,
    make_body: Callable[[int, int], str],
) -> tuple[list[Sample], float]:
    """Closed loop: each client sends make_body(client, n) back to back for `seconds`.

    Returns the samples and the wall time from the common start to the last answer.
    """
    results: list[list[Sample]] = [[] for _ in range(clients)]
    connections = [Connection(url, signing_secret) for _ in range(clients)]
    start = threading.Barrier(clients + 1)
    began: list[float] = []

    def client(index: int) -> None:
        start.wait()
        deadline = began[0] + seconds
        n = 0
        while time.perf_counter() < deadline:
            body = make_body(index, n)
            results[index].append(connections[index].post(body))
            n += 1
        connections[index].close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    began.append(time.perf_counter())
    start.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began[0]
    return [sample for samples in results for sample in samples], elapsed


def _run_threads(target: Callable[[int], None], count: int) -> None:
    threads = [threading.Thread(target=target, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest value with `fraction` of the values at or below."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]
