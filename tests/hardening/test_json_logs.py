"""LOG_FORMAT=json: every line `python app.py` writes over a whole run is one JSON object
with time, level, logger and message, a dial's lines carry its request id as a field,
and no secret or full number appears in any of them."""

from __future__ import annotations

import json
import logging
import sys

from dialbot_e2e import ALICE, BOB, NOTIFY_CHANNEL, SIGNING_SECRET, RunningApp

from bot.log_format import JsonLogFormatter
from bot.request_log import request_log
from bot.sandbox import wait_for
from bot.sandbox.settings import Endpoints, sandbox_environment
from bot.sandbox.slack_requests import send, slash_command_body

FULL_NUMBER_FORMS = ("+14155550123", "4155550123", "415-555-0123", "415 555 0123")
UNLINKED = "U0NOBODY"


def test_every_line_of_a_whole_run_is_json_with_the_request_id_and_no_secret(
    slack, cxone, tmp_path
):
    agents = tmp_path / "agents.csv"
    agents.write_text(f"{ALICE},agent-1001\n{BOB},agent-not-at-cxone\n")
    env = sandbox_environment(
        Endpoints.of(slack, cxone),
        database_url=f"sqlite:///{tmp_path / 'dialbot.db'}",
        log_format="json",
        dial_agent_map=agents,
        dial_notify_channel=NOTIFY_CHANNEL,
        cxone_http_timeout=1,
    )
    app = RunningApp(env, tmp_path)
    request_ids = []
    try:

        def dial(user: str) -> str:
            response_url = slack.response_url()
            request_id = app.slash_and_press(user, "+1 415 555 0123", response_url)
            wait_for(lambda: len(slack.responses_for(response_url)) >= 2, timeout=10)
            return request_id

        request_ids.append(dial(ALICE))  # placed
        request_ids.append(dial(BOB))  # CXone answers 400: rejected
        cxone.set_fault("500", times=1)
        request_ids.append(dial(ALICE))  # unknown
        body = slash_command_body(
            user_id=UNLINKED, text="+1 415 555 0123", response_url=slack.response_url()
        )
        assert "linked" in send(app.events_url, body, SIGNING_SECRET).json()["text"]
        assert send(app.events_url, body, "forged").status_code == 401
        wait_for(lambda: len(slack.calls_to("chat.postMessage")) >= 9, timeout=10)
    finally:
        stderr = app.stop()
    assert app.process.returncode == 0, stderr

    lines = stderr.splitlines()
    assert len(lines) > 20
    entries = [json.loads(line) for line in lines]  # every line parses
    for entry in entries:
        assert {"time", "level", "logger", "message"} <= entry.keys(), entry
        assert entry["time"].endswith("+00:00")
        assert not entry["message"].startswith("[dial "), entry  # the id is a field instead
    for request_id in request_ids:
        theirs = [e for e in entries if e.get("request_id") == request_id]
        assert len(theirs) >= 3, request_id  # the claim, CXone's answer, the outcome
        assert request_id not in " ".join(e["message"] for e in theirs)
    secrets = [
        slack.bot_token,
        SIGNING_SECRET,
        cxone.client_secret,
        *cxone._tokens,  # every access token the sandbox issued
        *FULL_NUMBER_FORMS,
    ]
    assert cxone._tokens
    assert [s for s in secrets if s in stderr] == []


def record(message: str, *args, exc_info=None, **extra) -> logging.LogRecord:
    made = logging.LogRecord("bot.dialing", logging.INFO, __file__, 1, message, args, exc_info)
    made.__dict__.update(extra)
    return made


def test_a_json_line_keeps_the_text_and_puts_the_request_id_in_a_field():
    captured = []

    class Keep(logging.Handler):
        def emit(self, record):
            captured.append(record)

    logger = logging.getLogger("test_json_logs")
    logger.addHandler(Keep())
    logger.setLevel(logging.INFO)
    request_log("req-1", logger).info("CXone said %s", "ok: «ünïcode»")
    logger.info("no dial here")

    with_id, without = (json.loads(JsonLogFormatter().format(r)) for r in captured)
    assert with_id["message"] == "CXone said ok: «ünïcode»"
    assert with_id["request_id"] == "req-1" and with_id["level"] == "INFO"
    assert with_id["logger"] == "test_json_logs"
    assert "request_id" not in without and without["message"] == "no dial here"


def test_a_traceback_stays_inside_its_json_line():
    try:
        raise RuntimeError("boom\nsecond line")
    except RuntimeError:
        line = JsonLogFormatter().format(record("failed", exc_info=sys.exc_info()))
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "failed" and "RuntimeError: boom" in entry["exception"]
