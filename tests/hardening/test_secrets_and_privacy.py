"""No secret ever leaves the bot, channel posts mask numbers, and logs follow a dial by its id.

Every log record of a whole run (all loggers at DEBUG, from every thread), everything
written to stdout/stderr, every answer the bot gives Slack over HTTP, every Web API call
and response_url post is searched for the CXone client secret (and its Basic-auth form),
every access token the CXone sandbox issued, the Slack signing secret and the bot token.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
from dialbot_e2e import ADMIN, ALICE, BOB, CHANNEL, NOTIFY_CHANNEL, SAM, SIGNING_SECRET

from bot.phone import mask_number
from bot.sandbox import wait_for
from bot.slack.app import shutdown

E164 = "+14155550123"
TYPED = "+1 415 555 0123"
DISPLAY = "+1 415-555-0123"
WRONG_CLIENT_SECRET = "not-the-client-secret-7f3a9c"
THIRD_PARTY_LOGGERS = ("waitress", "slack_bolt", "slack_sdk", "urllib3", "requests", "sqlalchemy")
# Forms of the full number that must never appear where the policy says "masked".
FULL_NUMBER_FORMS = (E164, "4155550123", "415-555-0123", "415 555 0123", "(415) 555-0123")


@dataclass
class Run:
    """Everything one run of the bot said, to anyone."""

    caplog: pytest.LogCaptureFixture
    capfd: pytest.CaptureFixture[str]
    acks: list[str] = field(default_factory=list)
    output: str = ""

    def keep_ack(self, response, *args, **kwargs) -> None:
        self.acks.append(response.text)

    def log_lines(self) -> list[str]:
        formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
        return [formatter.format(record) for record in self.caplog.records]


@pytest.fixture
def run(caplog, capfd) -> Run:
    """Capture every log record at DEBUG (root and the libraries' own loggers)."""
    caplog.set_level(logging.DEBUG)
    for name in THIRD_PARTY_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return Run(caplog, capfd)


def attach(run: Run, bot) -> None:
    bot.session.hooks["response"].append(run.keep_ack)


def slack_traffic(bot) -> list[str]:
    sent = [json.dumps(call.body, ensure_ascii=False) for call in bot.slack.respond_calls]
    sent += [
        json.dumps({"method": call.method, **call.args}, ensure_ascii=False)
        for call in bot.slack.calls
    ]
    return sent


def secrets_of(bot, *extra: str) -> dict[str, str]:
    settings = bot.settings
    client_id = settings.cxone_oauth_client_id
    client_secret = settings.cxone_oauth_client_secret.get_secret_value()
    found = {
        "CXone client secret": client_secret,
        "CXone client secret (Basic auth)": base64.b64encode(
            f"{client_id}:{client_secret}".encode()
        ).decode(),
        "Slack signing secret": settings.slack_signing_secret.get_secret_value(),
        "Slack bot token": settings.slack_bot_token.get_secret_value(),
    }
    # The sandbox keeps every token it issued (there is no public list; read its table).
    for index, token in enumerate(list(bot.cxone._tokens)):
        found[f"CXone access token #{index + 1}"] = token
    for index, value in enumerate(extra):
        found[f"extra secret #{index + 1}"] = value
    return found


def leaks(texts: list[str], secrets: dict[str, str]) -> list[tuple[str, str]]:
    return [
        (name, text[:300])
        for text in texts
        for name, secret in secrets.items()
        if secret and secret in text
    ]


def dial(bot, user: str, text: str = TYPED) -> dict[str, Any]:
    slash = bot.slash(user, text)
    assert slash.buttons, slash.text
    bot.press(slash)
    return bot.wait_for_final_card(slash)


def stop(bot) -> None:
    bot.server.stop()
    shutdown(bot.app)


# --- secrets --------------------------------------------------------------------------------


def test_no_secret_in_any_log_line_post_or_answer_of_a_whole_run(run, start_bot, cxone):
    bot = start_bot(cxone_http_timeout=0.5)
    attach(run, bot)
    bot.store.link(BOB, "agent-not-on-campaign", ADMIN)

    assert "placed" in dial(bot, ALICE)["text"]  # happy path
    assert "not placed" in dial(bot, BOB)["text"]  # CXone 400: agent not on the campaign
    cxone.set_fault("timeout", seconds=1.5, times=1)
    assert "unknown" in dial(bot, SAM)["text"]  # no answer in time: outcome unknown
    cxone.scopes = frozenset()  # tokens issued from now on lack outbound:call
    cxone.revoke_tokens()
    assert "outbound:call" in dial(bot, ALICE, "+1 415 555 0124")["text"]  # CXone 403
    stop(bot)

    # A token request with the wrong secret: CXone's token endpoint refuses the client.
    wrong = start_bot(cxone_oauth_client_secret=WRONG_CLIENT_SECRET)
    attach(run, wrong)
    refused = dial(wrong, ALICE, "+1 415 555 0125")
    assert "refused the OAuth client" in refused["text"]
    stop(wrong)

    secrets = secrets_of(bot, WRONG_CLIENT_SECRET)
    assert sum(name.startswith("CXone access token") for name in secrets) >= 2
    out, err = run.capfd.readouterr()
    texts = run.log_lines() + run.acks + slack_traffic(bot) + [out, err]
    texts += [json.dumps(call.body) for call in cxone.calls]
    assert len(run.caplog.records) > 50  # DEBUG capture really was on
    assert any(r.name.startswith("slack_sdk") for r in run.caplog.records)
    assert any(r.name.startswith("urllib3") for r in run.caplog.records)
    assert leaks(texts, secrets) == []


def test_no_secret_in_unexpected_error_reports(run, start_bot, monkeypatch):
    """An exception inside a listener is logged with its traceback: still no secret in it."""
    bot = start_bot()
    attach(run, bot)

    def explode(*args, **kwargs):
        raise RuntimeError("the store fell over")

    monkeypatch.setattr(bot.store, "get_link", explode)
    slash = bot.slash(ALICE, TYPED)
    assert slash.response.status_code == 200
    stop(bot)
    out, err = run.capfd.readouterr()
    texts = run.log_lines() + run.acks + slack_traffic(bot) + [out, err]
    assert any(r.exc_info for r in run.caplog.records)
    assert leaks(texts, secrets_of(bot)) == []


def test_settings_never_show_secrets_in_repr(bot):
    shown = repr(bot.settings) + str(bot.settings)
    assert leaks([shown], secrets_of(bot)) == []
    assert SIGNING_SECRET not in shown


# --- masked numbers in channel posts -------------------------------------------------------------


def channel_posts(bot) -> list[str]:
    return [
        json.dumps(call.args, ensure_ascii=False)
        for call in bot.slack.calls_to("chat.postMessage")
        if call.args["channel"] in (CHANNEL, NOTIFY_CHANNEL)
    ]


def test_channel_posts_carry_only_masked_numbers_when_masking_is_on(start_bot, cxone):
    bot = start_bot(dial_mask_numbers=True, cxone_http_timeout=0.5)
    bot.store.link(BOB, "agent-not-on-campaign", ADMIN)
    dial(bot, ALICE)  # placed
    dial(bot, BOB)  # rejected
    cxone.set_fault("timeout", seconds=1.5, times=1)
    dial(bot, SAM)  # unknown
    posts = channel_posts(bot)
    # parent + thread reply in the channel and one notification, for each of the three dials
    assert len(posts) == 9
    naming_the_number = [p for p in posts if mask_number(E164) in p]
    assert len(naming_the_number) == 6  # the parent posts and notifications; replies name none
    for post in posts:
        for form in FULL_NUMBER_FORMS:
            assert form not in post, (form, post)


def test_channel_posts_carry_the_display_number_when_masking_is_off(start_bot):
    bot = start_bot(dial_mask_numbers=False)
    dial(bot, ALICE)
    posts = channel_posts(bot)
    parents = [p for p in posts if "is calling" in p or "dialed" in p]
    assert len(parents) == 2  # the channel's parent post and the notification
    for post in parents:
        assert DISPLAY in post
        assert mask_number(E164) not in post


def test_the_requesters_own_card_shows_the_full_number_even_when_masking(bot):
    final = dial(bot, ALICE)
    assert DISPLAY in final["text"]


def test_bot_log_lines_never_carry_the_full_number(run, start_bot):
    bot = start_bot(dial_mask_numbers=True)
    dial(bot, ALICE)
    ours = [
        line
        for record, line in zip(run.caplog.records, run.log_lines(), strict=True)
        if record.name.startswith(("bot", "dialbot"))
    ]
    assert any(mask_number(E164) in line for line in ours)
    for line in ours:
        for form in FULL_NUMBER_FORMS:
            assert form not in line, line


# --- one id ties a dial's log lines together -----------------------------------------------------


def lines_of_dial(run: Run, request_id: str) -> list[str]:
    return [r.getMessage() for r in run.caplog.records if request_id in r.getMessage()]


def test_a_dials_log_lines_share_its_request_id(run, start_bot):
    bot = start_bot()
    slash = bot.slash(ALICE, TYPED)
    request_id = slash.request_id
    bot.press(slash)
    bot.wait_for_final_card(slash)
    wait_for(lambda: any("outcome placed" in line for line in lines_of_dial(run, request_id)))
    tagged = [r for r in run.caplog.records if getattr(r, "request_id", None) == request_id]
    messages = [r.getMessage() for r in tagged]
    tag = f"[dial {request_id}]"
    assert all(m.startswith(tag) for m in messages)
    steps = ("prepared dial", "claimed by", "outcome placed")
    for step in steps:
        assert any(step in m for m in messages), (step, messages)
    # and the steps come in the order they happened
    order = [next(i for i, m in enumerate(messages) if step in m) for step in steps]
    assert order == sorted(order)


def test_two_dials_never_share_log_lines(run, start_bot):
    bot = start_bot()
    first, second = bot.slash(ALICE, TYPED), bot.slash(BOB, "+1 415 555 0124")
    bot.press(first)
    bot.press(second)
    bot.wait_for_final_card(first)
    bot.wait_for_final_card(second)
    time.sleep(0.1)
    for one, other in ((first, second), (second, first)):
        for line in lines_of_dial(run, one.request_id):
            assert other.request_id not in line


def test_the_cxone_attempt_log_line_carries_the_request_id(run, start_bot):
    bot = start_bot()
    slash = bot.slash(ALICE, TYPED)
    bot.press(slash)
    bot.wait_for_final_card(slash)
    attempts = [
        r.getMessage() for r in run.caplog.records if "CXone dial attempt" in r.getMessage()
    ]
    assert attempts
    assert all(slash.request_id in line for line in attempts), attempts
