"""Abuse over the real app: forged, replayed and tampered requests, other people's clicks,
missing rights, the rate limit, numbers the bot must never dial, hostile command text and
Slack markup in anything a person can type.

Every case asserts what the person sees and that CXone was asked for no call it should
not have been (the sandbox records every dial request it receives).
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

import pytest
import responses
from dialbot_e2e import ADMIN, ALICE, BOB, CHANNEL, NOTIFY_CHANNEL, SAM, SIGNING_SECRET

from bot.sandbox import wait_for
from bot.sandbox.slack_api import demo_user
from bot.sandbox.slack_requests import (
    block_action_body,
    message_action_body,
    signed_headers,
    slash_command_body,
)

NUMBER = "+1 415 555 0123"
USAGE_LINE = "How to use /dial"
UNKNOWN_CARD = "doesn't match any dial request"
SETTLE = 0.2  # a wrongly accepted press reaches CXone within milliseconds


# --- helpers -----------------------------------------------------------------------------


def record_acks(bot) -> list[str]:
    """Collect the body of every answer the bot gives over HTTP from now on."""
    acks: list[str] = []
    bot.session.hooks["response"].append(
        lambda response, *args, **kwargs: acks.append(response.text)
    )
    return acks


def everything_sent(bot, acks: list[str]) -> list[str]:
    """Each ack body, response_url post and Web API call the bot made, as one JSON string."""
    sent = [ack for ack in acks if ack]
    sent += [json.dumps(call.body, ensure_ascii=False) for call in bot.slack.respond_calls]
    sent += [
        json.dumps({"method": call.method, **call.args}, ensure_ascii=False)
        for call in bot.slack.calls
        if call.method.startswith("chat.")
    ]
    return sent


def live_markup(text: str, *, allowed_mentions: set[str] = frozenset()) -> list[str]:
    """The pieces of live Slack markup in `text` the bot did not write for itself."""
    found = [m for m in ("<!", "<http", "<mailto", "<#C123", "<tel:") if m in text]
    for user in (BOB, "U0EVIL"):
        if user not in allowed_mentions and f"<@{user}" in text:
            found.append(f"<@{user}")
    return found


def assert_nothing_live(bot, acks: list[str], *, allowed_mentions: set[str] = frozenset()):
    sent = everything_sent(bot, acks)
    assert sent, "the bot answered nothing at all"
    for text in sent:
        assert live_markup(text, allowed_mentions=allowed_mentions) == [], text


def press_value(bot, value: str, *, action_id: str = "dial_confirm", user_id: str = ALICE):
    response_url = bot.slack.response_url()
    body = block_action_body(
        user_id=user_id,
        action_id=action_id,
        value=value,
        channel_id=CHANNEL,
        response_url=response_url,
    )
    answer = bot.post(body)
    assert answer.status_code == 200
    return response_url


def notes(bot, response_url: str) -> list[dict[str, Any]]:
    return wait_for(lambda: bot.slack.responses_for(response_url))


def calls_for(bot, request_id: str) -> list:
    return [c for c in bot.cxone.calls if c.body["data"]["requestId"] == request_id]


def assert_refused_in_ack(bot, slash, *reason_words: str) -> None:
    assert slash.response.status_code == 200
    assert slash.answer["response_type"] == "ephemeral"
    assert slash.buttons == []
    for words in reason_words:
        assert words in slash.text
    assert bot.store.history() == []
    assert bot.cxone.calls == []


# --- signatures --------------------------------------------------------------------------


def test_forged_signature_gets_401_and_places_no_call(bot):
    slash = bot.slash(ALICE, NUMBER)
    body = block_action_body(
        user_id=ALICE,
        action_id="dial_confirm",
        value=slash.request_id,
        channel_id=CHANNEL,
        response_url=slash.response_url,
    )
    assert bot.post(body, secret="guessed-signing-secret").status_code == 401
    time.sleep(SETTLE)
    assert bot.cxone.calls == []
    assert bot.store.get_request(slash.request_id).state == "pending"


def test_body_changed_after_signing_gets_401(bot):
    slash = bot.slash(ALICE, NUMBER)
    signed_for = block_action_body(
        user_id=ALICE,
        action_id="dial_cancel",
        value=slash.request_id,
        channel_id=CHANNEL,
        response_url=slash.response_url,
    )
    swapped = block_action_body(
        user_id=ALICE,
        action_id="dial_confirm",
        value=slash.request_id,
        channel_id=CHANNEL,
        response_url=slash.response_url,
    )
    headers = signed_headers(SIGNING_SECRET, signed_for)
    answer = bot.session.post(bot.events_url, data=swapped.encode(), headers=headers, timeout=5)
    assert answer.status_code == 401
    time.sleep(SETTLE)
    assert bot.cxone.calls == []
    assert bot.store.get_request(slash.request_id).state == "pending"


def test_unsigned_request_gets_401(bot):
    body = slash_command_body(user_id=ALICE, text=NUMBER, response_url=bot.slack.response_url())
    answer = bot.session.post(
        bot.events_url,
        data=body.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=5,
    )
    assert answer.status_code == 401
    assert bot.store.history() == []


def test_signature_outside_five_minutes_gets_401(bot):
    body = slash_command_body(user_id=ALICE, text=NUMBER, response_url=bot.slack.response_url())
    for skew in (-301, -3600, 301, 3600):  # stale, and from the future
        answer = bot.post(body, timestamp=int(time.time()) + skew)
        assert answer.status_code == 401, skew
    assert bot.store.history() == []
    assert bot.slack.respond_calls == []


def replay(bot, body: str, times: int = 2):
    """Send the very same signed bytes and headers `times` times, as a replaying attacker would."""
    headers = signed_headers(SIGNING_SECRET, body)
    return [
        bot.session.post(bot.events_url, data=body.encode(), headers=headers, timeout=5)
        for _ in range(times)
    ]


def test_replayed_dial_press_places_one_call(bot):
    slash = bot.slash(ALICE, NUMBER)
    body = block_action_body(
        user_id=ALICE,
        action_id="dial_confirm",
        value=slash.request_id,
        channel_id=CHANNEL,
        response_url=slash.response_url,
    )
    first, again = replay(bot, body)
    # Bolt accepts a valid signature for five minutes; the request's state stops the second.
    assert first.status_code == again.status_code == 200
    final = bot.wait_for_final_card(slash)
    assert "placed" in final["text"]
    (late,) = replay(bot, body, times=1)
    assert late.status_code == 200
    time.sleep(SETTLE)
    assert len(bot.cxone.calls) == 1
    assert len(bot.channel_posts(CHANNEL)) == 2  # one parent post and its thread reply
    assert "placed" in [r for r in bot.responses(slash) if r.get("replace_original")][-1]["text"]


def test_replayed_slash_command_makes_only_pending_cards(bot):
    body = slash_command_body(user_id=ALICE, text=NUMBER, response_url=bot.slack.response_url())
    answers = replay(bot, body)
    assert [a.status_code for a in answers] == [200, 200]
    requests = bot.store.history()
    assert len(requests) == 2
    assert {r.state for r in requests} == {"pending"}  # nothing is dialed without a press
    time.sleep(SETTLE)
    assert bot.cxone.calls == []


# --- tampered, unknown and expired request ids ------------------------------------------------


def tampered_values(real: str) -> dict[str, str]:
    return {
        "random": secrets.token_urlsafe(16),
        "truncated": real[:-3],
        "extended": real + "x",
        "case-changed": real.upper() if real != real.upper() else real.lower(),
        "repeated": real * 200,
        "2000 chars": "9" * 2000,
        "empty": "",
        "broadcast": "<!channel>",
        "id plus markup": f"{real}<!here>",
        "sql": "' OR '1'='1",
        "path": "../" + real,
        "control chars and a mention": "\x00\x1b[31m<@U0BOB>",
    }


@pytest.mark.parametrize("action_id", ["dial_confirm", "dial_cancel"])
def test_tampered_request_id_finds_no_request_and_echoes_nothing(bot, action_id):
    acks = record_acks(bot)
    slash = bot.slash(ALICE, NUMBER)
    for what, value in tampered_values(slash.request_id).items():
        url = press_value(bot, value, action_id=action_id)
        (note,) = notes(bot, url)
        assert UNKNOWN_CARD in note["text"], what
        assert note["replace_original"] is False, what
    time.sleep(SETTLE)
    assert bot.cxone.calls == []
    assert bot.store.get_request(slash.request_id).state == "pending"
    assert_nothing_live(bot, acks)
    assert all("\x1b" not in text and "\x00" not in text for text in everything_sent(bot, acks))


def test_expired_card_places_no_call(start_bot):
    bot = start_bot(dial_confirm_ttl_seconds=1)
    slash = bot.slash(ALICE, NUMBER)
    time.sleep(1.1)
    bot.press(slash)
    card = wait_for(lambda: [r for r in bot.responses(slash) if "expired" in r["text"]])[-1]
    assert "Run /dial again" in card["text"]
    assert "dial_confirm" not in json.dumps(card["blocks"])  # no buttons left to press
    bot.press(slash)  # pressing again changes nothing
    time.sleep(SETTLE)
    assert bot.cxone.calls == []
    assert bot.store.get_request(slash.request_id).state == "expired"


# --- other people's clicks and rights -------------------------------------------------------


@pytest.mark.parametrize("action_id", ["dial_confirm", "dial_cancel"])
def test_another_users_click_is_refused(bot, action_id):
    slash = bot.slash(ALICE, NUMBER)
    for presser in (BOB, SAM, ADMIN):  # a colleague, a supervisor, an admin
        bot.press(slash, action_id, user_id=presser)
    notes_seen = wait_for(lambda: len(bot.responses(slash)) == 3 and bot.responses(slash))
    for note in notes_seen:
        assert f"Only <@{ALICE}>, who ran this /dial, can confirm or cancel it" in note["text"]
        assert note["replace_original"] is False  # Alice's card stays as it was
    time.sleep(SETTLE)
    assert bot.cxone.calls == []
    assert bot.store.get_request(slash.request_id).state == "pending"


def test_the_agent_cannot_press_a_card_a_supervisor_made_for_them(bot):
    slash = bot.slash(SAM, f"{NUMBER} as <@{BOB}|bob>")
    bot.press(slash, user_id=BOB)
    (note,) = wait_for(lambda: bot.responses(slash))
    assert f"Only <@{SAM}>" in note["text"]
    time.sleep(SETTLE)
    assert bot.cxone.calls == []


def test_dialing_as_someone_else_needs_supervisor_rights(bot):
    for mention in (f"<@{BOB}|bob>", f"<@{BOB}>", "@bob", "@Bob"):
        slash = bot.slash(ALICE, f"{NUMBER} as {mention}")
        assert_refused_in_ack(
            bot, slash, "Only supervisors (DIAL_SUPERVISORS) can dial as someone else"
        )


def test_linking_yourself_to_another_agent_needs_admin_rights(bot):
    slash = bot.slash(ALICE, f"link <@{ALICE}|alice> agent-2002")
    assert "Only admins (DIAL_ADMINS)" in slash.text
    assert bot.store.get_link(ALICE).cxone_agent_id == "agent-1001"


# --- the rate limit ------------------------------------------------------------------------


def test_third_confirm_in_a_minute_is_refused_with_the_wait(start_bot):
    bot = start_bot(dial_rate_limit_per_minute=2)
    for last_digit in "12":
        slash = bot.slash(ALICE, f"+1 415 555 012{last_digit}")
        bot.press(slash)
        bot.wait_for_final_card(slash)
    third = bot.slash(ALICE, "+1 415 555 0123")
    bot.press(third)
    card = wait_for(lambda: [r for r in bot.responses(third) if "last minute" in r["text"]])[-1]
    assert "You've confirmed 2 dials in the last minute" in card["text"]
    wait = int(card["text"].split("Press Dial again in ")[1].split(" second")[0])
    assert 1 <= wait <= 60
    assert "dial_confirm" in json.dumps(card["blocks"])  # the card can be pressed later
    time.sleep(SETTLE)
    assert calls_for(bot, third.request_id) == []
    assert len(bot.cxone.calls) == 2
    assert bot.store.get_request(third.request_id).state == "pending"


def test_rate_limit_is_per_user(start_bot):
    bot = start_bot(dial_rate_limit_per_minute=1)
    mine = bot.slash(ALICE, NUMBER)
    bot.press(mine)
    bot.wait_for_final_card(mine)
    theirs = bot.slash(BOB, NUMBER)
    bot.press(theirs)
    assert "placed" in bot.wait_for_final_card(theirs)["text"]
    assert len(bot.cxone.calls) == 2


# --- numbers the bot never dials ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("+1 900 555 0123", "premium-rate number"),
        ("1-900-555-0123", "premium-rate number"),
        ("911", "emergency number"),
        ("112", "emergency number"),
        ("９１１", "emergency number"),
        ("<tel:911|911>", "emergency number"),
        ("+44 20 7946 0958", "United Kingdom (+44) aren't allowed here"),
        ("+44 7911 123456", "aren't allowed here"),
        ("999", "short number"),
    ],
)
def test_premium_emergency_and_disallowed_numbers_are_refused(bot, text, reason):
    slash = bot.slash(ALICE, text)
    assert_refused_in_ack(bot, slash, reason, USAGE_LINE)


def test_supervisor_cannot_dial_emergency_as_an_agent(bot):
    slash = bot.slash(SAM, f"911 as <@{BOB}|bob>")
    assert_refused_in_ack(bot, slash, "emergency number")


def test_message_shortcut_never_offers_an_emergency_or_premium_number(bot):
    for text in ("Fire! Call 911 now", "Win big: call +1 900 555 0123", "Ring +44 20 7946 0958"):
        url = bot.slack.response_url()
        body = message_action_body(
            user_id=ALICE, callback_id="dial_from_message", message_text=text, response_url=url
        )
        assert bot.post(body).status_code == 200
        (note,) = notes(bot, url)
        assert "dial_confirm" not in json.dumps(note), text
    assert bot.store.history() == []
    assert bot.cxone.calls == []


# --- hostile command text ---------------------------------------------------------------------

HOSTILE_TEXT = {
    "10k-chars": "9" * 10_000,
    "10k-after-number": NUMBER + " " + "x" * 10_000,
    "emoji": "📞📞📞",
    "emoji-number": "📞 415 555 0123",
    "rtl-hebrew": "חייג 415 555 0123",
    "rtl-override": "\u202e3210 555 514 1+",
    "arabic": "اتصل ٤١٥٥٥٥٠١٢٣ الآن",
    "nul": "\x00\x00\x00",
    "ansi": "\x1b[31m+1 415 555 0123\x1b[0m",
    "crlf-injection": NUMBER + "\r\nas @bob",
    "newline-command": "help\nlink @alice agent-2002",
    "tabs-and-bell": "\t\a\b\v\f",
    "zero-width-only": "\u200b\u200c\u200d\ufeff",
    "surrogates-lookalike": "𝟒𝟏𝟓 𝟓𝟓𝟓 𝟎𝟏𝟐𝟑 as 🤖",
    "html": "<script>alert(1)</script>",
    "format-string": "%s%s%s%n {0} {request_id}",
}


def test_hostile_command_text_gets_a_clear_answer_and_no_record(bot):
    acks = record_acks(bot)
    for what, text in HOSTILE_TEXT.items():
        slash = bot.slash(ALICE, text)
        assert slash.response.status_code == 200, what
        assert slash.answer["response_type"] == "ephemeral", what
        assert slash.buttons == [], what
        assert len(slash.text) < 4000, what  # a readable sentence, not the input echoed back
    assert bot.store.history() == []
    assert bot.cxone.calls == []
    for sent in everything_sent(bot, acks):
        assert not any(ch in sent for ch in "\x00\x1b\u202e\a"), sent
    # "as @bob" after a CR LF is still read as naming Bob, and refused by name
    assert_nothing_live(bot, acks, allowed_mentions={BOB})


@pytest.mark.parametrize(
    "text",
    [
        "４１５ ５５５ ０１２３",
        "\u200b+1 415 555 0123",
        "+1\u00a0415\u00a0555\u00a00123",
        "٤١٥ ٥٥٥ ٠١٢٣",
    ],
    ids=["full-width", "zero-width-prefix", "no-break-spaces", "arabic-indic"],
)
def test_unusual_digits_show_the_number_that_will_be_dialed(bot, text):
    slash = bot.slash(ALICE, text)
    assert "+1 415-555-0123" in json.dumps(slash.answer["blocks"], ensure_ascii=False)
    assert bot.store.get_request(slash.request_id).phone_number == "+14155550123"
    assert bot.cxone.calls == []  # the card waits for a press


# --- Slack markup in anything a person can type --------------------------------------------------

MARKUP = {
    "channel": "<!channel>",
    "here": "<!here>",
    "everyone": "<!everyone>",
    "subteam": "<!subteam^S0EVIL|@oncall>",
    "user": f"<@{BOB}>",
    "user-labelled": "<@U0EVIL|boss>",
    "link": "<https://evil.example|click>",
    "mailto": "<mailto:ceo@evil.example|mail>",
    "channel-link": "<#C123>",
    "escaped-channel": "&lt;!channel&gt;",
}

COMMAND_FIELDS = {
    "number": "{m}",
    "number-after-digits": "+1 415 {m}",
    "number-before-digits": "{m} 415 555 0123",
    "contact-id": NUMBER + " contact {m}",
    "as-agent": NUMBER + " as {m}",
    "as-plain-name": NUMBER + " as @{m}",
    "as-mention-label": NUMBER + " as <@U0BOB|{m}>",
    "trailing": NUMBER + " {m}",
    "whois": "whois {m}",
    "unlink": "unlink {m}",
    "link-user": "link {m} agent-9",
    "link-agent-id": "link <@U0ALICE|alice> {m}",
    "command-word": "{m}dial",
}


USER_FIELDS = {"as-agent", "whois", "unlink", "link-user"}


@pytest.mark.parametrize("field", COMMAND_FIELDS, ids=COMMAND_FIELDS)
def test_markup_in_command_text_is_never_echoed_live(bot, field):
    caller = ADMIN if field.startswith(("link", "unlink")) else SAM  # rights to reach every check
    for name, markup in MARKUP.items():
        acks = record_acks(bot)
        slash = bot.slash(caller, COMMAND_FIELDS[field].format(m=markup))
        assert slash.response.status_code == 200, name
        # A real mention where a person is expected names that person: the bot may mention them.
        allowed = {BOB, "U0EVIL"} if field in USER_FIELDS and name.startswith("user") else set()
        assert_nothing_live(bot, acks, allowed_mentions=allowed)
        bot.session.hooks["response"].clear()
        bot.slack.reset_records()
    assert bot.cxone.calls == []


def test_markup_in_message_shortcut_text_is_never_echoed_live(bot):
    acks = record_acks(bot)
    for markup in MARKUP.values():
        for text in (f"{markup} call {markup}", f"{markup} call 415 555 0123 {markup}"):
            url = bot.slack.response_url()
            body = message_action_body(
                user_id=ALICE, callback_id="dial_from_message", message_text=text, response_url=url
            )
            assert bot.post(body).status_code == 200
            notes(bot, url)
    assert_nothing_live(bot, acks)
    assert bot.cxone.calls == []


EVIL_NAME = "<!channel> <@U0EVIL> <https://evil.example|click> <#C123>"


def evil_users() -> list[dict]:
    alice = demo_user(ALICE, "alice", EVIL_NAME)
    alice["profile"]["display_name"] = EVIL_NAME
    bob = demo_user(BOB, "bob", EVIL_NAME)
    bob["profile"]["display_name"] = ""
    return [alice, bob, demo_user(SAM, "sam", "Sam Supervisor")]


def test_markup_in_slack_names_is_never_echoed_live_through_a_whole_dial(bot):
    """Names Slack serves (users.info / users.list) are people's own text: shown quoted."""
    bot.slack.users[:] = evil_users()
    acks = record_acks(bot)
    own = bot.slash(ALICE, NUMBER)
    assert "&lt;!channel&gt;" in json.dumps(own.answer["blocks"])  # the name is there, quoted
    bot.press(own)
    bot.wait_for_final_card(own)
    for_bob = bot.slash(SAM, f"{NUMBER} as @bob")  # resolved through users.list
    bot.press(for_bob)
    bot.wait_for_final_card(for_bob)
    bot.slash(SAM, "whois @bob")
    assert len(bot.cxone.calls) == 2  # both real dials went through
    assert bot.channel_posts(CHANNEL) and bot.channel_posts(NOTIFY_CHANNEL)
    # Bob's mention is the bot's own (he is the agent of the second dial); nothing else is live.
    assert_nothing_live(bot, acks, allowed_mentions={BOB})


