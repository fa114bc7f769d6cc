"""The App Home over signed HTTP: app_home_opened publishes, per person, what they need."""

from __future__ import annotations

import json
import re

from dialbot_e2e import ADMIN, ALICE, BOB, CHANNEL, SAM

from bot.sandbox import wait_for
from bot.sandbox.slack_requests import app_home_opened_body, signed_headers

NUMBER = "+1 415 555 0123"
DATE = re.compile(r"<!date\^\d+\^\{date_short_pretty\} \{time\}\|[^>]+>")


def text(home: dict) -> str:
    return json.dumps(home["blocks"], ensure_ascii=False)


def dial(bot, user: str, text_: str = NUMBER) -> None:
    slash = bot.slash(user, text_)
    bot.press(slash)
    bot.wait_for_final_card(slash)


def button_ids(home: dict) -> list[str]:
    return [e["action_id"] for b in home["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_a_linked_persons_home_shows_their_agent_dials_and_the_button(bot):
    dial(bot, ALICE)
    home = bot.open_home(ALICE)
    shown = text(home)
    assert home["type"] == "home"
    assert "You dial as CXone agent `agent-1001`" in shown
    assert button_ids(home) == ["dial_open_modal"]
    assert ":white_check_mark: Placed · +1 415-•••-0123 · <!date^" in shown
    assert bot.cxone.calls[0].call_id in shown
    assert "415-555-0123" not in shown and "+14155550123" not in shown  # masked
    assert len(DATE.findall(shown)) == 2  # the dial and "Updated …"
    assert "Team" not in shown and "You may dial as" not in shown


def test_an_unlinked_persons_home_says_how_to_get_linked(start_bot):
    bot = start_bot(link=False)
    home = bot.open_home(ALICE)
    shown = text(home)
    assert "not linked to a CXone agent yet" in shown
    assert f"<@{ADMIN}>" in shown and "/dial link @you AGENT_ID" in shown
    assert button_ids(home) == [] and "No dials yet" in shown


def test_an_admins_home_counts_the_links_and_shows_the_teams_dials(bot):
    dial(bot, ALICE)
    dial(bot, BOB, "+1 415 555 0199")
    shown = text(bot.open_home(ADMIN))
    assert "3 people are linked to CXone agents" in shown
    assert "The team's last dials" in shown
    assert f"<@{ALICE}>" in shown and f"<@{BOB}>" in shown
    assert "+1 415-•••-0199" in shown and "+1 415-•••-0123" in shown


def test_a_supervisors_home_lists_the_agents_they_may_dial_as(bot):
    dial(bot, SAM, f"{NUMBER} as <@{BOB}|bob>")
    shown = text(bot.open_home(SAM))
    assert "You may dial as" in shown and f"<@{ALICE}>" in shown and f"<@{BOB}>" in shown
    assert f"as <@{BOB}>" in shown  # the dial Sam made as Bob
    assert f"by <@{SAM}>, as you" in text(bot.open_home(BOB))


def test_the_messages_tab_publishes_nothing(bot):
    answer = bot.post(app_home_opened_body(user_id=ALICE, tab="messages"))
    assert answer.status_code == 200
    bot.open_home(BOB)  # a later event is handled: the first one was skipped, not pending
    assert [c.args["user_id"] for c in bot.slack.calls_to("views.publish")] == [BOB]


def test_an_unsigned_or_forged_event_is_refused(bot):
    body = app_home_opened_body(user_id=ALICE)
    forged = signed_headers("guessed-secret", body)
    assert bot.session.post(bot.events_url, data=body, headers=forged).status_code == 401
    unsigned = {"Content-Type": "application/json"}
    assert bot.session.post(bot.events_url, data=body, headers=unsigned).status_code == 401
    assert bot.slack.calls_to("views.publish") == []


def test_a_dial_from_the_card_republishes_the_home_too(bot):
    assert "No dials yet" in text(bot.open_home(ALICE))
    dial(bot, ALICE)
    wait_for(lambda: "Placed" in text(bot.slack.home_of(ALICE)))
    assert len(bot.channel_posts(CHANNEL)) == 2  # and the call was posted as before
