"""`dialbot demo --api agent` as a newcomer runs it: a subprocess, a transcript, exit 0;
the call is followed live to its end, and --fault shows each failure."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

DEMO = [sys.executable, "-m", "bot.cli", "demo", "--api", "agent"]


def run(*extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [*DEMO, *extra], capture_output=True, text=True, timeout=120, env=env, check=False
    )


def test_the_agent_demo_shows_sign_in_session_dial_phone_and_the_call_followed_live():
    done = run()
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "password grant" in out and "asAgentId" in out
    assert '"skillId": "4102"' in out and "202 Accepted" in out
    assert out.index("Ringing") < out.index("Connected") < out.index("Call ended after")
    assert "followed to: ENDED" in out
    assert "demo-key-secret" not in out and "demo-application-secret" not in out
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("fault", "shown"),
    [
        ("busy", "the line was busy"),
        ("no-answer", "nobody answered"),
        ("logged-out", "not logged in"),
        ("500", "Outcome: UNKNOWN"),
        ("revoked", "1 refresh(es)"),
    ],
)
def test_each_agent_fault_shows_what_people_see(fault, shown):
    done = run("--fault", fault)
    assert done.returncode == 0, done.stderr
    assert shown in " ".join(done.stdout.split())  # the transcript wraps lines


def test_a_journey_only_combination_is_refused_with_a_sentence():
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo", "--fault", "busy"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "needs --api agent" in done.stdout
