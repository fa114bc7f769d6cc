"""Helpers for the agent-mode sign-in tests (a module of its own: several conftest
modules are importable as "conftest" when the whole suite runs)."""

from __future__ import annotations

from bot.cxone.agent_auth import AgentSignIn
from bot.sandbox.cxone_agent import AgentApiSandbox


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
