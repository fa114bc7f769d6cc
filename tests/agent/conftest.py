"""Agent mode against the Agent API sandbox, with a guard that fails any test whose log
lines carry the access key secret, the client secret or a token the sandbox issued."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.cxone.agent_auth import AgentSignIn
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


def sign_in_to(sandbox: AgentApiSandbox, **overrides) -> AgentSignIn:
    values = {
        "auth_url": sandbox.auth_url,
        "client_id": sandbox.client_id,
        "client_secret": sandbox.client_secret,
        "access_key_id": sandbox.access_key_id,
        "access_key_secret": sandbox.access_key_secret,
        "timeout": 2,
        "sleep": lambda _s: None,
    }
    values.update(overrides)
    return AgentSignIn(**values)


def issued_secrets(sandbox: AgentApiSandbox) -> list[str]:
    with sandbox._lock:
        tokens = list(sandbox._tokens) + list(sandbox._refresh_tokens)
    return [sandbox.client_secret, sandbox.access_key_secret, *tokens]
