"""Abuse of the App Home and the dial modal over the real app: forged and replayed view
submissions, other people's views, crafted field values, and Slack markup in every field
a person can fill in. Every case asserts how many calls CXone was asked for."""

from __future__ import annotations

import json
import re
import threading
import time
from typing import Any

import pytest
from dialbot_e2e import ALICE, BOB, CHANNEL, SAM, SIGNING_SECRET

from bot.sandbox import wait_for
from bot.sandbox.slack_api import demo_user
from bot.sandbox.slack_requests import (
    app_home_opened_body,
    global_shortcut_payload,
    interactive_body,
    signed_headers,
    view_submission_payload,
)

NUMBER = "+1 415 555 0123"
SETTLE = 0.2  # a wrongly accepted submission reaches CXone within milliseconds
OUR_DATES = re.compile(r"<!date\^\d+\^\{date_short_pretty\} \{time\}\|[^<>]*>")


def submission_body(modal: dict, user_id: str = ALICE, **answers: Any) -> str:
    by_block = {f"dial_{'as' if k == 'agent' else k}": v for k, v in answers.items()}
    return interactive_body(view_submission_payload(user_id=user_id, view=modal, answers=by_block))


def everything_sent(bot, acks: list[str]) -> list[str]:
    """Each ack, response_url post, message and view the bot sent, as JSON strings."""
    sent = [ack for ack in acks if ack]
    sent += [json.dumps(call.body, ensure_ascii=False) for call in bot.slack.respond_calls]
    sent += [
        json.dumps({"method": call.method, **call.args}, ensure_ascii=False)
        for call in bot.slack.calls
        if call.method.startswith(("chat.", "views."))
    ]
    return sent


def live_markup(text: str, allowed_mentions: set[str]) -> list[str]:
    """Live Slack markup in `text` that the bot did not write itself (its <!date> tokens
    and mentions of the people a dial is about)."""
    text = OUR_DATES.sub("", text)
    found = [m for m in ("<!", "<http", "<mailto", "<#C123", "<tel:") if m in text]
    return found + [
        f"<@{user}"
        for user in (BOB, "U0EVIL")
        if user not in allowed_mentions and f"<@{user}" in text
    ]


def record_acks(bot) -> list[str]:
    acks: list[str] = []
    bot.session.hooks["response"].append(lambda response, *a, **k: acks.append(response.text))
    return acks


def assert_nothing_live(bot, acks: list[str], allowed_mentions: set[str] = frozenset()) -> None:
    sent = everything_sent(bot, acks)
    assert sent, "the bot sent nothing at all"
    for text in sent:
        assert live_markup(text, allowed_mentions) == [], text


# --- forged ---------------------------------------------------------------------------------


def test_forged_view_submissions_get_401_and_change_nothing(bot):
    modal = bot.modal_by_shortcut(ALICE)
    body = submission_body(modal, number=NUMBER, channel=CHANNEL)
    other = submission_body(modal, number="+1 415 555 0199", channel=CHANNEL)
    stale = int(time.time()) - 301
    attempts = [
        signed_headers("guessed-signing-secret", body),  # the wrong secret
        {"Content-Type": "application/x-www-form-urlencoded"},  # no signature
        signed_headers(SIGNING_SECRET, body, stale),  # more than five minutes old
    ]
    for headers in attempts:
        answer = bot.session.post(bot.events_url, data=body.encode(), headers=headers, timeout=5)
        assert answer.status_code == 401
    swapped = bot.session.post(  # signed for one number, sent with another
        bot.events_url, data=other.encode(), headers=signed_headers(SIGNING_SECRET, body), timeout=5
    )
    assert swapped.status_code == 401
    time.sleep(SETTLE)
    assert bot.cxone.calls == [] and bot.store.history() == []
    assert bot.slack.calls_to("views.update") == []


def test_forged_shortcuts_and_home_events_get_401(bot):
    shortcut = interactive_body(
        global_shortcut_payload(user_id=ALICE, callback_id="dial_place_call")
    )
    home = app_home_opened_body(user_id=ALICE)
    for body in (shortcut, home):
        headers = signed_headers("guessed-signing-secret", body)
        answer = bot.session.post(bot.events_url, data=body.encode(), headers=headers, timeout=5)
        assert answer.status_code == 401
    time.sleep(SETTLE)
    assert bot.slack.calls_to("views.open") == bot.slack.calls_to("views.publish") == []


# --- replayed ------------------------------------------------------------------------------


