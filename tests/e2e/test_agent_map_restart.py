"""DIAL_AGENT_MAP seeds the links; what admins do in Slack survives a restart.

`python app.py` runs twice on one database with the same agent map. Between the two
starts an admin unlinks Bob and relinks Alice in Slack; the second start leaves both
as the admin made them, says in its log which rows of the file it skipped and why,
and `/dial whois` says where each link came from.
"""

from __future__ import annotations

from dialbot_e2e import ADMIN, ALICE, BOB, SIGNING_SECRET, RunningApp

from bot.sandbox import wait_for
from bot.sandbox.slack_requests import send, slash_command_body

AGENT_MAP = """\
# the sales floor, kept by IT
slack_user_id,cxone_agent_id
U0ALICE,agent-1001
U0BOB,agent-2002
"""


def slash(app: RunningApp, slack, user_id: str, text: str) -> dict:
    body = slash_command_body(user_id=user_id, text=text, response_url=slack.response_url())
    answer = send(app.events_url, body, SIGNING_SECRET)
    assert answer.status_code == 200, answer.text
    return answer.json()


def dial(app: RunningApp, slack, user_id: str, number: str) -> None:
    app.slash_and_press(user_id, number, slack.response_url())


def test_a_restart_keeps_what_admins_did_in_slack_and_says_which_rows_it_skipped(
    slack, cxone, tmp_path
):
    agent_map = tmp_path / "agents.csv"
    agent_map.write_text(AGENT_MAP)
    env = {
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.url,
        "CXONE_BASE_URL": cxone.url,
        "CXONE_OAUTH_CLIENT_ID": cxone.client_id,
        "CXONE_OAUTH_CLIENT_SECRET": cxone.client_secret,
        "CXONE_OUTBOUND_CAMPAIGN_ID": cxone.campaign_id,
        "CXONE_DEFAULT_CONTACT_ID": "contact-1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'dialbot.db'}",
        "DIAL_ADMINS": ADMIN,
        "DIAL_AGENT_MAP": str(agent_map),
    }

    first = RunningApp(env, tmp_path)
    try:
        seeded = slash(first, slack, ALICE, "whois")["text"]
        assert "`agent-1001`" in seeded and "DIAL_AGENT_MAP" in seeded
        assert "Unlinked" in slash(first, slack, ADMIN, "unlink @bob")["text"]
        assert "agent-2001" in slash(first, slack, ADMIN, "link @alice agent-2001")["text"]
    finally:
        first_log = first.stop()

    second = RunningApp(env, tmp_path)
    try:
        bob = slash(second, slack, ALICE, "whois @bob")["text"]
        alice = slash(second, slack, BOB, "whois @alice")["text"]
        dial(second, slack, ALICE, "+1 415 555 0123")
        wait_for(lambda: cxone.calls, timeout=10)  # agent-2001 is not on the campaign
    finally:
        log = second.stop()
    assert second.process.returncode == 0, log

    assert "isn't linked" in bob
    assert "`agent-2001`" in alice and f"linked in Slack by <@{ADMIN}>" in alice
    assert [call.body["agentId"] for call in cxone.calls] == ["agent-2001"]
    assert "agents.csv: 2 new, 0 changed, 0 unchanged, 0 skipped" in first_log
    assert "0 new, 0 changed, 0 unchanged, 2 skipped because an admin changed them" in log
    assert (
        f"line 3: U0ALICE skipped because an admin changed it (linked to agent-2001 in Slack "
        f"by {ADMIN} on " in log
    )
    assert "line 4: U0BOB skipped because an admin changed it (unlinked in Slack on " in log
    assert "alembic" not in log.lower()
