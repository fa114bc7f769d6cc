"""Block Kit built by bot.slack.blocks: what the cards and posts show, and what they never show."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.slack import blocks
from bot.store import DialRequest, DialState

NOW = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
REQUEST = DialRequest(
    id="req-abc",
    requester_id="U0ALICE",
    agent_user_id="U0BOB",
    agent_id="agent-2",
    phone_number="+14155550123",
    contact_id="contact-1",
    channel_id="C1",
    response_url="https://hooks/1",
    state=DialState.PENDING,
    created_at=NOW,
    expires_at=NOW + timedelta(minutes=10),
    confirmed_at=None,
    finished_at=None,
    parent_ts=None,
    call_id=None,
    correlation_id=None,
    error=None,
)


def buttons(message: blocks.Message) -> list[dict]:
    return [e for b in message.blocks if b["type"] == "actions" for e in b["elements"]]


def test_confirm_card_has_the_number_agent_contact_and_two_buttons_holding_only_the_id():
    card = blocks.confirm_card(
        REQUEST, number_display="+1 415-555-0123", agent_name="Bob Baker", ttl_seconds=600
    )
    shown = json.dumps(card.blocks)
    for expected in ("+1 415-555-0123", "Bob Baker", "agent-2", "contact-1", "10 minutes"):
        assert expected in shown
    dial, cancel = buttons(card)
    assert (dial["action_id"], dial["style"], dial["value"]) == (
        "dial_confirm",
        "primary",
        "req-abc",
    )
    assert (cancel["action_id"], cancel["value"]) == ("dial_cancel", "req-abc")
    assert "style" not in cancel
    assert card.text  # a fallback for notifications


def test_names_people_chose_are_never_live_markup():
    card = blocks.confirm_card(
        REQUEST, number_display="+1 415-555-0123", agent_name="<!channel> & co", ttl_seconds=600
    )
    shown = json.dumps(card.blocks)
    assert "<!channel>" not in shown
    assert "&lt;!channel&gt; &amp; co" in shown


def test_final_states_have_no_buttons_and_say_what_happened():
    cases = {
        DialState.PLACED: "call-9",
        DialState.REJECTED: "CXone said no.",
        DialState.UNKNOWN: "Check the phone.",
        DialState.CANCELLED: "Cancelled",
        DialState.EXPIRED: "expired",
    }
    for state, words in cases.items():
        request = replace(REQUEST, state=state, call_id="call-9", error=words)
        card = blocks.final_card(
            request, number_display="+1 415-555-0123", agent_name="Bob", ttl_seconds=600
        )
        assert buttons(card) == [], state
        assert words in card.text, state


def test_dialing_card_has_no_buttons():
    card = blocks.dialing_card(number_display="+1 415-555-0123", agent_name="Bob")
    assert buttons(card) == []
    assert "Dialing" in card.text


def test_parent_outcome_and_notification():
    placed = replace(REQUEST, state=DialState.PLACED, call_id="call-9", correlation_id="corr-1")
    parent = blocks.parent_message(placed, number_shown="+1 415-•••-0123")
    assert "<@U0ALICE>" in parent.text and "<@U0BOB>" in parent.text
    assert "+1 415-•••-0123" in parent.text and "agent-2" in parent.text
    outcome = blocks.outcome_message(placed)
    assert "call-9" in outcome.text and "corr-1" in json.dumps(outcome.blocks)
    note = blocks.notification(placed, number_shown="+1 415-•••-0123")
    assert "<#C1>" in note.text and "placed" in note.text and "555" not in note.text


def test_long_texts_stay_within_block_kit_limits():
    request = replace(REQUEST, state=DialState.REJECTED, error="x" * 5000)
    for block in blocks.outcome_message(request).blocks:
        assert len(block["text"]["text"]) <= 3000


def test_the_bots_own_sentences_carry_no_accidental_slack_markup():
    """Slack reads `<…>` as a mention or link: our own sentences may only use real ones."""
    import re

    from bot import messages
    from bot.parsing import USAGE

    texts = [USAGE, messages.NO_CONTACT_ID, messages.NO_NUMBER_IN_MESSAGE]
    texts += [messages.linked("U1", "1001"), messages.help_text(USAGE)]
    for text in texts:
        assert not re.search(r"<(?![@#][UWC][A-Z0-9]+>)", text), text
