"""`python app.py` in Socket Mode: the manifest's default, end to end.

The app runs as a subprocess with an app-level token. It opens its connection through
the Slack stand-in's apps.connections.open, receives envelopes from the Socket Mode
stand-in and answers them over the socket, and places the call at the CXone sandbox.
Slack replaces connections (a `disconnect` message, or a socket that just ends): the
app must answer within Slack's 3 s on the new connection from its first moment.
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from dialbot_e2e import ALICE, BOB, CHANNEL, free_port
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox import wait_for
from bot.sandbox.cxone import CXoneSandbox
from bot.sandbox.settings import Endpoints, sandbox_environment
from bot.sandbox.slack_api import SlackApiStandIn
from bot.sandbox.slack_requests import block_action_payload, slash_command_body
from bot.sandbox.socket_mode import SocketModeStandIn

ROOT = Path(__file__).resolve().parents[2]
APP_TOKEN = "xapp-1-A0DIALBOT-e2e-socket-token"
ALICE_AGENT = "agent-1001"
STOP_TIMEOUT = 15  # seconds for the app to exit after SIGTERM
SLACK_ACK_DEADLINE = 3.0  # seconds: Slack shows the person an error after this


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


def launch(
    slack,
    cxone,
    tmp_path,
    *,
    app_token: str = APP_TOKEN,
    agent_map_rows: str = "",
    port: int | None = None,
) -> subprocess.Popen:
    """`python app.py` in Socket Mode; its log goes to `process.log_path`, and its health
    and metrics endpoints listen on 127.0.0.1:`process.port`."""
    agent_map = tmp_path / "agents.csv"
    agent_map.write_text(f"{ALICE},{ALICE_AGENT}\n{agent_map_rows}")
    port = port or free_port()
    # Only these variables: no proxy, no SLACK_CLIENT_ID/SECRET (OAuth), no signing secret.
    env = {
        "PATH": os.environ.get("PATH", ""),
        **sandbox_environment(
            Endpoints.of(slack, cxone),
            database_url=f"sqlite:///{tmp_path / 'app.db'}",
            slack_app_token=app_token,
            slack_signing_secret=None,
            cxone_http_timeout=3,
            dial_agent_map=agent_map,
            host="127.0.0.1",
            port=port,
        ),
    }
    log_path = tmp_path / "app.log"
    with log_path.open("w") as log_file:
        # cwd is a fresh directory so no developer's .env is read; the log goes to a file
        # so a full pipe can never stall the app.
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py")],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    process.log_path = log_path  # type: ignore[attr-defined]
    process.port = port  # type: ignore[attr-defined]
    return process


@pytest.fixture
def app_process(slack, cxone, socket_mode, tmp_path) -> Iterator[subprocess.Popen]:
    """The app, connected; killed afterwards unless the test stopped it."""
    process = launch(slack, cxone, tmp_path)
    try:
        # Connected, or exited (a start-up failure is reported at once, with its log).
        wait_for(lambda: socket_mode.open_connections or process.poll() is not None, timeout=20)
        if process.poll() is not None:
            pytest.fail(f"the app exited instead of connecting:\n{process.log_path.read_text()}")
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)


def slash_payload(user_id: str, text: str, response_url: str) -> dict[str, Any]:
    """What Slack puts in a slash_commands envelope: the fields it would have form-posted."""
    body = slash_command_body(user_id=user_id, text=text, response_url=response_url)
    return dict(parse_qsl(body, keep_blank_values=True))


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        element
        for block in message.get("blocks", [])
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)
        pytest.fail(f"the app did not stop within {STOP_TIMEOUT} s of SIGTERM")
    return process.log_path.read_text()  # type: ignore[attr-defined]


def test_dial_over_socket_mode_places_one_call_and_stops_on_sigterm(
    app_process, socket_mode, slack, cxone
):
    # It connected with the app-level token, through apps.connections.open.
    (opened,) = slack.calls_to("apps.connections.open")
    assert opened.ok
    assert socket_mode.connections_made == 1

    response_url = slack.response_url()
    card = socket_mode.request(
        "slash_commands", slash_payload(ALICE, "+1 415 555 0123", response_url)
    )

    # The confirm card comes back inside the ack, over the socket.
    assert card["response_type"] == "ephemeral"
    assert "+1 415-555-0123" in str(card["blocks"])
    assert ALICE_AGENT in str(card["blocks"])
    assert [b["action_id"] for b in buttons(card)] == ["dial_confirm", "dial_cancel"]
    request_id = buttons(card)[0]["value"]
    assert request_id
    assert cxone.calls == []

    press = block_action_payload(
        user_id=ALICE, action_id="dial_confirm", value=request_id, response_url=response_url
    )
    pressed = socket_mode.push("interactive", press, accepts_response_payload=False)
    assert socket_mode.ack_for(pressed).get("payload") in (None, {})

    # The card is replaced via response_url once the outcome is known.
    def final_card() -> dict[str, Any] | None:
        cards = [r for r in slack.responses_for(response_url) if r.get("replace_original")]
        return cards[-1] if cards and "Dialing" not in cards[-1]["text"] else None

    final = wait_for(final_card, timeout=10)
    assert "placed" in final["text"]
    assert buttons(final) == []

    # Exactly one call, to the number typed, on Alice's agent.
    (call,) = cxone.calls
    assert call.placed
    assert call.body["phoneNumber"] == "+14155550123"
    assert call.body["agentId"] == ALICE_AGENT
    assert call.body["data"]["requestId"] == request_id

    # The outcome in a thread under the bot's post in the channel.
    def channel_posts() -> list[dict[str, Any]]:
        return [c for c in slack.calls_to("chat.postMessage") if c.args["channel"] == CHANNEL]

    parent, reply = wait_for(lambda: len(channel_posts()) == 2 and channel_posts(), timeout=10)
    assert f"<@{ALICE}>" in parent.args["text"]
    assert reply.args["thread_ts"] == parent.response["ts"]
    assert call.call_id in reply.args["text"]

    # Each envelope was acknowledged exactly once.
    assert [m["envelope_id"] for m in socket_mode.received] == [
        socket_mode.received[0]["envelope_id"],
        pressed,
    ]

    log = stop(app_process)
    assert app_process.returncode == 0, log
    socket_mode.wait_for_disconnection(timeout=5)  # it closed its connection on the way out
    for secret in (APP_TOKEN, slack.bot_token, cxone.client_secret, "555-0123", "5550123"):
        assert secret not in log
    assert "Traceback" not in log, log
    assert len(cxone.calls) == 1  # nothing dialed again on the way out


def test_an_unlinked_user_is_refused_inside_the_ack(app_process, socket_mode, slack, cxone):
    response_url = slack.response_url()
    answer = socket_mode.request(
        "slash_commands", slash_payload(BOB, "+1 415 555 0123", response_url)
    )

    assert "You're not linked to a CXone agent" in answer["text"]
    assert buttons(answer) == []
    assert cxone.calls == []
    assert slack.responses_for(response_url) == []  # the ack said it all


def test_the_app_reconnects_when_slack_refreshes_the_connection(
    app_process, socket_mode, slack, cxone
):
    socket_mode.refresh()

    # A new connection from a new apps.connections.open; the old one is closed.
    socket_mode.wait_for_connections_made(2)
    wait_for(lambda: socket_mode.open_connections == 1, timeout=10)
    assert [c.ok for c in slack.calls_to("apps.connections.open")] == [True, True]

    answer = socket_mode.request(
        "slash_commands", slash_payload(ALICE, "help", slack.response_url())
    )
    assert "/dial" in answer["text"]

    log = stop(app_process)
    assert app_process.returncode == 0, log


def dial_payload(slack, number: str = "+1 415 555 0123") -> dict[str, Any]:
    return slash_payload(ALICE, number, slack.response_url())


def p99(values: list[float]) -> float:
    """Nearest rank: with 20 values, the slowest."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(0.99 * len(ordered))) - 1]


