"""The HTTP front door against strangers, over real sockets: oversized bodies and heads,
paths nobody documented, forged and garbage requests, idle and slow connections.

The memory and connection-flood cases run `python app.py` as a process of its own, as
people run it, so its peak memory and its descriptors are its own; the others drive
the in-process server the e2e tests use. Every case also checks the app still serves.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests
from dialbot_e2e import AGENTS, ALICE, SIGNING_SECRET

from bench.attackers import (
    ForgedFlood,
    HeldConnections,
    raise_descriptor_limit,
    send_big_body,
)
from bot.sandbox import wait_for
from bot.sandbox.slack_requests import message_action_payload, send, slash_command_body
from bot.server import MAX_BODY_BYTES, MAX_HEADER_BYTES, HttpServer

ROOT = Path(__file__).resolve().parents[2]
MB = 1 << 20
NUMBER = "+1 415 555 0123"


# --- python app.py as a process ----------------------------------------------------------


class AppUnderAttack:
    def __init__(self, process: subprocess.Popen, port: int, slack, cxone) -> None:
        self.process = process
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.slack = slack
        self.cxone = cxone

    def peak_rss_mb(self) -> float:
        with open(f"/proc/{self.process.pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        raise AssertionError("no VmHWM")

    def dial(self, timeout: float = 10.0) -> tuple[requests.Response, float]:
        """A signed /dial from Alice on a fresh connection, and how long its ack took."""
        body = slash_command_body(
            user_id=ALICE, text=NUMBER, response_url=self.slack.response_url()
        )
        started = time.perf_counter()
        answer = send(self.url + "/slack/events", body, SIGNING_SECRET, timeout=timeout)
        return answer, time.perf_counter() - started

    def health(self, timeout: float = 10.0) -> tuple[int, float]:
        started = time.perf_counter()
        status = requests.get(self.url + "/healthz", timeout=timeout).status_code
        return status, time.perf_counter() - started

    def assert_serves(self) -> None:
        answer, _ = self.dial()
        assert answer.status_code == 200 and "Dial" in answer.text, answer.text[:300]


@pytest.fixture
def app_process(slack, cxone, tmp_path) -> Iterator[AppUnderAttack]:
    agents = tmp_path / "agents.csv"
    agents.write_text("".join(f"{user},{agent}\n" for user, agent in AGENTS.items()))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        "PATH": os.environ.get("PATH", ""),
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.url,
        "PORT": str(port),
        "CXONE_BASE_URL": cxone.url,
        "CXONE_OAUTH_CLIENT_ID": cxone.client_id,
        "CXONE_OAUTH_CLIENT_SECRET": cxone.client_secret,
        "CXONE_OUTBOUND_CAMPAIGN_ID": cxone.campaign_id,
        "CXONE_DEFAULT_CONTACT_ID": "contact-1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
        "DIAL_AGENT_MAP": str(agents),
        "DIAL_ALLOWED_REGIONS": "US",
    }
    log = open(tmp_path / "app.log", "w+b")  # noqa: SIM115 (read back on failure)
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py")], cwd=tmp_path, env=env, stdout=log, stderr=log
    )
    app = AppUnderAttack(process, port, slack, cxone)
    try:
        wait_for(lambda: _healthy(app), timeout=20)
        yield app
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.seek(0)
        output = log.read().decode(errors="replace")
        log.close()
    assert process.returncode == 0, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    assert cxone.calls == []  # nothing an attack did, nor a /dial without a press, dialed


def _healthy(app: AppUnderAttack) -> bool:
    if app.process.poll() is not None:
        raise AssertionError(f"python app.py exited with {app.process.returncode}")
    try:
        return app.health(timeout=1)[0] == 200
    except requests.ConnectionError:
        return False


def _at_once(count: int, attempt) -> list:
    results: list = [None] * count

    def run(i: int) -> None:
        results[i] = attempt()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


# --- bodies and heads ----------------------------------------------------------------------


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_eight_200_mb_bodies_at_once_are_refused_413_and_memory_barely_moves(app_process, chunked):
    before = app_process.peak_rss_mb()
    results = _at_once(
        8, lambda: send_big_body("127.0.0.1", app_process.port, 200 * MB, chunked=chunked)
    )
    growth = app_process.peak_rss_mb() - before
    for result in results:
        assert result.status in (413, None), result  # None: closed before the answer was read
        assert result.sent_bytes < 16 * MB, result  # the rest was never read
    assert any(result.status == 413 for result in results)
    assert growth < 50, f"peak RSS grew by {growth:.1f} MB"
    app_process.assert_serves()


def test_a_body_over_the_limit_is_413_and_one_at_the_limit_reaches_the_signature_check(bot):
    over = requests.post(bot.events_url, data=b"a" * (MAX_BODY_BYTES + 1), timeout=10)
    assert over.status_code == 413
    at_limit = requests.post(bot.events_url, data=b"a" * MAX_BODY_BYTES, timeout=10)
    assert at_limit.status_code == 401
    assert bot.store.history() == [] and bot.cxone.calls == []


def test_the_largest_slack_payload_fits_under_the_limit(bot):
    # A message shortcut on a message at Slack's 40,000-character limit, all emoji,
    # JSON-escaped (as Slack sends it) and form-encoded, its rich-text block repeating it.
    text = "call +1 415 555 0123 " + "😀" * 40_000
    payload = message_action_payload(
        user_id=ALICE,
        callback_id="dial_from_message",
        message_text=text,
        response_url=bot.slack.response_url(),
    )
    section = {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
    payload["message"]["blocks"] = [{"type": "rich_text", "elements": [section]}]
    body = urlencode({"payload": json.dumps(payload)})
    assert MAX_BODY_BYTES // 2 < len(body) < MAX_BODY_BYTES
    answer = bot.post(body)
    assert answer.status_code == 200
    card = wait_for(lambda: bot.slack.responses_for(payload["response_url"]), timeout=10)[0]
    assert "+1 415-555-0123" in str(card["blocks"]) and "dial_confirm" in str(card["blocks"])


def test_a_head_over_the_limit_is_refused_431(bot):
    body = slash_command_body(user_id=ALICE, text="help", response_url=bot.slack.response_url())
    headers = {"X-Padding": "a" * MAX_HEADER_BYTES}
    answer = requests.post(bot.events_url, data=body, headers=headers, timeout=10)
    assert answer.status_code == 431
    assert bot.post(body).status_code == 200
    assert bot.cxone.calls == []


# --- routes ----------------------------------------------------------------------------


def count_bolt_requests(bot) -> list[str]:
    seen: list[str] = []

    @bot.app.middleware
    def record(request, next):  # noqa: A002 (Bolt's name)
        seen.append(request.body.get("command", "?"))
        return next()

    return seen


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/", 404),
        ("POST", "/", 404),
        ("GET", "/admin", 404),
        ("POST", "/slack/events/", 404),
        ("POST", "/slack/actions", 404),
        ("GET", "/slack/events", 405),
        ("PUT", "/slack/events", 405),
        ("POST", "/healthz", 405),
        ("DELETE", "/healthz", 405),
    ],
)
def test_only_documented_endpoints_answer_and_the_rest_never_reach_bolt(bot, method, path, status):
    seen = count_bolt_requests(bot)
    body = slash_command_body(user_id=ALICE, text=NUMBER, response_url=bot.slack.response_url())
    answer = requests.request(method, bot.server.url + path, data=body, timeout=10)
    assert answer.status_code == status
    if status == 405:
        assert answer.headers["Allow"] in ("POST", "GET")
    assert seen == [] and bot.store.history() == []
    assert bot.post(body).status_code == 200 and seen == ["/dial"]
    assert bot.cxone.calls == []


def test_the_route_table_takes_later_endpoints_and_refuses_a_second_one_for_a_route(bot):
    server = HttpServer(bot.app, signing_secret=SIGNING_SECRET)

    def version(environ, start_response):
        start_response("200 OK", [("Content-Length", "5")])
        return [b"0.1.0"]

    server.routes.add("GET", "/version", version)
    with pytest.raises(ValueError, match="already has an endpoint"):
        server.routes.add("GET", "/version", version)
    with pytest.raises(ValueError, match="already has an endpoint"):
        server.routes.add("GET", "/readyz", version)  # build_app's app brings its own
    assert server.routes.endpoints() == [
        ("POST", "/slack/events"),
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("GET", "/metrics"),
        ("GET", "/version"),
    ]
    with server:
        assert requests.get(server.url + "/version", timeout=5).text == "0.1.0"
        assert requests.get(server.url + "/readyz", timeout=5).text == "ready"
        assert requests.get(server.url + "/healthz", timeout=5).text == "ok"


# --- forged requests -------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Slack-Request-Timestamp": "now", "X-Slack-Signature": "v0=00"},
        {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=00"},
        {},
    ],
    ids=["timestamp-not-a-number", "bad-signature", "unsigned"],
)
def test_garbage_bodies_get_401_and_no_traceback(bot, caplog, headers):
    garbage = b"\xff\xfe" + secrets.token_bytes(2048)
    answer = requests.post(bot.events_url, data=garbage, headers=headers, timeout=10)
    assert answer.status_code == 401
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
    assert bot.store.history() == [] and bot.cxone.calls == []


def test_slacks_unsigned_ssl_check_is_answered(bot):
    answer = requests.post(bot.events_url, data={"ssl_check": "1", "token": "x"}, timeout=10)
    assert answer.status_code == 200


def test_a_forged_flood_is_refused_401_while_signed_requests_are_served(bot):
    host, port = "127.0.0.1", bot.server.port
    acks = []
    with ForgedFlood(host, port, 300, SIGNING_SECRET) as flood:
        for _ in range(10):
            slash = bot.slash(ALICE, NUMBER)
            acks.append(slash.response.status_code == 200 and bool(slash.buttons))
            time.sleep(0.1)
    assert all(acks), acks
    assert flood.answered > 100 and set(flood.answers) == {401}, flood.answers
    assert bot.cxone.calls == []


# --- idle and slow connections ---------------------------------------------------------


@pytest.fixture
def quick_server(bot) -> Iterator[HttpServer]:
    """The same app behind a server with 1 s timeouts and room for 60 connections."""
    server = HttpServer(
        bot.app,
        signing_secret=SIGNING_SECRET,
        idle_timeout=1,
        request_timeout=1,
        connection_limit=60,
    )
    with server:
        yield server


def test_idle_and_slow_header_connections_are_dropped_after_the_timeout(quick_server):
    port = quick_server.port
    with HeldConnections("127.0.0.1", port, idle=5, slow=5, drip=0.2) as held:
        held.wait_until_held()
        wait_for(lambda: held.stats.dropped >= 10, timeout=8)
    lives = held.stats.lifetimes
    assert min(lives) > 0.9 and max(lives) < 4, lives


def test_a_connection_in_use_is_kept_alive(quick_server):
    connection = http.client.HTTPConnection("127.0.0.1", quick_server.port, timeout=5)
    connection.connect()
    first = connection.sock
    for _ in range(4):  # a request every 0.5 s: never idle for the 1 s timeout
        connection.request("GET", "/healthz")
        assert connection.getresponse().read() == b"ok"
        time.sleep(0.5)
    assert connection.sock is first  # the same connection all along
    connection.close()


def test_at_the_connection_limit_the_idlest_are_closed_to_make_room(quick_server, bot):
    body = slash_command_body(user_id=ALICE, text=NUMBER, response_url=bot.slack.response_url())
    with HeldConnections("127.0.0.1", quick_server.port, idle=200) as held:
        held.wait_until_held()
        time.sleep(0.3)
        answer = send(quick_server.events_url, body, SIGNING_SECRET, timeout=5)
        assert answer.status_code == 200 and "Dial" in answer.text
        assert held.stats.dropped > 0  # closed to make room, not refused
    assert quick_server.shed > 0


def test_2000_idle_and_200_slow_connections_cannot_keep_slack_out(app_process):
    raise_descriptor_limit(8192)
    with HeldConnections("127.0.0.1", app_process.port, idle=2000, slow=200) as held:
        held.wait_until_held()
        # Past the 5 s timeouts, so the dropped ones are being reopened meanwhile.
        wait_for(lambda: held.stats.dropped >= 1000, timeout=15)
        wait_for(lambda: held.held() == 2200, timeout=5)  # all reopened
        for _ in range(3):
            answer, seconds = app_process.dial(timeout=10)
            assert answer.status_code == 200 and "Dial" in answer.text
            assert seconds < 3.0, f"/dial acked in {seconds:.2f} s"
            status, seconds = app_process.health(timeout=10)
            assert status == 200 and seconds < 1.0, f"/healthz answered in {seconds:.2f} s"
        lives = sorted(held.stats.lifetimes)
    assert lives[len(lives) // 2] < 8, "held connections were not dropped after a few seconds"
    app_process.assert_serves()
