"""The front door's connection arithmetic (bot/server.py), as pure functions."""

from __future__ import annotations

import subprocess
import sys

from bot.server import (
    DESCRIPTORS_KEPT,
    MAX_CONNECTIONS,
    SELECT_CONNECTIONS,
    connection_limit_for,
)


def test_the_connection_limit_leaves_descriptors_for_the_rest_of_the_app():
    assert connection_limit_for(4096, can_poll=True) == 4096 - DESCRIPTORS_KEPT
    assert connection_limit_for(1_048_576, can_poll=True) == MAX_CONNECTIONS
    assert connection_limit_for(None, can_poll=True) == MAX_CONNECTIONS  # no limit at all
    assert connection_limit_for(256, can_poll=True) == 100  # a tiny limit still serves


def test_without_poll_select_keeps_the_limit_under_its_512_sockets():
    assert connection_limit_for(20_000, can_poll=False) == SELECT_CONNECTIONS < 512


def test_the_soft_descriptor_limit_is_raised_to_the_hard_limit():
    # In a child, so this test process keeps its own limits.
    script = (
        "import resource; from bot.server import raise_descriptor_limit\n"
        "soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (min(256, hard), hard))\n"
        "now = raise_descriptor_limit()\n"
        "assert now == resource.getrlimit(resource.RLIMIT_NOFILE)[0]\n"
        "assert hard == resource.RLIM_INFINITY or now == hard, (now, hard)\n"
        "print(now)\n"
    )
    finished = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30
    )
    assert finished.returncode == 0, finished.stderr
    assert int(finished.stdout) > 256
