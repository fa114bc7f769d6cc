"""A linked user dials, confirms, and everyone sees what they should."""

from __future__ import annotations

import logging

from dialbot_e2e import ALICE, CHANNEL, NOTIFY_CHANNEL, SIGNING_SECRET


def test_dial_confirm_places_one_call_and_reports_it(bot):
    slash = bot.slash(ALICE, "+1 415 555 0123")

    # The confirm card, only for Alice: the number as people read it, agent, contact, buttons.
    assert slash.answer["response_type"] == "ephemeral"
    assert "+1 415-555-0123" in str(slash.answer["blocks"])
    assert "agent-1001" in str(slash.answer["blocks"])
    assert "contact-1" in str(slash.answer["blocks"])
    assert [b["action_id"] for b in slash.buttons] == ["dial_confirm", "dial_cancel"]
    assert slash.buttons[0]["style"] == "primary"
    assert {b["value"] for b in slash.buttons} == {slash.request_id}
    assert bot.cxone.calls == []

    pressed = bot.press(slash)
    assert pressed.status_code == 200

    final = bot.wait_for_final_card(slash)
    assert "placed" in final["text"]
    assert "actions" not in str(final["blocks"])

    # Exactly one POST to CXone, with the tutorial's payload.
    assert len(bot.cxone.calls) == 1
    call = bot.cxone.calls[0]
    assert call.body["phoneNumber"] == "+14155550123"
    assert call.body["agentId"] == "agent-1001"
    assert call.body["contactId"] == "contact-1"
    assert call.body["outboundCampaignId"] == bot.cxone.campaign_id
    assert call.body["data"]["requestId"] == slash.request_id
    assert call.body["data"]["slackRequester"] == ALICE

    # A parent in the channel (masked number) and the outcome in its thread.
    posts = bot.channel_posts(CHANNEL)
    parent, reply = posts
    assert f"<@{ALICE}>" in parent["text"]
    assert "+1 415-•••-0123" in parent["text"]
    assert "555-0123" not in parent["text"]
    assert "thread_ts" not in parent
    assert reply["thread_ts"] == bot.slack.calls_to("chat.postMessage")[0].response["ts"]
    assert call.call_id in reply["text"]

    # One summary in the notification channel, masked.
    (summary,) = bot.channel_posts(NOTIFY_CHANNEL)
    assert "+1 415-•••-0123" in summary["text"]
    assert "placed" in summary["text"]

    # The store records what happened.
    request = bot.store.get_request(slash.request_id)
    assert request.state == "placed"
    assert request.call_id == call.call_id
    assert request.parent_ts == reply["thread_ts"]


def test_healthz(bot):
    answer = bot.session.get(bot.server.url + "/healthz", timeout=5)
    assert answer.status_code == 200
    assert answer.text == "ok"


def test_logs_follow_a_dial_by_its_id_without_numbers_or_secrets(bot, caplog):
    caplog.set_level(logging.INFO)  # what app.py runs with
    slash = bot.slash(ALICE, "+1 415 555 0123")
    bot.press(slash)
    bot.wait_for_final_card(slash)
    ours = [r for r in caplog.records if r.name.startswith("bot.dialing")]
    assert ours and all(f"[dial {slash.request_id}]" in r.getMessage() for r in ours)
    assert any("outcome placed" in r.getMessage() for r in ours)
    for secret in ("5550123", "555-0123", bot.slack.bot_token, SIGNING_SECRET):
        assert secret not in caplog.text


def test_numbers_are_shown_in_full_when_masking_is_off(start_bot):
    bot = start_bot(dial_mask_numbers=False)
    slash = bot.slash(ALICE, "+1 415 555 0123")
    bot.press(slash)
    bot.wait_for_final_card(slash)
    assert "+1 415-555-0123" in bot.channel_posts(CHANNEL)[0]["text"]
    assert "+1 415-555-0123" in bot.channel_posts(NOTIFY_CHANNEL)[0]["text"]
