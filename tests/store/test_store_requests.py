"""Dial requests: the audit trail, compare-and-set transitions, rate limit, recovery."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.store import TERMINAL_STATES, DialState, Store

NUMBER = "+14155550123"


def make_request(
    store: Store, requester: str = "U0ALICE", agent_user: str | None = None, **overrides
):
    values = {
        "requester_id": requester,
        "agent_user_id": agent_user or requester,
        "agent_id": "agent-1001",
        "phone_number": NUMBER,
        "contact_id": "contact-7",
        "channel_id": "C0SALES",
        "response_url": "https://hooks.slack.com/commands/T0/1/abc",
        "ttl_seconds": 600,
    }
    values.update(overrides)
    return store.create_request(**values)


def at(moment: datetime, store: Store) -> Store:
    """The same database, seen by a store whose clock reads `moment`."""
    return Store(store.engine, clock=lambda: moment)


def test_a_new_request_is_pending_and_everything_is_kept(store):
    request = make_request(store)

    assert request.state is DialState.PENDING
    assert store.get_request(request.id) == request
    assert request.requester_id == "U0ALICE"
    assert request.agent_id == "agent-1001"
    assert request.phone_number == NUMBER
    assert request.contact_id == "contact-7"
    assert request.channel_id == "C0SALES"
    assert request.response_url == "https://hooks.slack.com/commands/T0/1/abc"
    assert request.created_at.tzinfo is not None
    assert request.expires_at - request.created_at == timedelta(seconds=600)
    assert abs(request.created_at - datetime.now(UTC)) < timedelta(minutes=1)
    assert request.confirmed_at is request.finished_at is request.call_id is None


def test_request_ids_are_unguessable_and_fit_a_button_value(store):
    ids = {make_request(store).id for _ in range(5)}

    assert len(ids) == 5
    for request_id in ids:
        assert len(request_id) >= 22  # 128 random bits
        assert len(request_id) <= 2000  # Slack's limit for a button value
    assert store.get_request("not-an-id") is None


def test_confirming_twice_moves_the_request_once(store):
    request = make_request(store)

    assert store.transition(request.id, DialState.PENDING, DialState.DIALING) is True
    assert store.transition(request.id, DialState.PENDING, DialState.DIALING) is False
    dialing = store.get_request(request.id)
    assert dialing.state is DialState.DIALING
    assert dialing.confirmed_at is not None
    assert dialing.finished_at is None


def test_a_placed_call_keeps_its_call_id_and_finish_time(store):
    request = make_request(store)
    store.transition(request.id, DialState.PENDING, DialState.DIALING)

    placed = store.transition(
        request.id, DialState.DIALING, DialState.PLACED, call_id="call-42", correlation_id="corr-1"
    )

    assert placed is True
    stored = store.get_request(request.id)
    assert stored.state is DialState.PLACED
    assert (stored.call_id, stored.correlation_id) == ("call-42", "corr-1")
    assert stored.finished_at >= stored.confirmed_at


def test_a_rejection_keeps_its_error_trimmed(store):
    request = make_request(store)
    store.transition(request.id, DialState.PENDING, DialState.DIALING)

    store.transition(request.id, DialState.DIALING, DialState.REJECTED, error="x" * 5000)

    stored = store.get_request(request.id)
    assert stored.state is DialState.REJECTED
    assert 0 < len(stored.error) <= 500


@pytest.mark.parametrize("end", [DialState.CANCELLED, DialState.EXPIRED])
def test_a_cancelled_or_expired_request_can_no_longer_be_confirmed(store, end):
    request = make_request(store)

    assert store.transition(request.id, DialState.PENDING, end) is True

    assert store.transition(request.id, DialState.PENDING, DialState.DIALING) is False
    stored = store.get_request(request.id)
    assert stored.state is end
    assert stored.finished_at is not None
    assert stored.confirmed_at is None


def test_an_expiry_time_is_stored_from_the_ttl(store):
    created = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

    request = make_request(at(created, store), ttl_seconds=90)

    stored = store.get_request(request.id)
    assert stored.created_at == created
    assert stored.expires_at == datetime(2025, 3, 1, 12, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (DialState.PENDING, DialState.PLACED),
        (DialState.PENDING, DialState.UNKNOWN),
        (DialState.DIALING, DialState.PENDING),
        (DialState.DIALING, DialState.CANCELLED),
        (DialState.PLACED, DialState.DIALING),
        (DialState.EXPIRED, DialState.PENDING),
    ],
)
def test_an_illegal_transition_is_a_programming_error(store, start, end):
    request = make_request(store)

    with pytest.raises(ValueError):
        store.transition(request.id, start, end)
    assert store.get_request(request.id).state is DialState.PENDING


def test_transition_refuses_fields_it_does_not_own(store):
    request = make_request(store)

    with pytest.raises(ValueError):
        store.transition(request.id, DialState.PENDING, DialState.DIALING, state="placed")


def test_terminal_states():
    assert (
        frozenset(
            {
                DialState.PLACED,
                DialState.REJECTED,
                DialState.UNKNOWN,
                DialState.CANCELLED,
                DialState.EXPIRED,
            }
        )
        == TERMINAL_STATES
    )
    assert DialState.PENDING.value == "pending"


def test_set_parent_ts(store):
    request = make_request(store)

    store.set_parent_ts(request.id, "1712345678.000100")

    assert store.get_request(request.id).parent_ts == "1712345678.000100"


def test_confirmations_since_counts_one_users_recent_confirmations(store):
    now = datetime.now(UTC)
    two_minutes_ago = at(now - timedelta(minutes=2), store)
    old = make_request(two_minutes_ago)
    two_minutes_ago.transition(old.id, DialState.PENDING, DialState.DIALING)
    for _ in range(3):
        recent = make_request(store)
        store.transition(recent.id, DialState.PENDING, DialState.DIALING)
    make_request(store)  # pending: not confirmed
    someone_else = make_request(store, requester="U0BOB")
    store.transition(someone_else.id, DialState.PENDING, DialState.DIALING)

    since = now - timedelta(minutes=1)
    assert store.confirmations_since("U0ALICE", since) == 3
    assert store.confirmations_since("U0BOB", since) == 1
    assert store.confirmations_since("U0NOBODY", since) == 0


def test_recover_stuck_marks_old_dialing_requests_unknown(store):
    now = datetime.now(UTC)
    ten_minutes_ago = at(now - timedelta(minutes=10), store)
    stuck = make_request(ten_minutes_ago)
    ten_minutes_ago.transition(stuck.id, DialState.PENDING, DialState.DIALING)
    in_flight = make_request(store)
    store.transition(in_flight.id, DialState.PENDING, DialState.DIALING)
    old_pending = make_request(ten_minutes_ago)
    old_placed = make_request(ten_minutes_ago)
    ten_minutes_ago.transition(old_placed.id, DialState.PENDING, DialState.DIALING)
    ten_minutes_ago.transition(old_placed.id, DialState.DIALING, DialState.PLACED, call_id="c1")

    recovered = store.recover_stuck(older_than_seconds=60)

    assert [request.id for request in recovered] == [stuck.id]
    assert recovered[0].state is DialState.UNKNOWN
    assert recovered[0].error  # says what happened, for the requester
    assert recovered[0].finished_at is not None
    assert store.get_request(stuck.id) == recovered[0]
    assert store.get_request(in_flight.id).state is DialState.DIALING
    assert store.get_request(old_pending.id).state is DialState.PENDING
    assert store.get_request(old_placed.id).state is DialState.PLACED
    assert store.recover_stuck(older_than_seconds=60) == []


def test_history_is_newest_first_filtered_and_limited(store):
    start = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    made = []
    for minute, (requester, agent) in enumerate(
        [("U0ALICE", "U0ALICE"), ("U0BOB", "U0BOB"), ("U0SUPER", "U0ALICE"), ("U0BOB", "U0BOB")]
    ):
        made.append(make_request(at(start + timedelta(minutes=minute), store), requester, agent))

    assert [r.id for r in store.history()] == [r.id for r in reversed(made)]
    assert [r.id for r in store.history(limit=2)] == [made[3].id, made[2].id]
    assert [r.id for r in store.history(user="U0ALICE")] == [made[2].id, made[0].id]
    assert [r.id for r in store.history(user="U0BOB", limit=1)] == [made[3].id]
    assert store.history(user="U0NOBODY") == []
