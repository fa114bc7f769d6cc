"""What the requester's card shows, and telling Slack how a dial went: the card, the
channel post and its thread, the private fallback and the notification channel.

The decisions live here once: which card a request shows in each state, and what a
press of Dial or Cancel turns the card into. Slack trouble is logged and worked around,
never raised: by the time a dial is reported the call has been placed (or not), and a
failed post must neither crash the worker nor lead anyone to a second dial.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot import messages
from bot.agent_state import StateReading
from bot.dialing import Claimed, DialService, Refusal, RefusalKind
from bot.parsing import quote_for_slack
from bot.phone import PhonePolicy, display_number, mask_number
from bot.request_log import request_log
from bot.slack import blocks
from bot.slack.blocks import Message
from bot.slack.errors import describe_slack_error
from bot.slack.surfaces import CardSurface, ModalCard, ResponseUrlCard
from bot.slack.users import UserDirectory
from bot.store import TERMINAL_STATES, DialRequest, DialState
from bot.store.records import OPEN_FOLLOW_STATES, FollowState

log = logging.getLogger("bot.slack")


class Press(StrEnum):
    DIAL = "dial"
    CANCEL = "cancel"


# Refusals after which nothing changed: the card comes back, buttons and all, with why.
_CARD_AGAIN = frozenset(
    {RefusalKind.RATE_LIMITED, RefusalKind.STORE_FAILED, RefusalKind.AGENT_NOT_READY}
)
# A submission refused because the modal already placed its call: show that call.
_ALREADY = frozenset({RefusalKind.ALREADY_DIALING, RefusalKind.ALREADY_HANDLED})
# Refusals no field of the modal can fix: the modal becomes the sentence.
_WHOLE_MODAL = frozenset({RefusalKind.NOT_LINKED})
# Where the modal's wording differs from /dial's (which names the command's grammar).
_MODAL_WORDS = {
    RefusalKind.NO_CONTACT: messages.MODAL_NO_CONTACT,
    RefusalKind.NOT_SUPERVISOR: messages.MODAL_NOT_A_SUPERVISOR,
}


@dataclass(frozen=True)
class Presentation:
    """How numbers are shown: on the requester's own card in full, elsewhere per policy."""

    phone_policy: PhonePolicy
    mask_numbers: bool = True
    confirm_ttl_seconds: float = 600

    def display(self, e164: str) -> str:
        return display_number(e164)

    def shown_in_channels(self, e164: str) -> str:
        return mask_number(e164) if self.mask_numbers else self.display(e164)


