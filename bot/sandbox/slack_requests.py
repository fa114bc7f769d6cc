"""Build, sign and send requests the way Slack sends them to the app.

Slash commands are form-encoded fields; interactivity (buttons, message shortcuts)
is one form field `payload=<json>`. Every request is signed with the app's signing
secret (`X-Slack-Signature`, `X-Slack-Request-Timestamp`), which Bolt verifies.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode

import requests
from slack_sdk.signature import SignatureVerifier

TEAM_ID = "T0DEMO"
TEAM_DOMAIN = "dialbot-demo"
API_APP_ID = "A0DIALBOT"
CHANNEL_ID = "C0DEMO"
CHANNEL_NAME = "dial-demo"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def signed_headers(signing_secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack sends with `body`, signed now (or at `timestamp`)."""
    stamp = str(int(time.time()) if timestamp is None else int(timestamp))
    signature = SignatureVerifier(signing_secret).generate_signature(timestamp=stamp, body=body)
    return {
        "Content-Type": FORM_CONTENT_TYPE,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature or "",
    }


def _trigger_id() -> str:
    return f"{int(time.time())}.{secrets.randbelow(10**12)}.{secrets.token_hex(16)}"


def _action_ts() -> str:
    return f"{time.time():.6f}"


def slash_command_body(
    *,
    user_id: str,
    text: str,
    channel_id: str = CHANNEL_ID,
    response_url: str,
    command: str = "/dial",
    user_name: str | None = None,
    channel_name: str | None = None,
    team_id: str = TEAM_ID,
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = API_APP_ID,
    trigger_id: str | None = None,
) -> str:
    """A slash command invocation, form-encoded as Slack posts it."""
    return urlencode(
        {
            "token": "verification-token-not-used",
            "team_id": team_id,
            "team_domain": team_domain,
            "channel_id": channel_id,
            "channel_name": channel_name or _channel_name(channel_id),
            "user_id": user_id,
            "user_name": user_name or user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id or _trigger_id(),
        }
    )


def block_action_payload(
    *,
    user_id: str,
    action_id: str,
    value: str,
    channel_id: str = CHANNEL_ID,
    response_url: str,
    message_ts: str | None = None,
    block_id: str = "dial_actions",
    is_ephemeral: bool = True,
    message: dict[str, Any] | None = None,
    user_name: str | None = None,
    channel_name: str | None = None,
    team_id: str = TEAM_ID,
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = API_APP_ID,
) -> dict[str, Any]:
    """The `block_actions` payload a button click sends, as a dict."""
    name = user_name or user_id.lower()
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user_id, "username": name, "name": name, "team_id": team_id},
        "api_app_id": api_app_id,
        "token": "verification-token-not-used",
        "container": {
            "type": "message",
            "message_ts": message_ts or _action_ts(),
            "channel_id": channel_id,
            "is_ephemeral": is_ephemeral,
        },
        "trigger_id": _trigger_id(),
        "team": {"id": team_id, "domain": team_domain},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": channel_name or _channel_name(channel_id)},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": block_id,
                "text": {"type": "plain_text", "text": action_id, "emoji": True},
                "value": value,
                "type": "button",
                "action_ts": _action_ts(),
            }
        ],
    }
    # Slack includes the message only for non-ephemeral messages.
    if not is_ephemeral:
        payload["message"] = message or {
            "type": "message",
            "ts": payload["container"]["message_ts"],
            "text": "",
        }
    return payload


def block_action_body(**fields: Any) -> str:
    """A button click (`block_actions`), form-encoded as `payload=<json>`.

    Takes the keyword arguments of `block_action_payload()`: user_id, action_id,
    value, channel_id, response_url, message_ts, block_id, is_ephemeral, ...
    """
    return _payload_body(block_action_payload(**fields))


def message_action_payload(
    *,
    user_id: str,
    callback_id: str,
    message_text: str,
    channel_id: str = CHANNEL_ID,
    response_url: str,
    message_ts: str | None = None,
    message_user: str = "U0ALICE",
    user_name: str | None = None,
    channel_name: str | None = None,
    team_id: str = TEAM_ID,
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = API_APP_ID,
) -> dict[str, Any]:
    """The `message_action` payload a message shortcut sends, as a dict."""
    ts = message_ts or _action_ts()
    name = user_name or user_id.lower()
    return {
        "type": "message_action",
        "token": "verification-token-not-used",
        "action_ts": _action_ts(),
        "team": {"id": team_id, "domain": team_domain},
        "user": {"id": user_id, "username": name, "name": name, "team_id": team_id},
        "channel": {"id": channel_id, "name": channel_name or _channel_name(channel_id)},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": _trigger_id(),
        "response_url": response_url,
        "message_ts": ts,
        "message": {
            "type": "message",
            "text": message_text,
            "user": message_user,
            "ts": ts,
            "team": team_id,
        },
    }


def message_action_body(**fields: Any) -> str:
    """A message shortcut (`message_action`), form-encoded as `payload=<json>`."""
    return _payload_body(message_action_payload(**fields))


def _payload_body(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


def _channel_name(channel_id: str) -> str:
    if channel_id == CHANNEL_ID:
        return CHANNEL_NAME
    return "directmessage" if channel_id.startswith("D") else channel_id.lower()


def send(
    app_url: str,
    body: str,
    signing_secret: str,
    *,
    timestamp: int | None = None,
    session: requests.Session | None = None,
    timeout: float = 10.0,
) -> requests.Response:
    """POST `body` to the app (e.g. http://127.0.0.1:PORT/slack/events), signed as Slack does."""
    headers = signed_headers(signing_secret, body, timestamp)
    poster = session or requests
    return poster.post(app_url, data=body.encode("utf-8"), headers=headers, timeout=timeout)
