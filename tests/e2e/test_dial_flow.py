"""Who may press what, and how often: one press, one call."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from dialbot_e2e import ALICE, BOB, CHANNEL, SAM

from bot.sandbox import wait_for


def test_supervisor_dials_as_another_agent(bot):
    slash = bot.slash(SAM, f"+1 415 555 0123 as <@{BOB}|bob>")
    assert "agent-2002" in str(slash.answer["blocks"])
    bot.press(slash)
    bot.wait_for_final_card(slash)
    (call,) = bot.cxone.calls
    assert call.body["agentId"] == "agent-2002"
    assert call.body["data"]["slackRequester"] == SAM
    parent = bot.channel_posts(CHANNEL)[0]
    assert f"<@{SAM}>" in parent["text"] and f"<@{BOB}>" in parent["text"]


@pytest.mark.parametrize("mention", [f"<@{BOB}|bob>", "@bob", "@Bob", "@bob.baker"])
def test_both_mention_forms_name_the_same_agent(bot, mention):
    if mention == "@bob.baker":
        # a display name different from the username still resolves
        bot.slack.users[1]["profile"]["display_name"] = "bob.baker"
    slash = bot.slash(SAM, f"+1 415 555 0123 as {mention}")
    assert slash.buttons, slash.text
    assert bot.store.get_request(slash.request_id).agent_user_id == BOB


def test_plain_mentions_use_one_cached_user_list(bot):
    bot.slash(SAM, "+1 415 555 0123 as @bob")
    bot.slash(SAM, "+1 415 555 0124 as @alice")
    bot.slash(ALICE, "whois @bob")
    assert len(bot.slack.calls_to("users.list")) == 1


def test_another_users_click_is_refused_and_changes_nothing(bot):
    slash = bot.slash(ALICE, "+1 415 555 0123")
    assert bot.press(slash, user_id=BOB).status_code == 200
    note = wait_for(lambda: bot.responses(slash))[0]
    assert note["replace_original"] is False
    assert f"Only <@{ALICE}>" in note["text"]
    time.sleep(0.2)
    assert bot.cxone.calls == []
    assert bot.store.get_request(slash.request_id).state == "pending"
    # Alice can still dial.
    bot.press(slash)
    bot.wait_for_final_card(slash)
    assert len(bot.cxone.calls) == 1


def test_eight_concurrent_clicks_place_one_call(bot):
    slash = bot.slash(ALICE, "+1 415 555 0123")
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: bot.press(slash), range(8)))
    assert [a.status_code for a in answers] == [200] * 8
    final = bot.wait_for_final_card(slash)
    assert "placed" in final["text"]
    time.sleep(0.5)  # let every losing press finish its work
    assert len(bot.cxone.calls) == 1
    assert len(bot.channel_posts(CHANNEL)) == 2  # one parent, one thread reply
    cards = [r for r in bot.responses(slash) if r.get("replace_original")]
    assert "placed" in cards[-1]["text"]  # the card ends on the final state


def test_cancel_then_confirm_places_no_call(bot):
    slash = bot.slash(ALICE, "+1 415 555 0123")
    bot.press(slash, "dial_cancel")
    cancelled = wait_for(lambda: bot.responses(slash))[0]
    assert cancelled["replace_original"] is True
    assert "Cancelled" in cancelled["text"]
    assert "actions" not in str(cancelled["blocks"])
    bot.press(slash)
    time.sleep(0.3)
    assert bot.cxone.calls == []
    assert bot.store.get_request(slash.request_id).state == "cancelled"
    assert all("Cancelled" in r["text"] for r in bot.responses(slash))


def test_expired_card_places_no_call(start_bot):
    bot = start_bot(dial_confirm_ttl_seconds=1)
    slash = bot.slash(ALICE, "+1 415 555 0123")
    time.sleep(1.1)
    bot.press(slash)
    card = wait_for(lambda: [r for r in bot.responses(slash) if "expired" in r["text"]])[-1]
    assert card["replace_original"] is True
    assert "actions" not in str(card["blocks"])
    assert not any("Dialing" in r["text"] for r in bot.responses(slash))
    assert bot.cxone.calls == []
    assert bot.store.get_request(slash.request_id).state == "expired"


def test_rate_limit_keeps_the_card_usable_and_says_how_long_to_wait(start_bot):
    bot = start_bot(dial_rate_limit_per_minute=1)
    first = bot.slash(ALICE, "+1 415 555 0123")
    bot.press(first)
    bot.wait_for_final_card(first)
    second = bot.slash(ALICE, "+1 415 555 0124")
    bot.press(second)
    card = wait_for(lambda: [r for r in bot.responses(second) if "last minute" in r["text"]])[-1]
    assert "Press Dial again in" in card["text"]
    assert "dial_confirm" in str(card["blocks"])  # the buttons are back
    assert len(bot.cxone.calls) == 1
    assert bot.store.get_request(second.request_id).state == "pending"
