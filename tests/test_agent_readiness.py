"""AgentReadiness against the CXone sandbox through the real admin client: the budget,
reads shared in flight, the press reusing a recent reading, and what refuses."""

from __future__ import annotations

import threading
import time

import pytest

from bot.agent_state import AgentReadiness, StateCheck
from bot.cxone.admin import CXoneAdmin, ReadFailure
from bot.cxone.auth import TokenClient
from bot.cxone.http import CXoneHttp
from bot.sandbox.cxone import CXoneSandbox


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def sandbox():
    with CXoneSandbox(agents=("1001", "1002")) as running:
        yield running


def readiness(sandbox, **options) -> AgentReadiness:
    tokens = TokenClient(sandbox.token_url, "demo-client", "demo-secret", timeout=2)
    admin = CXoneAdmin(sandbox.base_url, CXoneHttp(tokens, timeout=2, sleep=lambda s: None))
    tokens.get_token()  # signed in already: the timings below are the state read's
    return AgentReadiness(admin, **options)


@pytest.mark.parametrize(
    ("mode", "state", "refused"),
    [
        ("block", "Available", False),
        ("block", "LoggedOut", True),
        ("block", "InboundContact", True),
        ("warn", "LoggedOut", False),
    ],
)
def test_only_block_refuses_a_state_outside_the_ready_list(sandbox, mode, state, refused):
    sandbox.set_agent_state("1001", state)
    check = readiness(sandbox, mode=mode)
    reading = check.for_card("1001")
    assert reading.state.name == state
    assert reading.ready is (state == "Available")
    assert check.refuses(reading) is refused
    assert reading.seen == state


def test_ready_states_are_matched_without_case(sandbox):
    sandbox.set_agent_state("1001", "LoggedIn")
    check = readiness(sandbox, ready_states=["available", "loggedin"])
    assert check.for_card("1001").ready is True


def test_a_failed_read_never_refuses_and_says_why(sandbox):
    sandbox.set_fault("states_403")
    check = readiness(sandbox)
    reading = check.for_card("1001")
    assert reading.failure.kind is ReadFailure.FORBIDDEN
    assert not check.refuses(reading)
    assert reading.seen == "unread: forbidden"
    assert "may not read agent states, HTTP 403" in reading.why_unread


def test_the_budget_bounds_the_wait_and_the_late_answer_is_kept_for_the_press(sandbox):
    sandbox.read_latency = 0.6
    check = readiness(sandbox, budget_seconds=0.1)
    started = time.monotonic()
    reading = check.for_card("1001")
    assert time.monotonic() - started < 0.5
    assert not reading.answered and not check.refuses(reading)
    assert reading.seen == "unread: not answered in time"
    pressed = check.for_press("1001")  # joins the read in flight
    assert pressed.state.name == "Available"
    assert sandbox.state_requests == 1


def test_reads_of_one_agent_share_a_flight(sandbox):
    sandbox.read_latency = 0.3
    check = readiness(sandbox, budget_seconds=2.0)
    readings = []
    start = threading.Barrier(10)

    def read() -> None:
        start.wait()
        readings.append(check.for_card("1001"))

    threads = [threading.Thread(target=read) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.state.name for r in readings] == ["Available"] * 10
    assert sandbox.state_requests == 1


def test_the_press_reuses_a_recent_reading_and_reads_an_old_one_again(sandbox):
    clock = Clock()
    check = readiness(sandbox, max_age_seconds=15, clock=clock)
    check.for_card("1001")
    sandbox.set_agent_state("1001", "LoggedOut")
    clock.now += 14
    assert check.for_press("1001").state.name == "Available"
    clock.now += 2
    assert check.for_press("1001").state.name == "LoggedOut"
    assert sandbox.state_requests == 2


def test_a_failure_is_not_reused_at_the_press(sandbox):
    sandbox.set_fault("states_404", times=1)
    check = readiness(sandbox)
    assert check.for_card("1001").failure is not None
    assert check.for_press("1001").state.name == "Available"


def test_the_home_words(sandbox):
    sandbox.set_agent_state("1001", "Unavailable", description="Lunch")
    check = readiness(sandbox, mode=StateCheck.WARN)
    assert check.words("1001") == "Unavailable (Lunch)"
    sandbox.set_fault("states_500")
    assert check.words("1002") is None
