"""The Slack stand-ins: slack_sdk talks to the fake Web API; signed requests verify."""

from __future__ import annotations

import json
import threading
import time
from urllib.parse import parse_qs

import pytest
import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from bot.sandbox import wait_for
from bot.sandbox.slack_api import DEFAULT_BOT_TOKEN, SlackApiStandIn
from bot.sandbox.slack_requests import (
    block_action_body,
    message_action_body,
    send,
    signed_headers,
    slash_command_body,
)

SECRET = "test-signing-secret"


@pytest.fixture
def slack():
    with SlackApiStandIn() as running:
        yield running


@pytest.fixture
def client(slack):
    return WebClient(base_url=slack.url, token=DEFAULT_BOT_TOKEN)


# ---- Web API -----------------------------------------------------------------------


def test_url_ends_with_api_slash(slack):
    assert slack.url.endswith("/api/")


def test_auth_test_names_the_bot(client):
    response = client.auth_test()
    assert response["ok"] is True
    assert response["user_id"] and response["bot_id"] and response["team_id"]


def test_bad_token_is_invalid_auth(slack):
    with pytest.raises(SlackApiError) as raised:
        WebClient(base_url=slack.url, token="xoxb-wrong").auth_test()
    assert raised.value.response["error"] == "invalid_auth"


def test_post_message_is_recorded_with_increasing_ts(slack, client):
    first = client.chat_postMessage(channel="C0DEMO", text="one")
    second = client.chat_postMessage(channel="C0DEMO", text="two", thread_ts=first["ts"])
    assert first["channel"] == "C0DEMO"
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["text"] == "one"
    calls = slack.calls_to("chat.postMessage")
    assert [c.args["text"] for c in calls] == ["one", "two"]
    assert calls[1].args["thread_ts"] == first["ts"]
    assert "token" not in calls[0].args
    assert [m["text"] for m in slack.messages("C0DEMO")] == ["one", "two"]


def test_post_message_needs_text_or_blocks(client):
    with pytest.warns(UserWarning), pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C0DEMO")
    assert raised.value.response["error"] == "no_text"


def test_update_changes_a_posted_message_and_refuses_unknown_ones(slack, client):
    posted = client.chat_postMessage(channel="C0DEMO", text="Dialing…")
    updated = client.chat_update(channel="C0DEMO", ts=posted["ts"], text="Call placed")
    assert updated["ts"] == posted["ts"]
    assert slack.messages("C0DEMO")[0]["text"] == "Call placed"
    with pytest.raises(SlackApiError) as raised:
        client.chat_update(channel="C0DEMO", ts="1.000001", text="nope")
    assert raised.value.response["error"] == "message_not_found"


def test_update_keeps_what_it_is_not_given_and_marks_the_edit(slack, client):
    posted = client.chat_postMessage(
        channel="C0DEMO", text="Dialing…", blocks=[{"type": "divider"}], metadata=None
    )
    updated = client.chat_update(channel="C0DEMO", ts=posted["ts"], text="Call placed")

    (message,) = slack.messages("C0DEMO")
    assert message["blocks"] == [{"type": "divider"}]  # left out: kept, as Slack does
    assert updated["channel"] == "C0DEMO" and updated["text"] == "Call placed"
    assert message["edited"]["user"] == slack.bot_user_id
    assert float(message["edited"]["ts"]) > float(posted["ts"])  # when it was edited


def test_update_refuses_what_slack_refuses(slack, client):
    posted = client.chat_postMessage(channel="C0DEMO", text="mine")
    theirs = slack.post_as_person("C0DEMO", "U0ALICE", "a person's message")

    def error_of(**args):
        with pytest.raises(SlackApiError) as raised:
            client.chat_update(**args)
        return raised.value.response["error"]

    assert error_of(channel="C0DEMO", ts=theirs, text="x") == "cant_update_message"
    assert error_of(channel="", ts=posted["ts"], text="x") == "channel_not_found"
    assert error_of(channel="C0OTHER", ts=posted["ts"], text="x") == "message_not_found"
    with pytest.warns(UserWarning):
        assert error_of(channel="C0DEMO", ts=posted["ts"]) == "no_text"
    texts = sorted(m["text"] for m in slack.messages("C0DEMO"))
    assert texts == ["a person's message", "mine"]


def test_post_ephemeral_answers_message_ts(client):
    response = client.chat_postEphemeral(channel="C0DEMO", user="U0ALICE", text="only you")
    assert response["message_ts"]


def test_users_list_and_info(client):
    members = client.users_list()["members"]
    assert {m["id"] for m in members} >= {"U0ALICE", "U0BOB", "U0SUPER"}
    alice = client.users_info(user="U0ALICE")["user"]
    assert alice["name"] == "alice"
    assert alice["profile"]["real_name"] == alice["real_name"]
    with pytest.raises(SlackApiError):
        client.users_info(user="U0NOBODY")


