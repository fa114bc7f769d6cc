"""bot.socket_mode's socket wrapper: the end of a stream ends the reader's loop.

slack_sdk's built-in reader treats an empty read as "nothing yet" and reads again at
once, so a socket the peer closed without a WebSocket close frame kept a core busy
until the ping check gave up. The wrapper turns that empty read into an error, except
when the connection is being closed on purpose.
"""

from __future__ import annotations

import socket
import threading

import pytest
from slack_sdk.socket_mode.builtin.connection import ConnectionState

from bot.socket_mode import SocketClosedError, _EndOfStreamIsAnError


@pytest.fixture
def pair():
    ours, theirs = socket.socketpair()
    yield ours, theirs
    ours.close()
    theirs.close()


def test_data_passes_through(pair):
    ours, theirs = pair
    wrapped = _EndOfStreamIsAnError(ours, ConnectionState())
    theirs.sendall(b"frame")
    assert wrapped.recv(1024) == b"frame"
    assert wrapped.fileno() == ours.fileno()  # everything else is the socket's own


def test_a_peer_that_closes_without_a_close_frame_is_an_error(pair):
    ours, theirs = pair
    wrapped = _EndOfStreamIsAnError(ours, ConnectionState())
    theirs.close()
    with pytest.raises(SocketClosedError):
        wrapped.recv(1024)


def test_the_end_of_a_connection_being_closed_on_purpose_is_not_an_error(pair):
    ours, theirs = pair
    state = ConnectionState()
    wrapped = _EndOfStreamIsAnError(ours, state)
    state.terminated = True
    theirs.close()
    assert wrapped.recv(1024) == b""


def test_wake_reader_ends_a_blocked_read_at_once(pair):
    ours, _theirs = pair
    state = ConnectionState()
    wrapped = _EndOfStreamIsAnError(ours, state)
    read: list[bytes] = []
    reader = threading.Thread(target=lambda: read.append(wrapped.recv(1024)))
    reader.start()
    state.terminated = True
    wrapped.wake_reader()
    reader.join(timeout=5)
    assert not reader.is_alive()
    assert read == [b""]
