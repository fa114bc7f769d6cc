"""Requests from the dial modal: one claim per modal (view), whichever request asks first."""

from __future__ import annotations

import threading

from bot.store import DialState, Store

VIEW = "V0DIALMODAL"


def make_request(store: Store, *, view_id: str | None = VIEW, number: str = "+14155550123"):
    return store.create_request(
        requester_id="U0ALICE",
        agent_user_id="U0ALICE",
        agent_id="agent-1001",
        phone_number=number,
        contact_id="contact-7",
        channel_id="C0SALES",
        response_url=None,
        ttl_seconds=600,
        view_id=view_id,
    )


def test_the_view_id_is_kept_with_the_request(store):
    request = make_request(store)
    assert store.get_request(request.id).view_id == VIEW
    assert make_request(store, view_id=None).view_id is None


def test_a_modal_may_make_many_pending_requests_but_only_one_is_ever_claimed(store):
    first, second = make_request(store), make_request(store, number="+14155550199")

    assert store.transition(first.id, DialState.PENDING, DialState.DIALING)
    assert not store.transition(second.id, DialState.PENDING, DialState.DIALING)

    assert store.get_request(second.id).state is DialState.PENDING
    assert store.claimed_request_for_view(VIEW).id == first.id
    # Finished, the first still holds the modal's claim.
    assert store.transition(first.id, DialState.DIALING, DialState.PLACED, call_id="c-1")
    assert not store.transition(second.id, DialState.PENDING, DialState.DIALING)
    assert store.claimed_request_for_view(VIEW).state is DialState.PLACED


def test_a_cancelled_or_expired_request_leaves_the_claim_free(store):
    cancelled, expired, placed = make_request(store), make_request(store), make_request(store)
    assert store.transition(cancelled.id, DialState.PENDING, DialState.CANCELLED)
    assert store.transition(expired.id, DialState.PENDING, DialState.EXPIRED)
    assert store.claimed_request_for_view(VIEW) is None

    assert store.transition(placed.id, DialState.PENDING, DialState.DIALING)


def test_requests_without_a_view_never_share_a_claim(store):
    requests = [make_request(store, view_id=None) for _ in range(3)]
    for request in requests:
        assert store.transition(request.id, DialState.PENDING, DialState.DIALING)


def test_two_views_have_a_claim_each(store):
    mine, theirs = make_request(store), make_request(store, view_id="V0OTHER")
    assert store.transition(mine.id, DialState.PENDING, DialState.DIALING)
    assert store.transition(theirs.id, DialState.PENDING, DialState.DIALING)


def test_racing_claims_of_one_modal_give_exactly_one_winner(database_url, store):
    requests = [make_request(store) for _ in range(8)]
    results: list[bool] = []
    go = threading.Barrier(len(requests))

    def claim(request_id: str) -> None:
        own = Store.open(database_url)
        try:
            go.wait()
            results.append(own.transition(request_id, DialState.PENDING, DialState.DIALING))
        finally:
            own.close()

    threads = [threading.Thread(target=claim, args=(r.id,)) for r in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results) == [False] * 7 + [True]
    claimed = [r for r in requests if store.get_request(r.id).state is DialState.DIALING]
    assert len(claimed) == 1


def test_links_are_counted_and_listed_up_to_a_limit(store):
    for n in range(5):
        store.link(f"U0P{n}", f"agent-{n}", "U0ADMIN")
    assert store.count_links() == 5
    assert [link.slack_user_id for link in store.list_links(limit=2)] == ["U0P0", "U0P1"]
    assert len(store.list_links()) == 5
