"""GET /metrics and GET /readyz over HTTP, on the real app."""

from __future__ import annotations

from dialbot_e2e import ALICE, CHANNEL, NOTIFY_CHANNEL
from metrics_reading import scrape, value

from bot.sandbox import wait_for
from bot.store import DialState

NUMBER = "+1 415 555 0123"
UNLINKED = "U0NOBODY"


def dial(bot, number: str = NUMBER) -> str:
    slash = bot.slash(ALICE, number)
    bot.press(slash)
    bot.wait_for_final_card(slash)
    return slash.request_id


def finished(bot, request_id: str, state: DialState) -> None:
    wait_for(lambda: bot.store.get_request(request_id).state == state)


def test_metrics_count_dials_by_outcome_refusals_cxone_and_acks(bot):
    base = bot.server.url
    before = scrape(base)
    assert value(before, "dialbot_dials_total", outcome="placed") == 0

    placed = dial(bot)
    bot.cxone.set_fault("500")
    unknown = dial(bot)
    bot.cxone.clear_fault()
    bot.store.link(ALICE, "agent-not-at-cxone", "U0ADMIN")  # CXone answers 400
    rejected = dial(bot)
    finished(bot, placed, DialState.PLACED)
    finished(bot, unknown, DialState.UNKNOWN)
    finished(bot, rejected, DialState.REJECTED)
    refused = bot.slash(UNLINKED, NUMBER)
    assert "linked" in refused.text

    text = scrape(base)
    assert value(text, "dialbot_dials_total", outcome="placed") == 1
    assert value(text, "dialbot_dials_total", outcome="unknown") == 1
    assert value(text, "dialbot_dials_total", outcome="rejected") == 1
    assert value(text, "dialbot_refusals_total", kind="not_linked") == 1
    assert value(text, "dialbot_dials_in_flight") == 0
    assert value(text, "dialbot_cxone_requests_total", endpoint="dial", status="202") == 1
    assert value(text, "dialbot_cxone_requests_total", endpoint="dial", status="500") == 1
    assert value(text, "dialbot_cxone_requests_total", endpoint="dial", status="400") == 1
    assert value(text, "dialbot_cxone_request_seconds_count", endpoint="dial") == 3
    assert value(text, "dialbot_cxone_token_fetches_total", result="ok") == 1  # cached after
    assert value(text, "dialbot_cxone_requests_total", endpoint="token", status="200") == 1
    # Four /dial and three presses, each timed up to its answer.
    assert value(text, "dialbot_ack_seconds_count", surface="slash_command") == 4
    assert value(text, "dialbot_ack_seconds_count", surface="block_actions") == 3
    assert value(text, "dialbot_calls_followed_total") == 0  # journey mode follows no call
    assert value(text, "dialbot_ready") == 1


def test_metrics_count_slack_api_errors_by_method(bot):
    bot.slack.fail("chat.postMessage", "not_in_channel", channel=CHANNEL)
    dial(bot)
    wait_for(lambda: bot.channel_posts(NOTIFY_CHANNEL))

    text = scrape(bot.server.url)
    errors = value(
        text, "dialbot_slack_api_errors_total", method="chat.postMessage", error="not_in_channel"
    )
    assert errors >= 1
    assert value(text, "dialbot_dials_total", outcome="placed") == 1


def test_metrics_can_be_turned_off(start_bot):
    bot = start_bot(metrics_enabled=False)
    dial(bot)
    assert scrape(bot.server.url) == ""


def test_readyz_is_200_while_the_database_answers(bot):
    import requests

    answer = requests.get(bot.server.url + "/readyz", timeout=5)
    assert (answer.status_code, answer.text) == (200, "ready")
    assert requests.get(bot.server.url + "/healthz", timeout=5).status_code == 200
    assert requests.post(bot.server.url + "/readyz", timeout=5).status_code == 405
    assert requests.post(bot.server.url + "/metrics", timeout=5).status_code == 405
