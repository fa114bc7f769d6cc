"""Crash recovery: `python app.py` killed (SIGKILL) while CXone is still answering a dial.

The dial's record was written as DIALING, and its channel post ("is calling …") went
up, before CXone was asked, so both survive the crash; the next start marks it UNKNOWN,
says in the post's thread what to check before dialing again and turns the post into
"Outcome unknown". Nothing dials it again on its own: CXone sees one request in all.
"""

from __future__ import annotations

import signal
import time

from dialbot_e2e import AGENTS, ALICE, CHANNEL, NOTIFY_CHANNEL, RunningApp

from bot.dialing import RECOVERY_MARGIN_SECONDS
from bot.messages import UNKNOWN_ADVICE
from bot.sandbox import wait_for
from bot.sandbox.settings import Endpoints, sandbox_environment, sandbox_settings
from bot.slack.app import build_placer
from bot.store import DialState, Store

# Short, so the restart's wait (the placer's longest dial) stays short; long enough for
# the test to kill the bot while CXone is still answering.
CXONE_TIMEOUT = 1.0


def test_a_dial_in_flight_when_the_process_is_killed_is_reported_unknown_after_restart(
    slack, cxone, tmp_path
):
    database = tmp_path / "dialbot.db"
    store = Store.open(f"sqlite:///{database}")
    store.link(ALICE, AGENTS[ALICE], "U0ADMIN")
    settings = {
        "database_url": f"sqlite:///{database}",
        "CXONE_HTTP_TIMEOUT": CXONE_TIMEOUT,
        "DIAL_NOTIFY_CHANNEL": NOTIFY_CHANNEL,
    }
    env = sandbox_environment(Endpoints.of(slack, cxone), **settings)
    # How long the restarted bot must leave a DIALING request alone: another replica
    # could still be placing it, for as long as the placer's longest dial.
    placer = build_placer(sandbox_settings(Endpoints.of(slack, cxone), **settings))
    stuck_after = placer.max_dial_seconds + RECOVERY_MARGIN_SECONDS
    cxone.set_fault("slow", seconds=30)  # CXone rings the phone, then takes its time answering
    first = RunningApp(env, tmp_path)
    response_url = slack.response_url()
    try:
        request_id = first.slash_and_press(ALICE, "+1 415 555 0123", response_url)
        wait_for(lambda: cxone.calls, timeout=10)  # CXone has the request ...
    finally:
        first.stop(signal.SIGKILL)  # ... and the bot dies before CXone answers
    assert first.process.returncode == -signal.SIGKILL

    # The record was written before CXone was asked, so the crash left it behind.
    assert store.get_request(request_id).state == DialState.DIALING
    cxone.clear_fault()

    second = RunningApp(env, tmp_path)
    restarted = time.monotonic()
    try:
        # The channel post went up before CXone was asked: the restart answers in its thread.
        told = wait_for(
            lambda: [m for m in slack.messages(CHANNEL) if m.get("thread_ts")],
            timeout=stuck_after + 15,
        )
        assert time.monotonic() - restarted >= stuck_after - 1  # never while it may be live
        notified = wait_for(lambda: slack.messages(NOTIFY_CHANNEL))
    finally:
        stderr = second.stop()
    assert second.process.returncode == 0, stderr
    # The log: a WARNING naming the dial, since the customer may have been rung.
    (recovered_line,) = [line for line in stderr.splitlines() if request_id in line]
    assert " WARNING " in recovered_line and "outcome unknown" in recovered_line
    assert "may have rung the customer" in recovered_line
    assert "call id None" not in stderr

    (message,) = told
    (parent,) = [m for m in slack.messages(CHANNEL) if not m.get("thread_ts")]
    assert message["thread_ts"] == parent["ts"]
    assert "outcome is unknown" in message["text"]
    assert UNKNOWN_ADVICE in message["text"]  # what to check before dialing again
    # The post no longer says a call is going on: chat.update gave it the outcome.
    assert parent["text"].startswith(":warning: Outcome unknown: the bot restarted")
    assert "is calling" not in parent["text"] and parent["edited"]
    assert [r for r in slack.responses_for(response_url) if "restarted" in r["text"]] == []
    assert "unknown" in notified[0]["text"]
    record = store.get_request(request_id)
    assert record.state == DialState.UNKNOWN
    assert "stopped while this call was being placed" in record.error
    # CXone placed the call once; nothing dialed it again, before or after the restart.
    assert len(cxone.calls) == len(cxone.placed_calls) == 1
    store.close()