REFRESHES = 20


def test_a_dial_on_a_new_connection_is_acked_at_once_through_20_refreshes(
    app_process, socket_mode, slack
):
    ack_ms: list[float] = []
    for made in range(1, REFRESHES + 1):
        socket_mode.refresh()  # the old connection stays open until the app closes it
        socket_mode.wait_for_connections_made(made + 1)
        newest = socket_mode.open_connection_numbers[-1]
        sent = time.monotonic()
        assert sent - socket_mode.hello_at(newest) < 1.0  # in the new connection's first second
        envelope = socket_mode.push("slash_commands", dial_payload(slack))
        ack = socket_mode.ack_for(envelope, timeout=10)
        ack_ms.append((time.monotonic() - sent) * 1000)
        assert socket_mode.ack_connections(envelope) == [newest]
        assert "+1 415-555-0123" in str(ack["payload"]["blocks"])  # the card, in the ack
        socket_mode.wait_for_open_connections(1)  # and the app closed the old one itself

    assert p99(ack_ms) < 500, f"ack after each refresh (ms): {[round(ms) for ms in ack_ms]}"
    assert len(slack.calls_to("apps.connections.open")) == REFRESHES + 1
    log = stop(app_process)
    assert app_process.returncode == 0, log
    assert "Traceback" not in log, log


