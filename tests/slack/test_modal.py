"""The dial modal: opened from the shortcut, the home button and a bare /dial; its
submission checked, claimed once and reported to the modal and the chosen channel."""

from __future__ import annotations

import json

import pytest
from slack_front import ALICE, BOB, CHANNEL, SAM, FakeAck, command

from bot.fake_placer import FakePlacer
from bot.sandbox.slack_requests import trigger_id, view_submission_payload
from bot.slack.dial_modal import DialForm, read_dial_form
from bot.slack.listeners.commands import DialCommandListener
from bot.slack.listeners.home import HomeListeners
from bot.slack.listeners.shortcuts import GlobalShortcut
from bot.slack.listeners.views import CLAIMED, DialModalSubmission
from bot.store import DialState


def opened_modal(front, slack, user_id: str = ALICE, channel: str | None = None) -> dict:
    """The modal as Slack holds it once views.open took it."""
    assert front.modal.open(trigger_id(), user_id, channel)
    return slack.opened_views()[-1]


def submission(modal: dict, user_id: str = ALICE, response_url: str | None = None, **answers):
    by_block = {f"dial_{'as' if k == 'agent' else k}": v for k, v in answers.items()}
    return view_submission_payload(
        user_id=user_id, view=modal, answers=by_block, response_url=response_url
    )


def submit(front, body: dict) -> tuple[dict, dict]:
    """Run the listener as Bolt does: the ack part, then the lazy part."""
    ack, context = FakeAck(), {}
    listener = DialModalSubmission(front)
    listener.on_submit(ack, body, context)
    listener.place_claimed_call(context)
    return ack.answer, context


def blocks_of(modal: dict) -> list[str]:
    return [b.get("block_id") for b in modal["blocks"] if b["type"] == "input"]


# --- opening -------------------------------------------------------------------------


def test_a_person_gets_number_contact_and_channel_a_supervisor_also_dial_as(front, slack):
    assert blocks_of(opened_modal(front, slack, ALICE)) == [
        "dial_number",
        "dial_contact",
        "dial_channel",
    ]
    supervisor = opened_modal(front, slack, SAM)
    assert blocks_of(supervisor) == ["dial_number", "dial_as", "dial_contact", "dial_channel"]
    assert supervisor["callback_id"] == "dial_modal" and supervisor["submit"]["text"] == "Dial"


def test_the_contact_field_is_there_only_for_a_placer_that_takes_one(front, slack):
    front.service.placer = FakePlacer(uses_contact_id=False)
    assert "dial_contact" not in blocks_of(opened_modal(front, slack))


def test_the_channel_starts_where_the_modal_was_opened_from_when_that_is_known(front, slack):
    def channel_element(modal):
        (block,) = [b for b in modal["blocks"] if b.get("block_id") == "dial_channel"]
        return block["element"]

    from_slash = channel_element(opened_modal(front, slack, channel=CHANNEL))
    assert from_slash["initial_conversation"] == CHANNEL
    assert "default_to_current_conversation" not in from_slash
    elsewhere = channel_element(opened_modal(front, slack))
    assert elsewhere["default_to_current_conversation"] is True
    assert elsewhere["response_url_enabled"] is True


def test_a_bare_slash_command_opens_the_modal_and_acks_empty(front, slack):
    ack = FakeAck()
    DialCommandListener(front).on_dial_command(
        ack, command(ALICE, "  ", slack.response_url(), trigger_id=trigger_id())
    )
    assert ack.answer == {}
    (opened,) = slack.calls_to("views.open")
    assert opened.ok and opened.args["view"]["callback_id"] == "dial_modal"


def test_a_slash_command_whose_trigger_expired_says_so_in_the_ack(front, slack):
    ack = FakeAck()
    stale = trigger_id(issued_at=0)
    DialCommandListener(front).on_dial_command(
        ack, command(ALICE, "", slack.response_url(), trigger_id=stale)
    )
    assert "couldn't open the dial form" in ack.answer["text"]
    assert "How to use /dial" in ack.answer["text"]
    assert slack.calls_to("views.open")[0].response["error"] == "expired_trigger_id"


def test_the_global_shortcut_and_the_home_button_open_the_modal(front, slack):
    GlobalShortcut(front).on_place_call({"user": {"id": ALICE}, "trigger_id": trigger_id()})
    HomeListeners(front).on_place_call_pressed({"user": {"id": SAM}, "trigger_id": trigger_id()})
    first, second = slack.opened_views()
    assert "dial_as" not in blocks_of(first) and "dial_as" in blocks_of(second)


# --- reading the form ----------------------------------------------------------------


