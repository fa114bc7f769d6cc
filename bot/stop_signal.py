"""Wait in the main thread for SIGTERM or SIGINT, safely.

Python runs a signal handler in the main thread between two of its bytecodes, which may
be while that thread holds a lock. A handler that takes the same lock waits for itself
forever: `threading.Event.set()` in a handler, with the main thread inside
`Event.wait()`, hung one stop in about forty. So the handler here does nothing at all.
Python's C-level handler writes the signal's number to a socket (`signal.set_wakeup_fd`)
and the main thread sleeps in `recv()` on that socket: it wakes at once, whichever
thread the kernel delivered the signal to, and no lock is shared with a handler.
"""

from __future__ import annotations

import signal
import socket
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextmanager
def listening_for(
    signals: Iterable[signal.Signals] = STOP_SIGNALS,
) -> Iterator[Callable[[], signal.Signals]]:
    """Install the handlers now; the `wait()` this yields blocks until one of `signals`
    has arrived (also one that arrived before it was called) and returns it.

    Enter it before saying "press Ctrl-C" or before serving: a signal that arrives
    between the words and the wait is then waited for, not lost (SIGINT started out
    ignored) and not fatal (SIGTERM's default). Handlers are installed also where the
    parent left a signal ignored (a shell's background job starts with SIGINT ignored),
    and stay installed, so another signal during the shutdown that follows is ignored
    instead of cutting it short; a caller that wants the previous handlers back
    restores them.
    """
    signals = tuple(signals)
    wanted = {int(number) for number in signals}
    reader, writer = socket.socketpair()
    writer.setblocking(False)  # set_wakeup_fd requires it; a full buffer drops the byte
    # The wakeup socket first, then the handlers: a signal in between is not lost.
    previous_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)

    def wait() -> signal.Signals:
        while True:
            # recv() is retried after a handler runs (PEP 475); the byte is already there.
            for number in reader.recv(64):
                if number in wanted:
                    return signal.Signals(number)

    try:
        for number in signals:
            signal.signal(number, _do_nothing)
        yield wait
    finally:
        signal.set_wakeup_fd(previous_fd)
        reader.close()
        writer.close()


def wait_for_signal(signals: Iterable[signal.Signals] = STOP_SIGNALS) -> signal.Signals:
    """Block until one of `signals` arrives, and return it. Call from the main thread.
    (A signal before this call is not waited for: see listening_for().)"""
    with listening_for(signals) as wait:
        return wait()


def _do_nothing(_signum: int, _frame: object) -> None:
    """Only so that Python's C handler runs and writes to the wakeup socket."""
