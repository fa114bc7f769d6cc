"""The dial modal over signed HTTP: opened three ways, submitted as the confirmation,
checked field by field, claimed once, and reported in the chosen conversation."""

from __future__ import annotations

import json
import threading
import time

import pytest
from dialbot_e2e import ALICE, BOB, CHANNEL, NOTIFY_CHANNEL, SAM

from bot.sandbox import wait_for
from bot.sandbox.slack_requests import interactive_body, view_submission_payload

NUMBER = "+1 415 555 0123"


def inputs(modal: dict) -> list[str]:
    return [b["block_id"] for b in modal["blocks"] if b["type"] == "input"]


def channel_element(modal: dict) -> dict:
    (block,) = [b for b in modal["blocks"] if b.get("block_id") == "dial_channel"]
    return block["element"]


def test_the_global_shortcut_opens_the_modal_for_the_conversation_in_view(bot):
    modal = bot.modal_by_shortcut(ALICE)
    assert modal["callback_id"] == "dial_modal" and modal["title"]["text"] == "Place a call"
    assert inputs(modal) == ["dial_number", "dial_contact", "dial_channel"]
    assert channel_element(modal)["default_to_current_conversation"] is True
    assert bot.store.history() == [] and bot.cxone.calls == []


def test_a_bare_slash_command_opens_the_modal_preset_to_its_channel(bot):
    modal = bot.modal_by_slash(ALICE, channel_id="C0SALES")
    assert channel_element(modal)["initial_conversation"] == "C0SALES"
    assert bot.store.history() == []


def test_the_home_button_opens_the_modal_and_a_supervisor_gets_dial_as(bot):
    assert "dial_as" not in inputs(bot.modal_from_home(ALICE))
    assert inputs(bot.modal_from_home(SAM)) == [
        "dial_number",
        "dial_as",
        "dial_contact",
        "dial_channel",
    ]


def test_submitting_places_one_call_and_the_modal_goes_dialing_then_placed(bot):
    modal = bot.modal_by_shortcut(ALICE)
    sent = time.time()
    submission = bot.submit(ALICE, modal, number=NUMBER, channel=CHANNEL)

    assert submission.ack["response_action"] == "update"
    assert "Dialing +1 415-555-0123 as alice" in submission.view_text
    final = bot.wait_for_modal_outcome(submission)
    assert "placed" in json.dumps(final["blocks"]) and "submit" not in final
    update = bot.slack.calls_to("views.update")[-1]
    assert update.time.timestamp() >= sent  # the outcome follows the ack's "Dialing…"

    (call,) = bot.cxone.calls
    assert call.body["phoneNumber"] == "+14155550123" and call.body["agentId"] == "agent-1001"
    parent, reply = wait_for(lambda: len(bot.channel_posts()) == 2 and bot.channel_posts())
    assert f"<@{ALICE}> is calling +1 415-•••-0123" in parent["text"]
    assert call.call_id in reply["text"] and reply["thread_ts"]
    assert len(wait_for(lambda: bot.channel_posts(NOTIFY_CHANNEL))) == 1
    request = bot.store.history()[0]
    assert (request.state, request.view_id, request.channel_id) == ("placed", modal["id"], CHANNEL)


def test_the_ack_never_waits_for_cxone(start_bot):
    bot = start_bot(cxone_http_timeout=8.0)
    bot.cxone.latency = 5.0
    submission = bot.submit(ALICE, bot.modal_by_shortcut(ALICE), number=NUMBER)
    assert submission.seconds < 1.5 and "Dialing" in submission.view_text
    assert "placed" in json.dumps(bot.wait_for_modal_outcome(submission, timeout=15)["blocks"])


def test_a_supervisor_dials_as_an_agent_from_the_modal(bot):
    modal = bot.modal_from_home(SAM)
    submission = bot.submit(SAM, modal, number=NUMBER, agent=BOB, contact="C-77")
    bot.wait_for_modal_outcome(submission)
    (call,) = bot.cxone.calls
    assert (call.body["agentId"], call.body["contactId"]) == ("agent-2002", "C-77")
    assert f"as <@{BOB}>" in bot.channel_posts(SAM)[0]["text"]  # no channel: Sam's DM


