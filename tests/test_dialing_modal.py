"""DialService for the dial modal and the App Home: submit() runs prepare() and confirm()
and shares one claim per modal; home() gathers what a person's home shows."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from bot.dialing import Claimed, DialField, DialService, HomeSummary, Refusal, RefusalKind
from bot.fake_placer import FakePlacer
from bot.phone import PhonePolicy
from bot.store import DialState, Store

ALICE, BOB, SAM, ADMIN = "U0ALICE", "U0BOB", "U0SAM", "U0ADMIN"
NUMBER = "+1 415 555 0123"
VIEW = "V0MODAL1"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path, clock):
    store = Store.open(f"sqlite:///{tmp_path / 'dial.db'}", clock=clock)
    store.link(ALICE, "agent-1", ADMIN)
    store.link(BOB, "agent-2", ADMIN)
    store.link(SAM, "agent-3", ADMIN)
    yield store
    store.close()


@pytest.fixture
def placer() -> FakePlacer:
    return FakePlacer()


def make_service(store, placer, clock, **overrides) -> DialService:
    options = dict(
        phone_policy=PhonePolicy("US", frozenset({"US"})),
        admins={ADMIN},
        supervisors={SAM},
        default_contact_id="contact-1",
        rate_limit_per_minute=2,
        clock=clock,
    )
    options.update(overrides)
    return DialService(store, placer, **options)


@pytest.fixture
def service(store, placer, clock) -> DialService:
    return make_service(store, placer, clock)


def submit(service: DialService, user: str = ALICE, number: str = NUMBER, **fields):
    values = dict(agent_user_id=None, contact_id=None, channel_id="C0SALES", view_id=VIEW)
    values.update(fields)
    agent = values.pop("agent_user_id")
    contact = values.pop("contact_id")
    channel = values.pop("channel_id")
    return service.submit(user, agent, number, contact, channel, **values)


# --- submit --------------------------------------------------------------------------


def test_a_good_submission_is_recorded_and_claimed_in_one_go(service, store):
    result = submit(service, response_url="https://hooks.example/r/1")

    assert isinstance(result, Claimed)
    request = result.request
    assert request.state is DialState.DIALING and request.confirmed_at is not None
    assert (request.view_id, request.channel_id) == (VIEW, "C0SALES")
    assert (request.phone_number, request.agent_id, request.contact_id) == (
        "+14155550123",
        "agent-1",
        "contact-1",
    )
    assert request.response_url == "https://hooks.example/r/1"


@pytest.mark.parametrize(
    ("user", "fields", "number", "kind", "field"),
    [
        (ALICE, {}, "+1 900 555 0123", RefusalKind.NUMBER_REFUSED, DialField.NUMBER),
        (ALICE, {}, "911", RefusalKind.NUMBER_REFUSED, DialField.NUMBER),
        (ALICE, {"agent_user_id": BOB}, NUMBER, RefusalKind.NOT_SUPERVISOR, DialField.AGENT),
        (SAM, {"agent_user_id": "U0NOLINK"}, NUMBER, RefusalKind.AGENT_NOT_LINKED, DialField.AGENT),
        ("U0NOLINK", {}, NUMBER, RefusalKind.NOT_LINKED, None),
    ],
)
def test_a_bad_field_is_named_and_nothing_is_recorded(
    service, store, user, fields, number, kind, field
):
    result = submit(service, user, number, **fields)

    assert isinstance(result, Refusal)
    assert (result.kind, result.field) == (kind, field)
    assert store.history() == []


def test_a_missing_contact_is_the_contact_fields_fault(store, placer, clock):
    service = make_service(store, placer, clock, default_contact_id=None)
    result = submit(service)
    assert (result.kind, result.field) == (RefusalKind.NO_CONTACT, DialField.CONTACT)
    assert store.history() == []


def test_the_contact_is_not_asked_for_when_the_placer_takes_none(store, clock):
    service = make_service(store, FakePlacer(uses_contact_id=False), clock, default_contact_id=None)
    assert isinstance(submit(service), Claimed)


def test_a_double_submission_claims_once(service, store):
    first, second = submit(service), submit(service)

    assert isinstance(first, Claimed)
    assert isinstance(second, Refusal) and second.kind is RefusalKind.ALREADY_DIALING
    assert second.request.id == first.request.id  # the claimed one, to show its state
    states = sorted(r.state for r in store.history())
    assert states == [DialState.CANCELLED, DialState.DIALING]  # the second was withdrawn


def test_a_submission_after_the_outcome_claims_nothing(service, store):
    first = submit(service)
    service.place(first.request)

    again = submit(service)

    assert again.kind is RefusalKind.ALREADY_HANDLED and again.request.id == first.request.id
    assert again.request.state is DialState.PLACED


def test_racing_submissions_of_one_modal_place_one_call(tmp_path, placer):
    url = f"sqlite:///{tmp_path / 'race.db'}"
    Store.open(url).link(ALICE, "agent-1", ADMIN)
    results: list[object] = []
    go = threading.Barrier(6)

    def one() -> None:
        own = Store.open(url)
        try:
            go.wait()
            results.append(submit(make_service(own, placer, lambda: datetime.now(UTC))))
        finally:
            own.close()

    threads = [threading.Thread(target=one) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    claimed = [r for r in results if isinstance(r, Claimed)]
    assert len(claimed) == 1
    assert {r.kind for r in results if isinstance(r, Refusal)} <= {RefusalKind.ALREADY_DIALING}


def test_the_rate_limit_refuses_a_submission_which_can_be_sent_again_later(service, store, clock):
    for view in ("V1", "V2"):
        assert isinstance(submit(service, view_id=view), Claimed)

    refused = submit(service, view_id="V3")
    assert refused.kind is RefusalKind.RATE_LIMITED and refused.field is None
    clock.now += timedelta(seconds=61)

    again = submit(service, number="+1 415 555 0199", view_id="V3")  # changed, and sent again

    assert isinstance(again, Claimed) and again.request.phone_number == "+14155550199"
    by_view = [r for r in store.history(limit=50) if r.view_id == "V3"]
    assert sorted(r.state for r in by_view) == [DialState.CANCELLED, DialState.DIALING]


def test_a_withdrawn_request_cannot_be_pressed_into_a_call(service, store):
    submit(service)
    second = submit(service)
    withdrawn = next(r for r in store.history() if r.state is DialState.CANCELLED)

    refused = service.confirm(withdrawn.id, ALICE)

    assert isinstance(second, Refusal) and isinstance(refused, Refusal)
    assert refused.kind is RefusalKind.ALREADY_HANDLED


def test_a_supervisor_submits_as_another_agent(service):
    result = submit(service, SAM, agent_user_id=BOB)
    assert isinstance(result, Claimed)
    assert (result.request.requester_id, result.request.agent_id) == (SAM, "agent-2")


# --- home ------------------------------------------------------------------------------


def dial(service: DialService, user: str, **fields) -> None:
    result = service.prepare(user, fields.get("agent"), NUMBER, None, "C0SALES", None)
    claimed = service.confirm(result.request.id, user)
    service.place(claimed.request)


def test_a_linked_persons_home_has_their_link_and_their_dials_newest_first(store, placer, clock):
    service = make_service(store, placer, clock, rate_limit_per_minute=100)
    for _ in range(12):
        dial(service, ALICE)
        clock.now += timedelta(seconds=1)
    dial(service, BOB)

    home = service.home(ALICE)

    assert isinstance(home, HomeSummary)
    assert home.link.cxone_agent_id == "agent-1"
    assert len(home.recent) == 10 and {r.requester_id for r in home.recent} == {ALICE}
    assert [r.created_at for r in home.recent] == sorted(
        (r.created_at for r in home.recent), reverse=True
    )
    assert (home.is_admin, home.is_supervisor, home.link_count, home.team_recent) == (
        False,
        False,
        None,
        [],
    )


def test_dials_made_as_you_are_on_your_home_too(service):
    dial(service, SAM, agent=BOB)
    (made_for_bob,) = service.home(BOB).recent
    assert made_for_bob.requester_id == SAM


def test_an_unlinked_persons_home_has_no_link(service):
    home = service.home("U0NOLINK")
    assert home.link is None and home.recent == []


def test_an_admins_home_counts_links_and_shows_the_teams_dials(service):
    dial(service, ALICE)
    dial(service, BOB)
    home = service.home(ADMIN)
    assert home.is_admin and home.link is None
    assert home.link_count == 3
    assert {r.requester_id for r in home.team_recent} == {ALICE, BOB}


def test_a_supervisors_home_lists_who_they_may_dial_as(store, service):
    home = service.home(SAM, agents=1)
    assert home.is_supervisor
    assert [link.slack_user_id for link in home.dialable] == [ALICE]
    assert home.dialable_total == 2  # Alice and Bob; not Sam himself


def test_a_home_the_database_cannot_read_is_a_refusal(store, service):
    store.close()
    store.engine.dispose()
    with store.engine.begin() as connection:  # the file is still there: break the table
        connection.exec_driver_sql("DROP TABLE agent_links")
    home = service.home(ALICE)
    assert isinstance(home, Refusal) and home.kind is RefusalKind.STORE_FAILED
    assert "database is not answering" in home.message


def test_someone_elses_submission_of_a_claimed_modal_learns_nothing_of_it(service, store):
    mine = submit(service)
    theirs = submit(service, BOB)

    assert isinstance(mine, Claimed)
    assert theirs.kind is RefusalKind.NOT_YOURS and theirs.request is None
    assert "someone else's call" in theirs.message
