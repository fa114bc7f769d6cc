"""`/dial`: answered inside the ack, with a confirm card or a sentence; `/dial` alone
opens the dial modal (views.open with the command's trigger_id) and acks empty.

Nothing here waits on CXone; at most one quick Slack call (a users.list or users.info
cache miss, or the views.open) happens before the ack.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot import messages
from bot.dialing import Refusal, RefusalKind
from bot.parsing import (
    USAGE,
    DialCommand,
    HelpCommand,
    LinkCommand,
    OpenModalCommand,
    UnlinkCommand,
    UsageError,
    UserRef,
    WhoisCommand,
    parse_command,
)
from bot.slack import blocks
from bot.slack.blocks import Message
from bot.slack.front_end import DialFrontEnd
from bot.slack.users import NotResolved

COMMAND = "/dial"


def register(app: App, front: DialFrontEnd) -> None:
    app.command(COMMAND)(DialCommandListener(front).on_dial_command)


def ack_message(ack: Ack, message: Message | None) -> None:
    if message is None:  # nothing to say in the channel (the modal opened)
        ack()
        return
    ack(response_type="ephemeral", **message.as_kwargs())


class DialCommandListener:
    def __init__(self, front: DialFrontEnd) -> None:
        self.front = front
        self.service = front.service
        self.users = front.users

    def on_dial_command(self, ack: Ack, command: dict[str, Any]) -> None:
        caller = command["user_id"]
        parsed = parse_command(command.get("text") or "")
        answer: Message | None
        if isinstance(parsed, UsageError):
            answer = blocks.usage_message(parsed.problem, USAGE)
        elif isinstance(parsed, OpenModalCommand):
            answer = self.open_modal(command)
        elif isinstance(parsed, HelpCommand):
            answer = blocks.help_message(USAGE)
        elif isinstance(parsed, WhoisCommand):
            answer = self.whois(caller, parsed.user)
        elif isinstance(parsed, LinkCommand):
            answer = self.link(caller, parsed)
        elif isinstance(parsed, UnlinkCommand):
            answer = self.unlink(caller, parsed)
        else:
            answer = self.dial(command, parsed)
        ack_message(ack, answer)

    def dial(self, command: dict[str, Any], parsed: DialCommand) -> Message:
        agent_user_id = agent_name = None
        if parsed.agent is not None:
            resolved = self.users.resolve(parsed.agent)
            if isinstance(resolved, NotResolved):
                return blocks.usage_message(resolved.message, USAGE)
            agent_user_id, agent_name = resolved.user_id, resolved.name
        caller = command["user_id"]
        result = self.service.prepare(
            caller,
            agent_user_id,
            parsed.number,
            parsed.contact_id,
            command["channel_id"],
            command.get("response_url"),
        )
        if isinstance(result, Refusal):
            if result.kind == RefusalKind.AGENT_NOT_READY:  # the grammar was fine
                return blocks.text_message(f":no_entry: {result.message}")
            return blocks.usage_message(result.message, USAGE)
        request = result.request
        own_name = command.get("user_name") if request.agent_user_id == caller else None
        return self.front.reporter.confirm_card(
            request, agent_name=agent_name, fallback_name=own_name, state=result.state
        )

    def open_modal(self, command: dict[str, Any]) -> Message | None:
        """The dial modal, its outcome conversation preset to the command's channel."""
        opened = self.front.modal.open(
            command.get("trigger_id") or "", command["user_id"], command.get("channel_id")
        )
        return None if opened else blocks.text_message(messages.modal_open_failed(USAGE))

    def whois(self, caller: str, ref: UserRef | None) -> Message:
        user_id = caller
        if ref is not None:
            resolved = self.users.resolve(ref)
            if isinstance(resolved, NotResolved):
                return blocks.usage_message(resolved.message, USAGE)
            user_id = resolved.user_id
        found = self.service.whois(user_id)
        if found is None:
            return blocks.text_message(messages.whois_unlinked(user_id))
        return blocks.text_message(messages.whois_linked(user_id, found))

    def link(self, caller: str, parsed: LinkCommand) -> Message:
        if caller not in self.service.admins:  # before any lookup: refusals stay cheap
            return blocks.usage_message(messages.not_an_admin(self.service.admins), USAGE)
        resolved = self.users.resolve(parsed.user)
        if isinstance(resolved, NotResolved):
            return blocks.usage_message(resolved.message, USAGE)
        if parsed.agent_id is None:
            return self.link_by_email(caller, resolved.user_id)
        result = self.service.link(caller, resolved.user_id, parsed.agent_id)
        if isinstance(result, Refusal):
            return blocks.usage_message(result.message, USAGE)
        return blocks.text_message(messages.linked(result.slack_user_id, result.cxone_agent_id))

    def link_by_email(self, caller: str, user_id: str) -> Message:
        result = self.service.link_by_email(caller, user_id)
        if isinstance(result, Refusal):
            return blocks.text_message(result.message)
        link, email = result
        return blocks.text_message(messages.linked_by_email(user_id, link.cxone_agent_id, email))

    def unlink(self, caller: str, parsed: UnlinkCommand) -> Message:
        if caller not in self.service.admins:
            return blocks.usage_message(messages.not_an_admin(self.service.admins), USAGE)
        resolved = self.users.resolve(parsed.user)
        if isinstance(resolved, NotResolved):
            return blocks.usage_message(resolved.message, USAGE)
        result = self.service.unlink(caller, resolved.user_id)
        if isinstance(result, Refusal):
            return blocks.usage_message(result.message, USAGE)
        if result:
            return blocks.text_message(messages.unlinked(resolved.user_id))
        return blocks.text_message(messages.was_not_linked(resolved.user_id))
