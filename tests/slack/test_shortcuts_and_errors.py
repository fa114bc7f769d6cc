"""The message shortcut and the one error handler."""

from __future__ import annotations

import json

from slack_front import ALICE, button_value

from bot.slack.listeners.errors import on_error
from bot.slack.listeners.shortcuts import MessageShortcut, first_phone_number
from bot.store import DialState


def shortcut(text: str, response_url: str) -> dict:
    return {
        "type": "message_action",
        "callback_id": "dial_from_message",
        "user": {"id": ALICE, "name": "alice"},
        "channel": {"id": "C0DEMO"},
        "message": {"text": text},
        "response_url": response_url,
    }


def test_a_message_with_a_number_gets_a_card_for_it(front, slack, placer):
    response_url = slack.response_url()
    MessageShortcut(front).on_dial_from_message(
        shortcut("Call Dana back on (415) 555-0123 today", response_url)
    )

    (card,) = slack.responses_for(response_url)
    request = front.service.store.get_request(button_value(card))
    assert request.state == DialState.PENDING and request.phone_number == "+14155550123"
    assert placer.orders == []


def test_a_message_without_a_number_says_so(front, slack):
    response_url = slack.response_url()
    MessageShortcut(front).on_dial_from_message(shortcut("see you at lunch", response_url))

    (told,) = slack.responses_for(response_url)
    assert "found no phone number" in told["text"]
    assert front.service.store.history() == []


def test_the_first_number_is_taken_as_written():
    assert first_phone_number("a: +44 20 7946 0958, b: 415 555 0123", "US") == "+44 20 7946 0958"
    assert first_phone_number("nothing here", "US") is None


def test_an_error_before_the_ack_is_answered_in_the_ack_with_a_reference():
    response = object()  # Bolt passes the response it has not sent yet
    answer = on_error(RuntimeError("internal detail"), {"command": "/dial"}, response)

    body = json.loads(answer.body)
    assert answer.status == 200 and body["response_type"] == "ephemeral"
    assert "reference" in body["text"] and "internal detail" not in body["text"]


def test_an_error_after_the_ack_goes_to_the_response_url(slack):
    response_url = slack.response_url()
    payload = json.dumps({"type": "block_actions", "response_url": response_url})

    assert on_error(RuntimeError("internal detail"), {"payload": payload}, None) is None

    (told,) = slack.responses_for(response_url)
    assert "Something went wrong" in told["text"] and "internal detail" not in told["text"]
