"""/dial, called as Bolt calls it: everything is answered inside the one ack."""

from __future__ import annotations

from slack_front import ADMIN, ALICE, BOB, SAM, FakeAck, button_value, command

from bot.slack.listeners.commands import DialCommandListener
from bot.store import DialState


def run(front, slack, user_id: str, text: str) -> dict:
    ack = FakeAck()
    DialCommandListener(front).on_dial_command(ack, command(user_id, text, slack.response_url()))
    assert ack.answer["response_type"] == "ephemeral"
    return ack.answer


def test_a_number_gets_a_confirm_card_and_a_pending_request_but_no_call(front, slack, placer):
    answer = run(front, slack, ALICE, "+1 415 555 0123")

    request = front.service.store.get_request(button_value(answer))
    assert request.state == DialState.PENDING
    assert (request.agent_id, request.phone_number) == ("agent-1001", "+14155550123")
    assert "+1 415-555-0123" in answer["text"] and "alice" in answer["text"]
    assert placer.orders == []


def test_a_bad_number_is_answered_with_the_reason_and_the_usage_line(front, slack, placer):
    answer = run(front, slack, ALICE, "+1 900 555 0123")

    assert "premium" in answer["text"].lower()
    assert "/dial" in answer["blocks"][-1]["elements"][0]["text"]  # the usage line
    assert front.service.store.history() == []


def test_dialing_as_someone_else_needs_a_supervisor(front, slack):
    refused = run(front, slack, ALICE, f"+1 415 555 0123 as <@{BOB}|bob>")
    assert "Only supervisors" in refused["text"]
    assert front.service.store.history() == []

    front.service.store.link(SAM, "agent-3003", ADMIN)
    card = run(front, slack, SAM, f"+1 415 555 0123 as <@{BOB}|bob>")
    assert front.service.store.get_request(button_value(card)).agent_id == "agent-2002"


def test_help_and_usage_errors_answer_without_a_record(front, slack):
    assert "Place a CXone call" in run(front, slack, ALICE, "help")["text"]
    assert "/dial" in run(front, slack, ALICE, "link")["text"]
    assert front.service.store.history() == []


def test_whois_says_who_is_linked(front, slack):
    assert "agent-2002" in run(front, slack, ALICE, f"whois <@{BOB}|bob>")["text"]
    assert "isn't linked" in run(front, slack, ALICE, "whois <@U0NOBODY|nobody>")["text"]


def test_link_and_unlink_need_an_admin(front, slack):
    store = front.service.store
    refused = run(front, slack, ALICE, f"link <@{SAM}|sam> agent-3003")
    assert "Only admins" in refused["text"] and store.get_link(SAM) is None

    assert "Linked" in run(front, slack, ADMIN, f"link <@{SAM}|sam> agent-3003")["text"]
    assert store.get_link(SAM).cxone_agent_id == "agent-3003"
    assert "Unlinked" in run(front, slack, ADMIN, f"unlink <@{SAM}|sam>")["text"]
    assert store.get_link(SAM) is None
    assert "wasn't linked" in run(front, slack, ADMIN, f"unlink <@{SAM}|sam>")["text"]


def test_a_plain_mention_nobody_has_is_refused_by_name(front, slack):
    answer = run(front, slack, ADMIN, "unlink @nobody-here")
    assert "No one in this workspace goes by @nobody-here" in answer["text"]
