"""Telling Slack how a dial went: the channel post and its thread, the private fallback,
the notification channel and the card's final state.

Slack trouble here is logged and worked around, never raised: by the time this runs
the call has been placed (or not), and a failed post must neither crash the worker
nor lead anyone to a second dial.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.webhook import WebhookClient

from bot import messages
from bot.cxone.errors import UNKNOWN_ADVICE
from bot.dialing import DialService
from bot.phone import AllowedNumber, PhonePolicy, check_number, mask_number
from bot.request_log import request_log
from bot.slack import blocks
from bot.slack.blocks import Message
from bot.slack.errors import describe_slack_error
from bot.slack.users import UserDirectory
from bot.store import DialRequest

log = logging.getLogger("bot.slack")

RESPONSE_URL_TIMEOUT = 5


@dataclass(frozen=True)
class Presentation:
    """How numbers are shown: on the requester's own card in full, elsewhere per policy."""

    phone_policy: PhonePolicy
    mask_numbers: bool = True
    confirm_ttl_seconds: float = 600

    def display(self, e164: str) -> str:
        checked = check_number(e164, self.phone_policy)
        if isinstance(checked, AllowedNumber):
            return checked.display
        # A number recorded under an older policy: still show it, unformatted.
        return e164

    def shown_in_channels(self, e164: str) -> str:
        return mask_number(e164) if self.mask_numbers else self.display(e164)


def respond_to(
    response_url: str | None, message: Message, *, replace: bool, request_id: str | None = None
) -> bool:
    """Post to a response_url (the requester's card or a private message); False on failure."""
    if not response_url:
        return False
    rlog = request_log(request_id, log)
    try:
        answer = WebhookClient(response_url, timeout=RESPONSE_URL_TIMEOUT).send(
            text=message.text,
            blocks=message.blocks,
            response_type="ephemeral",
            replace_original=replace,
        )
    except Exception as error:  # network trouble: the card just stays as it was
        rlog.warning(messages.LOG_SLACK_FAILED, "response_url", type(error).__name__)
        return False
    if answer.status_code != 200:
        rlog.warning(messages.LOG_SLACK_FAILED, "response_url", f"HTTP {answer.status_code}")
        return False
    return True


class OutcomeReporter:
    def __init__(
        self,
        client: WebClient,
        service: DialService,
        users: UserDirectory,
        presentation: Presentation,
        *,
        notify_channel: str | None = None,
    ) -> None:
        self.client = client
        self.service = service
        self.users = users
        self.presentation = presentation
        self.notify_channel = notify_channel

    def card(self, request: DialRequest) -> Message:
        """The requester's card for the request's current state."""
        return blocks.final_card(
            request,
            number_display=self.presentation.display(request.phone_number),
            agent_name=self.users.display_name(request.agent_user_id),
            ttl_seconds=self.presentation.confirm_ttl_seconds,
        )

    def report(self, request: DialRequest) -> None:
        """After a dial: channel post + thread reply (or privately), notification, final card."""
        rlog = request_log(request.id, log)
        shown = self.presentation.shown_in_channels(request.phone_number)
        if not self._post_in_channel(request, shown):
            private = blocks.private_outcome(request, number_shown=shown)
            if not respond_to(request.response_url, private, replace=False, request_id=request.id):
                # The response_url lasts 30 minutes and 5 posts: a DM from the bot is last.
                self._direct_message(request, private)
        self._notify(request, shown)
        if not respond_to(
            request.response_url, self.card(request), replace=True, request_id=request.id
        ):
            rlog.info(messages.LOG_SLACK_FAILED, "final card", "response_url refused")

    def report_recovered(self, request: DialRequest) -> None:
        """A request found DIALING at start-up: its outcome is unknown; tell the requester."""
        shown = self.presentation.shown_in_channels(request.phone_number)
        text = messages.recovered_unknown(shown, UNKNOWN_ADVICE)
        told = False
        if request.parent_ts:
            told = self._post(
                request,
                "thread reply",
                channel=request.channel_id,
                thread_ts=request.parent_ts,
                text=text,
            )
        if not told:
            told = respond_to(
                request.response_url,
                blocks.text_message(text),
                replace=False,
                request_id=request.id,
            )
        if not told:  # the response_url is good for 30 minutes only: a DM from the bot
            self._direct_message(request, blocks.text_message(text))
        self._notify(request, shown)

    # --- internals ------------------------------------------------------------------

    def _post_in_channel(self, request: DialRequest, shown: str) -> bool:
        rlog = request_log(request.id, log)
        parent = blocks.parent_message(request, number_shown=shown)
        try:
            answer = self.client.chat_postMessage(
                channel=request.channel_id,
                unfurl_links=False,
                unfurl_media=False,
                **parent.as_kwargs(),
            )
        except SlackClientError as error:
            rlog.info(
                messages.LOG_FALLBACK_PRIVATE, request.channel_id, describe_slack_error(error)
            )
            return False
        ts = answer.get("ts")
        if ts:
            self.service.record_parent_message(request.id, ts)
        outcome = blocks.outcome_message(request)
        try:
            self.client.chat_postMessage(
                channel=request.channel_id,
                thread_ts=ts,
                unfurl_links=False,
                unfurl_media=False,
                **outcome.as_kwargs(),
            )
        except SlackClientError as error:
            rlog.info(
                messages.LOG_FALLBACK_PRIVATE, request.channel_id, describe_slack_error(error)
            )
            return False
        return True

    def _direct_message(self, request: DialRequest, message: Message) -> bool:
        return self._post(
            request, "direct message", channel=request.requester_id, **message.as_kwargs()
        )

    def _notify(self, request: DialRequest, shown: str) -> None:
        if not self.notify_channel:
            return
        summary = blocks.notification(request, number_shown=shown)
        self._post(request, "notification", channel=self.notify_channel, **summary.as_kwargs())

    def _post(self, request: DialRequest, what: str, **kwargs: object) -> bool:
        try:
            self.client.chat_postMessage(unfurl_links=False, unfurl_media=False, **kwargs)
        except SlackClientError as error:
            request_log(request.id, log).warning(
                messages.LOG_SLACK_FAILED, what, describe_slack_error(error)
            )
            return False
        return True
