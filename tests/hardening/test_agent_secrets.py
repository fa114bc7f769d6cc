"""Agent mode: no access key secret, application secret, access, refresh or id token in
any log line (every logger at DEBUG), any Slack post, edit or answer, or stdout/stderr,
over a whole run: sign-in, a call followed to its end, a refresh after a revoked token,
refusals, and sign-ins CXone refuses."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator

import pytest
from agent_mode import agent_overrides, dial, wait_for_reply_saying
from dialbot_e2e import AGENTS, ALICE, BOB

from bot.sandbox import wait_for
from bot.sandbox.cxone_agent import AgentApiSandbox
from bot.slack.app import shutdown

THIRD_PARTY = ("waitress", "slack_bolt", "slack_sdk", "urllib3", "requests", "sqlalchemy")
WRONG_KEY_SECRET = "wrong-access-key-secret-51d0"
WRONG_APP_SECRET = "wrong-application-secret-9e2b"


@pytest.fixture
def cxone() -> Iterator[AgentApiSandbox]:
    with AgentApiSandbox(agents=AGENTS.values(), ring_seconds=0.1, talk_seconds=0.2) as sandbox:
        yield sandbox


def slack_traffic(bot) -> list[str]:
    sent = [json.dumps(call.body, ensure_ascii=False) for call in bot.slack.respond_calls]
    sent += [json.dumps({"m": c.method, **c.args}, ensure_ascii=False) for c in bot.slack.calls]
    return sent


def test_no_agent_mode_secret_or_token_leaves_the_bot(caplog, capfd, start_bot, cxone):
    caplog.set_level(logging.DEBUG)
    for name in THIRD_PARTY:
        caplog.set_level(logging.DEBUG, logger=name)
    bot = start_bot(**agent_overrides(cxone))
    dial(bot, ALICE)
    wait_for_reply_saying(bot, "Call ended after")
    cxone.revoke_tokens()
    assert "placed" in bot.wait_for_final_card(dial(bot, ALICE, "+1 415 555 0124"))["text"]
    wait_for(lambda: [r.follow_state for r in bot.store.history(limit=2)] == ["ended"] * 2)
    assert "refresh_token" in cxone.grants  # a refresh token was used, so it existed
    cxone.log_out(AGENTS[ALICE])
    assert "logged out of CXone" in bot.slash(ALICE, "+1 415 555 0125").text  # the state read
    traffic = slack_traffic(bot)
    bot.server.stop()
    shutdown(bot.app)

    for overrides in (
        {"CXONE_ACCESS_KEY_SECRET": WRONG_KEY_SECRET},
        {"CXONE_OAUTH_CLIENT_SECRET": WRONG_APP_SECRET},
    ):
        refused = start_bot(**agent_overrides(cxone, **overrides))
        card = refused.wait_for_final_card(dial(refused, BOB))
        assert "CXONE_" in card["text"]
        traffic += slack_traffic(refused)
        refused.server.stop()
        shutdown(refused.app)

    basic = base64.b64encode(f"{cxone.client_id}:{cxone.client_secret}".encode()).decode()
    forbidden = [
        cxone.access_key_secret,
        cxone.client_secret,
        basic,
        WRONG_KEY_SECRET,
        WRONG_APP_SECRET,
        *cxone.issued,
    ]
    assert len(cxone.issued) >= 6  # two sign-ins: access, refresh and id token each
    out, err = capfd.readouterr()
    texts = [r.getMessage() for r in caplog.records] + traffic + [out, err]
    leaked = [(secret[:6], text[:200]) for text in texts for secret in forbidden if secret in text]
    assert leaked == []
