"""DialService on a real SQLite store, with the FakePlacer standing in for CXone."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from bot.calls import CallOrder, Placed, Rejected, Unknown
from bot.dialing import (
    RECOVERY_MARGIN_SECONDS,
    Claimed,
    DialService,
    PreparedDial,
    Refusal,
    RefusalKind,
)
from bot.fake_placer import FakePlacer
from bot.phone import PhonePolicy
from bot.store import DialState, Store

ALICE, BOB, SAM, ADMIN = "U0ALICE", "U0BOB", "U0SAM", "U0ADMIN"
NUMBER = "+1 415 555 0123"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


PLACED = Placed("call-1", "corr-1", 1)
MAX_DIAL_SECONDS = 12.0


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path, clock) -> Store:
    store = Store.open(f"sqlite:///{tmp_path / 'dial.db'}", clock=clock)
    store.link(ALICE, "agent-1", ADMIN)
    store.link(BOB, "agent-2", ADMIN)
    yield store
    store.close()


@pytest.fixture
def dialer() -> FakePlacer:
    """Answers the first order with PLACED; a test may script others first."""
    return FakePlacer([PLACED], max_dial_seconds=MAX_DIAL_SECONDS)


def make_service(store, dialer, clock, **overrides) -> DialService:
    options = dict(
        phone_policy=PhonePolicy("US", frozenset({"US"})),
        admins={ADMIN},
        supervisors={SAM},
        default_contact_id="contact-1",
        confirm_ttl_seconds=600,
        rate_limit_per_minute=2,
        clock=clock,
    )
    options.update(overrides)
    return DialService(store, dialer, **options)


@pytest.fixture
def service(store, dialer, clock) -> DialService:
    return make_service(store, dialer, clock)


def prepare(service, requester=ALICE, agent=None, number=NUMBER, contact=None):
    return service.prepare(requester, agent, number, contact, "C1", "https://hooks/1")


def test_prepare_records_a_pending_request_for_the_callers_own_agent(service, store):
    prepared = prepare(service)
    assert isinstance(prepared, PreparedDial)
    assert prepared.number.display == "+1 415-555-0123"
    request = store.get_request(prepared.request.id)
    assert request.state == DialState.PENDING
    assert (request.agent_user_id, request.agent_id) == (ALICE, "agent-1")
    assert (request.phone_number, request.contact_id) == ("+14155550123", "contact-1")


@pytest.mark.parametrize(
    ("requester", "agent", "number", "kind"),
    [
        ("U0NOBODY", None, NUMBER, RefusalKind.NOT_LINKED),
        # rights come before the number: an unlinked or unauthorised caller learns that first
        ("U0NOBODY", BOB, "not a number", RefusalKind.NOT_LINKED),
        (ALICE, BOB, "not a number", RefusalKind.NOT_SUPERVISOR),
        (SAM, "U0NOBODY", NUMBER, RefusalKind.NOT_LINKED),  # Sam himself is not linked
        (ALICE, None, "911", RefusalKind.NUMBER_REFUSED),
        (ALICE, None, "+44 20 7946 0958", RefusalKind.NUMBER_REFUSED),
    ],
)
def test_prepare_refuses_in_order(service, store, requester, agent, number, kind):
    refusal = prepare(service, requester, agent, number)
    assert isinstance(refusal, Refusal)
    assert refusal.kind == kind
    assert store.history() == []


def test_supervisor_may_dial_as_a_linked_agent_only(service, store):
    store.link(SAM, "agent-3", ADMIN)
    assert prepare(service, SAM, BOB).request.agent_id == "agent-2"
    refusal = prepare(service, SAM, "U0CAROL")
    assert refusal.kind == RefusalKind.AGENT_NOT_LINKED
    assert "<@U0CAROL>" in refusal.message


def test_contact_id_comes_from_the_command_or_the_default(store, dialer, clock):
    service = make_service(store, dialer, clock, default_contact_id=None)
    assert prepare(service).kind == RefusalKind.NO_CONTACT
    assert prepare(service, contact="C-77").request.contact_id == "C-77"


def test_a_placer_that_takes_no_contact_id_needs_none(store, clock):
    placer = FakePlacer(uses_contact_id=False)
    service = make_service(store, placer, clock, default_contact_id=None)
    request = prepare(service, contact="ignored-here").request
    assert request.contact_id == ""
    service.place(service.confirm(request.id, ALICE).request)
    (order,) = placer.orders
    assert order.contact_id is None


def test_confirm_then_place_records_the_outcome_and_sends_the_request_context(
    service, store, dialer
):
    request = prepare(service).request
    claimed = service.confirm(request.id, ALICE)
    assert isinstance(claimed, Claimed)
    assert store.get_request(request.id).state == DialState.DIALING
    assert dialer.orders == []  # claiming is not dialing

    final = service.place(claimed.request)
    assert final.state == DialState.PLACED
    assert (final.call_id, final.correlation_id) == ("call-1", "corr-1")
    assert store.get_request(request.id).state == DialState.PLACED
    assert dialer.orders == [
        CallOrder(
            request_id=request.id,
            agent_id="agent-1",
            phone_number="+14155550123",
            contact_id="contact-1",
            requester_id=ALICE,
            channel_id="C1",
        )
    ]


@pytest.mark.parametrize(
    ("outcome", "state"),
    [
        (Rejected("CXone said no.", 400, "c", 1), DialState.REJECTED),
        (Unknown("Nobody knows.", None, 1), DialState.UNKNOWN),
        (RuntimeError("dialer bug"), DialState.UNKNOWN),
    ],
)
def test_failed_dials_keep_the_reason(store, clock, outcome, state):
    service = make_service(store, FakePlacer([outcome]), clock)
    request = prepare(service).request
    final = service.place(service.confirm(request.id, ALICE).request)
    assert final.state == state
    assert store.get_request(request.id).state == state
    assert final.error  # the sentence shown to people
    assert "dialer bug" not in final.error


def test_only_the_requester_may_confirm_or_cancel(service, store):
    request = prepare(service).request
    assert service.confirm(request.id, BOB).kind == RefusalKind.NOT_YOURS
    assert service.cancel(request.id, BOB).kind == RefusalKind.NOT_YOURS
    assert store.get_request(request.id).state == DialState.PENDING


def test_unknown_request_id_is_refused(service):
    assert service.confirm("tampered", ALICE).kind == RefusalKind.UNKNOWN_REQUEST


def test_one_claim_wins_however_many_presses(service, store):
    request = prepare(service).request
    barrier = threading.Barrier(8)
    results = []

    def press():
        barrier.wait()
        results.append(service.confirm(request.id, ALICE))

    threads = [threading.Thread(target=press) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(isinstance(r, Claimed) for r in results) == 1
    assert {r.kind for r in results if isinstance(r, Refusal)} <= {
        RefusalKind.ALREADY_DIALING,
        RefusalKind.ALREADY_HANDLED,
    }


def test_cancelled_request_cannot_be_confirmed(service):
    request = prepare(service).request
    assert service.cancel(request.id, ALICE).state == DialState.CANCELLED
    refusal = service.confirm(request.id, ALICE)
    assert refusal.kind == RefusalKind.ALREADY_HANDLED
    assert "cancelled" in refusal.message


def test_expired_card_is_marked_expired(service, store, clock):
    request = prepare(service).request
    clock.advance(601)
    refusal = service.confirm(request.id, ALICE)
    assert refusal.kind == RefusalKind.EXPIRED
    assert store.get_request(request.id).state == DialState.EXPIRED
    assert service.confirm(request.id, ALICE).kind == RefusalKind.EXPIRED


def test_rate_limit_refuses_says_how_long_and_leaves_the_request_pending(service, store, clock):
    for _ in range(2):
        service.confirm(prepare(service).request.id, ALICE)
        clock.advance(10)
    request = prepare(service).request
    refusal = service.confirm(request.id, ALICE)
    assert refusal.kind == RefusalKind.RATE_LIMITED
    # the first confirmation leaves the window at 60 s
    assert "Press Dial again in 40 seconds." in refusal.message
    assert store.get_request(request.id).state == DialState.PENDING
    clock.advance(41)
    assert isinstance(service.confirm(request.id, ALICE), Claimed)


class FailingTransitions:
    """The store, except that writing a state change fails (the database went away)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def __getattr__(self, name):
        return getattr(self._store, name)

    def transition(self, *args, **kwargs):
        raise ConnectionError("database is gone")

    def move(self, *args, **kwargs):
        raise ConnectionError("database is gone")