def test_envelopes_on_the_old_connection_during_a_refresh_are_acked_once_each(
    app_process, socket_mode, slack
):
    old = socket_mode.refresh()
    numbers = [f"+1 415 555 01{i:02d}" for i in range(4)]
    # Slack may still deliver on the old connection while the app is switching.
    pushed_at = {}
    for number in numbers[:3]:
        envelope = socket_mode.push("slash_commands", dial_payload(slack, number), connection=old)
        pushed_at[envelope] = time.monotonic()
    socket_mode.wait_for_connections_made(2)
    envelope = socket_mode.push("slash_commands", dial_payload(slack, numbers[3]))
    pushed_at[envelope] = time.monotonic()

    for envelope, number in zip(pushed_at, numbers, strict=True):
        ack = socket_mode.ack_for(envelope, timeout=10)
        waited = time.monotonic() - pushed_at[envelope]
        assert waited < SLACK_ACK_DEADLINE, f"{number} acked after {waited:.3f} s"
        assert number.replace(" 415 555 ", " 415-555-") in str(ack["payload"]["blocks"])
    socket_mode.wait_for_open_connections(1)  # the old one is closed: nothing more can come
    time.sleep(0.3)  # time enough for a second ack of anything to arrive
    assert [len(socket_mode.acks_for(e)) for e in pushed_at] == [1, 1, 1, 1]
    assert {m["envelope_id"] for m in socket_mode.received} == set(pushed_at)


@pytest.mark.parametrize("close_frame", [False, True], ids=["socket-shut", "close-frame-only"])
def test_after_a_dropped_connection_the_next_dial_is_acked_well_inside_3_s(
    app_process, socket_mode, slack, close_frame
):
    dropped_at = time.monotonic()
    socket_mode.drop(close_frame=close_frame)  # no disconnect message first
    socket_mode.wait_for_connections_made(2, timeout=60)
    envelope = socket_mode.push("slash_commands", dial_payload(slack))
    ack = socket_mode.ack_for(envelope, timeout=10)
    took = time.monotonic() - dropped_at

    assert took < SLACK_ACK_DEADLINE / 2, f"dropped to acked: {took:.3f} s"
    assert "+1 415-555-0123" in str(ack["payload"]["blocks"])
    assert [c.ok for c in slack.calls_to("apps.connections.open")] == [True, True]
    assert socket_mode.open_connections == 1
    log = stop(app_process)
    assert app_process.returncode == 0, log


def test_when_slack_refuses_the_first_reconnects_the_app_keeps_trying(
    app_process, socket_mode, slack
):
    slack.fail("apps.connections.open", "internal_error", times=2)
    dropped_at = time.monotonic()
    socket_mode.drop()
    socket_mode.wait_for_connections_made(2, timeout=30)
    envelope = socket_mode.push("slash_commands", dial_payload(slack))
    socket_mode.ack_for(envelope, timeout=10)
    took = time.monotonic() - dropped_at

    # Tried again after 0.5 s and 1 s, not at the monitor's next check (10 s).
    assert took < 5, f"dropped to acked: {took:.3f} s"
    assert [c.ok for c in slack.calls_to("apps.connections.open")] == [True, False, False, True]
    log = stop(app_process)
    assert log.count("Socket Mode could not reconnect (SlackApiError") == 2, log
    assert APP_TOKEN not in log and "Traceback" not in log, log


def test_a_wrong_app_token_stops_the_start_with_a_sentence(slack, cxone, socket_mode, tmp_path):
    process = launch(slack, cxone, tmp_path, app_token="xapp-1-A0DIALBOT-revoked")
    try:
        process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)
    log = process.log_path.read_text()
    assert process.returncode == 2, log
    assert "dialbot cannot start" in log and "apps.connections.open" in log
    assert "invalid_auth" in log
    (line,) = [line for line in log.splitlines() if line.startswith("SLACK_APP_TOKEN")]
    assert "was refused by Slack" in line and "Example: SLACK_APP_TOKEN=xapp-" in line
    assert "xapp-1-A0DIALBOT-revoked" not in log and "Traceback" not in log
    assert socket_mode.connections_made == 0


# ---- the stand-ins' token rules for Socket Mode ---------------------------------------


