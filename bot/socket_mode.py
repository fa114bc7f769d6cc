"""Socket Mode: slack_sdk's built-in client, reading every connection from its `hello` on.

slack_sdk's built-in client (3.48) reads one connection at a time, on one thread, and
when Slack asks for a new connection it closes the old one before it reads the new
one. That close waits for the old socket's blocked read to time out (3 s), so an
envelope sent on the new connection in those seconds is acknowledged after Slack's
3 s deadline. A socket that ends without a WebSocket close frame is worse: its reads
return nothing at once, forever, with a core busy, until the ping check gives up
some 50 s later.

This subclass keeps everything else of the built-in client (the web client, the
message queue and its workers, the ping monitor, Bolt's handler) and changes this:
- each connection has its own reader thread, started as soon as its handshake is done;
- the connection Slack asked to replace is closed in the background, with a WebSocket
  close handshake, so what Slack had already sent on it is still read and acknowledged;
- a read that finds the socket closed ends that connection, and the client reconnects
  at once (backing off while apps.connections.open fails);
- close() ends its reads at once instead of waiting them out.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import socket
import struct
import threading
import time
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode.builtin import SocketModeHandler as BoltSocketModeHandler
from slack_sdk.socket_mode import builtin
from slack_sdk.socket_mode.builtin.connection import Connection, ConnectionState
from slack_sdk.socket_mode.builtin.frame_header import FrameHeader
from slack_sdk.socket_mode.builtin.internals import _build_data_frame_for_sending

from bot import messages

CLOSE_TIMEOUT_SECONDS = 1.0  # for Slack's answer to our close frame, then the socket is shut
PING_INTERVAL_SECONDS = 10.0  # Bolt's SocketModeHandler default
RECONNECT_FIRST_DELAY_SECONDS = 0.5  # then doubled after each failure, up to the ping interval
log = logging.getLogger(__name__)


class SocketClosedError(ConnectionResetError):
    """The socket ended without a WebSocket close frame (the network, or Slack, dropped it)."""


class _EndOfStreamIsAnError:
    """A socket whose recv() raises on end of stream instead of returning b"" for ever.

    The built-in reader loop treats b"" as "nothing yet" and reads again at once; an
    OSError ends the loop, which is right for a peer that has gone.
    """

    def __init__(self, sock: socket.socket, state: ConnectionState):
        self._sock = sock
        self._state = state

    def recv(self, size: int) -> bytes:
        data = self._sock.recv(size)
        if not data and not self._state.terminated:
            raise SocketClosedError(errno.ECONNRESET, "socket closed with no close frame")
        return data

    def wake_reader(self) -> None:
        """End a read that is blocked on this socket, now."""
        with contextlib.suppress(OSError):
            socket.socket.shutdown(self._sock, socket.SHUT_RDWR)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class SocketModeClient(builtin.SocketModeClient):
    """slack_sdk's built-in Socket Mode client with a reader per connection."""

    def __init__(self, *args: Any, close_timeout: float = CLOSE_TIMEOUT_SECONDS, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # The built-in runner reads one connection at a time: each reader thread replaces it.
        self.current_session_runner.shutdown()
        self.close_timeout = close_timeout
        self._readers: dict[Connection, threading.Thread] = {}
        self._retiring: list[threading.Thread] = []

    def connect(self) -> None:
        old, old_state = self.current_session, self.current_session_state
        if self.wss_uri is None:
            self.wss_uri = self.issue_new_wss_url()
        started = time.monotonic()
        session, state = self._open_connection(self.wss_uri), ConnectionState()
        if not session.is_active() and old is not None and old.is_active():
            return  # keep reading the old one; the monitor tries again
        if session.is_active():
            session.sock = _EndOfStreamIsAnError(session.sock, state)  # type: ignore[assignment]
            self._start_reader(session, state)
        self.current_session, self.current_session_state = session, state
        self.auto_reconnect_enabled = self.default_auto_reconnect_enabled
        if not self.current_app_monitor_started:
            self.current_app_monitor_started = True
            self.current_app_monitor.start()
        if old is not None:
            self._retire(old, old_state)
        took = (time.monotonic() - started) * 1000
        log.info(messages.LOG_SOCKET_OPEN, session.session_id, took)

    def disconnect(self) -> None:
        if self.current_session is not None and self.current_session.is_active():
            self.current_session.close()

    def close(self) -> None:
        self.closed = True
        self.auto_reconnect_enabled = False
        if self.current_session is not None:
            self._close_connection(self.current_session, self.current_session_state)
        for retiring in list(self._retiring):
            retiring.join(timeout=self.close_timeout)
        self.message_queue.put(None)  # wakes the message processor now, not within 1 s
        super().close()

    # ---- one connection --------------------------------------------------------------

    def _open_connection(self, url: str) -> Connection:
        session = Connection(
            url=url,
            logger=self.logger,
            ping_interval=self.ping_interval,
            trace_enabled=self.trace_enabled,
            all_message_trace_enabled=self.all_message_trace_enabled,
            ping_pong_trace_enabled=self.ping_pong_trace_enabled,
            receive_buffer_size=self.receive_buffer_size,
            proxy=self.proxy,
            proxy_headers=self.proxy_headers,
            on_message_listener=self._on_message,
            on_error_listener=self._on_error,
            on_close_listener=self._on_close_frame,
            ssl_context=self.web_client.ssl,
        )
        session.connect()
        return session

    def _start_reader(self, session: Connection, state: ConnectionState) -> None:
        reader = threading.Thread(
            target=self._read, args=(session, state), name="socket-mode-reader", daemon=True
        )
        self._readers[session] = reader
        reader.start()

    def _read(self, session: Connection, state: ConnectionState) -> None:
        try:
            session.run_until_completion(state)
        finally:
            self._readers.pop(session, None)
        if session is self.current_session and self.auto_reconnect_enabled and not self.closed:
            log.warning(messages.LOG_SOCKET_ENDED, session.session_id)
            self._reconnect()

    def _reconnect(self) -> None:
        """Until connected or closed, sooner than the monitor's next check would."""
        delay = RECONNECT_FIRST_DELAY_SECONDS
        while self.auto_reconnect_enabled and not self.closed:
            try:
                self.connect_to_new_endpoint()
            except Exception as error:  # e.g. apps.connections.open failed
                failure = f"{type(error).__name__}: {error}"
            else:
                failure = "the WebSocket handshake failed"  # slack_sdk has logged why
            if self.is_connected():
                return
            log.warning(messages.LOG_SOCKET_RECONNECT_FAILED, failure, delay)
            time.sleep(delay)
            delay = min(delay * 2, self.ping_interval)

    def _on_error(self, error: Exception) -> None:
        if isinstance(error, SocketClosedError):  # the reader says so, and reconnects
            for listener in self.on_error_listeners:
                listener(error)
            return
        super()._on_error(error)

    def _on_close_frame(self, code: int, reason: str | None = None) -> None:
        # The reader ends the connection and reconnects; here only the listeners hear of it.
        for listener in self.on_close_listeners:
            listener(code, reason)

    def _retire(self, session: Connection, state: ConnectionState) -> None:
        retiring = threading.Thread(
            target=self._close_connection,
            args=(session, state),
            name="socket-mode-retire",
            daemon=True,
        )
        self._retiring.append(retiring)
        retiring.start()

    def _close_connection(self, session: Connection, state: ConnectionState) -> None:
        """Close handshake: Slack answers our close frame after anything it already sent."""
        try:
            reader = self._readers.get(session)
            if reader is not None and session.is_active():
                _send_close_frame(session)
                reader.join(timeout=self.close_timeout)
            state.terminated = True
            if isinstance(session.sock, _EndOfStreamIsAnError):
                session.sock.wake_reader()  # no answer in time: don't wait out a blocked read
            if session.is_active():
                session.disconnect()
        finally:
            with contextlib.suppress(ValueError):
                self._retiring.remove(threading.current_thread())


def _send_close_frame(session: Connection) -> None:
    frame = _build_data_frame_for_sending(struct.pack("!H", 1000), FrameHeader.OPCODE_CLOSE)
    with session.sock_send_lock:
        if session.sock is not None:
            with contextlib.suppress(OSError):
                session.sock.send(frame)


class SocketModeHandler(BoltSocketModeHandler):
    """Bolt's built-in Socket Mode handler, on the client above."""

    def __init__(self, app: App, app_token: str):
        # Not super().__init__(): that would start a built-in client's threads for nothing.
        self.app = app
        self.app_token = app_token
        self.client = SocketModeClient(
            app_token=app_token,
            logger=app.logger,
            web_client=app.client,
            proxy=app.client.proxy,
            ping_interval=PING_INTERVAL_SECONDS,
        )
        self.client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]