def test_no_call_is_placed_when_the_claim_cannot_be_written(store, dialer, clock):
    service = make_service(FailingTransitions(store), dialer, clock)
    request = prepare(service).request
    refusal = service.confirm(request.id, ALICE)
    assert refusal.kind == RefusalKind.STORE_FAILED
    assert "placed no call" in refusal.message
    assert refusal.request.id == request.id  # so the card can come back with its buttons
    assert dialer.orders == []
    assert store.get_request(request.id).state == DialState.PENDING


def test_a_cancel_that_cannot_be_written_says_so_and_dials_nothing(store, dialer, clock):
    service = make_service(FailingTransitions(store), dialer, clock)
    request = prepare(service).request
    refusal = service.cancel(request.id, ALICE)
    assert refusal.kind == RefusalKind.STORE_FAILED
    assert "couldn't cancel" in refusal.message and "Nothing was dialed" in refusal.message
    assert dialer.orders == []
    assert store.get_request(request.id).state == DialState.PENDING


def test_the_outcome_is_still_reported_when_it_cannot_be_saved(store, dialer, clock):
    service = make_service(store, dialer, clock)
    claimed = service.confirm(prepare(service).request.id, ALICE).request
    final = make_service(FailingTransitions(store), dialer, clock).place(claimed)
    assert final.state == DialState.PLACED
    assert final.call_id == "call-1"


def test_recover_stuck_waits_out_the_placers_longest_dial(service, store, clock):
    request = prepare(service).request
    service.confirm(request.id, ALICE)
    assert service.stuck_after_seconds == MAX_DIAL_SECONDS + RECOVERY_MARGIN_SECONDS
    clock.advance(MAX_DIAL_SECONDS)  # the placer may still be dialing
    assert service.recover_stuck() == []
    clock.advance(RECOVERY_MARGIN_SECONDS + 1)
    (recovered,) = service.recover_stuck()
    assert recovered.id == request.id
    assert store.get_request(request.id).state == DialState.UNKNOWN


def test_link_and_unlink_need_an_admin(service, store):
    assert service.link(ALICE, SAM, "agent-3").kind == RefusalKind.NOT_ADMIN
    assert service.unlink(ALICE, BOB).kind == RefusalKind.NOT_ADMIN
    assert store.get_link(SAM) is None
    assert service.link(ADMIN, SAM, "agent-3").cxone_agent_id == "agent-3"
    assert service.whois(SAM).linked_by == ADMIN
    assert service.unlink(ADMIN, SAM) is True
    assert service.unlink(ADMIN, SAM) is False
