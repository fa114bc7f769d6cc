"""Stopping on a signal never hangs, however the signal lands.

A stop hung only when SIGTERM arrived while the main thread held the lock that its
handler then wanted (`Event.set()` inside the handler, `Event.wait()` in the main loop),
a window of microseconds. So a child process waits for a stop a thousand times over
while this process sends it SIGTERM as fast as it can: against that old handler the
child hangs within a few hundred stops, and the bound on its run time turns the hang
into a failure. The signals come from another process on purpose: a thread of the
child could only send one while the main thread gives up Python's lock, which it does
not do inside that window.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from bot.stop_signal import listening_for, wait_for_signal

ROOT = Path(__file__).resolve().parents[1]
BOUND_SECONDS = 60  # a healthy run takes a few seconds, even on a loaded machine

CHILD_PREAMBLE = """
import signal, sys
sys.path.insert(0, {root!r})
# Between two waits SIGTERM must not end the child: a handler that does nothing.
signal.signal(signal.SIGTERM, lambda *_: None)
def progress(done):
    print(done, flush=True)
print("ready", flush=True)
"""
# The signals keep coming while the child exits: ignore them, or one ends it at exit.
# (Blocking is per thread, and at exit Python puts SIG_DFL back for Python handlers, so
# a SIGTERM delivered to another thread still alive then ended the child: -15.)
CHILD_POSTAMBLE = """
signal.signal(signal.SIGTERM, signal.SIG_IGN)
signal.pthread_sigmask(signal.SIG_BLOCK, {{signal.SIGTERM}})
print("stopped", {stops}, "times", flush=True)
"""
STALL_SECONDS = 10  # no progress for this long: a stop hung


def stop_repeatedly(body: str, stops: int) -> str:
    """Run `body` (which waits for a stop `stops` times, calling progress(done) after
    each) in a child while sending it SIGTERM non-stop; return its output, or fail
    as soon as it stalls."""
    code = (
        CHILD_PREAMBLE.format(root=str(ROOT))
        + textwrap.dedent(body).format(stops=stops)
        + CHILD_POSTAMBLE.format(stops=stops)
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline() == "ready\n"
        os.set_blocking(child.stdout.fileno(), False)
        done, last_progress, output = "0", time.monotonic(), []
        while child.poll() is None:
            os.kill(child.pid, signal.SIGTERM)
            time.sleep(0.0001)  # a signal every 0.1-0.2 ms: some land inside the window
            line = child.stdout.readline()
            if line:
                output.append(line)
                done, last_progress = line.strip(), time.monotonic()
            elif time.monotonic() - last_progress > STALL_SECONDS:
                pytest.fail(f"a stop hung: no progress for {STALL_SECONDS} s after {done} stops")
        output.append(child.stdout.read() or "")
        assert child.returncode == 0, child.stderr.read()
        return "".join(output)
    finally:
        if child.poll() is None:
            child.kill()
        child.communicate()


def test_app_stops_on_every_one_of_three_thousand_sigterms():
    out = stop_repeatedly(
        """
        import app
        for done in range(1, {stops} + 1):
            app.wait_for_stop_signal()
            progress(done)
        """,
        stops=3000,
    )
    assert "stopped 3000 times" in out


def test_sandbox_stops_on_every_one_of_many_sigterms():
    out = stop_repeatedly(
        """
        import contextlib, io
        from bot.cli import main
        for done in range(1, {stops} + 1):
            with contextlib.redirect_stdout(io.StringIO()) as printed:
                assert main(["sandbox", "--port", "0"]) == 0
            assert "CXone sandbox stopped" in printed.getvalue(), printed.getvalue()
            progress(done)
        """,
        stops=100,  # each one starts and stops a real server
    )
    assert "stopped 100 times" in out


def ignore_sigint() -> None:
    """What a shell does to a background job when job control is off (`cmd &` in a
    script, many CI runners): SIGINT starts out ignored, and Python leaves it so."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def test_sandbox_stops_on_sigint_even_when_started_with_sigint_ignored():
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "sandbox", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        preexec_fn=ignore_sigint,
    )
    try:
        for line in process.stdout:
            if line.startswith("Press Ctrl-C"):
                break
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
        assert "CXone sandbox stopped" in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.fixture
def restore_handlers():
    numbers = (signal.SIGTERM, signal.SIGINT, signal.SIGALRM)
    previous = {number: signal.getsignal(number) for number in numbers}
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    for number, handler in previous.items():
        signal.signal(number, handler)


def send_soon(number: signal.Signals) -> None:
    """The kernel's timer sends SIGALRM in 50 ms; its handler sends `number`."""
    signal.signal(signal.SIGALRM, lambda *_: os.kill(os.getpid(), number))
    signal.setitimer(signal.ITIMER_REAL, 0.05)


def test_the_wait_returns_the_signal_that_came_and_gives_the_wakeup_socket_back(
    restore_handlers,
):
    before = signal.set_wakeup_fd(-1)
    signal.set_wakeup_fd(before)

    send_soon(signal.SIGINT)
    assert wait_for_signal() is signal.SIGINT

    assert signal.set_wakeup_fd(before) == before


def test_signals_it_was_not_asked_to_wait_for_do_not_end_the_wait(restore_handlers):
    signal.signal(signal.SIGINT, lambda *_: None)
    signal.signal(signal.SIGALRM, lambda *_: (os.kill(os.getpid(), signal.SIGINT), later()))

    def later():
        signal.signal(signal.SIGALRM, lambda *_: os.kill(os.getpid(), signal.SIGTERM))
        signal.setitimer(signal.ITIMER_REAL, 0.05)

    signal.setitimer(signal.ITIMER_REAL, 0.05)
    assert wait_for_signal([signal.SIGTERM]) is signal.SIGTERM


def test_a_signal_after_the_wait_is_ignored_instead_of_ending_the_process(restore_handlers):
    send_soon(signal.SIGTERM)
    wait_for_signal()

    os.kill(os.getpid(), signal.SIGTERM)  # the default action would end pytest here
    time.sleep(0.01)


def test_a_signal_between_listening_and_waiting_is_kept(restore_handlers):
    """The sandbox said "Press Ctrl-C" before its handlers were in: a SIGINT in between
    was lost when SIGINT started ignored (the sandbox then never stopped), and a SIGTERM
    there would end app.py uncleanly. listening_for() is entered before the words."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with listening_for() as wait:
        os.kill(os.getpid(), signal.SIGINT)  # before wait(): neither lost nor fatal
        time.sleep(0.01)
        assert wait() is signal.SIGINT