def test_a_replayed_submission_places_one_call(bot):
    modal = bot.modal_by_shortcut(ALICE)
    body = submission_body(modal, number=NUMBER, channel=CHANNEL)
    headers = signed_headers(SIGNING_SECRET, body)

    def post():
        return bot.session.post(bot.events_url, data=body.encode(), headers=headers, timeout=5)

    answers: list = []
    threads = [threading.Thread(target=lambda: answers.append(post())) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert [a.status_code for a in answers] == [200, 200, 200]  # signed, within 5 minutes
    wait_for(lambda: len(bot.channel_posts(CHANNEL)) == 2)
    late = post()  # the same bytes once the call is placed
    assert "placed" in json.dumps(late.json()["view"])
    time.sleep(SETTLE)
    assert len(bot.cxone.calls) == 1
    assert len(bot.channel_posts(CHANNEL)) == 2  # one parent post, one thread reply


def test_someone_elses_submission_of_a_used_modal_places_nothing_and_shows_nothing(bot):
    modal = bot.modal_by_shortcut(ALICE)
    bot.wait_for_modal_outcome(bot.submit(ALICE, modal, number=NUMBER, channel=CHANNEL))
    theirs = bot.submit(BOB, modal, number="+1 415 555 0199", channel=CHANNEL)

    assert "someone else's call" in theirs.errors["dial_number"]
    assert "0123" not in json.dumps(theirs.ack)  # nothing of Alice's call
    time.sleep(SETTLE)
    assert len(bot.cxone.calls) == 1


# --- crafted values --------------------------------------------------------------------------

CRAFTED = {
    "agent-as-broadcast": {"agent": "<!channel>"},
    "agent-lowercase": {"agent": "u0bob"},
    "agent-2000-chars": {"agent": "U" + "A" * 2000},
    "channel-as-link": {"channel": "<#C123|general>"},
    "channel-as-user": {"channel": "U0BOB"},
    "contact-10k": {"contact": "C" * 10_000},
    "contact-newline": {"contact": "C-1\nas @bob"},
}


@pytest.mark.parametrize("fields", CRAFTED.values(), ids=CRAFTED)
def test_crafted_field_values_are_refused_in_the_modal_with_no_record(bot, fields):
    modal = bot.modal_from_home(SAM)
    submission = bot.submit(SAM, modal, number=NUMBER, **fields)
    assert submission.errors, submission.ack
    assert all(len(text) < 400 for text in submission.errors.values())
    time.sleep(SETTLE)
    assert bot.store.history() == [] and bot.cxone.calls == []


def test_a_number_of_10000_characters_or_control_characters_is_refused(bot):
    modal = bot.modal_by_shortcut(ALICE)
    for typed in ("9" * 10_000, "\x00\x1b[31m415\u202e5550123", "📞📞📞", "\u200b\u200b"):
        submission = bot.submit(ALICE, modal, number=typed)
        (error,) = submission.errors.values()
        assert not any(ch in error for ch in "\x00\x1b\u202e"), error
    assert bot.store.history() == [] and bot.cxone.calls == []


# --- markup in every field a person fills in ------------------------------------------------

MARKUP = {
    "channel": "<!channel>",
    "here": "<!here>",
    "subteam": "<!subteam^S0EVIL|@oncall>",
    "user": f"<@{BOB}>",
    "user-labelled": "<@U0EVIL|boss>",
    "link": "<https://evil.example|click>",
    "mailto": "<mailto:ceo@evil.example|mail>",
    "channel-link": "<#C123>",
}
TEXT_FIELDS = {
    "number": lambda m: {"number": m},
    "number-after-digits": lambda m: {"number": f"+1 415 {m}"},
    "contact": lambda m: {"number": NUMBER, "contact": m},
    "contact-after-id": lambda m: {"number": NUMBER, "contact": f"C-1{m}"},
}


@pytest.mark.parametrize("field", TEXT_FIELDS, ids=TEXT_FIELDS)
def test_markup_in_every_text_field_of_the_modal_is_never_echoed_live(bot, field):
    modal = bot.modal_by_shortcut(ALICE)
    for name, markup in MARKUP.items():
        acks = record_acks(bot)
        submission = bot.submit(ALICE, modal, **TEXT_FIELDS[field](markup))
        assert submission.errors, (name, submission.ack)
        assert_nothing_live(bot, acks)
        bot.session.hooks["response"].clear()
        bot.slack.reset_records()
    assert bot.store.history() == [] and bot.cxone.calls == []


EVIL_NAME = "<!channel> <@U0EVIL> <https://evil.example|click> <#C123>"


def test_markup_in_slack_names_is_never_live_in_the_modal_the_posts_or_the_home(bot):
    alice = demo_user(ALICE, "alice", EVIL_NAME)
    alice["profile"]["display_name"] = EVIL_NAME
    bot.slack.users[:] = [alice, demo_user(BOB, "bob", EVIL_NAME), demo_user(SAM, "sam", "Sam")]
    acks = record_acks(bot)
    modal = bot.modal_by_shortcut(ALICE)
    submission = bot.submit(ALICE, modal, number=NUMBER, channel=CHANNEL)
    assert "&lt;!channel&gt;" in submission.view_text  # the name is shown, quoted
    bot.wait_for_modal_outcome(submission)
    bot.open_home(ALICE)
    bot.open_home(SAM)
    assert len(bot.cxone.calls) == 1
    # Bob's mention is the bot's own: Sam's home lists him among the agents to dial as.
    assert_nothing_live(bot, acks, allowed_mentions={BOB})


def test_markup_in_cxones_error_text_is_never_live_in_the_modal_or_the_home(bot):
    import responses

    hostile = f"agentId agent-1001 <!channel> <@{BOB}> <https://evil.example|x> is not ready"
    acks = record_acks(bot)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as cxone_api:
        cxone_api.add_passthru(bot.server.url)
        cxone_api.add_passthru(bot.cxone.token_url)
        cxone_api.post(bot.cxone.outbound_url, status=400, json={"message": hostile})
        submission = bot.submit(ALICE, bot.modal_by_shortcut(ALICE), number=NUMBER)
        final = json.dumps(bot.wait_for_modal_outcome(submission)["blocks"])
    assert "not placed" in final and "evil.example" in final  # CXone's words, quoted
    bot.open_home(ALICE)
    assert_nothing_live(bot, acks)
