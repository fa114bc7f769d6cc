"""HttpServer: the front door. waitress (a production WSGI server), hardened against
strangers, in front of the route table (bot/front_door.py).

waitress is pure Python, threaded and runs the same on Linux, macOS and Windows;
gunicorn forks worker processes and is Unix-only, and each fork would need its own
dial executor and start-up recovery. bench/front_door.py measured it, tuned, against
cheroot on the same attacks (bench/RESULTS.md, "The front door").

Before any work, and before any signature is checked:
- a body over MAX_BODY_BYTES is answered 413 from its Content-Length, or as soon as
  a chunked body crosses it, without reading the rest; a head over MAX_HEADER_BYTES
  is answered 431;
- a connection with no request is closed after IDLE_TIMEOUT_SECONDS, and one whose
  request has not fully arrived REQUEST_TIMEOUT_SECONDS after its first byte is
  closed too (waitress alone keeps a connection dripping a byte a second forever);
- the process's descriptor limit is raised to its hard limit at start, connections
  are polled (select() stops at 1,024 descriptors), and at the connection limit the
  idlest connections are closed to make room instead of refusing new ones, so no
  number of idle sockets keeps Slack out;
- only the documented endpoints answer; anything else is a 404 or 405 from the
  route table.
"""

from __future__ import annotations

import logging
import select
import socket
import threading
import time
from collections.abc import Iterable
from typing import Any, Self

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer

from bot.front_door import Routes, SignedOnly, StartResponse, WsgiApp, plain
from bot.health import metrics_endpoint, readyz_endpoint

log = logging.getLogger("bot.server")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
METRICS_PATH = "/metrics"

# Slack's largest payload is a message shortcut carrying the whole message: at Slack's
# 40,000-character limit, in emoji, JSON-escaped and form-encoded, with the rich-text
# block repeating the text, about 1.3 MB (bench/front_door.py measures it). Everything
# else Slack sends us is a few kilobytes.
MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_HEADER_BYTES = 16 * 1024  # Slack sends about 1 KB; proxies add a few forwarding headers
IDLE_TIMEOUT_SECONDS = 5  # a kept-alive connection between requests (uvicorn's default)
REQUEST_TIMEOUT_SECONDS = 5  # first byte to last: Slack gives up on an answer after 3 s
DESCRIPTORS_KEPT = 256  # for the database, CXone and Slack clients, logs
MAX_CONNECTIONS = 10_000  # past this each turn of waitress's loop costs more than it serves
SELECT_CONNECTIONS = 500  # where poll() is missing (Windows) select() takes 512 sockets
SHED_FRACTION = 20  # at the limit, close the idlest 1/20 of the connections
ACCEPTS_PER_TURN = 256


def raise_descriptor_limit() -> int | None:
    """Raise the soft RLIMIT_NOFILE to the hard limit; the soft limit now (None on
    Windows, which has no such limit)."""
    try:
        import resource
    except ImportError:
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for wanted in (hard, 10_240):  # macOS refuses "unlimited"; 10,240 is its OPEN_MAX
        if wanted == resource.RLIM_INFINITY or soft == resource.RLIM_INFINITY:
            continue
        if wanted <= soft:
            break
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except (ValueError, OSError):
            continue
        soft = wanted
        break
    return None if soft == resource.RLIM_INFINITY else soft


def connection_limit_for(descriptors: int | None, *, can_poll: bool) -> int:
    """How many connections to hold at once with `descriptors` file descriptors."""
    if not can_poll:
        return SELECT_CONNECTIONS
    if descriptors is None:
        return MAX_CONNECTIONS
    return max(100, min(MAX_CONNECTIONS, descriptors - DESCRIPTORS_KEPT))


def listening_socket(host: str, port: int, backlog: int) -> socket.socket:
    return socket.create_server((host, port), backlog=backlog)


class FrontDoorChannel(HTTPChannel):
    """waitress's connection, remembering when the request being received began."""

    request_started: float | None = None

    def received(self, data: bytes) -> bool:
        if self.request is None and data:
            self.request_started = time.time()
        taken = super().received(data)
        if self.request is None:
            self.request_started = None
        return taken


