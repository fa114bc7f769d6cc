"""The App Home: `app_home_opened` publishes the person's home; its Place a call button
(`dial_open_modal`) opens the dial modal. Both are acked at once; the work follows as a
lazy listener, the modal within the 3 s its trigger_id lasts."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.slack.front_end import DialFrontEnd
from bot.slack.home import OPEN_MODAL_ACTION
from bot.slack.listeners.actions import ack_at_once

HOME_OPENED = "app_home_opened"


def register(app: App, front: DialFrontEnd) -> None:
    home = HomeListeners(front)
    app.event(HOME_OPENED)(ack=ack_at_once, lazy=[home.on_home_opened])
    app.action(OPEN_MODAL_ACTION)(ack=ack_at_once, lazy=[home.on_place_call_pressed])


class HomeListeners:
    def __init__(self, front: DialFrontEnd) -> None:
        self.front = front

    def on_home_opened(self, event: dict[str, Any]) -> None:
        if event.get("tab") != "home":  # the Messages tab opened: it has no view of ours
            return
        self.front.home.publish(event["user"])

    def on_place_call_pressed(self, body: dict[str, Any]) -> None:
        self.front.modal.open(body.get("trigger_id") or "", body["user"]["id"])
