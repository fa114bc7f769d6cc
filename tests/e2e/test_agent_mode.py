"""Agent mode (CXONE_API=agent) end to end: signed Slack requests to the real app, the
Agent API sandbox as CXone. Placing (and why not), then following the call live."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from agent_mode import (
    agent_overrides,
    dial,
    edits_of,
    notification_edits,
    wait_for_reply_saying,
)
from dialbot_e2e import AGENTS, ALICE, CHANNEL
from metrics_reading import scrape, value

from bot.sandbox import wait_for
from bot.sandbox.cxone_agent import AgentApiSandbox

AGENT = AGENTS[ALICE]


@pytest.fixture
def cxone() -> Iterator[AgentApiSandbox]:
    """Overrides conftest's CXone: the Agent API sandbox."""
    with AgentApiSandbox(agents=AGENTS.values(), ring_seconds=0.2, talk_seconds=0.4) as sandbox:
        yield sandbox


@pytest.fixture
def agent_bot(start_bot, cxone):
    return start_bot(**agent_overrides(cxone))


def dial_phones(cxone: AgentApiSandbox) -> int:
    return cxone.api_requests.get("dial-phone", 0)


# --- the happy path and the call's progress ---------------------------------------------


def test_a_call_is_placed_in_the_agents_session_and_followed_to_its_end(agent_bot, cxone):
    slash = dial(agent_bot, ALICE)
    card = agent_bot.wait_for_final_card(slash)
    assert "placed" in card["text"]

    ended = wait_for_reply_saying(agent_bot, "Call ended after")
    assert "connected" in ended
    # one join, one dial-phone with the agent's outbound phone skill and E.164
    assert cxone.joins == [{"asAgentId": AGENT}]
    (call,) = cxone.calls
    assert call.body == {"phoneNumber": "+14155550123", "skillId": "4102"}
    assert call.headers["Accept"] == "application/json"
    # the thread got one reply, edited as the call went: ringing/connected, then ended
    replies = [p for p in agent_bot.channel_posts(CHANNEL) if p.get("thread_ts")]
    assert len(replies) == 1
    assert len(edits_of(agent_bot)) >= 2
    wait_for(lambda: any("ended after" in text for text in notification_edits(agent_bot)))
    # the card shows the end too, and the record keeps the call
    wait_for(lambda: "ended after" in agent_bot.responses(slash)[-1].get("text", ""))
    (request,) = agent_bot.store.history(limit=5)
    assert request.follow_state == "ended"
    assert request.connected_at and request.ended_at and request.cxone_contact_id
    assert request.call_seconds is not None and request.call_seconds > 0
    # the agent's state was read before the dial, through the same host and token
    assert request.agent_state == "Available"
    metrics = scrape(agent_bot.server.url)
    assert value(metrics, "dialbot_calls_followed_total") == 1
    assert value(metrics, "dialbot_dials_total", outcome="placed") == 1


def test_a_second_call_reuses_the_agents_session(agent_bot, cxone):
    dial(agent_bot, ALICE)
    wait_for_reply_saying(agent_bot, "Call ended after")
    dial(agent_bot, ALICE, "+1 415 555 0124")
    wait_for(lambda: dial_phones(cxone) == 2)
    assert len(cxone.joins) == 1


@pytest.mark.parametrize(
    ("script", "words", "code"),
    [("busy", "the line was busy", "Busy"), ("no_answer", "nobody answered", "NoAnswer")],
)
def test_a_call_that_never_connects_says_why_in_words(agent_bot, cxone, script, words, code):
    cxone.call_script = script
    dial(agent_bot, ALICE)
    failed = wait_for_reply_saying(agent_bot, "did not connect")
    assert words in failed
    wait_for(lambda: agent_bot.store.history(limit=1)[0].follow_state == "failed")
    assert agent_bot.store.history(limit=1)[0].disconnect_code == code


def test_a_session_that_ends_mid_call_stops_following_with_a_note(agent_bot, cxone):
    cxone.call_script = "held"
    dial(agent_bot, ALICE)
    wait_for_reply_saying(agent_bot, "Connected")
    cxone.end_session(AGENT)
    stopped = wait_for_reply_saying(agent_bot, "Stopped following")
    assert "session ended" in stopped
    polls = cxone.event_polls
    wait_for(lambda: True, timeout=0.5)
    assert cxone.event_polls == polls  # no retry storm after the session ended


def test_repeated_event_read_failures_stop_following_without_a_storm(agent_bot, cxone):
    cxone.call_script = "held"
    cxone.set_fault("events_500")
    dial(agent_bot, ALICE)
    stopped = wait_for_reply_saying(agent_bot, "Stopped following", timeout=60)
    assert "kept failing" in stopped
    # five reads, each retried twice by the read policy: bounded, not a storm
    assert cxone.event_polls <= 5 * 3


# --- refusals: each its own sentence, no dial-phone --------------------------------------


def test_a_logged_out_agent_is_refused_at_dial_before_any_session_request(agent_bot, cxone):
    cxone.log_out(AGENT)
    refused = agent_bot.slash(ALICE, "+1 415 555 0123")
    assert not refused.buttons and "logged out of CXone" in refused.text
    assert cxone.joins == [] and dial_phones(cxone) == 0


