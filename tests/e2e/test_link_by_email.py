"""Linking by email over signed HTTP: an admin's `/dial link @user` without an id, and
DIAL_LINK_BY_EMAIL on first use. One match, none, several, inactive only, an existing
link kept, a person's unlink kept, and an email Slack does not give."""

from __future__ import annotations

from dialbot_e2e import ADMIN, ALICE, BOB

from bot.store import LinkSource

NUMBER = "+1 415 555 0123"
BOBS_EMAIL = "bob@example.com"  # the Slack stand-in's


def fresh(start_bot, **overrides):
    """The bot with nobody linked, and no agent in CXone with Bob's email yet."""
    return start_bot(link=False, **overrides)


# --- /dial link @user (admins) ---------------------------------------------------------


def test_one_match_links_by_hand_and_says_which_email(start_bot):
    bot = fresh(start_bot)
    bot.cxone.add_agent("1777", email="Bob@Example.COM", first_name="Bob")
    answer = bot.slash(ADMIN, f"link <@{BOB}|bob>")
    assert f"Linked <@{BOB}> to CXone agent `1777`" in answer.text
    assert BOBS_EMAIL in answer.text
    link = bot.store.get_link(BOB)
    assert (link.cxone_agent_id, link.source, link.linked_by) == ("1777", LinkSource.SLACK, ADMIN)
    search = bot.cxone.reads_of("agents")[0]
    assert search.query["searchString"] == BOBS_EMAIL
    assert search.query["isActive"] == "true"


def test_no_match_links_nothing_and_says_so(start_bot):
    bot = fresh(start_bot)
    bot.cxone.add_agent("1778", email="bobby@example.com")  # contains it, is not it
    answer = bot.slash(ADMIN, "link @bob")
    assert f"Nothing was linked: no active CXone agent has the email `{BOBS_EMAIL}`" in answer.text
    assert "/dial link @user AGENT_ID" in answer.text
    assert bot.store.get_link(BOB) is None


def test_several_matches_link_nothing_and_name_them(start_bot):
    bot = fresh(start_bot)
    bot.cxone.add_agent("1777", email=BOBS_EMAIL)
    bot.cxone.add_agent("1779", email=BOBS_EMAIL.upper())
    answer = bot.slash(ADMIN, "link @bob")
    assert "several active CXone agents have the email" in answer.text
    assert "`1777`, `1779`" in answer.text
    assert bot.store.get_link(BOB) is None


def test_an_inactive_agent_only_links_nothing_and_says_it_is_inactive(start_bot):
    bot = fresh(start_bot)
    bot.cxone.add_agent("1780", email=BOBS_EMAIL, active=False)
    answer = bot.slash(ADMIN, "link @bob")
    assert f"the only CXone agent with the email `{BOBS_EMAIL}` (`1780`) is inactive" in answer.text
    assert bot.store.get_link(BOB) is None


def test_an_active_match_wins_over_an_inactive_one(start_bot):
    bot = fresh(start_bot)
    bot.cxone.add_agent("1780", email=BOBS_EMAIL, active=False)
    bot.cxone.add_agent("1781", email=BOBS_EMAIL)
    assert "`1781`" in bot.slash(ADMIN, "link @bob").text
    assert bot.store.get_link(BOB).cxone_agent_id == "1781"


def test_without_the_email_scope_slack_gives_no_email_and_that_is_said(start_bot):
    bot = fresh(start_bot)
    bot.slack.scopes.discard("users:read.email")
    bot.cxone.add_agent("1777", email=BOBS_EMAIL)
    answer = bot.slash(ADMIN, "link @bob")
    assert "Slack gave the bot no email address" in answer.text
    assert "users:read.email" in answer.text
    assert bot.cxone.reads_of("agents") == []
    assert bot.store.get_link(BOB) is None


def test_an_unreadable_agent_list_links_nothing(start_bot):
    bot = fresh(start_bot)
    bot.cxone.set_fault("agents_403")
    answer = bot.slash(ADMIN, "link @bob")
    assert "CXone's agent list could not be read" in answer.text and "HTTP 403" in answer.text
    assert bot.store.get_link(BOB) is None


def test_only_admins_link_by_email(start_bot):
    bot = fresh(start_bot)
    answer = bot.slash(ALICE, "link @bob")
    assert "Only admins" in answer.text
    assert bot.cxone.reads_of("agents") == []


# --- DIAL_LINK_BY_EMAIL on first use --------------------------------------------------------


def test_first_use_links_by_email_and_the_dial_goes_on(start_bot):
    bot = fresh(start_bot, dial_link_by_email=True)
    bot.cxone.add_agent("1777", email=BOBS_EMAIL)
    slash = bot.slash(BOB, NUMBER)
    assert slash.buttons, slash.text
    link = bot.store.get_link(BOB)
    assert (link.cxone_agent_id, link.source) == ("1777", LinkSource.EMAIL)
    bot.press(slash)
    bot.wait_for_final_card(slash)
    assert bot.cxone.placed_calls[0].body["agentId"] == "1777"
    assert "because their Slack email is that agent's email" in bot.slash(BOB, "whois").text


def test_first_use_without_a_match_gives_the_not_linked_answer_and_why(start_bot):
    bot = fresh(start_bot, dial_link_by_email=True)
    slash = bot.slash(BOB, NUMBER)
    assert "You're not linked to a CXone agent yet" in slash.text
    assert "Linking you by your Slack email did not work: no active CXone agent" in slash.text
    assert bot.store.get_link(BOB) is None and bot.store.history() == []


def test_first_use_never_overrides_an_existing_link(start_bot):
    bot = start_bot(dial_link_by_email=True)  # Bob is linked to agent-2002
    bot.cxone.add_agent("1777", email=BOBS_EMAIL)
    slash = bot.slash(BOB, NUMBER)
    bot.press(slash)
    bot.wait_for_final_card(slash)
    assert bot.store.get_link(BOB).cxone_agent_id == "agent-2002"
    assert bot.cxone.placed_calls[0].body["agentId"] == "agent-2002"
    assert bot.cxone.reads_of("agents") == []


def test_first_use_never_undoes_a_persons_unlink(start_bot):
    bot = start_bot(dial_link_by_email=True)
    bot.cxone.add_agent("1777", email=BOBS_EMAIL)
    bot.slash(ADMIN, "unlink @bob")
    slash = bot.slash(BOB, NUMBER)
    assert "an admin unlinked this person" in slash.text
    assert bot.store.get_link(BOB) is None
    assert bot.cxone.reads_of("agents") == []


def test_without_the_setting_nobody_is_linked_by_email(start_bot):
    bot = fresh(start_bot)
    bot.cxone.add_agent("1777", email=BOBS_EMAIL)
    slash = bot.slash(BOB, NUMBER)
    assert "You're not linked" in slash.text and "Slack email" not in slash.text
    assert bot.store.get_link(BOB) is None
    assert bot.cxone.reads_of("agents") == []
