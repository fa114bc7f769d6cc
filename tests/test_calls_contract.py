"""The CallPlacer contract, the same cases over every placer.

Each placer is driven into each case its own way (the journey placer by the CXone
sandbox over HTTP, the FakePlacer by its script); the assertions are the contract's and
never look at which placer answered: one typed outcome, no exception, never a second
dial when CXone may have acted, a progress stream that ends, thread safety, and an
honest upper bound on how long a dial takes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.calls import (
    CallEvent,
    CallOrder,
    CallPlacer,
    Connected,
    Ended,
    Placed,
    Rejected,
    Ringing,
    Unknown,
    is_final,
)
from bot.cxone import CXoneHttp, JourneyPlacer, TokenClient
from bot.cxone.agent import AgentPlacer
from bot.cxone.agent_auth import AgentSignIn
from bot.fake_placer import FakePlacer
from bot.sandbox.cxone import CXoneSandbox
from bot.sandbox.cxone_agent import AgentApiSandbox

AGENT = "agent-1001"
ORDER = CallOrder(
    request_id="req-contract",
    agent_id=AGENT,
    phone_number="+14155550123",
    contact_id="contact-1",
    requester_id="U0ALICE",
    channel_id="C0SALES",
)


class JourneyHarness:
    """The journey placer against the CXone sandbox, over real HTTP."""

    def __init__(self, cxone: CXoneSandbox) -> None:
        self.cxone = cxone
        tokens = TokenClient(cxone.token_url, cxone.client_id, cxone.client_secret, timeout=1)
        self.placer = JourneyPlacer(cxone.url, CXoneHttp(tokens, timeout=1), cxone.campaign_id)

    def will_refuse(self) -> CallOrder:
        return replace(ORDER, agent_id="agent-not-on-the-campaign")

    def will_fail_after_acting(self) -> None:
        self.cxone.set_fault("500", place=True)

    def dials_received(self) -> int:
        return len(self.cxone.calls)


class AgentHarness:
    """The agent placer against the Agent API sandbox, over real HTTP."""

    def __init__(self, cxone: AgentApiSandbox) -> None:
        self.cxone = cxone
        sign_in = AgentSignIn(
            auth_url=cxone.auth_url,
            client_id=cxone.client_id,
            client_secret=cxone.client_secret,
            access_key_id=cxone.access_key_id,
            access_key_secret=cxone.access_key_secret,
            timeout=1,
        )
        self.placer = AgentPlacer(sign_in, CXoneHttp(sign_in, timeout=1), poll_seconds=1)

    def will_refuse(self) -> CallOrder:
        return replace(ORDER, phone_number="+0123")  # CXone's dial-phone answers 400

    def will_fail_after_acting(self) -> None:
        self.cxone.set_fault("500", place=True)

    def dials_received(self) -> int:
        return len(self.cxone.calls)


class FakeHarness:
    """The FakePlacer, scripted the way a test of the core would script it."""

    def __init__(self) -> None:
        progress = [Ringing(at=_now()), Connected(at=_now()), Ended(_now(), duration_seconds=3)]
        self.placer = FakePlacer(progress=progress)

    def will_refuse(self) -> CallOrder:
        self.placer.script(Rejected("CXone said no. No call was placed.", 400, None, 1))
        return ORDER

    def will_fail_after_acting(self) -> None:
        self.placer.script(Unknown("CXone failed after acting; check first.", None, 1, 500))

    def dials_received(self) -> int:
        return len(self.placer.orders)


@pytest.fixture(params=["fake", "journey", "agent"])
def harness(request) -> Iterator[JourneyHarness | FakeHarness | AgentHarness]:
    if request.param == "fake":
        yield FakeHarness()
        return
    if request.param == "agent":
        with AgentApiSandbox(agents=[AGENT], one_call_per_agent=False) as cxone:
            yield AgentHarness(cxone)
        return
    with CXoneSandbox(agents=[AGENT]) as cxone:
        yield JourneyHarness(cxone)


def test_it_is_a_call_placer_with_an_honest_bound(harness):
    placer = harness.placer
    assert isinstance(placer, CallPlacer)
    assert isinstance(placer.uses_contact_id, bool)
    assert 0 < placer.max_dial_seconds < 3600


def test_a_placed_call_is_one_dial_with_one_outcome(harness):
    started = time.monotonic()
    outcome = harness.placer.place_call(ORDER)
    assert isinstance(outcome, Placed)
    assert outcome.attempts == 1
    assert harness.dials_received() == 1
    assert time.monotonic() - started < harness.placer.max_dial_seconds


def test_a_refused_call_is_rejected_with_a_sentence(harness):
    outcome = harness.placer.place_call(harness.will_refuse())
    assert isinstance(outcome, Rejected)
    assert outcome.reason.endswith(".") and len(outcome.reason) > 20
    assert harness.dials_received() == 1


def test_a_failure_after_cxone_may_have_acted_is_unknown_and_never_sent_again(harness):
    harness.will_fail_after_acting()
    outcome = harness.placer.place_call(ORDER)
    assert isinstance(outcome, Unknown)
    assert outcome.reason
    assert harness.dials_received() == 1


def test_progress_is_typed_and_ends_with_a_final_event(harness):
    placed = harness.placer.place_call(ORDER)
    events: list[CallEvent] = list(harness.placer.follow_call(ORDER, placed))
    assert all(isinstance(e, Ringing | Connected | Ended) for e in events[:-1])
    if events:  # a placer whose API cannot see the call afterwards offers none
        assert is_final(events[-1])
        assert not any(is_final(e) for e in events[:-1])


def test_placing_from_many_threads_at_once_gives_each_order_its_own_outcome(harness):
    orders = [replace(ORDER, request_id=f"req-{n}") for n in range(20)]
    with ThreadPoolExecutor(20) as pool:
        outcomes = list(pool.map(harness.placer.place_call, orders))
    assert all(isinstance(o, Placed) for o in outcomes)
    # Call ids, where CXone names one when it takes the call, are each call's own (the
    # Agent API names the contact only in the session's events).
    call_ids = [o.call_id for o in outcomes if o.call_id is not None]
    assert len(set(call_ids)) == len(call_ids)
    assert harness.dials_received() == 20


def _now() -> datetime:
    return datetime.now(UTC)
