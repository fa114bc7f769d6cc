"""The channel's parent message ends telling the truth: chat.update turns "is calling"
into the outcome, in words and emoji, for every terminal state; when the update
fails, the thread reply still stands."""

from __future__ import annotations

from typing import Any

import pytest
from dialbot_e2e import ALICE, CHANNEL, DialBot

from bot.sandbox import wait_for

NUMBER = "+1 415 555 0123"


def dial(bot: DialBot) -> dict[str, Any]:
    slash = bot.slash(ALICE, NUMBER)
    bot.press(slash)
    return bot.wait_for_final_card(slash)


def parent_and_reply(bot: DialBot) -> tuple[dict[str, Any], dict[str, Any]]:
    def both():
        posts = bot.slack.messages(CHANNEL)
        replies = [m for m in posts if m.get("thread_ts")]
        parents = [m for m in posts if not m.get("thread_ts")]
        return (parents, replies) if parents and replies else None

    (parent,), (reply,) = wait_for(both)
    assert reply["thread_ts"] == parent["ts"]
    return parent, reply


def wait_for_update(bot: DialBot) -> dict[str, Any]:
    (update,) = wait_for(lambda: bot.slack.calls_to("chat.update"))
    return update


def cxone_answers_400(bot: DialBot) -> None:
    bot.store.link(ALICE, "agent-not-at-cxone", "U0ADMIN")  # CXone: 400, no such agent


@pytest.mark.parametrize(
    ("setup", "reads", "emoji"),
    [
        (lambda bot: None, "Call placed", ":white_check_mark:"),
        (cxone_answers_400, "Not placed", ":x:"),
        (lambda bot: bot.cxone.set_fault("500"), "Outcome unknown", ":warning:"),
        (lambda bot: bot.cxone.set_fault("timeout", seconds=3), "Outcome unknown", ":warning:"),
    ],
    ids=["placed", "rejected-400", "unknown-500", "unknown-timeout"],
)
def test_the_parent_message_ends_with_the_outcome(start_bot, setup, reads, emoji):
    bot = start_bot(cxone_http_timeout=1.0)
    setup(bot)
    dial(bot)
    wait_for_update(bot)

    parent, reply = parent_and_reply(bot)

    assert parent["text"].startswith(f"{emoji} {reads}")
    assert "is calling" not in parent["text"]
    assert "+1 415-•••-0123" in parent["text"]  # still says which call, masked
    assert reads in reply["text"]
    assert parent["edited"]["user"] == bot.slack.bot_user_id
    assert parent["blocks"][0]["text"]["text"] == parent["text"]


def test_the_parent_says_is_calling_while_cxone_is_asked(bot):
    bot.cxone.latency = 1.0
    slash = bot.slash(ALICE, NUMBER)
    bot.press(slash)

    (parent,) = wait_for(lambda: bot.slack.messages(CHANNEL))
    assert "is calling" in parent["text"]
    assert bot.slack.calls_to("chat.update") == []

    bot.wait_for_final_card(slash)
    wait_for_update(bot)
    parent, _ = parent_and_reply(bot)
    assert parent["text"].startswith(":white_check_mark: Call placed")


@pytest.mark.parametrize("error", ["message_not_found", "cant_update_message"])
def test_when_the_update_fails_the_thread_reply_still_stands(bot, error):
    bot.slack.fail("chat.update", error)
    card = dial(bot)

    update = wait_for_update(bot)
    parent, reply = parent_and_reply(bot)

    assert update.response == {"ok": False, "error": error}
    assert "is calling" in parent["text"]  # the update did not take ...
    assert "Call placed" in reply["text"]  # ... and the thread says what happened
    assert "placed" in card["text"]
    private = [r for r in bot.slack.respond_calls if r.body.get("replace_original") is False]
    assert private == []  # the thread reply stood: nothing needed saying privately
    assert len(bot.cxone.calls) == 1
