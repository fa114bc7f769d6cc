"""`python app.py` with settings a new admin gets wrong: each stops the start (exit 2)
with one line naming the variable, what it is for and a good example, and no
traceback; a name close to a known one is warned about; LOG_LEVEL and HOST work."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from dialbot_e2e import free_port

from bot.sandbox import wait_for
from bot.sandbox.settings import Endpoints, sandbox_environment

ROOT = Path(__file__).resolve().parents[2]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(slack, cxone, tmp_path, **overrides) -> dict[str, str]:
    return sandbox_environment(
        Endpoints.of(slack, cxone),
        database_url=f"sqlite:///{tmp_path / 'app.db'}",
        port=free_port(),
        **overrides,
    )


def start(env: dict[str, str], cwd: Path) -> subprocess.Popen:
    # cwd is a fresh directory: only its own .env (if a test writes one) is read.
    return subprocess.Popen(
        [sys.executable, str(ROOT / "app.py")],
        cwd=cwd,
        env={"PATH": os.environ.get("PATH", ""), **env},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def refused(env: dict[str, str], cwd: Path) -> str:
    """Start the app, expect exit 2, and return what it wrote."""
    process = start(env, cwd)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 2, stderr
    assert "Traceback" not in stderr, stderr
    return stderr


def the_line(stderr: str, variable: str) -> str:
    """The one line that names `variable` (after the "cannot start" line)."""
    lines = [line for line in stderr.splitlines() if line.startswith(variable)]
    assert len(lines) == 1, stderr
    return lines[0]


# (variable, value, words the line must contain besides the variable and an example)
BROKEN = [
    ("DIAL_ALLOWED_REGIONS", "ZZ", ["'ZZ'", "region code"]),
    ("DIAL_ALLOWED_REGIONS", "UK", ["'UK'", "did you mean GB?"]),
    ("DIAL_DEFAULT_REGION", "USA", ["'USA'", "did you mean US?"]),
    ("DIAL_ADMINS", "@dana", ["'@dana'", "ids (U… or W…), not names", "Copy member ID"]),
    ("DIAL_SUPERVISORS", "U0SUPER,sam", ["'sam'", "Copy member ID"]),
    ("DIAL_NOTIFY_CHANNEL", "#dial-log", ["'#dial-log'", "not the name", "Channel ID"]),
    ("CXONE_OAUTH_CLIENT_SECRET", "", ["set but empty"]),
    ("CXONE_OUTBOUND_CAMPAIGN_ID", "", ["not set"]),
    ("SLACK_SIGNING_SECRET", "", ["set but empty"]),
    ("SLACK_BOT_TOKEN", "", ["set but empty"]),
    ("CXONE_BASE_URL", "https://", ["names no host"]),
    ("CXONE_BASE_URL", "api-us-2.cxone.com", ["http:// or https://"]),
    ("SLACK_BOT_TOKEN", "xapp-1-A0DIALBOT-demo-token", ["starts with 'xapp-', not 'xoxb-'"]),
    ("LOG_LEVEL", "LOUD", ["DEBUG, INFO, WARNING or ERROR"]),
    ("PORT", "99999", ["less than or equal to 65535"]),
]


@pytest.mark.parametrize(
    ("variable", "value", "words"), BROKEN, ids=[f"{v}={x}" for v, x, _ in BROKEN]
)
def test_a_broken_setting_stops_the_start_naming_it(slack, cxone, tmp_path, variable, value, words):
    env = environment(slack, cxone, tmp_path, **{variable: value})

    stderr = refused(env, tmp_path)

    line = the_line(stderr, variable)
    assert "it is " in line  # what the variable is for
    assert f"Example: {variable}=" in line
    for word in words:
        assert word in line
    assert stderr.splitlines()[0] == "dialbot cannot start:"
    assert len(stderr.splitlines()) == 2  # that line only, nothing else
    assert slack.calls == []  # refused before anything was asked of Slack


def test_env_example_copied_unchanged_names_each_placeholder(slack, cxone, tmp_path):
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text())

    stderr = refused({}, tmp_path)

    for variable in (
        "SLACK_BOT_TOKEN",
        "SLACK_APP_TOKEN",
        "CXONE_OAUTH_CLIENT_ID",
        "CXONE_OAUTH_CLIENT_SECRET",
        "CXONE_OUTBOUND_CAMPAIGN_ID",
    ):
        line = the_line(stderr, variable)
        assert "is the placeholder from .env.example" in line and "Example:" in line


# ---- what Slack, CXone and the machine say at start -----------------------------------


def test_a_rejected_bot_token_names_slack_bot_token(slack, cxone, tmp_path):
    env = environment(slack, cxone, tmp_path, slack_bot_token="xoxb-revoked-token")

    stderr = refused(env, tmp_path)

    line = the_line(stderr, "SLACK_BOT_TOKEN")
    assert "invalid_auth" in line and "auth.test" in line and "Example:" in line
    assert "xoxb-revoked-token" not in stderr
    assert "will be unused" not in stderr


def test_an_unreachable_slack_names_the_host_and_slack_api_url(slack, cxone, tmp_path):
    port = closed_port()
    env = environment(slack, cxone, tmp_path, slack_api_url=f"http://127.0.0.1:{port}/api/")

    stderr = refused(env, tmp_path)

    line = the_line(stderr, "SLACK_API_URL")
    assert f"127.0.0.1:{port}" in line and "could not be reached" in line


def test_a_slack_host_that_does_not_exist_is_named(slack, cxone, tmp_path):
    env = environment(slack, cxone, tmp_path, slack_api_url="https://slack.invalid/api/")

    stderr = refused(env, tmp_path)

    line = the_line(stderr, "SLACK_API_URL")
    assert "slack.invalid" in line and "could not be reached" in line


def test_a_port_in_use_names_port_and_the_port(slack, cxone, tmp_path):
    with socket.create_server(("0.0.0.0", 0)) as taken:
        port = taken.getsockname()[1]
        env = environment(slack, cxone, tmp_path)
        env["PORT"] = str(port)

        stderr = refused(env, tmp_path)

    line = the_line(stderr, "PORT")
    assert f"0.0.0.0:{port}" in line and "in use" in line and "Example: PORT=" in line


def test_a_host_that_cannot_be_bound_names_host(slack, cxone, tmp_path):
    env = environment(slack, cxone, tmp_path, host="192.0.2.1")  # TEST-NET: not ours

    stderr = refused(env, tmp_path)

    line = the_line(stderr, "HOST")
    assert "192.0.2.1" in line and "Example: HOST=" in line


# ---- starts that go on, and what they say ---------------------------------------------


class Running:
    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.port = int(env["PORT"])
        self.process = start(env, cwd)
        wait_for(self._healthy, timeout=20)

    def _healthy(self) -> bool:
        assert self.process.poll() is None, self.process.communicate()[1]
        try:
            return requests.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).ok
        except requests.ConnectionError:
            return False

    def stop(self) -> str:
        self.process.terminate()
        _, stderr = self.process.communicate(timeout=20)
        assert self.process.returncode == 0, stderr
        return stderr


def test_a_normal_start_says_what_it_bound_and_warns_of_nothing(slack, cxone, tmp_path):
    env = environment(slack, cxone, tmp_path)

    stderr = Running(env, tmp_path).stop()

    assert f"listening on 0.0.0.0:{env['PORT']}" in stderr
    assert "will be unused" not in stderr and "WARNING" not in stderr, stderr
    assert "alembic" not in stderr.lower()


def test_host_binds_the_address_given(slack, cxone, tmp_path):
    env = environment(slack, cxone, tmp_path, host="127.0.0.1")

    stderr = Running(env, tmp_path).stop()

    assert f"listening on 127.0.0.1:{env['PORT']}" in stderr


def test_log_level_warning_keeps_the_info_lines_out(slack, cxone, tmp_path):
    env = environment(slack, cxone, tmp_path, log_level="warning")

    stderr = Running(env, tmp_path).stop()

    assert " INFO " not in stderr and "listening on" not in stderr, stderr


def test_log_level_debug_shows_our_debug_lines_but_not_third_parties(slack, cxone, tmp_path):
    env = environment(slack, cxone, tmp_path, log_level="DEBUG")

    stderr = Running(env, tmp_path).stop()

    assert "listening on" in stderr
    assert "urllib3" not in stderr and slack.bot_token not in stderr


def test_a_name_close_to_a_setting_is_warned_about(slack, cxone, tmp_path):
    env = environment(slack, cxone, tmp_path, dial_admin="U0ADMIN")
    (tmp_path / ".env").write_text("DIAL_NOTIFY_CHANEL=C0NOTIFY\n")

    stderr = Running(env, tmp_path).stop()

    (in_env,) = [line for line in stderr.splitlines() if "DIAL_ADMIN " in line]
    assert "WARNING" in in_env and "did you mean DIAL_ADMINS?" in in_env
    assert "environment" in in_env and "ignored" in in_env
    (in_file,) = [line for line in stderr.splitlines() if "DIAL_NOTIFY_CHANEL" in line]
    assert "did you mean DIAL_NOTIFY_CHANNEL?" in in_file and ".env" in in_file


def test_an_unreachable_cxone_is_named_at_start_and_the_bot_still_serves(slack, cxone, tmp_path):
    port = closed_port()
    env = environment(slack, cxone, tmp_path, cxone_base_url=f"http://127.0.0.1:{port}")

    stderr = Running(env, tmp_path).stop()

    (line,) = [line for line in stderr.splitlines() if "CXONE_BASE_URL" in line]
    assert "WARNING" in line and f"127.0.0.1:{port}" in line and "could not be reached" in line
