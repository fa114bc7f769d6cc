"""The shortcuts. `dial_from_message` (on a message): a confirm card for the first number
in it, over the shortcut's response_url. `dial_place_call` (global): the dial modal.
Both are acked empty at once; the work follows as a lazy listener."""

from __future__ import annotations

from typing import Any

import phonenumbers
from slack_bolt import App

from bot import messages
from bot.dialing import Refusal, RefusalKind
from bot.parsing import USAGE
from bot.slack import blocks
from bot.slack.front_end import DialFrontEnd
from bot.slack.listeners.actions import ack_at_once
from bot.slack.surfaces import ResponseUrlCard

MESSAGE_SHORTCUT = "dial_from_message"
GLOBAL_SHORTCUT = "dial_place_call"


def register(app: App, front: DialFrontEnd) -> None:
    shortcuts = MessageShortcut(front)
    app.message_shortcut(MESSAGE_SHORTCUT)(ack=ack_at_once, lazy=[shortcuts.on_dial_from_message])
    place_call = GlobalShortcut(front)
    app.global_shortcut(GLOBAL_SHORTCUT)(ack=ack_at_once, lazy=[place_call.on_place_call])


class GlobalShortcut:
    def __init__(self, front: DialFrontEnd) -> None:
        self.front = front

    def on_place_call(self, shortcut: dict[str, Any]) -> None:
        # A global shortcut has no channel: the form starts on the conversation in view.
        self.front.modal.open(shortcut.get("trigger_id") or "", shortcut["user"]["id"])


class MessageShortcut:
    def __init__(self, front: DialFrontEnd) -> None:
        self.front = front

    def on_dial_from_message(self, shortcut: dict[str, Any]) -> None:
        caller = shortcut["user"]["id"]
        response_url = shortcut.get("response_url")
        private = ResponseUrlCard(response_url)
        text = (shortcut.get("message") or {}).get("text") or ""
        service = self.front.service
        number = first_phone_number(text, service.phone_policy.default_region)
        if number is None:
            private.tell(blocks.text_message(messages.NO_NUMBER_IN_MESSAGE))
            return
        channel_id = (shortcut.get("channel") or {}).get("id") or caller
        result = service.prepare(
            caller, None, number, None, channel_id, response_url, retry=messages.RETRY_SHORTCUT
        )
        if isinstance(result, Refusal):
            if result.kind == RefusalKind.AGENT_NOT_READY:
                private.tell(blocks.text_message(f":no_entry: {result.message}"))
            else:
                private.tell(blocks.usage_message(result.message, USAGE))
            return
        card = self.front.reporter.confirm_card(
            result.request, fallback_name=shortcut["user"].get("name"), state=result.state
        )
        private.tell(card)


def first_phone_number(text: str, default_region: str) -> str | None:
    """The first phone number written in a message, as it was written."""
    for match in phonenumbers.PhoneNumberMatcher(text, default_region):
        return match.raw_string
    for match in phonenumbers.PhoneNumberMatcher(text, None):  # "+44 …" when no region fits
        return match.raw_string
    return None
