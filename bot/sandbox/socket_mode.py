"""SocketModeStandIn: Slack's side of Socket Mode, on 127.0.0.1, for tests.

In Socket Mode the app calls `apps.connections.open` with its app-level token
(xapp-…) and gets a one-time WebSocket URL; it connects, Slack sends `hello`, then
pushes envelopes (`{"envelope_id", "type", "payload", "accepts_response_payload"}`)
and the app acknowledges each with `{"envelope_id", "payload": <ack body>}`.

This stand-in is the WebSocket end. Give its `issue_url` to a SlackApiStandIn
(`SlackApiStandIn(socket_mode_url=socket.issue_url)`) so that `apps.connections.open`
hands out its URLs; a connection without a ticket issued that way is refused, as
Slack refuses one. `push()` sends an envelope to the newest connection (or to the one
named by its number) and every message the app sends back is recorded with the
connection it came on; `ack_for()` waits for the one that answers an envelope.

Connections end as Slack ends them:
- `refresh()` sends the `disconnect` message Slack sends every few hours. The app must
  open a new connection; the old one stays open, and is still served (`push(…,
  connection=old)`), until the app closes it or `grace` seconds have passed, when the
  stand-in closes it (Slack warns about 10 s before it closes a connection).
- `drop()` ends a connection with no `disconnect` message: the TCP connection is shut
  without a WebSocket close frame, as when a load balancer or the network drops it
  (`close_frame=True`: a close frame 1001 and nothing else, as a Slack host going away).
"""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
import socket
import threading
import time
import uuid
from http import HTTPStatus
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

API_APP_ID = "A0DIALBOT"
LINK_PATH = "/link/"
REFRESH_GRACE_SECONDS = 10.0  # a refreshed connection is closed this long after `disconnect`
log = logging.getLogger(__name__)