@dataclass(frozen=True)
class ChannelPost:
    """The channel post naming a call: where chat.update and the thread reply go."""

    channel: str
    ts: str


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

    # --- the requester's card -------------------------------------------------------

    def confirm_card(
        self,
        request: DialRequest,
        *,
        agent_name: str | None = None,
        fallback_name: str | None = None,
        note: str | None = None,
        state: StateReading | None = None,
    ) -> Message:
        """The live card with Dial and Cancel; `note` says why it came back, `state` is
        the agent's CXone state as last read (None: not checked, no line)."""
        name = agent_name or self.users.display_name(request.agent_user_id, fallback_name)
        return blocks.confirm_card(
            request,
            number_display=self.presentation.display(request.phone_number),
            agent_name=name,
            ttl_seconds=self.presentation.confirm_ttl_seconds,
            note=f":no_entry: {note}" if note else None,
            state_line=state_line(state, name),
        )

    def card(self, request: DialRequest) -> Message:
        """The requester's card for the request's current state."""
        return blocks.final_card(
            request,
            number_display=self.presentation.display(request.phone_number),
            agent_name=self.users.display_name(request.agent_user_id),
            ttl_seconds=self.presentation.confirm_ttl_seconds,
        )

    def card_surface(self, request: DialRequest) -> CardSurface:
        """Where this request's card lives: the dial modal it was submitted from, else
        behind its response_url."""
        if request.view_id:
            return ModalCard(self.client, request.view_id, request_id=request.id)
        return ResponseUrlCard(request.response_url, request_id=request.id)

    def private_surface(self, request: DialRequest) -> CardSurface:
        """Where the requester is told something privately: beside the card, or for the
        modal, in the conversation they chose (its response_url from the submission)."""
        return ResponseUrlCard(request.response_url, request_id=request.id)

    # --- the dial modal -------------------------------------------------------------

    def submission_answer(
        self, result: Claimed | Refusal, present_blocks: Iterable[str]
    ) -> dict[str, Any]:
        """What the dial modal's ack says: the modal becomes "Dialing…" (or the state of
        the call this modal already placed, or a sentence no field can fix), or it stays
        with each refusal next to the field that can fix it."""
        if isinstance(result, Claimed):
            return _modal_update(self.card(result.request))
        request = result.request
        if request is not None and result.kind in _ALREADY and request.state != DialState.PENDING:
            return _modal_update(self.card(request))
        if result.kind in _WHOLE_MODAL:
            return _modal_update(blocks.text_message(result.message))
        words = _MODAL_WORDS.get(result.kind, result.message)
        block = blocks.field_block(result.field, present_blocks)
        return {"response_action": "errors", "errors": {block: self._plain(words)}}

    def _plain(self, mrkdwn: str) -> str:
        """A sentence for next to a field (plain text): people by name. At most one name
        is looked up (the first, the person the refusal is about); the rest as cached."""
        asked: list[str] = []

        def name_of(user_id: str) -> str | None:
            cached = self.users.cached_name(user_id)
            if cached or asked:
                return cached
            asked.append(user_id)
            return self.users.display_name(user_id)

        return blocks.plain_text(mrkdwn, name_of)

    def answer_press(
        self, surface: CardSurface, press: Press, result: Claimed | DialRequest | Refusal
    ) -> None:
        """Turn the card into what it must show after a press of Dial or Cancel."""
        if isinstance(result, Claimed):
            surface.replace(self.card(result.request))  # "Dialing…" before CXone is asked
            return
        if isinstance(result, DialRequest):
            surface.replace(self.card(result))
            return
        request = result.request
        if request is not None and result.kind in _CARD_AGAIN:
            surface.replace(self.confirm_card(request, note=result.message, state=result.state))
        elif (
            request is not None
            and request.state in TERMINAL_STATES
            and result.kind != RefusalKind.NOT_YOURS
        ):
            # Converge on the final state whatever order the presses arrived in.
            surface.replace(self.card(request))
        elif result.kind != RefusalKind.ALREADY_DIALING or press is Press.CANCEL:
            # A Dial press while dialing needs no word: that card already says "Dialing…".
            surface.tell(blocks.text_message(result.message))

    # --- after a dial ------------------------------------------------------------------

    def announce(self, request: DialRequest) -> ChannelPost | None:
        """Before CXone is asked: the channel post naming the call ("is calling …"),
        whose thread gets the outcome and which report() turns into the outcome. None
        when the bot cannot post there (the outcome then goes to the requester privately)."""
        shown = self.presentation.shown_in_channels(request.phone_number)
        parent = blocks.parent_message(request, number_shown=shown)
        try:
            answer = self.client.chat_postMessage(
                channel=request.channel_id,
                unfurl_links=False,
                unfurl_media=False,
                **parent.as_kwargs(),
            )
        except SlackClientError as error:
            request_log(request.id, log).info(
                messages.LOG_FALLBACK_PRIVATE, request.channel_id, describe_slack_error(error)
            )
            return None
        ts = answer.get("ts")
        if not ts:
            return None
        self.service.record_parent_message(request.id, ts)
        # chat.update wants the conversation's id, which a post to a user id (a DM) returns.
        return ChannelPost(channel=answer.get("channel") or request.channel_id, ts=ts)

    def report(self, request: DialRequest, post: ChannelPost | None) -> None:
        """After a dial: the thread reply and the channel post updated to the outcome (or
        the outcome privately), the notification, the final card."""
        shown = self.presentation.shown_in_channels(request.phone_number)
        surface = self.card_surface(request)
        if post is None or not self._reply_in_thread(request, post, shown):
            private = blocks.private_outcome(request, number_shown=shown)
            self._privately(request, self.private_surface(request), private)
        self._notify(request, shown)
        if not surface.replace(self.card(request)):
            request_log(request.id, log).info(
                messages.LOG_SLACK_FAILED, "final card", "the card's surface refused"
            )

    def report_recovered(self, request: DialRequest) -> None:
        """A request found DIALING at start-up: its outcome is unknown; tell the requester,
        in the thread of its channel post (then turned into the outcome) when it has one."""
        shown = self.presentation.shown_in_channels(request.phone_number)
        text = messages.recovered_unknown(shown, messages.UNKNOWN_ADVICE)
        told = False
        if request.parent_ts:
            # The thread reply's answer names the conversation: for a DM (channel_id is
            # then the requester's user id) chat.update needs that D… id.
            answer = self._post_answer(
                request,
                "thread reply",
                channel=request.channel_id,
                thread_ts=request.parent_ts,
                text=text,
            )
            told = answer is not None
            channel = (answer or {}).get("channel") or request.channel_id
            final = blocks.parent_final(request, number_shown=shown, recovered=True)
            self._update_parent(request, ChannelPost(channel, request.parent_ts), final)
        if not told:
            self._privately(request, self.private_surface(request), blocks.text_message(text))
        self._notify(request, shown)

    # --- internals ------------------------------------------------------------------

    def _reply_in_thread(self, request: DialRequest, post: ChannelPost, shown: str) -> bool:
        """The outcome in the post's thread, then the post itself turned into the outcome.
        The update comes second and its failure is only logged: the thread reply stands."""
        outcome = blocks.outcome_message(request)
        try:
            reply = self.client.chat_postMessage(
                channel=post.channel,
                thread_ts=post.ts,
                unfurl_links=False,
                unfurl_media=False,
                **outcome.as_kwargs(),
            )
            replied = True
            if request.session_id and reply.get("ts"):  # a followed call: the reply is edited
                self.service.record_messages(
                    request.id, reply_ts=reply.get("ts"), reply_channel=post.channel
                )
        except SlackClientError as error:
            request_log(request.id, log).info(
                messages.LOG_FALLBACK_PRIVATE, post.channel, describe_slack_error(error)
            )
            replied = False
        self._update_parent(request, post, blocks.parent_final(request, number_shown=shown))
        return replied

    def _update_parent(self, request: DialRequest, post: ChannelPost, final: Message) -> bool:
        try:
            self.client.chat_update(channel=post.channel, ts=post.ts, **final.as_kwargs())
        except SlackClientError as error:
            request_log(request.id, log).warning(
                messages.LOG_PARENT_NOT_UPDATED, post.ts, describe_slack_error(error)
            )
            return False
        return True

    def _privately(self, request: DialRequest, surface: CardSurface, message: Message) -> None:
        """Beside the card, else (a response_url lasts 30 minutes and 5 posts) a DM."""
        if not surface.tell(message):
            self._direct_message(request, message)

    def _direct_message(self, request: DialRequest, message: Message) -> bool:
        return self._post(
            request, "direct message", channel=request.requester_id, **message.as_kwargs()
        )

    def _notify(self, request: DialRequest, shown: str) -> None:
        if not self.notify_channel:
            return
        summary = blocks.notification(request, number_shown=shown)
        try:
            answer = self.client.chat_postMessage(
                channel=self.notify_channel,
                unfurl_links=False,
                unfurl_media=False,
                **summary.as_kwargs(),
            )
        except SlackClientError as error:
            request_log(request.id, log).warning(
                messages.LOG_SLACK_FAILED, "notification", describe_slack_error(error)
            )
            return
        if request.session_id and answer.get("ts"):  # a followed call: edited as it goes
            self.service.record_messages(request.id, notify_ts=answer.get("ts"))

    # --- a followed call (agent mode) -------------------------------------------------

    def report_progress(self, request: DialRequest) -> None:
        """A followed call moved on: edit the thread reply and the notification in place
        (no new posts), and the card once it connects and once following ends. Where the
        outcome went privately, only the last step is told, privately."""
        shown = self.presentation.shown_in_channels(request.phone_number)
        final = request.follow_state not in OPEN_FOLLOW_STATES
        if request.reply_ts:
            reply = blocks.outcome_message(request)
            channel = request.reply_channel or request.channel_id
            self._update(request, "thread reply", channel, request.reply_ts, reply)
        elif final:
            self._privately(request, self.private_surface(request), blocks.outcome_message(request))
        if request.notify_ts and self.notify_channel:
            summary = blocks.notification(request, number_shown=shown)
            self._update(request, "notification", self.notify_channel, request.notify_ts, summary)
        if final or request.follow_state == FollowState.CONNECTED:
            self.card_surface(request).replace(self.card(request))

    def _update(
        self, request: DialRequest, what: str, channel: str, ts: str, message: Message
    ) -> bool:
        try:
            self.client.chat_update(channel=channel, ts=ts, **message.as_kwargs())
        except SlackClientError as error:
            request_log(request.id, log).warning(
                messages.LOG_SLACK_FAILED, what, describe_slack_error(error)
            )
            return False
        return True

    def _post(self, request: DialRequest, what: str, **kwargs: object) -> bool:
        return self._post_answer(request, what, **kwargs) is not None

    def _post_answer(self, request: DialRequest, what: str, **kwargs: object) -> Any:
        """chat.postMessage's answer, or None (logged) when Slack refused."""
        try:
            return self.client.chat_postMessage(unfurl_links=False, unfurl_media=False, **kwargs)
        except SlackClientError as error:
            request_log(request.id, log).warning(
                messages.LOG_SLACK_FAILED, what, describe_slack_error(error)
            )
            return None


def state_line(reading: StateReading | None, agent_name: str) -> str | None:
    """The card's line about the agent's CXone state, in words."""
    if reading is None:
        return None
    name = quote_for_slack(agent_name, limit=80)
    if reading.state is not None:
        words = messages.state_words(
            reading.state.name, reading.state.out_state_description, is_acw=reading.state.is_acw
        )
        if reading.ready:
            return messages.state_line_ready(name, words)
        return messages.state_line_not_ready(name, words)
    if reading.failure is not None:
        return messages.state_line_unread(name, reading.why_unread)
    return messages.state_line_not_yet(name)


def _modal_update(message: Message) -> dict[str, Any]:
    return {"response_action": "update", "view": blocks.modal_view(message)}
