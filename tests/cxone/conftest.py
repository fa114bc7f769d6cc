"""Fixtures for the CXone tests: a mocked CXone, and a guard that fails any test whose
log lines mention the client secret or an access token."""

from __future__ import annotations

import logging

import pytest
import responses
from cxone_fakes import FORBIDDEN


@pytest.fixture
def cxone():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture(autouse=True)
def no_secrets_in_logs(caplog):
    caplog.set_level(logging.DEBUG)
    yield
    formatter = logging.Formatter()
    records = caplog.get_records("setup") + caplog.get_records("call")
    for record in records:
        texts = [record.getMessage()]
        if record.exc_info:
            texts.append(formatter.formatException(record.exc_info))
        for text in texts:
            for forbidden in FORBIDDEN:
                assert forbidden not in text, f"a secret or token leaked into a log line: {text!r}"