class SocketModeStandIn:
    """A WebSocket server speaking Slack's Socket Mode envelopes, in a daemon thread."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, app_id: str = API_APP_ID):
        self._host = host
        self._requested_port = port
        self.app_id = app_id
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._changed = threading.Condition()
        self._tickets: set[str] = set()
        self._connections: list[ServerConnection] = []  # open, oldest first
        self._numbers: dict[ServerConnection, int] = {}  # 1 for the first connection made
        self._hello_at: dict[int, float] = {}  # time.monotonic() when hello was sent
        self._received: list[tuple[int, dict[str, Any]]] = []  # (connection, message)
        self._closers: list[threading.Timer] = []  # refreshed connections' grace timers
        self.connections_made = 0

    def __repr__(self) -> str:
        where = self.base_url if self._server is not None else "stopped"
        return f"SocketModeStandIn({where})"

    # ---- lifecycle -----------------------------------------------------------------

    def start(self) -> Self:
        if self._server is not None:
            return self
        server = serve(
            self._serve_connection,
            self._host,
            self._requested_port,
            process_request=self._check_ticket,
            compression=None,
            logger=log,
        )
        thread = threading.Thread(
            target=server.serve_forever,
            name=f"SocketModeStandIn-{server.socket.getsockname()[1]}",
            daemon=True,
        )
        thread.start()
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        with self._changed:
            closers, self._closers = self._closers, []
        for closer in closers:
            closer.cancel()
        server.shutdown()  # closes open connections too (1001 going away)
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("SocketModeStandIn is not running: call start() first")
        return self._server.socket.getsockname()[1]

    @property
    def base_url(self) -> str:
        return f"ws://{self._host}:{self.port}{LINK_PATH}"

    def issue_url(self) -> str:
        """A URL with a fresh one-time ticket, as apps.connections.open answers."""
        ticket = secrets.token_hex(16)
        with self._changed:
            self._tickets.add(ticket)
        return f"{self.base_url}?ticket={ticket}&app_id={self.app_id}"

    # ---- connections ---------------------------------------------------------------

    @property
    def open_connections(self) -> int:
        with self._changed:
            return len(self._connections)

    @property
    def open_connection_numbers(self) -> list[int]:
        """The numbers of the open connections, oldest first (1 is the first one made)."""
        with self._changed:
            return [self._numbers[c] for c in self._connections]

    def hello_at(self, number: int) -> float:
        """time.monotonic() when connection `number` was sent its `hello`."""
        with self._changed:
            return self._hello_at[number]

    def wait_for_connection(self, timeout: float = 10.0) -> None:
        """Until an app is connected and has been sent `hello`."""
        self._wait(lambda: bool(self._connections), timeout, "no app connected")

    def wait_for_connections_made(self, count: int, timeout: float = 10.0) -> None:
        """Until `count` connections have been made in all, the newest still open."""
        self._wait(
            lambda: self.connections_made >= count and bool(self._connections),
            timeout,
            f"fewer than {count} connections made",
        )

    def wait_for_open_connections(self, count: int, timeout: float = 10.0) -> None:
        """Until exactly `count` connections are open."""
        self._wait(
            lambda: len(self._connections) == count,
            timeout,
            f"not exactly {count} connections open",
        )

    def wait_for_disconnection(self, timeout: float = 10.0) -> None:
        """Until every connection has closed."""
        self._wait(lambda: not self._connections, timeout, "a connection is still open")

    def refresh(
        self, reason: str = "refresh_requested", *, grace: float = REFRESH_GRACE_SECONDS
    ) -> int:
        """Ask the newest connection to reconnect, as Slack does; returns its number.

        The connection stays open until the app closes it, or `grace` seconds from now.
        """
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-local"}}
        connection = self._connection(None)
        connection.send(json.dumps(message))
        closer = threading.Timer(grace, self._close_quietly, args=(connection,))
        closer.daemon = True
        closer.start()
        with self._changed:
            self._closers.append(closer)
        return self._numbers[connection]

    def drop(self, *, close_frame: bool = False) -> int:
        """End the newest connection without a `disconnect` message; returns its number."""
        connection = self._connection(None)
        if close_frame:
            # The close handshake waits for the app's answer: not on the caller's thread.
            closing = threading.Thread(
                target=self._close_quietly, args=(connection, "going away"), daemon=True
            )
            closing.start()
        else:
            with contextlib.suppress(OSError):
                connection.socket.shutdown(socket.SHUT_RDWR)  # FIN now, no close frame
            connection.close_socket()
        return self._numbers[connection]

    # ---- envelopes and acks --------------------------------------------------------

    def push(
        self,
        envelope_type: str,
        payload: dict[str, Any],
        *,
        envelope_id: str | None = None,
        accepts_response_payload: bool = True,
        connection: int | None = None,
    ) -> str:
        """Send an envelope to connection `connection` (default: the newest); returns its id."""
        envelope_id = envelope_id or str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "type": envelope_type,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        self._connection(connection).send(json.dumps(envelope))
        return envelope_id

    def _connection(self, number: int | None) -> ServerConnection:
        with self._changed:
            if not self._connections:
                raise RuntimeError("no app is connected to the Socket Mode stand-in")
            if number is None:
                return self._connections[-1]
            for connection in self._connections:
                if self._numbers[connection] == number:
                    return connection
        raise RuntimeError(f"connection {number} is not open")

    @property
    def received(self) -> list[dict[str, Any]]:
        """Every message the app sent, oldest first (text that was not JSON as {"raw": …})."""
        with self._changed:
            return [message for _, message in self._received]

    def acks_for(self, envelope_id: str) -> list[dict[str, Any]]:
        return [m for m in self.received if m.get("envelope_id") == envelope_id]

    def ack_connections(self, envelope_id: str) -> list[int]:
        """The numbers of the connections that carried acks of `envelope_id`."""
        with self._changed:
            return [n for n, m in self._received if m.get("envelope_id") == envelope_id]

    def ack_for(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """The app's acknowledgement of an envelope: {"envelope_id", "payload"?}."""
        self._wait(
            lambda: any(m.get("envelope_id") == envelope_id for _, m in self._received),
            timeout,
            f"no ack for envelope {envelope_id}",
        )
        return self.acks_for(envelope_id)[0]

    def request(self, envelope_type: str, payload: dict[str, Any], **kwargs: Any) -> dict:
        """Push an envelope and return the payload of its ack ({} when it carried none)."""
        timeout = kwargs.pop("timeout", 5.0)
        envelope_id = self.push(envelope_type, payload, **kwargs)
        return self.ack_for(envelope_id, timeout).get("payload") or {}

    # ---- the server side -----------------------------------------------------------

    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        parts = urlsplit(request.path)
        ticket = (parse_qs(parts.query).get("ticket") or [""])[0]
        with self._changed:
            known = parts.path == LINK_PATH and ticket in self._tickets
            self._tickets.discard(ticket)  # one connection per ticket
        if not known:
            return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid ticket\n")
        return None

    def _serve_connection(self, connection: ServerConnection) -> None:
        with self._changed:
            self.connections_made += 1
            number = self.connections_made
            self._numbers[connection] = number
            count = len(self._connections) + 1
        connection.send(json.dumps(self._hello(count)))
        with self._changed:
            self._hello_at[number] = time.monotonic()
            self._connections.append(connection)
            self._changed.notify_all()
        try:
            for message in connection:
                self._record(number, message)
        except ConnectionClosed:
            pass
        finally:
            with self._changed:
                self._connections.remove(connection)
                self._changed.notify_all()

    @staticmethod
    def _close_quietly(connection: ServerConnection, reason: str = "refreshed") -> None:
        try:
            connection.close(1001, reason)
        except Exception:  # already gone, or the server is stopping
            log.debug("closing a refreshed connection failed", exc_info=True)

    def _hello(self, num_connections: int) -> dict[str, Any]:
        return {
            "type": "hello",
            "num_connections": num_connections,
            "debug_info": {
                "host": "applink-local",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self.app_id},
        }

    def _record(self, number: int, message: str | bytes) -> None:
        text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        with self._changed:
            self._received.append((number, parsed if isinstance(parsed, dict) else {"raw": text}))
            self._changed.notify_all()

    def _wait(self, ready, timeout: float, failure: str) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not ready():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{failure} after {timeout} s")
                self._changed.wait(left)