def test_users_list_paginates_with_cursors(client):
    # SlackResponse pages in place, so read each page while iterating.
    sizes = [len(page["members"]) for page in client.users_list(limit=2)]
    assert sizes == [2, 1]


def test_unknown_method_answers_ok_and_is_recorded(slack, client):
    assert client.api_call("reactions.add", json={"name": "phone"})["ok"] is True
    assert slack.calls_to("reactions.add")[0].args == {"name": "phone"}


def test_fail_for_one_channel_gives_that_error(client, slack):
    slack.fail("chat.postMessage", "not_in_channel", channel="C0PRIVATE")
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C0PRIVATE", text="hi")
    assert raised.value.response["error"] == "not_in_channel"
    assert client.chat_postMessage(channel="C0DEMO", text="hi")["ok"]


def test_fail_times_counts_down(client, slack):
    slack.fail("chat.update", "fatal_error", status=500, times=1)
    posted = client.chat_postMessage(channel="C0DEMO", text="x")
    with pytest.raises(SlackApiError) as raised:
        client.chat_update(channel="C0DEMO", ts=posted["ts"], text="y")
    assert raised.value.response.status_code == 500
    assert client.chat_update(channel="C0DEMO", ts=posted["ts"], text="y")["ok"]


def test_429_with_retry_after_is_retried_by_slack_sdk(slack, client):
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    slack.fail("chat.postMessage", "ratelimited", status=429, retry_after=0, times=1)
    assert client.chat_postMessage(channel="C0DEMO", text="hi")["ok"]
    assert [c.status for c in slack.calls_to("chat.postMessage")] == [429, 200]