def test_an_agent_who_logs_out_after_the_state_read_is_told_by_the_refused_join(start_bot, cxone):
    # The state check off stands for a logout between the state read and the join.
    bot = start_bot(**agent_overrides(cxone, DIAL_AGENT_STATE_CHECK="off"))
    cxone.log_out(AGENT)
    card = bot.wait_for_final_card(dial(bot, ALICE))
    assert "not logged in" in card["text"] and "log in to CXone" in card["text"]
    assert dial_phones(cxone) == 0


def test_an_agent_without_an_outbound_phone_skill_is_told_so(agent_bot, cxone):
    cxone.directory[AGENT].skills = [
        s for s in cxone.directory[AGENT].skills if not s.get("isOutbound")
    ]
    card = agent_bot.wait_for_final_card(dial(agent_bot, ALICE))
    assert "no outbound phone skill" in card["text"]
    assert "CXONE_OUTBOUND_SKILL_ID" in card["text"]
    assert dial_phones(cxone) == 0


def test_a_skill_the_agent_may_not_use_is_named(start_bot, cxone):
    bot = start_bot(**agent_overrides(cxone, CXONE_OUTBOUND_SKILL_ID="999"))
    card = bot.wait_for_final_card(dial(bot, ALICE))
    assert "skill 999" in card["text"] and "not placed" in card["text"]
    assert dial_phones(cxone) == 1


def test_an_api_user_without_the_impersonation_right_gets_the_403_sentence(agent_bot, cxone):
    cxone.impersonation = False
    card = agent_bot.wait_for_final_card(dial(agent_bot, ALICE))
    assert "act for agent" in card["text"] and "role" in card["text"]
    assert dial_phones(cxone) == 0


# --- CXone trouble: retried only when CXone certainly did not act ------------------------


@pytest.mark.parametrize(("check", "dial_phones_sent"), [("off", 3), ("block", 2)])
def test_a_revoked_token_is_replaced_via_the_refresh_token_and_the_call_placed(
    start_bot, cxone, check, dial_phones_sent
):
    """With the state check off the dial-phone meets the 401 (never acted on) and is sent
    again; with it on, the state read before it meets the 401 and refreshes first."""
    bot = start_bot(**agent_overrides(cxone, DIAL_AGENT_STATE_CHECK=check))
    dial(bot, ALICE)
    wait_for_reply_saying(bot, "Call ended after")
    cxone.revoke_tokens()
    card = bot.wait_for_final_card(dial(bot, ALICE, "+1 415 555 0124"))
    assert "placed" in card["text"]
    assert cxone.grants == ["password", "refresh_token"]
    assert dial_phones(cxone) == dial_phones_sent  # the first call's included


@pytest.mark.parametrize("retry_after", [1, None])
def test_a_rate_limited_dial_phone_is_sent_again_and_placed(agent_bot, cxone, retry_after):
    cxone.set_fault("429", times=1, retry_after=retry_after)
    card = agent_bot.wait_for_final_card(dial(agent_bot, ALICE), timeout=15)
    assert "placed" in card["text"]
    assert len(cxone.placed_calls) == 1


def test_a_retry_after_longer_than_a_person_waits_is_not_waited_out(agent_bot, cxone):
    cxone.set_fault("429", retry_after=30)
    card = agent_bot.wait_for_final_card(dial(agent_bot, ALICE))
    assert "asked the bot to wait 30 s" in card["text"]
    assert cxone.placed_calls == []


@pytest.mark.parametrize("fault", ["500", "502", "504"])
def test_a_failure_after_dial_phone_is_unknown_and_never_sent_twice(agent_bot, cxone, fault):
    cxone.set_fault(fault, place=True)
    card = agent_bot.wait_for_final_card(dial(agent_bot, ALICE))
    assert "unknown" in card["text"] and "before dialing again" in card["text"]
    assert dial_phones(cxone) == 1


def test_a_dial_phone_answered_too_late_is_unknown_and_never_sent_twice(start_bot, cxone):
    bot = start_bot(**agent_overrides(cxone), cxone_http_timeout=1.0)
    bot.cxone.set_fault("timeout", seconds=3)
    card = bot.wait_for_final_card(dial(bot, ALICE))
    assert "unknown" in card["text"]
    assert dial_phones(cxone) == 1
    assert len(cxone.placed_calls) == 1  # it did ring: hence never a second dial


# --- Slack trouble while following ------------------------------------------------------


def test_where_the_bot_cannot_post_the_end_of_the_call_is_told_privately(agent_bot, slack):
    slack.fail("chat.postMessage", "not_in_channel", channel=CHANNEL)
    slash = dial(agent_bot, ALICE)
    wait_for(lambda: agent_bot.store.history(limit=1)[0].follow_state == "ended", timeout=10)

    def told() -> bool:
        return any("Call ended after" in r.get("text", "") for r in agent_bot.responses(slash))

    wait_for(told)
    assert edits_of(agent_bot) == []  # nothing in the channel to edit


def test_a_failing_edit_does_not_stop_following(agent_bot, slack):
    slack.fail("chat.update", "internal_error", status=500, times=1)
    dial(agent_bot, ALICE)
    wait_for_reply_saying(agent_bot, "Call ended after")
    assert agent_bot.store.history(limit=1)[0].follow_state == "ended"
