"""The Slack listeners: translate payloads in, call DialService, render Block Kit out.

Each listener acks first or answers inside the ack; nothing on an ack path waits on
CXone, and at most one quick Slack call (a users.list or users.info cache miss)
happens before an ack. Placing a call runs on `dial_executor`, a pool of its own, so a
slow CXone can never hold up Bolt's listener threads and with them the acks.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import phonenumbers
from slack_bolt import Ack, App
from slack_bolt.response import BoltResponse

from bot import messages
from bot.dialing import Claimed, DialService, PreparedDial, Refusal, RefusalKind
from bot.parsing import (
    USAGE,
    DialCommand,
    HelpCommand,
    LinkCommand,
    UnlinkCommand,
    UsageError,
    UserRef,
    WhoisCommand,
    parse_command,
    quote_for_slack,
)
from bot.request_log import request_log
from bot.slack import blocks
from bot.slack.blocks import CANCEL_ACTION, CONFIRM_ACTION, Message
from bot.slack.reporter import OutcomeReporter, respond_to
from bot.slack.users import NotResolved, UserDirectory
from bot.store import TERMINAL_STATES, DialRequest

log = logging.getLogger("bot.slack")

COMMAND = "/dial"
MESSAGE_SHORTCUT = "dial_from_message"


@dataclass
class DialFrontEnd:
    """What the listeners need; built once by build_app()."""

    service: DialService
    users: UserDirectory
    reporter: OutcomeReporter
    dial_executor: Executor
    recovery_timer: threading.Timer | None = None  # the second start-up recovery pass


def register(app: App, front: DialFrontEnd) -> None:
    service, users, reporter = front.service, front.users, front.reporter

    def ack_message(ack: Ack, message: Message) -> None:
        ack(response_type="ephemeral", **message.as_kwargs())

    # Buttons and shortcuts are answered with an empty ack straight away; their work
    # (database, response_url posts, CXone) runs as a lazy listener after the answer.
    def ack_at_once(ack: Ack) -> None:
        ack()

    # --- /dial ------------------------------------------------------------------------

    @app.command(COMMAND)
    def on_dial_command(ack: Ack, command: dict[str, Any]) -> None:
        caller = command["user_id"]
        parsed = parse_command(command.get("text") or "")
        if isinstance(parsed, UsageError):
            ack_message(ack, blocks.usage_message(parsed.problem, USAGE))
        elif isinstance(parsed, HelpCommand):
            ack_message(ack, blocks.help_message(USAGE))
        elif isinstance(parsed, WhoisCommand):
            ack_message(ack, whois(caller, parsed.user))
        elif isinstance(parsed, LinkCommand):
            ack_message(ack, link(caller, parsed))
        elif isinstance(parsed, UnlinkCommand):
            ack_message(ack, unlink(caller, parsed))
        else:
            ack_message(ack, dial(command, parsed))

    def dial(command: dict[str, Any], parsed: DialCommand) -> Message:
        caller = command["user_id"]
        agent_user_id = None
        agent_name: str | None = None
        if parsed.agent is not None:
            resolved = users.resolve(parsed.agent)
            if isinstance(resolved, NotResolved):
                return blocks.usage_message(resolved.message, USAGE)
            agent_user_id, agent_name = resolved.user_id, resolved.name
        result = service.prepare(
            caller,
            agent_user_id,
            parsed.number,
            parsed.contact_id,
            command["channel_id"],
            command.get("response_url"),
        )
        if isinstance(result, Refusal):
            return blocks.usage_message(result.message, USAGE)
        return confirm_card(result, agent_name, fallback=command.get("user_name"))

    def confirm_card(prepared: PreparedDial, agent_name: str | None, fallback: str | None):
        request = prepared.request
        if agent_name is None:
            agent_name = users.display_name(
                request.agent_user_id,
                fallback=fallback if request.agent_user_id == request.requester_id else None,
            )
        return blocks.confirm_card(
            request,
            number_display=prepared.number.display,
            agent_name=agent_name,
            ttl_seconds=service.confirm_ttl_seconds,
        )

    def whois(caller: str, ref: UserRef | None) -> Message:
        user_id = caller
        if ref is not None:
            resolved = users.resolve(ref)
            if isinstance(resolved, NotResolved):
                return blocks.usage_message(resolved.message, USAGE)
            user_id = resolved.user_id
        found = service.whois(user_id)
        if found is None:
            return blocks.text_message(messages.whois_unlinked(user_id))
        return blocks.text_message(messages.whois_linked(user_id, found))

    def link(caller: str, parsed: LinkCommand) -> Message:
        if caller not in service.admins:  # before any lookup: refusals stay cheap
            return blocks.usage_message(messages.not_an_admin(service.admins), USAGE)
        resolved = users.resolve(parsed.user)
        if isinstance(resolved, NotResolved):
            return blocks.usage_message(resolved.message, USAGE)
        result = service.link(caller, resolved.user_id, parsed.agent_id)
        if isinstance(result, Refusal):
            return blocks.usage_message(result.message, USAGE)
        return blocks.text_message(messages.linked(result.slack_user_id, result.cxone_agent_id))

    def unlink(caller: str, parsed: UnlinkCommand) -> Message:
        if caller not in service.admins:
            return blocks.usage_message(messages.not_an_admin(service.admins), USAGE)
        resolved = users.resolve(parsed.user)
        if isinstance(resolved, NotResolved):
            return blocks.usage_message(resolved.message, USAGE)
        result = service.unlink(caller, resolved.user_id)
        if isinstance(result, Refusal):
            return blocks.usage_message(result.message, USAGE)
        if result:
            return blocks.text_message(messages.unlinked(resolved.user_id))
        return blocks.text_message(messages.was_not_linked(resolved.user_id))

    # --- the Dial button ------------------------------------------------------------------

    def on_dial_pressed(body: dict[str, Any]) -> None:
        presser, request_id, response_url = _press(body)
        result = service.confirm(request_id, presser)
        if isinstance(result, Claimed):
            # "Dialing…" replaces the buttons before CXone is asked.
            card = reporter.card(result.request)
            respond_to(response_url, card, replace=True, request_id=request_id)
            start_dial(result.request)
            return
        request_log(request_id, log).info(messages.LOG_REFUSED, "confirm", presser, result.kind)
        request = result.request
        if request is not None and result.kind in (
            RefusalKind.RATE_LIMITED,
            RefusalKind.STORE_FAILED,
        ):
            # Nothing changed: the card comes back with its buttons and the reason.
            card = blocks.confirm_card(
                request,
                number_display=reporter.presentation.display(request.phone_number),
                agent_name=users.display_name(request.agent_user_id),
                ttl_seconds=service.confirm_ttl_seconds,
                note=f":no_entry: {result.message}",
            )
            respond_to(response_url, card, replace=True, request_id=request_id)
        elif (
            request is not None
            and request.state in TERMINAL_STATES
            and result.kind != RefusalKind.NOT_YOURS
        ):
            # Converge on the final state whatever order the presses arrived in.
            respond_to(response_url, reporter.card(request), replace=True, request_id=request_id)
        elif result.kind != RefusalKind.ALREADY_DIALING:  # that card already says "Dialing…"
            message = blocks.text_message(result.message)
            respond_to(response_url, message, replace=False, request_id=request_id)

    app.action(CONFIRM_ACTION)(ack=ack_at_once, lazy=[on_dial_pressed])

    def start_dial(request: DialRequest) -> None:
        try:
            front.dial_executor.submit(place_and_report, request)
        except RuntimeError:  # shutting down: the request is ours already, so finish it here
            place_and_report(request)

    def place_and_report(request: DialRequest) -> None:
        rlog = request_log(request.id, log)
        try:
            final = service.place(request)
            reporter.report(final)
        except Exception:
            rlog.exception(messages.LOG_UNHANDLED, request.id)

    # --- the Cancel button ----------------------------------------------------------------

    def on_cancel_pressed(body: dict[str, Any]) -> None:
        presser, request_id, response_url = _press(body)
        result = service.cancel(request_id, presser)
        if isinstance(result, DialRequest):
            respond_to(response_url, reporter.card(result), replace=True, request_id=request_id)
        elif (
            result.request is not None
            and result.request.state in TERMINAL_STATES
            and (result.kind != RefusalKind.NOT_YOURS)
        ):
            respond_to(
                response_url, reporter.card(result.request), replace=True, request_id=request_id
            )
        else:
            respond_to(
                response_url,
                blocks.text_message(result.message),
                replace=False,
                request_id=request_id,
            )

    app.action(CANCEL_ACTION)(ack=ack_at_once, lazy=[on_cancel_pressed])

    # --- the message shortcut -------------------------------------------------------------

    def on_dial_from_message(shortcut: dict[str, Any]) -> None:
        caller = shortcut["user"]["id"]
        response_url = shortcut.get("response_url")
        text = (shortcut.get("message") or {}).get("text") or ""
        number = first_phone_number(text, service.phone_policy.default_region)
        if number is None:
            respond_to(
                response_url, blocks.text_message(messages.NO_NUMBER_IN_MESSAGE), replace=False
            )
            return
        channel_id = (shortcut.get("channel") or {}).get("id") or caller
        result = service.prepare(caller, None, number, None, channel_id, response_url)
        if isinstance(result, Refusal):
            message = blocks.usage_message(result.message, USAGE)
        else:
            message = confirm_card(result, None, fallback=shortcut["user"].get("name"))
        respond_to(response_url, message, replace=False)

    app.shortcut(MESSAGE_SHORTCUT)(ack=ack_at_once, lazy=[on_dial_from_message])

    # --- the one error handler -------------------------------------------------------------

    @app.error
    def on_error(
        error: Exception, body: dict[str, Any], response: BoltResponse | None
    ) -> BoltResponse | None:
        reference = secrets.token_hex(4)
        log.error(messages.LOG_UNHANDLED, reference, exc_info=error)
        message = blocks.text_message(messages.internal_error(reference))
        if response is not None and body.get("command"):  # not acked yet: answer in the ack
            payload = {"response_type": "ephemeral", **message.as_kwargs()}
            return BoltResponse(
                status=200,
                body=json.dumps(payload),
                headers={"content-type": "application/json;charset=utf-8"},
            )
        respond_to(_response_url(body), message, replace=False)
        return None


def first_phone_number(text: str, default_region: str) -> str | None:
    """The first phone number written in a message, as it was written."""
    for match in phonenumbers.PhoneNumberMatcher(text, default_region):
        return match.raw_string
    for match in phonenumbers.PhoneNumberMatcher(text, None):  # "+44 …" when no region fits
        return match.raw_string
    return None


def _press(body: dict[str, Any]) -> tuple[str, str, str | None]:
    action = (body.get("actions") or [{}])[0]
    value = str(action.get("value") or "")
    return body["user"]["id"], quote_for_slack(value, limit=64), body.get("response_url")


def _response_url(body: dict[str, Any]) -> str | None:
    if body.get("response_url"):
        return body["response_url"]
    payload = body.get("payload")
    if isinstance(payload, str):
        try:
            return json.loads(payload).get("response_url")
        except ValueError:
            return None
    return None