class FrontDoorServer(TcpWSGIServer):
    """waitress's server with a deadline for requests and room made at the limit."""

    channel_class = FrontDoorChannel
    request_timeout = REQUEST_TIMEOUT_SECONDS
    shed = 0  # connections closed to make room, since start
    _last_shed_log = 0.0

    def maintenance(self, now: float) -> None:
        super().maintenance(now)  # closes connections idle past channel_timeout
        cutoff = now - self.request_timeout
        for channel in list(self.active_channels.values()):
            started = getattr(channel, "request_started", None)
            if started is not None and started < cutoff and not channel.requests:
                channel.will_close = True

    def readable(self) -> bool:
        now = time.time()
        if now >= self.next_channel_cleanup:
            self.next_channel_cleanup = now + self.adj.cleanup_interval
            self.maintenance(now)
        if not self.accepting:
            return False
        if len(self._map) >= self.adj.connection_limit:
            self._make_room(now)
            return False  # accept again next turn, once those are closed
        return True

    def handle_accept(self) -> None:
        # waitress takes one connection per turn of its loop, and a turn costs time in
        # proportion to the connections open: under a flood of connects, Slack's would
        # wait in the listen backlog behind thousands. Take all that are waiting.
        room = self.adj.connection_limit - len(self._map)
        for _ in range(max(1, min(room, ACCEPTS_PER_TURN))):
            if not self._accept_one():
                return

    def _accept_one(self) -> bool:
        try:
            conn, addr = self.socket.accept()
        except (BlockingIOError, InterruptedError, ConnectionAbortedError):
            return False
        except OSError:  # out of descriptors
            log.warning("accept() failed", exc_info=True)
            return False
        try:
            self.set_socket_options(conn)
        except OSError:  # macOS: the client closed it before it was accepted
            conn.close()
            return True
        self.channel_class(self, conn, self.fix_addr(addr), self.adj, map=self._map)
        return True

    def _make_room(self, now: float) -> None:
        waiting = [c for c in list(self.active_channels.values()) if not c.requests]
        waiting = [c for c in waiting if not c.will_close]
        waiting.sort(key=lambda channel: channel.last_activity)
        for channel in waiting[: max(1, self.adj.connection_limit // SHED_FRACTION)]:
            channel.will_close = True
            self.shed += 1
        if now - self._last_shed_log > 60:
            self._last_shed_log = now
            log.warning(
                "%d connections open (the limit): closing the idlest to make room "
                "(%d closed so far)",
                len(self._map),
                self.shed,
            )


class HttpServer:
    """The route table behind a hardened waitress. With a Bolt app, POST /slack/events
    goes to Bolt's WSGI adapter, behind a signature check on the raw body when the
    signing secret is given; GET /healthz answers 200 "ok" once serving (503 before).
    For an app made by build_app(), GET /readyz and GET /metrics answer too (bot/health.py);
    `slack_events=False` leaves POST /slack/events out (Socket Mode's health server).
    Other endpoints join through `routes.add()`."""

    def __init__(
        self,
        app: App | None = None,
        *,
        slack_events: bool = True,
        signing_secret: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        threads: int = 8,
        idle_timeout: int = IDLE_TIMEOUT_SECONDS,
        request_timeout: int = REQUEST_TIMEOUT_SECONDS,
        connection_limit: int | None = None,
    ) -> None:
        self.routes = Routes()
        if app is not None and slack_events:
            slack: WsgiApp = SlackRequestHandler(app, path=EVENTS_PATH)
            if signing_secret:
                slack = SignedOnly(slack, signing_secret)
            self.routes.add("POST", EVENTS_PATH, slack)
        self.routes.add("GET", HEALTH_PATH, self._health)
        if app is not None:
            self._add_operations(app)
        self._host = host
        self._port = port
        self._threads = threads
        self._idle_timeout = idle_timeout
        self._request_timeout = request_timeout
        self._connection_limit = connection_limit  # None: as many as the descriptors allow
        self._server: FrontDoorServer | None = None
        self._thread: threading.Thread | None = None
        self.ready = False

    def __repr__(self) -> str:
        return f"HttpServer({self.url if self._server else 'stopped'})"

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the server is not started")
        return int(self._server.effective_port)

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self._host in ("0.0.0.0", "") else self._host
        return f"http://{host}:{self.port}"

    @property
    def events_url(self) -> str:
        return self.url + EVENTS_PATH

    @property
    def connection_limit(self) -> int:
        if self._server is None:
            raise RuntimeError("the server is not started")
        return int(self._server.adj.connection_limit)

    @property
    def shed(self) -> int:
        """Connections closed to make room at the connection limit, since start."""
        return self._server.shed if self._server is not None else 0

    def wsgi(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        return self.routes(environ, start_response)

    def _add_operations(self, app: App) -> None:
        from bot.slack.app import front_end_of  # the app's store and metrics, if build_app made it

        front = front_end_of(app)
        if front is None:
            return
        self.routes.add("GET", READY_PATH, readyz_endpoint(front.readiness))
        self.routes.add("GET", METRICS_PATH, metrics_endpoint(front.metrics))

    def _health(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if self.ready:
            return plain(start_response, "200 OK", b"ok")
        return plain(start_response, "503 Service Unavailable", b"starting")

    def adjustments(self) -> Adjustments:
        can_poll = hasattr(select, "poll")
        limit = connection_limit_for(raise_descriptor_limit(), can_poll=can_poll)
        if self._connection_limit is not None:
            limit = min(limit, self._connection_limit)
        return Adjustments(
            host=self._host,
            port=self._port,
            threads=self._threads,
            ident="dialbot",
            connection_limit=limit,
            backlog=2048,
            channel_timeout=self._idle_timeout,
            cleanup_interval=1,
            max_request_body_size=MAX_BODY_BYTES + 1,  # waitress refuses this size and more
            max_request_header_size=MAX_HEADER_BYTES,
            asyncore_use_poll=can_poll,
        )

    def start(self) -> Self:
        """Listen now and serve from a background thread."""
        adj = self.adjustments()
        listener = listening_socket(self._host, self._port, adj.backlog)
        sockinfo = (listener.family, listener.type, None, listener.getsockname())
        server = FrontDoorServer(
            self.wsgi, map={}, _sock=listener, adj=adj, sockinfo=sockinfo, bind_socket=False
        )
        server.request_timeout = self._request_timeout
        self._server = server
        self._thread = threading.Thread(target=server.run, name="http-server", daemon=True)
        self._thread.start()
        self.ready = True
        log.info(
            "serving %s at %s (up to %d connections)",
            ", ".join(f"{m} {p}" for m, p in self.routes.endpoints()),
            self.url,
            adj.connection_limit,
        )
        return self

    def serve_forever(self) -> None:
        """Block until stop() is called from another thread (or a signal handler)."""
        if self._thread is None:
            self.start()
        assert self._thread is not None
        while self._thread.is_alive():
            self._thread.join(timeout=0.5)

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self.ready = False
        # Sockets are closed on the server's own loop thread (closing them under its
        # poll() from here would race); then its loop finds nothing left and returns.
        try:
            server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        except OSError:  # the loop is already gone (its trigger closed): close from here
            wasyncore.close_all(server._map, ignore_all=True)
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        server.task_dispatcher.shutdown(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