def test_the_form_is_read_into_the_services_terms(front, slack):
    modal = opened_modal(front, slack, SAM)
    body = submission(
        modal,
        SAM,
        "https://hooks.example/r/9",
        number="415 555 0123",
        agent=BOB,
        contact=" C-77 ",
        channel=CHANNEL,
    )
    assert read_dial_form(body) == DialForm(
        view_id=modal["id"],
        number="415 555 0123",
        agent_user_id=BOB,
        contact_id="C-77",
        channel_id=CHANNEL,
        response_url="https://hooks.example/r/9",
    )
    empty = read_dial_form(submission(modal, SAM, number="415 555 0123"))
    assert (empty.agent_user_id, empty.contact_id, empty.channel_id, empty.response_url) == (
        None,
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("answers", "block", "words"),
    [
        ({"contact": "<!channel>"}, "dial_contact", "isn't a contact id"),
        ({"agent": "<@U0EVIL>"}, "dial_as", "Pick one person"),
        ({"channel": "#general"}, "dial_channel", "Pick a channel"),
    ],
)
def test_a_malformed_field_is_answered_next_to_it(front, slack, answers, block, words):
    body = submission(opened_modal(front, slack, SAM), SAM, number="415 555 0123", **answers)
    problems = read_dial_form(body)
    assert list(problems) == [block] and words in problems[block]
    assert "<!channel>" not in problems[block]


def test_a_form_without_a_view_id_is_unreadable():
    assert "couldn't read this form" in read_dial_form({"view": {}})["dial_number"]


# --- submitting ------------------------------------------------------------------------


def test_a_good_submission_turns_the_modal_to_dialing_then_the_outcome(front, slack, placer):
    modal = opened_modal(front, slack)
    answer, context = submit(front, submission(modal, number="+1 415 555 0123", channel=CHANNEL))

    assert answer["response_action"] == "update"
    assert "Dialing +1 415-555-0123" in json.dumps(answer["view"])
    assert "submit" not in answer["view"]  # nothing left to submit twice
    (order,) = placer.orders
    request = front.service.store.get_request(order.request_id)
    assert (request.state, request.view_id, request.channel_id) == (
        DialState.PLACED,
        modal["id"],
        CHANNEL,
    )
    final = slack.view(modal["id"])
    assert "placed" in json.dumps(final["blocks"]) and order.request_id == context[CLAIMED].id
    parent, reply = slack.messages(CHANNEL)
    assert reply["thread_ts"] == parent["ts"]
    assert slack.home_of(ALICE) is not None  # published again once the dial ended


def test_a_double_submission_places_one_call_and_both_show_it(front, slack, placer):
    modal = opened_modal(front, slack)
    body = submission(modal, number="+1 415 555 0123", channel=CHANNEL)
    first, _ = submit(front, body)
    second, context = submit(front, body)

    assert len(placer.orders) == 1 and CLAIMED not in context
    assert second["response_action"] == "update" and "placed" in json.dumps(second["view"])


@pytest.mark.parametrize(
    ("user", "answers", "block", "words"),
    [
        (ALICE, {"number": "+1 900 555 0123"}, "dial_number", "premium-rate"),
        (ALICE, {"number": "911"}, "dial_number", "emergency"),
        (ALICE, {"number": ""}, "dial_number", "No phone number given"),
        (SAM, {"number": "415 555 0123", "agent": "U0NOLINK"}, "dial_as", "isn't linked"),
    ],
)
def test_a_refused_field_comes_back_next_to_it_with_no_record(
    front, slack, placer, user, answers, block, words
):
    front.service.store.link(SAM, "agent-3003", "U0ADMIN")
    answer, _ = submit(front, submission(opened_modal(front, slack, user), user, **answers))

    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == [block] and words in answer["errors"][block]
    assert "<@" not in answer["errors"][block]  # plain text: mentions as @names
    assert front.service.store.history() == [] and placer.orders == []


def test_a_supervisor_dials_as_a_linked_agent(front, slack, placer):
    front.service.store.link(SAM, "agent-3003", "U0ADMIN")
    modal = opened_modal(front, slack, SAM)
    answer, _ = submit(front, submission(modal, SAM, number="415 555 0123", agent=BOB))
    assert answer["response_action"] == "update"
    (order,) = placer.orders
    assert (order.requester_id, order.agent_id) == (SAM, "agent-2002")


def test_a_missing_contact_asks_for_it_in_the_modals_words(front, slack, placer):
    front.service.default_contact_id = None
    answer, _ = submit(front, submission(opened_modal(front, slack), number="415 555 0123"))
    assert "Type the CXone contact id" in answer["errors"]["dial_contact"]
    assert placer.orders == []


