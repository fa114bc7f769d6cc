"""`dialbot sandbox` prints a .env block; with it (and Slack's settings) the bot starts
and places a call against the sandbox, with nothing else to add."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

from dialbot_e2e import ALICE, ROOT, SIGNING_SECRET, DialBot

from bot.config import Settings
from bot.server import HttpServer
from bot.slack.app import build_app, shutdown
from bot.store import LinkSource, Store


def start_sandbox(*args: str) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "sandbox", "--port", "0", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith("Press Ctrl-C"):
            break
    return process, "".join(lines)


def env_block(printed: str) -> list[str]:
    return re.findall(r"^[A-Z_]+=\S*$", printed, re.M)


def test_the_printed_env_block_is_all_the_bot_needs_to_place_a_call(slack, tmp_path):
    sandbox, printed = start_sandbox("--agent", "agent-7")
    try:
        block = env_block(printed)
        dotenv = tmp_path / ".env"
        dotenv.write_text(
            "\n".join(
                [
                    f"SLACK_BOT_TOKEN={slack.bot_token}",
                    f"SLACK_SIGNING_SECRET={SIGNING_SECRET}",
                    f"SLACK_API_URL={slack.url}",
                    f"DATABASE_URL=sqlite:///{tmp_path / 'dialbot.db'}",
                    *block,
                ]
            )
        )
        final = dial_once(Settings(_env_file=dotenv), slack)
    finally:
        sandbox.send_signal(signal.SIGTERM)
        stopped, _ = sandbox.communicate(timeout=10)
    assert "Call to +1 415-555-0123 placed" in final, final
    assert "and 1 dial request(s)" in stopped
    assert [line.split("=")[0] for line in block] == [
        "CXONE_BASE_URL",
        "CXONE_OAUTH_CLIENT_ID",
        "CXONE_OAUTH_CLIENT_SECRET",
        "CXONE_OAUTH_GRANT_TYPE",
        "CXONE_OUTBOUND_CAMPAIGN_ID",
        "CXONE_DEFAULT_CONTACT_ID",
    ]
    assert "/dial link @you agent-7" in printed


def test_a_named_contact_is_the_default_contact_it_prints(tmp_path):
    sandbox, printed = start_sandbox("--contact", "contact-b", "--contact", "contact-a")
    sandbox.send_signal(signal.SIGTERM)
    sandbox.communicate(timeout=10)

    assert "CXONE_DEFAULT_CONTACT_ID=contact-a" in env_block(printed)


def dial_once(settings: Settings, slack) -> str:
    store = Store.open(settings.database_url)
    store.link(ALICE, "agent-7", "dana", source=LinkSource.CLI)
    app = build_app(settings, store=store)
    server = HttpServer(app).start()
    try:
        bot = DialBot(
            server=server, app=app, slack=slack, cxone=None, store=store, settings=settings
        )
        slash = bot.slash(ALICE, "+1 415 555 0123")
        assert slash.buttons, slash.text  # a confirm card, not a refusal
        bot.press(slash)
        return bot.wait_for_final_card(slash)["text"]
    finally:
        server.stop()
        shutdown(app)
        store.close()