@pytest.mark.parametrize(
    ("answers", "block", "words"),
    [
        ({"number": "+1 900 555 0123"}, "dial_number", "premium-rate"),
        ({"number": "911"}, "dial_number", "emergency number"),
        ({"number": "+44 20 7946 0958"}, "dial_number", "aren't allowed here"),
        ({"number": "hello"}, "dial_number", "phone number"),
        ({"number": "9" * 64}, "dial_number", ""),
        ({"number": NUMBER, "contact": "not a contact!"}, "dial_contact", "isn't a contact id"),
        ({"number": NUMBER, "channel": "general"}, "dial_channel", "Pick a channel"),
        ({"number": NUMBER, "agent": "U0NOBODY"}, "dial_as", "isn't linked to a CXone agent"),
        ({"number": NUMBER, "agent": "alice"}, "dial_as", "Pick one person"),
    ],
    ids=[
        "premium",
        "emergency",
        "country",
        "words",
        "64-digits",
        "contact",
        "channel",
        "unlinked-agent",
        "agent-not-an-id",
    ],
)
def test_each_bad_field_is_answered_next_to_it_with_no_record_and_no_call(
    bot, answers, block, words
):
    modal = bot.modal_from_home(SAM)
    submission = bot.submit(SAM, modal, **answers)
    assert list(submission.errors) == [block]
    assert words in submission.errors[block]
    assert bot.store.history() == [] and bot.cxone.calls == []
    assert bot.slack.calls_to("views.update") == []  # the modal keeps its fields


def test_a_missing_contact_is_asked_for_when_none_is_configured(start_bot):
    bot = start_bot(cxone_default_contact_id=None)
    modal = bot.modal_by_shortcut(ALICE)
    (contact,) = [b for b in modal["blocks"] if b.get("block_id") == "dial_contact"]
    assert contact.get("optional") is not True
    submission = bot.submit(ALICE, modal, number=NUMBER)
    assert "Type the CXone contact id" in submission.errors["dial_contact"]
    assert bot.store.history() == [] and bot.cxone.calls == []


def test_an_unlinked_person_gets_the_modal_replaced_by_how_to_get_linked(start_bot):
    bot = start_bot(link=False)
    submission = bot.submit(ALICE, bot.modal_by_shortcut(ALICE), number=NUMBER)
    assert submission.ack["response_action"] == "update"
    assert "not linked to a CXone agent" in submission.view_text
    assert bot.store.history() == [] and bot.cxone.calls == []


def test_a_non_supervisors_crafted_dial_as_is_refused(bot):
    modal = bot.modal_by_shortcut(ALICE)  # Alice's form has no "Dial as"
    payload = view_submission_payload(
        user_id=ALICE, view=modal, answers={"dial_number": NUMBER, "dial_channel": CHANNEL}
    )
    payload["view"]["state"]["values"]["dial_as"] = {
        "agent": {"type": "users_select", "selected_user": BOB}
    }
    submission = bot.post_submission(modal, payload)
    assert "Only supervisors (DIAL_SUPERVISORS)" in submission.errors["dial_number"]
    assert bot.store.history() == [] and bot.cxone.calls == []


def test_a_double_submission_places_one_call(bot):
    modal = bot.modal_by_shortcut(ALICE)
    payload = view_submission_payload(
        user_id=ALICE, view=modal, answers={"dial_number": NUMBER, "dial_channel": CHANNEL}
    )
    body = interactive_body(payload)
    answers: list = []
    go = threading.Barrier(2)

    def send() -> None:
        go.wait()
        answers.append(bot.post(body))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert [a.status_code for a in answers] == [200, 200]
    assert all(a.json()["response_action"] == "update" for a in answers)
    wait_for(lambda: len(bot.channel_posts()) == 2)
    late = bot.post(body)  # and once more after the outcome
    assert "placed" in json.dumps(late.json()["view"])
    time.sleep(0.2)
    assert len(bot.cxone.calls) == 1 and len(bot.channel_posts()) == 2
    states = sorted(r.state for r in bot.store.history())
    assert states == ["cancelled", "cancelled", "placed"]  # the extra two, withdrawn


def test_without_a_channel_the_outcome_is_a_dm_from_the_bot(bot):
    submission = bot.submit(ALICE, bot.modal_by_shortcut(ALICE), number=NUMBER)
    bot.wait_for_modal_outcome(submission)
    dm = bot.slack.dm_channel(ALICE)  # chat.postMessage to ALICE answered with the DM's id
    wait_for(lambda: bot.slack.calls_to("chat.update"))
    parent, reply = wait_for(lambda: len(bot.slack.messages(dm)) == 2 and bot.slack.messages(dm))
    assert parent["text"].startswith(":white_check_mark: Call placed")
    assert "Call placed" in reply["text"] and reply["thread_ts"] == parent["ts"]
    assert bot.channel_posts(CHANNEL) == []


