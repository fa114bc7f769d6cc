"""The agent's CXone state before a dial, over signed HTTP against the CXone sandbox:
each ready, busy and logged-out state in each mode, reads that fail (and never block),
`off` asking nothing, and a refusal at the press that a later press gets past."""

from __future__ import annotations

import logging
import re

import pytest
from dialbot_e2e import AGENTS, ALICE, BOB, CHANNEL, SAM

from bot.sandbox import wait_for
from bot.sandbox.slack_requests import message_action_body

NUMBER = "+1 415 555 0123"
AGENT = AGENTS[ALICE]


def context_texts(message: dict) -> list[str]:
    return [
        element["text"]
        for block in message.get("blocks", [])
        if block["type"] == "context"
        for element in block["elements"]
    ]


def state_line(message: dict) -> str:
    marks = (":large_green_circle:", ":warning:", ":grey_question:", ":hourglass:")
    lines = [t for t in context_texts(message) if t.startswith(marks)]
    assert len(lines) == 1, context_texts(message)
    return lines[0]


def dial_and_press(bot, user=ALICE, text=NUMBER):
    slash = bot.slash(user, text)
    assert slash.buttons, slash.text
    bot.press(slash)
    return slash, bot.wait_for_final_card(slash)


# --- block (the default) -------------------------------------------------------------


def test_an_available_agent_gets_the_state_line_and_the_call(bot):
    slash, final = dial_and_press(bot)
    assert state_line(slash.answer) == ":large_green_circle: alice is Available in CXone."
    assert "Placed" in final["text"] or "placed" in final["text"]
    (request,) = bot.store.history()
    assert request.agent_state == "Available"
    # one state read (the card's; the press reuses it) and one dial
    assert bot.cxone.state_requests == 1
    assert len(bot.cxone.calls) == 1


@pytest.mark.parametrize(
    ("state", "words", "todo"),
    [
        ("LoggedOut", "are logged out of CXone", "log in to your agent application"),
        ("Unavailable", "are Unavailable in CXone", "go Available in your agent application"),
        ("LoggedIn", "are logged in to CXone but not Available yet", "go Available"),
        ("InboundContact", "are on an inbound call", "wait for that inbound call to end"),
        ("OutboundContact", "are on an outbound call", "wait for that outbound call to end"),
        ("InboundConsult", "are on an inbound consult call", "wait for that inbound consult"),
        ("OutboundConsult", "are on an outbound consult call", "wait for that outbound consult"),
        ("Dialer", "are on a dialer call", "wait for that dialer call to end"),
    ],
)
def test_block_refuses_each_state_that_is_not_ready_with_what_to_do(bot, state, words, todo):
    bot.cxone.set_agent_state(AGENT, state)
    slash = bot.slash(ALICE, NUMBER)
    assert slash.buttons == []
    assert f"You {words}, so no call was placed: {todo}" in slash.text
    assert slash.text.endswith("then run /dial again.")
    assert "How to use /dial" not in slash.text  # the command was fine
    assert bot.store.history() == []
    assert bot.cxone.calls == []


def test_an_unavailable_reason_is_shown(bot):
    bot.cxone.set_agent_state(AGENT, "Unavailable", description="Lunch")
    assert "Unavailable in CXone (Lunch)" in bot.slash(ALICE, NUMBER).text


def test_a_supervisor_is_told_to_ask_the_agent(bot):
    bot.cxone.set_agent_state(AGENTS[BOB], "LoggedOut")
    slash = bot.slash(SAM, f"{NUMBER} as <@{BOB}|bob>")
    assert f"<@{BOB}> is logged out of CXone" in slash.text
    assert "ask them to log in to their agent application" in slash.text


def test_the_ready_list_decides(start_bot):
    bot = start_bot(dial_agent_ready_states=frozenset({"Available", "LoggedIn"}))
    bot.cxone.set_agent_state(AGENT, "LoggedIn")
    slash, _ = dial_and_press(bot)
    assert "logged in to CXone but not Available yet" in state_line(slash.answer)
    assert len(bot.cxone.placed_calls) == 1


# --- warn and off --------------------------------------------------------------------


@pytest.mark.parametrize("state", ["LoggedOut", "InboundContact", "Available"])
def test_warn_shows_the_state_and_never_refuses(start_bot, state):
    bot = start_bot(dial_agent_state_check="warn")
    bot.cxone.set_agent_state(AGENT, state)
    slash, _ = dial_and_press(bot)
    line = state_line(slash.answer)
    if state == "Available":
        assert line.startswith(":large_green_circle:")
    else:
        assert line.startswith(":warning:") and "the call may not reach them" in line
    assert len(bot.cxone.placed_calls) == 1
    assert bot.store.history()[0].agent_state == state


