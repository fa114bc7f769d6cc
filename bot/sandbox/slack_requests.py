"""Build, sign and send requests the way Slack sends them to the app.

Slash commands are form-encoded fields; interactivity (buttons, shortcuts, view
submissions) is one form field `payload=<json>`; Events API events (app_home_opened)
are a JSON body. Every request is signed with the app's signing secret
(`X-Slack-Signature`, `X-Slack-Request-Timestamp`), which Bolt verifies.
`answer_problems()` checks a view submission's ack the way Slack does.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode

import requests
from slack_sdk.signature import SignatureVerifier

from bot.sandbox.slack_api import view_problems

TEAM_ID = "T0DEMO"
TEAM_DOMAIN = "dialbot-demo"
API_APP_ID = "A0DIALBOT"
CHANNEL_ID = "C0DEMO"
CHANNEL_NAME = "dial-demo"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE = "application/json"
ANSWER_ACTIONS = frozenset({"errors", "update", "push", "clear"})  # view_submission acks


def signed_headers(
    signing_secret: str,
    body: str,
    timestamp: int | None = None,
    *,
    content_type: str | None = None,
) -> dict[str, str]:
    """The headers Slack sends with `body`, signed now (or at `timestamp`). The content
    type is JSON for an Events API body (it starts with "{"), else form-encoded."""
    stamp = str(int(time.time()) if timestamp is None else int(timestamp))
    signature = SignatureVerifier(signing_secret).generate_signature(timestamp=stamp, body=body)
    if content_type is None:
        content_type = JSON_CONTENT_TYPE if body.startswith("{") else FORM_CONTENT_TYPE
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature or "",
    }


def trigger_id(issued_at: float | None = None) -> str:
    """A trigger_id as an interaction carries one. Slack's are good for 3 s and one use;
    the first part here is the issue time in milliseconds, which SlackApiStandIn reads."""
    millis = int((time.time() if issued_at is None else issued_at) * 1000)
    return f"{millis}.{secrets.randbelow(10**12)}.{secrets.token_hex(16)}"


def _trigger_id() -> str:
    return trigger_id()


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


def global_shortcut_payload(
    *,
    user_id: str,
    callback_id: str,
    user_name: str | None = None,
    team_id: str = TEAM_ID,
    team_domain: str = TEAM_DOMAIN,
    trigger: str | None = None,
) -> dict[str, Any]:
    """The `shortcut` payload a global shortcut sends: no channel, no response_url."""
    name = user_name or user_id.lower()
    return {
        "type": "shortcut",
        "token": "verification-token-not-used",
        "action_ts": _action_ts(),
        "team": {"id": team_id, "domain": team_domain},
        "user": {"id": user_id, "username": name, "team_id": team_id},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger or _trigger_id(),
    }


def view_action_payload(
    *,
    user_id: str,
    action_id: str,
    view: dict[str, Any],
    value: str = "",
    block_id: str | None = None,
    team_id: str = TEAM_ID,
    api_app_id: str = API_APP_ID,
    trigger: str | None = None,
) -> dict[str, Any]:
    """A button pressed in a view (the App Home, a modal): `block_actions` with a view
    container; no channel, no response_url."""
    return {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_id.lower(), "team_id": team_id},
        "api_app_id": api_app_id,
        "token": "verification-token-not-used",
        "container": {"type": "view", "view_id": view.get("id")},
        "trigger_id": trigger or _trigger_id(),
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "view": view,
        "actions": [
            {
                "action_id": action_id,
                "block_id": block_id or _block_of(view, action_id),
                "text": {"type": "plain_text", "text": action_id, "emoji": True},
                "value": value,
                "type": "button",
                "action_ts": _action_ts(),
            }
        ],
    }


def view_submission_payload(
    *,
    user_id: str,
    view: dict[str, Any],
    answers: dict[str, Any],
    response_url: str | None = None,
    team_id: str = TEAM_ID,
    api_app_id: str = API_APP_ID,
) -> dict[str, Any]:
    """The `view_submission` a modal's submit button sends. `view` is the modal as Slack
    holds it (views.open's answer, with its id and hash); `answers` are what the person
    entered, by block_id. As Slack does, state.values has every input block (None where
    left empty), and a conversations_select with response_url_enabled brings a
    response_url (`response_url`) for the conversation chosen."""
    values: dict[str, Any] = {}
    response_urls: list[dict[str, Any]] = []
    for block in view.get("blocks") or []:
        if block.get("type") != "input":
            continue
        element = block.get("element") or {}
        kind, answer = element.get("type"), answers.get(block.get("block_id"))
        key = _STATE_KEYS.get(kind, "value")
        values[block["block_id"]] = {element.get("action_id"): {"type": kind, key: answer}}
        if kind == "conversations_select" and answer and element.get("response_url_enabled"):
            response_urls.append(
                {
                    "block_id": block["block_id"],
                    "action_id": element.get("action_id"),
                    "channel_id": answer,
                    "response_url": response_url,
                }
            )
    submitted = {**view, "state": {"values": values}}
    return {
        "type": "view_submission",
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "user": {"id": user_id, "username": user_id.lower(), "team_id": team_id},
        "api_app_id": api_app_id,
        "token": "verification-token-not-used",
        "trigger_id": _trigger_id(),
        "view": submitted,
        "response_urls": response_urls,
        "is_enterprise_install": False,
        "enterprise": None,
    }


_STATE_KEYS = {
    "plain_text_input": "value",
    "users_select": "selected_user",
    "conversations_select": "selected_conversation",
    "channels_select": "selected_channel",
}


def _block_of(view: dict[str, Any], action_id: str) -> str:
    for block in view.get("blocks") or []:
        for element in block.get("elements") or [block.get("accessory") or {}]:
            if element.get("action_id") == action_id:
                return block.get("block_id") or ""
    return ""


def interactive_body(payload: dict[str, Any]) -> str:
    """Any interactivity payload, form-encoded as `payload=<json>`."""
    return _payload_body(payload)


def app_home_opened_body(
    *,
    user_id: str,
    tab: str = "home",
    view: dict[str, Any] | None = None,
    channel_id: str = "D0DIALBOT",
    team_id: str = TEAM_ID,
    api_app_id: str = API_APP_ID,
) -> str:
    """The Events API `app_home_opened` event (an event_callback), as the JSON Slack
    posts. `view` is the home as last published, which Slack includes when there is one."""
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user_id,
        "channel": channel_id,
        "tab": tab,
        "event_ts": _action_ts(),
    }
    if view is not None:
        event["view"] = view
    return json.dumps(event_callback(event, team_id=team_id, api_app_id=api_app_id))


def event_callback(
    event: dict[str, Any], *, team_id: str = TEAM_ID, api_app_id: str = API_APP_ID
) -> dict[str, Any]:
    """An Events API envelope around `event`."""
    return {
        "token": "verification-token-not-used",
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{secrets.token_hex(5).upper()}",
        "event_time": int(time.time()),
        "authorizations": [
            {"team_id": team_id, "user_id": "U0DIALBOT", "is_bot": True, "enterprise_id": None}
        ],
        "is_ext_shared_channel": False,
    }


def answer_problems(view: dict[str, Any], answer: Any) -> list[str]:
    """What Slack would refuse in an app's ack of a view_submission of `view` (an empty
    ack closes the modal and is fine): errors must name input blocks of that view."""
    if answer in (None, "", {}):
        return []
    if not isinstance(answer, dict) or answer.get("response_action") not in ANSWER_ACTIONS:
        return [f"response_action must be one of {sorted(ANSWER_ACTIONS)}"]
    action = answer["response_action"]
    if action == "errors":
        errors = answer.get("errors")
        inputs = {b.get("block_id") for b in view.get("blocks") or [] if b.get("type") == "input"}
        if not isinstance(errors, dict) or not errors:
            return ["errors must map block ids to messages"]
        return [
            f"errors names {block!r}, which is not an input block of the view"
            for block in errors
            if block not in inputs
        ] + [f"the error for {b!r} is empty" for b, text in errors.items() if not text]
    if action in ("update", "push"):
        return view_problems(answer.get("view"), expected_type="modal")
    return []


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
