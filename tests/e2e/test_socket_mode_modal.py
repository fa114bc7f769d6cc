"""The App Home and the dial modal over Socket Mode: `python app.py` with an app-level
token, the home opened and the modal opened and submitted as envelopes, each answered
over the socket."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from dialbot_e2e import ALICE, CHANNEL, free_port

from bot.sandbox import wait_for
from bot.sandbox.cxone import CXoneSandbox
from bot.sandbox.settings import Endpoints, sandbox_environment
from bot.sandbox.slack_api import SlackApiStandIn
from bot.sandbox.slack_requests import (
    answer_problems,
    event_callback,
    global_shortcut_payload,
    view_submission_payload,
)
from bot.sandbox.socket_mode import SocketModeStandIn

ROOT = Path(__file__).resolve().parents[2]
APP_TOKEN = "xapp-1-A0DIALBOT-e2e-modal-token"
ALICE_AGENT = "agent-1001"


@pytest.fixture
def socket_mode() -> Iterator[SocketModeStandIn]:
    with SocketModeStandIn() as standin:
        yield standin


@pytest.fixture
def slack(socket_mode) -> Iterator[SlackApiStandIn]:
    with SlackApiStandIn(app_token=APP_TOKEN, socket_mode_url=socket_mode.issue_url) as standin:
        yield standin


@pytest.fixture
def cxone() -> Iterator[CXoneSandbox]:
    with CXoneSandbox(agents=[ALICE_AGENT]) as sandbox:
        yield sandbox


@pytest.fixture
def app_process(slack, cxone, socket_mode, tmp_path) -> Iterator[subprocess.Popen]:
    agent_map = tmp_path / "agents.csv"
    agent_map.write_text(f"{ALICE},{ALICE_AGENT}\n")
    env = {
        "PATH": os.environ.get("PATH", ""),
        **sandbox_environment(
            Endpoints.of(slack, cxone),
            database_url=f"sqlite:///{tmp_path / 'app.db'}",
            slack_app_token=APP_TOKEN,
            slack_signing_secret=None,
            cxone_http_timeout=3,
            dial_agent_map=agent_map,
            host="127.0.0.1",  # the health and metrics endpoints, on a port of its own
            port=free_port(),
        ),
    }
    log_path = tmp_path / "app.log"
    with log_path.open("w") as log_file:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py")],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: socket_mode.open_connections or process.poll() is not None, timeout=20)
        if process.poll() is not None:
            pytest.fail(f"the app exited instead of connecting:\n{log_path.read_text()}")
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)
        log = log_path.read_text()
        assert "Traceback" not in log, log
        assert APP_TOKEN not in log and slack.bot_token not in log


def test_the_home_and_the_modal_over_socket_mode(app_process, socket_mode, slack, cxone):
    # The Home tab: an events_api envelope, acked at once; the home is published after.
    opened = socket_mode.push(
        "events_api",
        event_callback({"type": "app_home_opened", "user": ALICE, "tab": "home"}),
        accepts_response_payload=False,
    )
    assert socket_mode.ack_for(opened).get("payload") in (None, {})
    home = wait_for(lambda: slack.home_of(ALICE))
    assert ALICE_AGENT in json.dumps(home["blocks"])

    # The global shortcut opens the modal with the envelope's trigger_id.
    shortcut = global_shortcut_payload(user_id=ALICE, callback_id="dial_place_call")
    socket_mode.push("interactive", shortcut, accepts_response_payload=False)
    (views_open,) = wait_for(lambda: slack.calls_to("views.open"))
    assert views_open.ok and views_open.args["trigger_id"] == shortcut["trigger_id"]
    modal = slack.view(views_open.response["view"]["id"])

    # The submission's answer comes back in the envelope's ack: the modal says Dialing…
    response_url = slack.response_url()
    submission = view_submission_payload(
        user_id=ALICE,
        view=modal,
        answers={"dial_number": "+1 415 555 0123", "dial_channel": CHANNEL},
        response_url=response_url,
    )
    answer = socket_mode.request("interactive", submission)
    assert answer_problems(modal, answer) == []
    assert answer["response_action"] == "update" and "Dialing" in json.dumps(answer["view"])

    # One call; the outcome in the modal and in the channel's thread.
    def outcome():
        view = slack.view(modal["id"])
        return view if "placed" in json.dumps(view["blocks"]) else None

    wait_for(outcome, timeout=10)
    (call,) = cxone.calls
    assert call.placed and call.body["agentId"] == ALICE_AGENT

    def posts():
        return [c for c in slack.calls_to("chat.postMessage") if c.args["channel"] == CHANNEL]

    parent, reply = wait_for(lambda: len(posts()) == 2 and posts(), timeout=10)
    assert reply.args["thread_ts"] == parent.response["ts"]
    wait_for(lambda: "Placed" in json.dumps(slack.home_of(ALICE)["blocks"]))

    # The very same envelope again (Slack retries an unacknowledged one): no second call.
    again = socket_mode.request("interactive", submission)
    assert "placed" in json.dumps(again["view"])
    assert len(cxone.calls) == 1
