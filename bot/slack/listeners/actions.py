"""The card's Dial and Cancel buttons.

Both are acked empty at once; their work (the database, the response_url, CXone) runs
after the answer on the listener pool (DialFrontEnd.after_ack: a Bolt lazy listener
without its per-request deep copy). What the card shows afterwards is decided by
the reporter; placing the call runs on the front end's dial pool.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App

from bot import messages
from bot.dialing import Claimed
from bot.parsing import quote_for_slack
from bot.request_log import request_log
from bot.slack.blocks import CANCEL_ACTION, CONFIRM_ACTION
from bot.slack.front_end import DialFrontEnd
from bot.slack.reporter import Press
from bot.slack.surfaces import ResponseUrlCard

log = logging.getLogger("bot.slack")


def register(app: App, front: DialFrontEnd) -> None:
    buttons = CardButtons(front)
    app.action(CONFIRM_ACTION)(acked_then(front, buttons.on_dial_pressed))
    app.action(CANCEL_ACTION)(acked_then(front, buttons.on_cancel_pressed))


def ack_at_once(ack: Ack) -> None:
    ack()


def acked_then(front: DialFrontEnd, work):
    """A listener that acks empty and hands `work(body)` to the front end's pool: the
    answer goes to Slack as soon as this returns (process_before_response)."""

    def listener(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        front.after_ack(work, body)

    return listener


class CardButtons:
    def __init__(self, front: DialFrontEnd) -> None:
        self.front = front

    def on_dial_pressed(self, body: dict[str, Any]) -> None:
        presser, request_id, surface = pressed(body)
        result = self.front.service.confirm(request_id, presser)
        if not isinstance(result, Claimed):
            request_log(request_id, log).info(messages.LOG_REFUSED, "confirm", presser, result.kind)
        self.front.reporter.answer_press(surface, Press.DIAL, result)
        if isinstance(result, Claimed):
            self.front.start_dial(result.request)

    def on_cancel_pressed(self, body: dict[str, Any]) -> None:
        presser, request_id, surface = pressed(body)
        result = self.front.service.cancel(request_id, presser)
        self.front.reporter.answer_press(surface, Press.CANCEL, result)


def pressed(body: dict[str, Any]) -> tuple[str, str, ResponseUrlCard]:
    """Who pressed, the request id the button carries (quoted: it is the presser's
    input), and the card it was pressed on."""
    action = (body.get("actions") or [{}])[0]
    request_id = quote_for_slack(str(action.get("value") or ""), limit=64)
    return (
        body["user"]["id"],
        request_id,
        ResponseUrlCard(body.get("response_url"), request_id=request_id),
    )