@pytest.mark.parametrize("state", ["LoggedOut", "Available"])
def test_off_makes_no_state_request_and_shows_no_line(start_bot, state):
    bot = start_bot(dial_agent_state_check="off")
    bot.cxone.set_agent_state(AGENT, state)
    slash, _ = dial_and_press(bot)
    assert [t for t in context_texts(slash.answer) if "state" in t] == []
    assert len(bot.cxone.placed_calls) == 1
    home = bot.open_home(ALICE)
    assert "in CXone" not in str(home["blocks"]).replace("CXone agent", "")
    assert bot.cxone.state_requests == 0
    assert bot.store.history()[0].agent_state is None


# --- reads that fail never block -----------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "phrase", "seen"),
    [
        ("states_403", "the bot's CXone user may not read agent states, HTTP 403", "forbidden"),
        ("states_404", "CXone has no state API or no such agent here, HTTP 404", "not_found"),
    ],
)
def test_a_refused_read_lets_the_dial_go_and_says_why(bot, fault, phrase, seen):
    bot.cxone.set_fault(fault)
    slash, _ = dial_and_press(bot)
    assert state_line(slash.answer) == (
        f":grey_question: alice's CXone state could not be checked ({phrase}); the dial may go on."
    )
    assert len(bot.cxone.placed_calls) == 1
    assert bot.store.history()[0].agent_state == f"unread: {seen}"


def test_a_5xx_is_retried_past_the_budget_and_never_blocks(bot):
    bot.cxone.set_fault("states_500")
    slash, _ = dial_and_press(bot)
    # Retried with backoff (0.5 s, 1 s): longer than the ack's budget.
    assert "not checked yet" in state_line(slash.answer)
    assert len(bot.cxone.placed_calls) == 1
    assert bot.store.history()[0].agent_state == "unread: server_error"
    # the press joined the card's read in flight; later reads are the App Home's
    assert [r.status for r in bot.cxone.reads_of("states")][:3] == [500, 500, 500]


def test_a_read_that_times_out_leaves_the_card_not_checked_and_the_press_dials(start_bot):
    bot = start_bot(cxone_http_timeout=0.5)
    bot.cxone.set_fault("states_timeout", seconds=2)
    slash = bot.slash(ALICE, NUMBER)
    assert slash.response.elapsed.total_seconds() < 1.5
    assert state_line(slash.answer) == (
        ":hourglass: alice's CXone state not checked yet: Dial checks it."
    )
    bot.press(slash)
    bot.wait_for_final_card(slash)
    assert len(bot.cxone.placed_calls) == 1
    assert bot.store.history()[0].agent_state == "unread: timeout"


def test_a_429_beyond_the_wait_budget_says_cxone_is_limiting(bot):
    bot.cxone.set_fault("states_429", retry_after=120)
    slash, _ = dial_and_press(bot)
    assert "CXone is limiting requests, HTTP 429" in state_line(slash.answer)
    assert len(bot.cxone.placed_calls) == 1
    assert bot.store.history()[0].agent_state == "unread: rate_limited"


def test_a_429_with_a_short_retry_after_is_waited_out_and_read(start_bot):
    bot = start_bot(dial_agent_state_budget_ms=2000)
    bot.cxone.set_fault("states_429", times=1, retry_after=1)
    slash = bot.slash(ALICE, NUMBER)
    assert "is Available in CXone" in state_line(slash.answer)
    assert [r.status for r in bot.cxone.reads_of("states")] == [429, 200]


# --- at the press ----------------------------------------------------------------------