def test_429_without_a_retry_handler_raises_with_retry_after(slack, client):
    slack.fail("chat.postMessage", "ratelimited", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C0DEMO", text="hi")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"


# ---- response_url ------------------------------------------------------------------


def test_response_url_posts_are_recorded(slack):
    url = slack.response_url()
    other = slack.response_url()
    assert url != other
    answer = WebhookClient(url).send(text="Call placed", replace_original=True)
    assert (answer.status_code, answer.body) == (200, "ok")
    assert slack.responses_for(url) == [{"text": "Call placed", "replace_original": True}]
    assert slack.responses_for(other) == []


def test_response_url_refuses_after_five_uses_or_when_expired(slack):
    url = slack.response_url("card-1")
    assert url.endswith("/card-1")
    statuses = [WebhookClient(url).send(text=str(i)).status_code for i in range(6)]
    assert statuses == [200] * 5 + [404]
    expired = slack.response_url()
    slack.expire_response_url(expired)
    answer = WebhookClient(expired).send(text="late")
    assert (answer.status_code, answer.body) == (404, "expired_url")


def test_wait_for_returns_once_async_work_lands(slack, client):
    timer = threading.Timer(0.1, lambda: client.chat_postMessage(channel="C0DEMO", text="later"))
    timer.start()
    calls = slack.wait_for(lambda: slack.calls_to("chat.postMessage"), timeout=5)
    assert calls[0].args["text"] == "later"
    with pytest.raises(TimeoutError):
        wait_for(lambda: False, timeout=0.1)


def test_stop_closes_the_port(slack):
    url = slack.url
    slack.stop()
    slack.stop()
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(url + "auth.test", timeout=2)


# ---- signed requests ---------------------------------------------------------------


def test_signed_headers_verify_with_slack_sdk():
    body = slash_command_body(user_id="U0ALICE", text="+14155550123", response_url="http://x/r")
    headers = signed_headers(SECRET, body)
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert SignatureVerifier(SECRET).is_valid_request(body, headers)
    assert not SignatureVerifier("another-secret").is_valid_request(body, headers)
    stale = signed_headers(SECRET, body, timestamp=int(time.time()) - 600)
    assert not SignatureVerifier(SECRET).is_valid_request(body, stale)


def test_slash_command_body_has_slacks_fields():
    body = slash_command_body(
        user_id="U0ALICE", text="+1 415 555 0123 for <@U0BOB|bob>", response_url="http://x/r"
    )
    fields = {k: v[0] for k, v in parse_qs(body).items()}
    assert fields["command"] == "/dial"
    assert fields["text"] == "+1 415 555 0123 for <@U0BOB|bob>"
    assert fields["user_id"] == "U0ALICE"
    assert fields["channel_id"] == "C0DEMO"
    assert fields["response_url"] == "http://x/r"
    for name in ("team_id", "team_domain", "channel_name", "user_name", "api_app_id"):
        assert fields[name]
    assert fields["trigger_id"]


def test_block_action_body_parses_back_to_slacks_payload():
    body = block_action_body(
        user_id="U0ALICE",
        action_id="dial_confirm",
        value="req-123",
        channel_id="C0DEMO",
        response_url="http://x/r",
        message_ts="1700000000.000100",
    )
    payload = json.loads(parse_qs(body)["payload"][0])
    assert payload["type"] == "block_actions"
    assert payload["user"]["id"] == "U0ALICE"
    assert payload["container"] == {
        "type": "message",
        "message_ts": "1700000000.000100",
        "channel_id": "C0DEMO",
        "is_ephemeral": True,
    }
    assert payload["channel"]["id"] == "C0DEMO"
    assert payload["response_url"] == "http://x/r"
    [action] = payload["actions"]
    assert (action["action_id"], action["value"], action["type"]) == (
        "dial_confirm",
        "req-123",
        "button",
    )
    assert "message" not in payload


def test_message_action_body_parses_back_to_slacks_payload():
    body = message_action_body(
        user_id="U0BOB",
        callback_id="dial_from_message",
        message_text="call me at +14155550123",
        response_url="http://x/r",
    )
    payload = json.loads(parse_qs(body)["payload"][0])
    assert payload["type"] == "message_action"
    assert payload["callback_id"] == "dial_from_message"
    assert payload["message"]["text"] == "call me at +14155550123"
    assert payload["message"]["ts"] == payload["message_ts"]
    assert payload["user"]["id"] == "U0BOB"


def test_send_posts_a_signed_request_bolt_accepts():
    """A real Bolt app behind a local WSGI server accepts what send() posts."""
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from slack_bolt import App
    from slack_bolt.adapter.wsgi import SlackRequestHandler

    with SlackApiStandIn() as slack:
        app = App(
            client=WebClient(base_url=slack.url, token=DEFAULT_BOT_TOKEN),
            signing_secret=SECRET,
        )
        seen = []

        @app.command("/dial")
        def on_dial(ack, command):
            seen.append(command["text"])
            ack("ringing")

        class Quiet(WSGIRequestHandler):
            def log_message(self, *args):
                pass

        server = make_server("127.0.0.1", 0, SlackRequestHandler(app), handler_class=Quiet)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            app_url = f"http://127.0.0.1:{server.server_port}/slack/events"
            body = slash_command_body(
                user_id="U0ALICE", text="+14155550123", response_url=slack.response_url()
            )
            accepted = send(app_url, body, SECRET)
            forged = send(app_url, body, "not-the-secret")
        finally:
            server.shutdown()
            server.server_close()
    assert accepted.status_code == 200
    assert accepted.text == "ringing"
    assert forged.status_code == 401
    assert seen == ["+14155550123"]


def test_every_bot_token_answer_carries_the_granted_scopes_as_slack_sends_them():
    from bot.slack.scopes import BOT_SCOPES

    with SlackApiStandIn(scopes=["chat:write", "commands"], channels={"C0DEMO": "d"}) as slack:
        client = WebClient(base_url=slack.url, token=slack.bot_token)
        answer = client.auth_test()
        assert answer.headers["x-oauth-scopes"] == "chat:write,commands"
        with pytest.raises(SlackApiError) as refused:
            client.conversations_info(channel="C0DEMO")
        assert refused.value.response["error"] == "missing_scope"
        assert refused.value.response["needed"] == "channels:read"
        assert refused.value.response.headers["x-oauth-scopes"] == "chat:write,commands"
        bad = WebClient(base_url=slack.url, token="xoxb-wrong")
        with pytest.raises(SlackApiError) as wrong:
            bad.auth_test()
        assert "x-oauth-scopes" not in wrong.value.response.headers  # no token, no scopes

    with SlackApiStandIn(channels={"C0DEMO": "d", "G0PRIV": "p"}) as slack:
        slack.private_channels.add("G0PRIV")
        client = WebClient(base_url=slack.url, token=slack.bot_token)
        assert client.auth_test().headers["x-oauth-scopes"] == ",".join(BOT_SCOPES)
        assert client.conversations_info(channel="G0PRIV")["channel"]["is_private"] is True
        with pytest.raises(SlackApiError) as unknown:
            client.conversations_info(channel="C0NOPE")
        assert unknown.value.response["error"] == "channel_not_found"


def test_the_manifest_asks_for_the_scopes_the_code_and_the_stand_in_expect():
    from pathlib import Path

    import yaml

    from bot.slack.scopes import BOT_SCOPES

    manifest = yaml.safe_load((Path(__file__).resolve().parents[1] / "manifest.yml").read_text())
    assert tuple(manifest["oauth_config"]["scopes"]["bot"]) == BOT_SCOPES
