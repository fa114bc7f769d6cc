"""The one error handler: anything a listener did not expect becomes a sentence with a
reference for the admin, on the surface the person is on; the log has the traceback."""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any

from slack_bolt import App
from slack_bolt.response import BoltResponse

from bot import messages
from bot.slack import blocks
from bot.slack.blocks import modal_view
from bot.slack.surfaces import ResponseUrlCard

log = logging.getLogger("bot.slack")


def register(app: App) -> None:
    app.error(on_error)


def on_error(
    error: Exception, body: dict[str, Any], response: BoltResponse | None
) -> BoltResponse | None:
    reference = secrets.token_hex(4)
    log.error(messages.LOG_UNHANDLED, reference, exc_info=error)
    message = blocks.text_message(messages.internal_error(reference))
    if response is not None and body.get("command"):  # not acked yet: answer in the ack
        return _json_answer({"response_type": "ephemeral", **message.as_kwargs()})
    if response is not None and body.get("type") == "view_submission":  # the modal says it
        return _json_answer({"response_action": "update", "view": modal_view(message)})
    ResponseUrlCard(response_url_of(body)).tell(message)
    return None


def _json_answer(payload: dict[str, Any]) -> BoltResponse:
    return BoltResponse(
        status=200,
        body=json.dumps(payload),
        headers={"content-type": "application/json;charset=utf-8"},
    )


def response_url_of(body: dict[str, Any]) -> str | None:
    if body.get("response_url"):
        return body["response_url"]
    payload = body.get("payload")
    if isinstance(payload, str):
        try:
            return json.loads(payload).get("response_url")
        except ValueError:
            return None
    return None
