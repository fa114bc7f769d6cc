"""What people are told after Dial: placed, rejected, unknown; in the channel or privately."""

from __future__ import annotations

import time

from dialbot_e2e import ALICE, BOB, CHANNEL, NOTIFY_CHANNEL

from bot.cxone.errors import UNKNOWN_ADVICE
from bot.sandbox import wait_for


def thread_reply(bot) -> dict:
    parent, reply = wait_for(lambda: len(bot.channel_posts(CHANNEL)) == 2 and bot.channel_posts())
    assert reply["thread_ts"]
    return reply


def test_rejected_dial_shows_the_error_table_sentence(bot):
    bot.store.link(ALICE, "agent-not-at-cxone", "U0ADMIN")
    slash = bot.slash(ALICE, "+1 415 555 0123")
    bot.press(slash)
    final = bot.wait_for_final_card(slash)
    reply = thread_reply(bot)
    assert "Not placed" in reply["text"]
    assert "CXone rejected the call request as invalid" in reply["text"]  # the 400 row
    assert "agent is assigned to the campaign" in reply["text"]
    assert "not placed" in final["text"]
    (summary,) = bot.channel_posts(NOTIFY_CHANNEL)
    assert "rejected" in summary["text"]
    assert bot.store.get_request(slash.request_id).state == "rejected"


def test_unknown_outcome_says_what_to_check(bot):
    bot.cxone.set_fault("500")
    slash = bot.slash(ALICE, "+1 415 555 0123")
    bot.press(slash)
    final = bot.wait_for_final_card(slash)
    reply = thread_reply(bot)
    assert "Outcome unknown" in reply["text"]
    assert UNKNOWN_ADVICE in reply["text"]
    assert "unknown" in final["text"]
    assert len(bot.cxone.calls) == 1  # a 500 is never retried: it could ring twice
    assert bot.store.get_request(slash.request_id).state == "unknown"


def test_not_in_channel_sends_the_outcome_privately(bot):
    bot.slack.fail("chat.postMessage", "not_in_channel", channel=CHANNEL)
    slash = bot.slash(ALICE, "+1 415 555 0123")
    bot.press(slash)
    bot.wait_for_final_card(slash)
    private = [r for r in bot.responses(slash) if r.get("replace_original") is False]
    (outcome,) = private
    assert outcome["response_type"] == "ephemeral"
    assert "Call placed" in outcome["text"]
    assert bot.cxone.calls[0].call_id in outcome["text"]
    assert [c for c in bot.slack.messages(CHANNEL)] == []
    assert len(bot.channel_posts(NOTIFY_CHANNEL)) == 1
    assert len(bot.cxone.calls) == 1


def test_outcome_comes_as_a_direct_message_when_channel_and_response_url_both_fail(bot):
    bot.slack.fail("chat.postMessage", "not_in_channel", channel=CHANNEL)
    slash = bot.slash(ALICE, "+1 415 555 0123")
    bot.slack.expire_response_url(slash.response_url)  # e.g. pressed after 30 minutes
    bot.press(slash)
    dm = wait_for(lambda: bot.channel_posts(ALICE))
    assert len(dm) == 1
    assert "Call placed" in dm[0]["text"] and bot.cxone.calls[0].call_id in dm[0]["text"]
    assert len(bot.cxone.calls) == 1


def test_direct_message_gets_the_outcome_privately(bot):
    bot.slack.fail("chat.postMessage", "channel_not_found", channel="D0ALICEBOB")
    slash = bot.slash(ALICE, "+1 415 555 0123", channel_id="D0ALICEBOB")
    bot.press(slash)
    bot.wait_for_final_card(slash)
    private = [r for r in bot.responses(slash) if r.get("replace_original") is False]
    assert len(private) == 1 and "Call placed" in private[0]["text"]


def test_slack_trouble_while_reporting_never_dials_again(bot):
    bot.slack.fail("chat.postMessage", "internal_error", status=500)
    slash = bot.slash(ALICE, "+1 415 555 0123")
    bot.press(slash)
    final = bot.wait_for_final_card(slash)
    assert "placed" in final["text"]
    assert len(bot.cxone.calls) == 1


def test_slow_cxone_never_delays_an_ack(start_bot):
    bot = start_bot(cxone_http_timeout=8.0)
    bot.cxone.latency = 5.0

    started = time.monotonic()
    slash = bot.slash(ALICE, "+1 415 555 0123")
    assert time.monotonic() - started < 1.5
    assert slash.buttons

    started = time.monotonic()
    assert bot.press(slash).status_code == 200
    assert time.monotonic() - started < 1.5

    # While CXone is still thinking, others are answered at once too.
    started = time.monotonic()
    other = bot.slash(BOB, "+1 415 555 0199")
    assert bot.press(other).status_code == 200
    assert time.monotonic() - started < 1.5
    dialing = wait_for(lambda: bot.responses(slash))[0]
    assert "Dialing" in dialing["text"] and "actions" not in str(dialing["blocks"])

    assert "placed" in bot.wait_for_final_card(slash, timeout=15)["text"]
    assert "placed" in bot.wait_for_final_card(other, timeout=15)["text"]
    assert len(bot.cxone.calls) == 2
