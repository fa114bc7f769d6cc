"""What the log says about each outcome: anything that may have rung a customer at
WARNING with CXone's status and correlation id; a rejection at INFO with CXone's status
and reason; a placed call at INFO with its call id. "call id None" never appears."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from dialbot_e2e import ALICE, DialBot

NUMBER = "+1 415 555 0123"


def dial(bot: DialBot) -> Any:
    slash = bot.slash(ALICE, NUMBER)
    bot.press(slash)
    bot.wait_for_final_card(slash, timeout=20)
    return bot.store.get_request(slash.request_id)


def outcome_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "bot.dialing" and "outcome" in r.getMessage()]


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.INFO)
    yield caplog
    every_line = "\n".join(r.getMessage() for r in caplog.records)
    assert "call id None" not in every_line and "correlation id None" not in every_line


@pytest.mark.parametrize(
    ("fault", "status"),
    [
        ({"fault": "500", "place": True}, "CXone status HTTP 500"),
        ({"fault": "502", "place": True}, "HTTP 502"),
        ({"fault": "504", "place": True}, "HTTP 504"),
        ({"fault": "timeout", "seconds": 3}, "CXone status none"),
        ({"fault": "reset", "place": True}, "CXone status none"),
    ],
    ids=["500", "502", "504", "timeout", "reset"],
)
def test_an_unknown_outcome_is_a_warning_with_status_and_correlation_id(
    start_bot, logs, fault, status
):
    bot = start_bot(cxone_http_timeout=1.0)
    bot.cxone.set_fault(fault.pop("fault"), **fault)

    record = dial(bot)

    (line,) = outcome_lines(logs)
    text = line.getMessage()
    assert line.levelno == logging.WARNING
    assert "outcome unknown" in text and status in text
    assert "may have rung" in text
    expected_id = record.correlation_id or "none given"
    assert f"correlation id {expected_id}" in text
    assert record.id in text
    assert "+14155550123" not in text and "555-0123" not in text  # no phone number


def test_a_rejection_is_info_with_cxones_status_and_reason(bot, logs):
    bot.store.link(ALICE, "agent-not-at-cxone", "U0ADMIN")

    record = dial(bot)

    (line,) = outcome_lines(logs)
    text = line.getMessage()
    assert line.levelno == logging.INFO
    assert "outcome rejected" in text and "HTTP 400" in text
    assert f"correlation id {record.correlation_id}" in text
    assert "CXone rejected the call request as invalid" in text  # CXone's reason, in words


def test_a_placed_call_is_info_with_its_call_id(bot, logs):
    record = dial(bot)

    (line,) = outcome_lines(logs)
    assert line.levelno == logging.INFO
    assert f"CXone call id {record.call_id}" in line.getMessage()


def test_a_placed_call_without_a_call_id_says_so(bot, logs):
    bot.cxone.set_fault("malformed", place=True)

    dial(bot)

    (line,) = outcome_lines(logs)
    assert line.levelno == logging.INFO and "no call id" in line.getMessage()
