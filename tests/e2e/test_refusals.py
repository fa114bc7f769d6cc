"""Every refusal answers inside the ack with the reason and the usage line, and records nothing."""

from __future__ import annotations

import time

import pytest
from dialbot_e2e import ALICE, BOB, SAM

USAGE_LINE = "How to use /dial"


def assert_refused(bot, slash, *reason_words: str) -> None:
    assert slash.answer["response_type"] == "ephemeral"
    assert slash.buttons == []
    for words in reason_words:
        assert words in slash.text
    assert USAGE_LINE in slash.text
    assert bot.store.history() == []
    assert bot.cxone.calls == []


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("+1 415 555 0123 as", "`as` needs the agent"),
        ("frob", "I don't know the command"),
        ("+44 20 7946 0958", "aren't allowed here"),
        ("911", "emergency number"),
        ("+1 415 555 0123 as @nobody", "No one in this workspace goes by @nobody"),
    ],
)
def test_bad_commands_answer_with_the_reason_and_usage(bot, text, reason):
    assert_refused(bot, bot.slash(ALICE, text), reason)


def test_unlinked_user_is_told_who_can_link_them(start_bot):
    bot = start_bot(link=False)
    slash = bot.slash(ALICE, "+1 415 555 0123")
    assert_refused(bot, slash, "You're not linked to a CXone agent", "<@U0ADMIN>", "/dial link")


def test_non_supervisor_cannot_dial_as_someone_else(bot):
    slash = bot.slash(ALICE, f"+1 415 555 0123 as <@{BOB}|bob>")
    assert_refused(bot, slash, "Only supervisors")


def test_supervisor_cannot_dial_as_an_unlinked_person(bot):
    bot.store.unlink(BOB)
    slash = bot.slash(SAM, f"+1 415 555 0123 as <@{BOB}|bob>")
    assert_refused(bot, slash, f"<@{BOB}> isn't linked to a CXone agent")


def test_missing_contact_id_says_how_to_fix_it(start_bot):
    bot = start_bot(cxone_default_contact_id=None)
    slash = bot.slash(ALICE, "+1 415 555 0123")
    assert_refused(bot, slash, "contact CONTACT_ID", "CXONE_DEFAULT_CONTACT_ID")


def test_link_and_unlink_are_for_admins_only(bot):
    slash = bot.slash(ALICE, f"link <@{BOB}|bob> agent-9")
    assert "Only admins" in slash.text
    slash = bot.slash(ALICE, f"unlink <@{BOB}|bob>")
    assert "Only admins" in slash.text
    assert bot.store.get_link(BOB).cxone_agent_id == "agent-2002"


def test_a_rate_limited_user_lookup_is_reported_not_waited_out(bot):
    bot.slack.fail("users.list", "ratelimited", status=429, retry_after=30)
    started = time.monotonic()
    slash = bot.slash(SAM, "+1 415 555 0123 as @bob")
    assert time.monotonic() - started < 1.5
    assert_refused(bot, slash, "couldn't look up @bob")
