"""The App Home: what a linked, an unlinked, an admin and a supervisor person see, and
when it is published."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from slack_front import ADMIN, ALICE, BOB, CHANNEL, SAM

from bot.slack.home import AppHome, slack_date
from bot.slack.listeners.home import HomeListeners
from bot.store import DialState

DATE_TOKEN = re.compile(r"<!date\^(\d+)\^\{date_short_pretty\} \{time\}\|[^>]+ UTC>")


def text_of(view_or_message) -> str:
    blocks = (
        view_or_message["blocks"] if isinstance(view_or_message, dict) else view_or_message.blocks
    )
    return json.dumps(blocks, ensure_ascii=False)


def buttons(message) -> list[str]:
    return [e["action_id"] for b in message.blocks if b["type"] == "actions" for e in b["elements"]]


def dial(front, user: str, number: str = "+1 415 555 0123", agent: str | None = None):
    prepared = front.service.prepare(user, agent, number, None, CHANNEL, None)
    claimed = front.service.confirm(prepared.request.id, user)
    return front.service.place(claimed.request)


def test_a_linked_person_sees_their_agent_their_dials_and_the_button(front):
    placed = dial(front, ALICE)
    home = front.home.message(ALICE)
    text = text_of(home)

    assert "You dial as CXone agent `agent-1001`" in text
    assert buttons(home) == ["dial_open_modal"]
    assert "Placed" in text and "+1 415-•••-0123" in text and "555-0123" not in text
    assert placed.call_id in text
    (line,) = [json.dumps(b) for b in home.blocks if "Placed" in json.dumps(b)]
    assert DATE_TOKEN.findall(line) == [str(int(placed.created_at.timestamp()))]
    assert "Team" not in text and "You may dial as" not in text


def test_only_the_last_ten_dials_are_shown_newest_first(front):
    front.service.rate_limit_per_minute = 50
    numbers = [f"+1 415 555 01{n:02d}" for n in range(12)]
    for number in numbers:
        dial(front, ALICE, number)
    text = text_of(front.home.message(ALICE))
    shown = re.findall(r"\+1 415-•••-01(\d\d)", text)
    assert len(shown) == 10 and shown == sorted(shown, reverse=True)


def test_an_unlinked_person_is_told_how_to_get_linked_and_gets_no_button(front):
    home = front.home.message("U0NOLINK")
    text = text_of(home)
    assert "not linked to a CXone agent yet" in text and f"<@{ADMIN}>" in text
    assert buttons(home) == []
    assert "No dials yet" in text


def test_with_link_by_email_on_the_unlinked_are_told_their_first_dial_links_them(front):
    home = AppHome(front.home.client, front.service, front.home.presentation, link_by_email=True)
    message = home.message("U0NOLINK")
    assert "email" in text_of(message) and buttons(message) == ["dial_open_modal"]


def test_an_admin_also_sees_how_many_are_linked_and_the_teams_dials(front):
    dial(front, ALICE)
    dial(front, BOB, "+1 415 555 0199")
    text = text_of(front.home.message(ADMIN))
    assert "2 people are linked to CXone agents" in text
    assert f"<@{ALICE}>" in text and f"<@{BOB}>" in text and "+1 415-•••-0199" in text


def test_a_supervisor_sees_who_they_may_dial_as_and_dials_made_as_others(front):
    front.service.store.link(SAM, "agent-3003", ADMIN)
    dial(front, SAM, agent=BOB)
    sam = text_of(front.home.message(SAM))
    assert "You may dial as" in sam and f"<@{ALICE}>" in sam and f"<@{BOB}>" in sam
    assert f"as <@{BOB}>" in sam
    bob = text_of(front.home.message(BOB))
    assert f"by <@{SAM}>, as you" in bob


def test_the_state_hook_shows_the_agents_state_or_that_it_could_not_be_read(front):
    asked: list[str] = []

    def ready(agent_id: str) -> str:
        asked.append(agent_id)
        return "Available"

    def broken(agent_id: str) -> str | None:
        raise TimeoutError("CXone did not answer")

    with_state = AppHome(
        front.home.client, front.service, front.home.presentation, state_reader=ready
    )
    assert "Your agent is *Available* in CXone" in text_of(with_state.message(ALICE))
    assert asked == ["agent-1001"]
    unread = AppHome(front.home.client, front.service, front.home.presentation, state_reader=broken)
    assert "couldn't be read just now" in text_of(unread.message(ALICE))
    no_reader = text_of(front.home.message(ALICE))  # none connected: no state line at all
    assert "Your agent is" not in no_reader and "couldn't be read" not in no_reader


def test_a_rejected_dial_shows_cxones_reason_quoted(front):
    placed = dial(front, ALICE)
    rejected = replace(placed, state=DialState.REJECTED, error="Agent <!channel> not ready")
    line = front.home._dial_line(rejected, ALICE)
    assert "Not placed" in line and "&lt;!channel&gt;" in line and "<!channel>" not in line


def test_opening_the_home_tab_publishes_it_and_the_messages_tab_does_not(front, slack):
    listeners = HomeListeners(front)
    listeners.on_home_opened({"type": "app_home_opened", "user": ALICE, "tab": "messages"})
    assert slack.calls_to("views.publish") == []

    listeners.on_home_opened({"type": "app_home_opened", "user": ALICE, "tab": "home"})
    home = slack.home_of(ALICE)
    assert home["type"] == "home" and "agent-1001" in text_of(home)


def test_a_dial_ending_publishes_the_homes_of_the_requester_and_the_agent(front, slack):
    front.service.store.link(SAM, "agent-3003", ADMIN)
    request = dial(front, SAM, agent=BOB)

    front.home.refresh_after(request)

    assert {c.args["user_id"] for c in slack.calls_to("views.publish")} == {SAM, BOB}
    assert "Placed" in text_of(slack.home_of(BOB))


def test_a_failed_publish_is_logged_and_left(front, slack, caplog):
    slack.fail("views.publish", "ratelimited", status=429, retry_after=30)
    assert front.home.publish(ALICE) is False  # at once: never waits out a Retry-After
    assert "views_publish" in caplog.text or "views.publish" in caplog.text


def test_a_home_the_database_cannot_read_says_so(front):
    front.service.store.engine.dispose()
    with front.service.store.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE dial_requests")
    assert "database is not answering" in text_of(front.home.message(ALICE))


@pytest.mark.parametrize("seconds", [0, 1_700_000_000])
def test_slack_date_is_a_date_token_with_a_utc_fallback(seconds):
    from datetime import UTC, datetime

    token = slack_date(datetime.fromtimestamp(seconds, UTC))
    assert DATE_TOKEN.fullmatch(token) and token.startswith(f"<!date^{seconds}^")


def test_dials_ending_together_share_a_publish_and_the_last_one_comes_after_them(front):
    import threading

    home, published = front.home, []
    running, release = threading.Event(), threading.Event()

    def slow_publish(user_id: str) -> bool:
        published.append(user_id)
        if published == [ALICE]:  # the first publish takes its time
            running.set()
            release.wait(5)
        return True

    home.publish = slow_publish  # type: ignore[method-assign]
    first = threading.Thread(target=home.refresh, args=(ALICE,))
    first.start()
    assert running.wait(5)
    for _ in range(5):  # five more dials end while the first publish is under way
        home.refresh(ALICE)  # each returns at once
    home.refresh(BOB)  # someone else's home is not held up by Alice's
    assert published == [ALICE, BOB]
    release.set()
    first.join(5)

    assert published.count(ALICE) == 2  # the one running, and one more for the five
    assert published.count(BOB) == 1
    home.refresh(ALICE)  # and later dials publish again as usual
    assert published.count(ALICE) == 3
