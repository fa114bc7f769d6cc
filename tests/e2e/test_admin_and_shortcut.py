"""/dial help, whois, link and unlink, and the dial_from_message shortcut."""

from __future__ import annotations

from dialbot_e2e import ADMIN, ALICE, BOB

from bot.sandbox import wait_for
from bot.sandbox.slack_requests import message_action_body


def test_help_shows_the_grammar(bot):
    slash = bot.slash(ALICE, "help")
    assert "/dial NUMBER [as @agent] [contact CONTACT_ID]" in slash.text


def test_whois_shows_your_own_agent_by_default(bot):
    assert "agent-1001" in bot.slash(ALICE, "whois").text
    assert "agent-2002" in bot.slash(ALICE, "whois @bob").text


def test_admin_links_and_unlinks_with_both_mention_forms(bot):
    bot.store.unlink(BOB)
    assert "isn't linked" in bot.slash(ALICE, f"whois <@{BOB}|bob>").text

    linked = bot.slash(ADMIN, "link @bob agent-77")
    assert "Linked" in linked.text and "agent-77" in linked.text
    assert bot.store.get_link(BOB).cxone_agent_id == "agent-77"
    assert bot.store.get_link(BOB).linked_by == ADMIN

    unlinked = bot.slash(ADMIN, f"unlink <@{BOB}|bob>")
    assert "Unlinked" in unlinked.text
    assert bot.store.get_link(BOB) is None
    assert "wasn't linked" in bot.slash(ADMIN, f"unlink <@{BOB}|bob>").text


def test_linked_user_can_dial_right_away(bot):
    bot.store.unlink(BOB)
    bot.slash(ADMIN, f"link <@{BOB}|bob> agent-2002")
    slash = bot.slash(BOB, "+1 415 555 0123")
    bot.press(slash)
    bot.wait_for_final_card(slash)
    assert bot.cxone.calls[0].body["agentId"] == "agent-2002"


def shortcut(bot, text: str) -> str:
    response_url = bot.slack.response_url()
    body = message_action_body(
        user_id=ALICE,
        callback_id="dial_from_message",
        message_text=text,
        response_url=response_url,
    )
    assert bot.post(body).status_code == 200
    return response_url


def test_message_shortcut_offers_the_first_number_in_the_message(bot):
    url = shortcut(bot, "Customer asked for a callback at (415) 555-0123 or 415 555 0199.")
    card = wait_for(lambda: bot.slack.responses_for(url))[0]
    assert card["response_type"] == "ephemeral"
    assert "+1 415-555-0123" in str(card["blocks"])
    assert "dial_confirm" in str(card["blocks"])
    (request,) = bot.store.history()
    assert request.phone_number == "+14155550123"
    assert request.requester_id == ALICE


def test_message_shortcut_without_a_number_says_so(bot):
    url = shortcut(bot, "no digits here")
    note = wait_for(lambda: bot.slack.responses_for(url))[0]
    assert "no phone number" in note["text"]
    assert bot.store.history() == []
