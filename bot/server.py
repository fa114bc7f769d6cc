"""HttpServer: the Bolt app behind waitress, a production WSGI server.

waitress is pure Python, threaded and runs the same on Linux, macOS and Windows;
gunicorn forks worker processes and is Unix-only, and each fork would need its own
dial executor and start-up recovery. `POST /slack/events` goes to Bolt's WSGI
adapter (which verifies Slack's signature); `GET /healthz` answers 200 "ok" once the
server is serving (503 before), anything else 404.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any, Self

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress import create_server, wasyncore
from waitress.server import BaseWSGIServer

log = logging.getLogger("bot.server")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

StartResponse = Callable[..., Any]


class HttpServer:
    def __init__(
        self,
        app: App,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        threads: int = 8,
        connection_limit: int = 1000,
    ) -> None:
        self._slack = SlackRequestHandler(app, path=EVENTS_PATH)
        self._host = host
        self._port = port
        self._threads = threads
        # waitress's default of 100 open connections makes the 101st wait until one
        # closes, which behind a busy load balancer can take minutes.
        self._connection_limit = connection_limit
        self._server: BaseWSGIServer | None = None
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

    def wsgi(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            status = "200 OK" if self.ready else "503 Service Unavailable"
            body = b"ok" if self.ready else b"starting"
            start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
            return [body]
        return self._slack(environ, start_response)

    def start(self) -> Self:
        """Listen now and serve from a background thread."""
        self._server = create_server(
            self.wsgi,
            host=self._host,
            port=self._port,
            threads=self._threads,
            connection_limit=self._connection_limit,
            ident="dialbot",
        )
        self._thread = threading.Thread(target=self._server.run, name="http-server", daemon=True)
        self._thread.start()
        self.ready = True
        log.info("serving Slack requests at %s%s", self.url, EVENTS_PATH)
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
        # select() from here would race); then its loop finds nothing left and returns.
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
