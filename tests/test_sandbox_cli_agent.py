"""`dialbot sandbox --api agent`: the Agent API stand-in in the foreground, with the
settings that point the bot at it; those settings sign in and discover the API host."""

from __future__ import annotations

import signal
import subprocess
import sys

from bot.cxone.agent_auth import AgentSignIn


def test_the_agent_sandbox_prints_settings_a_bot_can_sign_in_with():
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "sandbox", "--api", "agent", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        settings = {}
        for line in process.stdout:
            if "=" in line and line.split("=", 1)[0].isupper():
                name, value = line.strip().split("=", 1)
                settings[name] = value
            if line.startswith("Press Ctrl-C"):
                break
        assert settings["CXONE_API"] == "agent"
        sign_in = AgentSignIn(
            auth_url=settings["CXONE_AUTH_URL"],
            client_id=settings["CXONE_OAUTH_CLIENT_ID"],
            client_secret=settings["CXONE_OAUTH_CLIENT_SECRET"],
            access_key_id=settings["CXONE_ACCESS_KEY_ID"],
            access_key_secret=settings["CXONE_ACCESS_KEY_SECRET"],
            timeout=2,
        )
        assert sign_in.api_endpoint() == settings["CXONE_AUTH_URL"]
    finally:
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "stopped" in out