def test_a_refusal_at_the_press_keeps_the_request_and_a_later_press_dials_once(start_bot):
    bot = start_bot(dial_agent_state_max_age_seconds=0)  # the press always reads again
    slash = bot.slash(ALICE, NUMBER)
    assert "is Available in CXone" in state_line(slash.answer)
    bot.cxone.set_agent_state(AGENT, "OutboundContact")
    bot.press(slash)
    card = wait_for(lambda: [r for r in bot.responses(slash) if "outbound call" in r["text"]])[-1]
    assert "wait for that outbound call to end, then press Dial again." in card["text"]
    assert "dial_confirm" in str(card["blocks"])  # the buttons are back
    assert "is on an outbound call" in state_line(card)
    assert bot.store.get_request(slash.request_id).state == "pending"
    assert bot.cxone.calls == []

    bot.cxone.set_agent_state(AGENT, "Available")
    bot.press(slash)
    wait_for(lambda: bot.store.get_request(slash.request_id).state == "placed")
    assert len(bot.cxone.calls) == 1
    assert bot.store.get_request(slash.request_id).agent_state == "Available"
    dialed_at = bot.cxone.calls[0].time
    # the card's read and one at each press (the App Home may read later)
    assert len([r for r in bot.cxone.reads_of("states") if r.time <= dialed_at]) == 3


def test_a_recent_reading_is_not_read_again_at_the_press(bot):
    slash = bot.slash(ALICE, NUMBER)
    bot.cxone.set_agent_state(AGENT, "LoggedOut")  # seconds old: the card's reading stands
    bot.press(slash)
    bot.wait_for_final_card(slash)
    assert len(bot.cxone.calls) == 1
    assert bot.cxone.state_requests == 1  # the App Home after the dial reuses it too


# --- the other ways in -----------------------------------------------------------------


def test_the_message_shortcut_checks_the_state_too(bot):
    bot.cxone.set_agent_state(AGENT, "LoggedOut")
    url = bot.slack.response_url()
    body = message_action_body(
        user_id=ALICE,
        callback_id="dial_from_message",
        message_text="call me at 415 555 0123",
        response_url=url,
    )
    assert bot.post(body).status_code == 200
    answer = wait_for(lambda: bot.slack.responses_for(url))[0]
    assert "You are logged out of CXone" in answer["text"]
    assert "then use the shortcut again." in answer["text"]
    assert bot.store.history() == []


def test_the_modal_answers_next_to_the_agent_field(bot):
    bot.cxone.set_agent_state(AGENTS[BOB], "InboundContact")
    modal = bot.modal_from_home(SAM)
    submission = bot.submit(SAM, modal, number=NUMBER, agent=BOB, contact="C-77")
    assert set(submission.errors) == {"dial_as"}
    assert "@bob is on an inbound call" in submission.errors["dial_as"]
    assert "then submit the form again." in submission.errors["dial_as"]
    assert bot.cxone.calls == []


def test_a_modal_without_the_agent_field_answers_next_to_the_number(bot):
    bot.cxone.set_agent_state(AGENT, "LoggedOut")
    submission = bot.submit(ALICE, bot.modal_by_shortcut(ALICE), number=NUMBER, channel=CHANNEL)
    assert set(submission.errors) == {"dial_number"}
    assert "You are logged out of CXone" in submission.errors["dial_number"]


def test_the_modal_records_the_state_it_saw(bot):
    submission = bot.submit(ALICE, bot.modal_by_shortcut(ALICE), number=NUMBER, channel=CHANNEL)
    bot.wait_for_modal_outcome(submission)
    (request,) = [r for r in bot.store.history() if r.state == "placed"]
    assert request.agent_state == "Available"
    assert bot.cxone.state_requests == 1


def test_the_app_home_shows_the_agents_state(bot):
    bot.cxone.set_agent_state(AGENT, "LoggedOut")
    home = bot.open_home(ALICE)
    assert "Your agent is *logged out* in CXone." in str(home["blocks"])


def test_no_access_token_is_logged(bot, caplog):
    caplog.set_level(logging.DEBUG)
    bot.cxone.set_fault("states_500", times=1)
    dial_and_press(bot)
    tokens = list(bot.cxone._tokens)
    assert tokens
    text = "\n".join(r.getMessage() for r in caplog.records)
    for token in tokens:
        assert token not in text
    assert not re.search(r"Bearer \S{20,}", text)


def test_no_token_for_the_state_read_never_blocks_and_the_dial_says_why(start_bot):
    bot = start_bot(cxone_token_url="http://127.0.0.1:9/oauth/token", cxone_http_timeout=1.0)
    slash = bot.slash(ALICE, NUMBER)
    assert slash.response.elapsed.total_seconds() < 1.5
    assert slash.buttons  # token retries outlast the budget: "not checked yet"
    bot.press(slash)
    final = bot.wait_for_final_card(slash, timeout=20)
    assert "token endpoint" in final["text"]
    request = bot.store.get_request(slash.request_id)
    assert request.state == "rejected"
    assert request.agent_state == "unread: no_token"
    assert bot.cxone.calls == []
