"""The dial modal's form: opening it for a person, and reading back what they submitted.

Opening answers within Slack's 3 s: a trigger_id is good for 3 s and once, so the view
is opened at once, on a client that never waits out a 429. Reading a submission checks
only the shape of each field (a person, a conversation, a contact id); whether the dial
may go ahead is the service's to say.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot import messages
from bot.dialing import DialService
from bot.parsing import UsageError, parse_contact_id
from bot.slack import blocks
from bot.slack.blocks import (
    AGENT_ACTION,
    AGENT_BLOCK,
    CHANNEL_ACTION,
    CHANNEL_BLOCK,
    CONTACT_ACTION,
    CONTACT_BLOCK,
    NUMBER_ACTION,
    NUMBER_BLOCK,
)
from bot.slack.errors import describe_slack_error

log = logging.getLogger("bot.slack")

_USER_ID = re.compile(r"[UW][A-Z0-9]{1,31}")
_CONVERSATION_ID = re.compile(r"[CDG][A-Z0-9]{1,31}")
_VIEW_ID = re.compile(r"V[A-Z0-9]{1,31}")


@dataclass(frozen=True)
class DialForm:
    """A submitted dial modal, each field in the shape the service takes."""

    view_id: str
    number: str
    agent_user_id: str | None  # None: as yourself
    contact_id: str | None  # None: the default
    channel_id: str | None  # None: a direct message from the bot
    response_url: str | None  # Slack's response_url for that conversation, when it gave one


FormProblems = dict[str, str]  # block_id -> what is wrong with that field, in plain text


def read_dial_form(body: dict[str, Any]) -> DialForm | FormProblems:
    """The fields of a view_submission body, or what is wrong with them (never raises)."""
    view = body.get("view") if isinstance(body.get("view"), dict) else {}
    state = view.get("state") if isinstance(view.get("state"), dict) else {}
    values = state.get("values") if isinstance(state.get("values"), dict) else {}
    view_id = view.get("id")
    if not isinstance(view_id, str) or not _VIEW_ID.fullmatch(view_id):
        return {NUMBER_BLOCK: messages.FORM_UNREADABLE}
    problems: FormProblems = {}
    number = _value(values, NUMBER_BLOCK, NUMBER_ACTION, "value")
    agent = _value(values, AGENT_BLOCK, AGENT_ACTION, "selected_user")
    if agent is not None and not _USER_ID.fullmatch(agent):
        problems[AGENT_BLOCK] = messages.FORM_NOT_A_PERSON
    contact = _value(values, CONTACT_BLOCK, CONTACT_ACTION, "value")
    if contact is not None:
        checked = parse_contact_id(contact.strip())
        if isinstance(checked, UsageError):
            problems[CONTACT_BLOCK] = checked.problem
        contact = contact.strip()
    channel = _value(values, CHANNEL_BLOCK, CHANNEL_ACTION, "selected_conversation")
    if channel is not None and not _CONVERSATION_ID.fullmatch(channel):
        problems[CHANNEL_BLOCK] = messages.FORM_NOT_A_CONVERSATION
    if problems:  # next to its field; a field this form lacks (crafted) goes by the number
        present = _present(view)
        return {(b if b in present else NUMBER_BLOCK): text for b, text in problems.items()}
    return DialForm(
        view_id=view_id,
        number=number or "",
        agent_user_id=agent,
        contact_id=contact or None,
        channel_id=channel,
        response_url=_response_url(body, channel),
    )


def present_blocks(view: Any) -> list[str]:
    """The input blocks of a submitted view, in order: where errors may be shown."""
    return _present(view if isinstance(view, dict) else {})


def _present(view: dict[str, Any]) -> list[str]:
    found = [
        block.get("block_id")
        for block in view.get("blocks") or []
        if isinstance(block, dict) and block.get("type") == "input"
    ]
    return [block for block in found if isinstance(block, str)] or [NUMBER_BLOCK]


def _value(values: dict[str, Any], block: str, action: str, key: str) -> str | None:
    """One field's value: None when it is empty or missing, and never a non-string."""
    field = (values.get(block) or {}).get(action) if isinstance(values.get(block), dict) else None
    value = field.get(key) if isinstance(field, dict) else None
    if value is None:
        return None
    if not isinstance(value, str):
        return str(value)  # a crafted number or id: checked as text like any other
    return value if value.strip() else None


def _response_url(body: dict[str, Any], channel: str | None) -> str | None:
    """Slack's response_url for the chosen conversation (response_url_enabled)."""
    for entry in body.get("response_urls") or []:
        if not isinstance(entry, dict) or entry.get("block_id") != CHANNEL_BLOCK:
            continue
        url = entry.get("response_url")
        if channel and entry.get("channel_id") == channel and isinstance(url, str):
            return url if url.startswith(("https://", "http://")) else None
    return None


class DialModal:
    """Opens the dial modal, shaped for the person opening it."""

    def __init__(self, client: WebClient, service: DialService) -> None:
        self.client = client  # no retries on 429: a trigger_id lasts 3 s
        self.service = service

    def view(self, user_id: str, channel_id: str | None = None) -> dict[str, Any]:
        service = self.service
        return blocks.dial_form_view(
            show_agent=user_id in service.supervisors,
            show_contact=service.placer.uses_contact_id,
            default_contact_id=service.default_contact_id,
            default_region=service.phone_policy.default_region,
            initial_channel=channel_id
            if channel_id and _CONVERSATION_ID.fullmatch(channel_id)
            else None,
        )

    def open(self, trigger_id: str, user_id: str, channel_id: str | None = None) -> bool:
        """views.open with the trigger of the click or command; False when Slack refused."""
        try:
            self.client.views_open(trigger_id=trigger_id, view=self.view(user_id, channel_id))
        except SlackClientError as error:
            log.warning(messages.LOG_SLACK_FAILED, "views.open", describe_slack_error(error))
            return False
        return True