def test_only_the_app_token_opens_a_socket_mode_connection(slack, socket_mode):
    opened = WebClient(token=APP_TOKEN, base_url=slack.url).apps_connections_open(
        app_token=APP_TOKEN
    )
    assert opened["url"].startswith(socket_mode.base_url + "?ticket=")

    with pytest.raises(SlackApiError) as refused:
        WebClient(base_url=slack.url).apps_connections_open(app_token=slack.bot_token)
    assert refused.value.response["error"] == "not_allowed_token_type"

    with pytest.raises(SlackApiError) as refused:
        WebClient(base_url=slack.url).apps_connections_open(app_token="xapp-forged")
    assert refused.value.response["error"] == "invalid_auth"


def test_the_app_token_is_not_a_bot_token(slack):
    app_client = WebClient(token=APP_TOKEN, base_url=slack.url)
    with pytest.raises(SlackApiError) as refused:
        app_client.chat_postMessage(channel=CHANNEL, text="hello")
    assert refused.value.response["error"] == "not_allowed_token_type"
    assert slack.messages() == []


def test_a_connection_needs_a_ticket_from_apps_connections_open(socket_mode):
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    with pytest.raises(InvalidStatus) as refused:
        connect(socket_mode.base_url + "?ticket=guessed", open_timeout=5)
    assert refused.value.response.status_code == 401

    url = socket_mode.issue_url()
    with connect(url, open_timeout=5) as connection:
        hello = connection.recv(timeout=5)
        assert '"type": "hello"' in hello
    with pytest.raises(InvalidStatus):  # a ticket is good for one connection
        connect(url, open_timeout=5)
    assert socket_mode.connections_made == 1


def test_socket_mode_serves_healthz_readyz_and_metrics_on_its_port(
    slack, cxone, socket_mode, tmp_path
):
    import requests
    from metrics_reading import scrape, value

    process = launch(slack, cxone, tmp_path, agent_map_rows=f"{BOB},agent-not-at-cxone\n")
    try:
        base = f"http://127.0.0.1:{process.port}"

        def serving() -> bool:
            assert process.poll() is None, process.log_path.read_text()
            try:
                return requests.get(base + "/healthz", timeout=1).status_code == 200
            except requests.ConnectionError:
                return False

        wait_for(serving, timeout=20)
        assert requests.get(base + "/readyz", timeout=5).text == "ready"
        assert requests.post(base + "/slack/events", timeout=5).status_code == 404  # no HTTP Slack

        def dial(user_id: str) -> None:
            response_url = slack.response_url()
            card = socket_mode.request(
                "slash_commands", slash_payload(user_id, "+1 415 555 0123", response_url)
            )
            press = block_action_payload(
                user_id=user_id,
                action_id="dial_confirm",
                value=buttons(card)[0]["value"],
                response_url=response_url,
            )
            socket_mode.push("interactive", press, accepts_response_payload=False)

        dial(ALICE)
        wait_for(lambda: value(scrape(base), "dialbot_dials_total", outcome="placed") == 1)
        cxone.set_fault("500")
        dial(ALICE)
        wait_for(lambda: value(scrape(base), "dialbot_dials_total", outcome="unknown") == 1)
        cxone.clear_fault()
        dial(BOB)  # CXone does not know BOB's agent: 400
        wait_for(lambda: value(scrape(base), "dialbot_dials_total", outcome="rejected") == 1)

        text = scrape(base)
        assert value(text, "dialbot_ack_seconds_count", surface="slash_command") == 3
        assert value(text, "dialbot_ack_seconds_count", surface="block_actions") == 3
        assert value(text, "dialbot_cxone_requests_total", endpoint="dial", status="202") == 1
        assert value(text, "dialbot_dials_in_flight") == 0
        log = stop(process)
        assert process.returncode == 0, log
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)


def test_a_taken_port_is_a_warning_in_socket_mode_and_slack_is_still_answered(
    slack, cxone, socket_mode, tmp_path
):
    import socket

    with socket.create_server(("127.0.0.1", 0)) as taken:
        process = launch(slack, cxone, tmp_path, port=taken.getsockname()[1])
        try:
            wait_for(lambda: socket_mode.open_connections or process.poll() is not None, timeout=20)
            assert process.poll() is None, process.log_path.read_text()
            card = socket_mode.request(
                "slash_commands", slash_payload(ALICE, "+1 415 555 0123", slack.response_url())
            )
            assert [b["action_id"] for b in buttons(card)] == ["dial_confirm", "dial_cancel"]
            log = stop(process)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT)
    assert process.returncode == 0, log
    assert "cannot serve GET /healthz, /readyz and /metrics on 127.0.0.1" in log
    assert "Traceback" not in log
