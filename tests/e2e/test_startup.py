"""Start-up: calls a crash left without an outcome, unexpected errors, and `python app.py`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
from dialbot_e2e import ALICE, CHANNEL, SIGNING_SECRET

from bot.sandbox import wait_for
from bot.sandbox.settings import Endpoints, sandbox_environment
from bot.sandbox.slack_requests import send, slash_command_body
from bot.slack.app import front_end
from bot.store import DialState, Store

ROOT = Path(__file__).resolve().parents[2]


def test_a_dial_left_dialing_by_a_crash_is_reported_as_unknown(start_bot, slack, tmp_path):
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    crashed = Store.open(f"sqlite:///{tmp_path / 'dialbot.db'}", clock=lambda: an_hour_ago)
    response_url = slack.response_url()
    request = crashed.create_request(
        requester_id=ALICE,
        agent_user_id=ALICE,
        agent_id="agent-1001",
        phone_number="+14155550123",
        contact_id="contact-1",
        channel_id=CHANNEL,
        response_url=response_url,
        ttl_seconds=600,
    )
    assert crashed.transition(request.id, DialState.PENDING, DialState.DIALING)
    crashed.close()

    bot = start_bot()
    (told,) = wait_for(lambda: slack.responses_for(response_url))
    assert "restarted" in told["text"] and "unknown" in told["text"]
    assert "+1 415-•••-0123" in told["text"]
    assert bot.store.get_request(request.id).state == DialState.UNKNOWN
    assert bot.cxone.calls == []  # never dialed again on its own


def test_an_unexpected_error_answers_with_a_reference_and_no_traceback(bot, monkeypatch):
    service = front_end(bot.app).service

    def broken(user_id):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(service, "whois", broken)
    slash = bot.slash(ALICE, "whois")
    assert "Something went wrong" in slash.text and "reference" in slash.text
    assert "secret internals" not in slash.text and "Traceback" not in slash.text


def run_app(env: dict[str, str], cwd: Path) -> subprocess.Popen:
    # cwd is a fresh directory so no developer's .env is read.
    return subprocess.Popen(
        [sys.executable, str(ROOT / "app.py")],
        cwd=cwd,
        env={"PATH": os.environ.get("PATH", ""), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_python_app_py_serves_http_and_stops_on_sigterm(slack, cxone, tmp_path):
    port = _free_port()
    env = sandbox_environment(
        Endpoints.of(slack, cxone), database_url=f"sqlite:///{tmp_path / 'app.db'}", port=port
    )
    process = run_app(env, tmp_path)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: _healthy(base), timeout=15)
        body = slash_command_body(user_id=ALICE, text="help", response_url=slack.response_url())
        answer = send(base + "/slack/events", body, SIGNING_SECRET)
        assert answer.status_code == 200 and "/dial" in answer.json()["text"]
        assert send(base + "/slack/events", body, "forged").status_code == 401
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=15)
    assert process.returncode == 0, stderr
    assert slack.bot_token not in stderr and SIGNING_SECRET not in stderr


def test_python_app_py_names_missing_settings_without_a_traceback(tmp_path):
    process = run_app({"SLACK_BOT_TOKEN": "xoxb-x"}, tmp_path)
    _, stderr = process.communicate(timeout=15)
    assert process.returncode == 2
    assert "CXONE_BASE_URL is not set" in stderr
    assert "Traceback" not in stderr


def _healthy(base: str) -> bool:
    try:
        return requests.get(base + "/healthz", timeout=1).status_code == 200
    except requests.ConnectionError:
        return False


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