def test_markup_in_the_slash_command_user_name_is_never_echoed_live(bot):
    """When users.info fails the card falls back to the user_name Slack sent."""
    bot.slack.fail("users.info", "user_not_found")
    acks = record_acks(bot)
    url = bot.slack.response_url()
    body = slash_command_body(user_id=ALICE, text=NUMBER, response_url=url, user_name=EVIL_NAME)
    answer = bot.post(body)
    assert answer.status_code == 200
    assert "dial_confirm" in answer.text
    assert_nothing_live(bot, acks)


def test_markup_in_cxones_own_error_text_is_never_posted_live(bot):
    """CXone's message is quoted into the card and the channel's thread reply: shown, not live."""
    outbound = bot.cxone.outbound_url
    hostile = f"agentId agent-1001 <!channel> <@{BOB}> <https://evil.example|details> is not ready"
    acks = record_acks(bot)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as cxone_api:
        cxone_api.add_passthru(bot.server.url)
        cxone_api.add_passthru(bot.cxone.token_url)
        cxone_api.post(outbound, status=400, json={"message": hostile})
        slash = bot.slash(ALICE, NUMBER)
        bot.press(slash)
        final = bot.wait_for_final_card(slash)
    assert "not placed" in final["text"]
    assert "evil.example" in final["text"]  # CXone's words are there, quoted
    assert_nothing_live(bot, acks)
