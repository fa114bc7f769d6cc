"""Agent mode against the Agent API sandbox, with a guard that fails any test whose log
lines carry the access key secret, the client secret or a token the sandbox issued."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from agent_sign_in_helpers import issued_secrets

from bot.sandbox.cxone_agent import AgentApiSandbox


@pytest.fixture
def agent_api(caplog) -> Iterator[AgentApiSandbox]:
    caplog.set_level(logging.DEBUG)
    with AgentApiSandbox(agents=["agent-1001", "agent-2002"]) as sandbox:
        yield sandbox
        assert_no_secrets_logged(sandbox, caplog)


def assert_no_secrets_logged(sandbox: AgentApiSandbox, caplog) -> None:
    forbidden = issued_secrets(sandbox)
    for record in caplog.get_records("call"):
        text = record.getMessage()
        for secret in forbidden:
            assert secret not in text, f"a secret or token leaked into a log line: {text!r}"