def test_a_non_supervisors_crafted_dial_as_is_refused_by_the_number(front, slack, placer):
    modal = opened_modal(front, slack, ALICE)  # no "Dial as" field in Alice's form
    crafted = submission(modal, number="415 555 0123")
    crafted["view"]["state"]["values"]["dial_as"] = {
        "agent": {"type": "users_select", "selected_user": BOB}
    }

    answer, _ = submit(front, crafted)

    assert "Only supervisors" in answer["errors"]["dial_number"]
    assert front.service.store.history() == [] and placer.orders == []


def test_an_unlinked_person_gets_a_modal_that_says_how_to_get_linked(front, slack, placer):
    answer, _ = submit(
        front, submission(opened_modal(front, slack, BOB), "U0NOLINK", number="415 555 0123")
    )
    assert answer["response_action"] == "update"
    assert "not linked to a CXone agent" in json.dumps(answer["view"])
    assert placer.orders == []


def test_no_channel_chosen_means_a_direct_message_from_the_bot(front, slack, placer):
    submit(front, submission(opened_modal(front, slack), number="+1 415 555 0123"))
    parent, reply = slack.messages(slack.dm_channel(ALICE))  # posted to the user id: the DM
    assert "Call placed" in parent["text"] and reply["thread_ts"] == parent["ts"]


def test_a_channel_that_refuses_gets_the_outcome_privately_there(front, slack, placer):
    slack.fail("chat.postMessage", "not_in_channel", channel=CHANNEL)
    response_url = slack.response_url()
    modal = opened_modal(front, slack)
    submit(
        front,
        submission(modal, response_url=response_url, number="+1 415 555 0123", channel=CHANNEL),
    )

    (private,) = slack.responses_for(response_url)
    assert private["response_type"] == "ephemeral" and "only you see this" in private["text"]
    assert "placed" in json.dumps(slack.view(modal["id"])["blocks"])


def test_a_channel_that_refuses_without_a_response_url_gets_a_dm(front, slack, placer):
    slack.fail("chat.postMessage", "channel_not_found", channel=CHANNEL)
    submit(front, submission(opened_modal(front, slack), number="+1 415 555 0123", channel=CHANNEL))
    (dm,) = slack.messages(slack.dm_channel(ALICE))
    assert "only you see this" in dm["text"]


def test_a_modal_closed_before_the_outcome_still_gets_it_in_the_channel(front, slack, placer):
    modal = opened_modal(front, slack)
    ack, context = FakeAck(), {}
    listener = DialModalSubmission(front)
    listener.on_submit(ack, submission(modal, number="+1 415 555 0123", channel=CHANNEL), context)
    slack.close_view(modal["id"])
    listener.place_claimed_call(context)

    assert len(slack.messages(CHANNEL)) == 2
    assert slack.calls_to("views.update")[-1].response["error"] == "not_found"


def test_an_unexpected_error_in_the_submission_is_shown_in_the_modal():
    from bot.slack.listeners.errors import on_error

    answer = on_error(RuntimeError("internal detail"), {"type": "view_submission"}, object())

    body = json.loads(answer.body)
    assert body["response_action"] == "update"
    assert "reference" in json.dumps(body["view"]) and "internal detail" not in answer.body


def test_a_claim_is_placed_even_if_the_answer_fails_to_render(front, slack, placer, monkeypatch):
    modal = opened_modal(front, slack)

    def broken(*args, **kwargs):
        raise RuntimeError("rendering failed")

    monkeypatch.setattr(front.reporter, "submission_answer", broken)
    listener, context = DialModalSubmission(front), {}
    with pytest.raises(RuntimeError):
        listener.on_submit(FakeAck(), submission(modal, number="+1 415 555 0123"), context)
    listener.place_claimed_call(context)  # Bolt runs the lazy part after a failed ack too

    (order,) = placer.orders
    assert front.service.store.get_request(order.request_id).state == DialState.PLACED


def test_the_person_a_refusal_is_about_is_named_in_the_plain_text(front, slack, placer):
    front.service.store.link(SAM, "agent-3003", "U0ADMIN")
    front.service.store.unlink(BOB)
    modal = opened_modal(front, slack, SAM)
    answer, _ = submit(front, submission(modal, SAM, number="415 555 0123", agent=BOB))
    assert answer["errors"]["dial_as"].startswith("@bob isn't linked to a CXone agent")
    assert len(slack.calls_to("users.info")) == 1  # one lookup at most, inside the ack
