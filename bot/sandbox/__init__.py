"""Local stand-ins for CXone and Slack, used by tests, the demo and benchmarks.

This module holds what the stand-ins share: a threaded HTTP server on 127.0.0.1
that starts on a free port, stops promptly (closing kept-alive connections too)
and never logs request lines, plus `wait_for()` for polling recorded traffic.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self, TypeVar

T = TypeVar("T")


def wait_for(predicate: Callable[[], T], timeout: float = 5.0, interval: float = 0.02) -> T:
    """Poll `predicate` until it returns something truthy and return that.

    Raises TimeoutError when it is still falsy after `timeout` seconds, so an
    end-to-end test fails with a clear message instead of hanging.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise TimeoutError(f"condition still false after {timeout} s")
        time.sleep(interval)


class _QuietThreadingServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # The default backlog of 5 drops bursts of connections (benchmarks, concurrent
    # tests) and costs the client a one-second SYN retransmit.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], owner):
        self.owner = owner
        self.open_connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, handler)

    def handle_error(self, request, client_address) -> None:
        # Clients that time out or hang up mid-answer are part of the game here;
        # anything else is a bug in a stand-in and should still be seen.
        import sys

        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


class QuietHandler(BaseHTTPRequestHandler):
    """Request handler base: HTTP/1.1 keep-alive, body helpers, no stderr logging."""

    protocol_version = "HTTP/1.1"
    server: _QuietThreadingServer

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.open_connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.connections_lock:
                self.server.open_connections.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Silenced: request lines may carry tokens in query strings."""

    @property
    def owner(self):
        return self.server.owner

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def send_bytes(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(payload).encode()
        self.send_bytes(status, body, "application/json; charset=utf-8", headers)

    def send_text(self, status: int, text: str, headers: dict[str, str] | None = None) -> None:
        self.send_bytes(status, text.encode(), "text/plain; charset=utf-8", headers)

    def drop_connection(self) -> None:
        """Close the connection without answering; the client sees a reset."""
        self.close_connection = True
        try:
            # Linger 0: closing sends a TCP reset instead of an orderly FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass


class LocalHttpServer:
    """A ThreadingHTTPServer on 127.0.0.1 running in a daemon thread.

    Subclasses set `handler_class`; handlers reach the subclass as `self.owner`.
    """

    handler_class: type[QuietHandler]

    def __init__(self, *, port: int = 0, host: str = "127.0.0.1") -> None:
        self._host = host
        self._requested_port = port
        self._server: _QuietThreadingServer | None = None
        self._thread: threading.Thread | None = None
        self._lifecycle_lock = threading.Lock()
        # Set on stop() so that deliberately slow answers wake up at once.
        self.stopping = threading.Event()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not running: call start() first")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> Self:
        with self._lifecycle_lock:
            if self._server is not None:
                return self
            self.stopping.clear()
            server = _QuietThreadingServer(
                (self._host, self._requested_port), self.handler_class, self
            )
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"{type(self).__name__}-{server.server_address[1]}",
                daemon=True,
            )
            thread.start()
            self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        with self._lifecycle_lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
            if server is None:
                return
            self.stopping.set()
            server.shutdown()
            server.server_close()
            with server.connections_lock:
                connections = list(server.open_connections)
            for connection in connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
            if thread is not None:
                thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:
        return wait_for(predicate, timeout)