def test_when_the_channel_refuses_the_outcome_comes_privately_in_it(bot):
    bot.slack.fail("chat.postMessage", "not_in_channel", channel=CHANNEL)
    submission = bot.submit(ALICE, bot.modal_by_shortcut(ALICE), number=NUMBER, channel=CHANNEL)
    final = bot.wait_for_modal_outcome(submission)
    (private,) = wait_for(lambda: bot.slack.responses_for(submission.response_url))
    assert private["response_type"] == "ephemeral" and "Invite the bot" in private["text"]
    assert "Call placed" in private["text"] and "placed" in json.dumps(final["blocks"])
    assert len(bot.cxone.calls) == 1


def test_when_the_channel_and_its_response_url_refuse_the_outcome_is_a_dm(bot):
    bot.slack.fail("chat.postMessage", "channel_not_found", channel=CHANNEL)
    modal = bot.modal_by_shortcut(ALICE)
    response_url = bot.slack.response_url()
    bot.slack.expire_response_url(response_url)
    payload = view_submission_payload(
        user_id=ALICE,
        view=modal,
        answers={"dial_number": NUMBER, "dial_channel": CHANNEL},
        response_url=response_url,
    )
    bot.post_submission(modal, payload, response_url)
    (dm,) = wait_for(lambda: bot.channel_posts(ALICE))
    assert "only you see this" in dm["text"] and len(bot.cxone.calls) == 1


def test_a_rejected_dial_shows_cxones_reason_in_the_modal_and_the_thread(bot):
    bot.store.link(ALICE, "agent-not-at-cxone", "U0ADMIN")
    submission = bot.submit(ALICE, bot.modal_by_shortcut(ALICE), number=NUMBER, channel=CHANNEL)
    final = json.dumps(bot.wait_for_modal_outcome(submission)["blocks"])
    assert "was not placed" in final and "CXone rejected the call request as invalid" in final
    _, reply = wait_for(lambda: len(bot.channel_posts()) == 2 and bot.channel_posts())
    assert "Not placed" in reply["text"]


def test_the_rate_limit_keeps_the_form_and_a_later_submission_goes_through(start_bot):
    bot = start_bot(dial_rate_limit_per_minute=1)
    first = bot.submit(ALICE, bot.modal_by_shortcut(ALICE), number=NUMBER)
    bot.wait_for_modal_outcome(first)
    modal = bot.modal_by_shortcut(ALICE)
    refused = bot.submit(ALICE, modal, number="+1 415 555 0199")
    assert "You've confirmed 1 dial in the last minute" in refused.errors["dial_number"]
    assert len(bot.cxone.calls) == 1
    assert [r.state for r in bot.store.history() if r.view_id == modal["id"]] == ["cancelled"]


def test_the_home_is_published_again_when_the_dial_ends(bot):
    before = bot.open_home(ALICE)
    assert "No dials yet" in json.dumps(before["blocks"])
    submission = bot.submit(ALICE, bot.modal_by_shortcut(ALICE), number=NUMBER, channel=CHANNEL)
    bot.wait_for_modal_outcome(submission)
    after = wait_for(
        lambda: (
            "Placed" in json.dumps(bot.slack.home_of(ALICE)["blocks"]) and bot.slack.home_of(ALICE)
        )
    )
    assert "+1 415-•••-0123" in json.dumps(after["blocks"], ensure_ascii=False)


def test_an_expired_trigger_is_logged_and_nothing_else_happens(bot, caplog):
    from bot.sandbox.slack_requests import global_shortcut_payload, trigger_id

    payload = global_shortcut_payload(
        user_id=ALICE, callback_id="dial_place_call", trigger=trigger_id(time.time() - 10)
    )
    assert bot.post(interactive_body(payload)).status_code == 200
    (opened,) = wait_for(lambda: bot.slack.calls_to("views.open"))
    assert opened.response["error"] == "expired_trigger_id"
    wait_for(lambda: "views.open failed: expired_trigger_id" in caplog.text)
