"""Bolt's request verification stays on: forged or stale signatures get 401 and do nothing."""

from __future__ import annotations

import time

from dialbot_e2e import ALICE

from bot.sandbox.slack_requests import block_action_body, slash_command_body


def nothing_happened(bot) -> bool:
    return bot.store.history() == [] and bot.slack.respond_calls == [] and bot.cxone.calls == []


def test_forged_signature_is_rejected(bot):
    body = slash_command_body(
        user_id=ALICE, text="+1 415 555 0123", response_url=bot.slack.response_url()
    )
    answer = bot.post(body, secret="not-the-signing-secret")
    assert answer.status_code == 401
    assert nothing_happened(bot)


def test_stale_signature_is_rejected(bot):
    body = slash_command_body(
        user_id=ALICE, text="+1 415 555 0123", response_url=bot.slack.response_url()
    )
    answer = bot.post(body, timestamp=int(time.time()) - 600)
    assert answer.status_code == 401
    assert nothing_happened(bot)


def test_forged_button_press_places_no_call(bot):
    slash = bot.slash(ALICE, "+1 415 555 0123")
    body = block_action_body(
        user_id=ALICE,
        action_id="dial_confirm",
        value=slash.request_id,
        response_url=slash.response_url,
    )
    answer = bot.post(body, secret="not-the-signing-secret")
    assert answer.status_code == 401
    time.sleep(0.3)  # a wrongly accepted press would dial within milliseconds
    assert bot.cxone.calls == []
    assert bot.store.get_request(slash.request_id).state == "pending"


def test_unknown_paths_are_404_and_other_methods_405(bot):
    wrong_method = bot.session.get(bot.server.url + "/slack/events", timeout=5)
    assert wrong_method.status_code == 405 and wrong_method.headers["Allow"] == "POST"
    assert bot.session.post(bot.server.url + "/elsewhere", timeout=5).status_code == 404
