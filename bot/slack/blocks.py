"""Block Kit for everything the bot shows in Slack: pure functions, no I/O.

Every function returns a `Message` (fallback text plus blocks as dicts) ready to hand
to ack(), respond() or chat.postMessage. Names and other user-controlled text must
be passed through `bot.parsing.quote_for_slack` first (the `*_name` arguments here
are escaped by these functions; ids and numbers come from our own records).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    ConversationFilter,
    ConversationSelectElement,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot import messages
from bot.dialing import DialField
from bot.parsing import MAX_ID_LENGTH, quote_for_slack
from bot.phone import MAX_TYPED_LENGTH
from bot.store import DialRequest, DialState
from bot.store.records import FollowState

CONFIRM_ACTION = "dial_confirm"
CANCEL_ACTION = "dial_cancel"
MODAL_CALLBACK_ID = "dial_modal"
ACTIONS_BLOCK_ID = "dial_actions"
SECTION_TEXT_LIMIT = 3000  # Block Kit's limit for a section's text

# The dial modal's fields: (block_id, action_id) each, as Slack hands them back in
# view.state.values[block_id][action_id].
NUMBER_BLOCK, NUMBER_ACTION = "dial_number", "number"
AGENT_BLOCK, AGENT_ACTION = "dial_as", "agent"
CONTACT_BLOCK, CONTACT_ACTION = "dial_contact", "contact"
CHANNEL_BLOCK, CHANNEL_ACTION = "dial_channel", "channel"
FIELD_BLOCKS = {
    DialField.NUMBER: NUMBER_BLOCK,
    DialField.AGENT: AGENT_BLOCK,
    DialField.CONTACT: CONTACT_BLOCK,
    DialField.CHANNEL: CHANNEL_BLOCK,
}


@dataclass(frozen=True)
class Message:
    text: str  # fallback for notifications and screen readers
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def as_kwargs(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}


def _section(text: str) -> SectionBlock:
    if len(text) > SECTION_TEXT_LIMIT:
        text = text[: SECTION_TEXT_LIMIT - 1] + "…"
    return SectionBlock(text=MarkdownTextObject(text=text))


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def _render(text: str, blocks: list[Block]) -> Message:
    return Message(text=text, blocks=[block.to_dict() for block in blocks])


def _name(name: str) -> str:
    return quote_for_slack(name, limit=80)


def _from_cxone(text: str | None) -> str | None:
    """CXone's words (its error message inside our sentence, call and correlation ids):
    shown as text, so nothing CXone answers can become a mention, link or broadcast."""
    if text is None:
        return None
    return quote_for_slack(text, limit=SECTION_TEXT_LIMIT)


def text_message(text: str) -> Message:
    """A plain message (refusals, help, whois, link results)."""
    return _render(text, [_section(text)])


def confirm_card(
    request: DialRequest,
    *,
    number_display: str,
    agent_name: str,
    ttl_seconds: float,
    note: str | None = None,
    state_line: str | None = None,
) -> Message:
    """The ephemeral card: what will be dialed, as whom, and the Dial / Cancel buttons;
    `state_line` says the agent's CXone state (already worded and escaped)."""
    agent = _name(agent_name)
    heading = messages.confirm_heading(number_display, agent)
    blocks: list[Block] = []
    if note:
        blocks.append(_section(note))
    fields = [
        MarkdownTextObject(text=f"*Number*\n{number_display}"),
        MarkdownTextObject(text=f"*Agent*\n{agent} (CXone `{request.agent_id}`)"),
    ]
    if request.contact_id:  # agent mode takes no contact id
        fields.append(MarkdownTextObject(text=f"*Contact*\n`{request.contact_id}`"))
    blocks += [
        _section(heading),
        SectionBlock(fields=fields),
    ]
    if state_line:
        blocks.append(_context(state_line))
    blocks += [
        ActionsBlock(
            block_id=ACTIONS_BLOCK_ID,
            elements=[
                ButtonElement(
                    text=messages.DIAL_BUTTON,
                    action_id=CONFIRM_ACTION,
                    value=request.id,
                    style="primary",
                ),
                ButtonElement(
                    text=messages.CANCEL_BUTTON, action_id=CANCEL_ACTION, value=request.id
                ),
            ],
        ),
        _context(messages.confirm_footer(ttl_seconds)),
    ]
    text = f"{note} " if note else ""
    return _render(text + heading.replace("*", ""), blocks)


def dialing_card(*, number_display: str, agent_name: str) -> Message:
    text = messages.dialing_card(number_display, _name(agent_name))
    return _render(text, [_section(text)])


def final_card(
    request: DialRequest, *, number_display: str, agent_name: str, ttl_seconds: float
) -> Message:
    """The card as it ends: no buttons, the state the request reached."""
    agent = _name(agent_name)
    state = request.state
    if state == DialState.PLACED:
        text = messages.card_placed(number_display, agent, _from_cxone(request.call_id))
        progress = progress_words(request)
        if progress:
            text = messages.outcome_progress(text, progress)
    elif state == DialState.REJECTED:
        text = messages.card_rejected(number_display, _from_cxone(request.error) or "")
    elif state == DialState.UNKNOWN:
        text = messages.card_unknown(number_display, _from_cxone(request.error) or "")
    elif state == DialState.CANCELLED:
        text = messages.card_cancelled(number_display)
    elif state == DialState.EXPIRED:
        text = messages.card_expired(number_display, ttl_seconds)
    elif state == DialState.DIALING:
        return dialing_card(number_display=number_display, agent_name=agent_name)
    else:  # PENDING: the card is still live
        return confirm_card(
            request, number_display=number_display, agent_name=agent_name, ttl_seconds=ttl_seconds
        )
    return _render(text, [_section(text)])


def parent_message(request: DialRequest, *, number_shown: str) -> Message:
    """The channel post naming the call; its thread gets the outcome."""
    text = messages.parent_post(
        request.requester_id, number_shown, request.agent_user_id, request.agent_id
    )
    return _render(text, [_section(text)])


def parent_final(request: DialRequest, *, number_shown: str, recovered: bool = False) -> Message:
    """The channel post once the call has an outcome (chat.update of parent_message):
    the outcome first, in words and emoji; `recovered` for a restart's unknown."""
    agent = messages.as_agent(request.requester_id, request.agent_user_id, request.agent_id)
    who = request.requester_id
    if recovered:
        text = messages.parent_recovered(who, number_shown, agent)
    elif request.state == DialState.PLACED:
        text = messages.parent_placed(who, number_shown, agent, _from_cxone(request.call_id))
    elif request.state == DialState.REJECTED:
        text = messages.parent_not_placed(who, number_shown, agent)
    else:
        text = messages.parent_unknown(who, number_shown, agent)
    return _render(text, [_section(text)])


def outcome_message(request: DialRequest) -> Message:
    """The outcome, posted as a reply in the parent's thread."""
    if request.state == DialState.PLACED:
        text = messages.outcome_placed(_from_cxone(request.call_id))
    elif request.state == DialState.REJECTED:
        text = messages.outcome_rejected(_from_cxone(request.error) or "")
    else:
        text = messages.outcome_unknown(_from_cxone(request.error) or "")
    progress = progress_words(request)
    if progress:
        text = messages.outcome_progress(text, progress)
    blocks: list[Block] = [_section(text)]
    if request.correlation_id:
        blocks.append(_context(f"CXone correlation id `{_from_cxone(request.correlation_id)}`"))
    return _render(text, blocks)


def private_outcome(request: DialRequest, *, number_shown: str) -> Message:
    """Parent and outcome in one ephemeral message, when the bot cannot post in the channel."""
    parent = parent_message(request, number_shown=number_shown).text
    outcome = outcome_message(request).text
    text = messages.private_outcome(parent, outcome)
    return _render(text, [_section(text)])


def notification(request: DialRequest, *, number_shown: str) -> Message:
    """The one-line summary for DIAL_NOTIFY_CHANNEL."""
    if request.state == DialState.PLACED:
        words = messages.notification_outcome_placed(_from_cxone(request.call_id))
        progress = progress_words(request)
        if progress:
            words = f"{words} {progress}"
    elif request.state == DialState.REJECTED:
        words = messages.NOTIFICATION_OUTCOME_REJECTED
    else:
        words = messages.NOTIFICATION_OUTCOME_UNKNOWN
    text = messages.notification(
        request.requester_id,
        number_shown,
        request.agent_user_id,
        request.agent_id,
        request.channel_id,
        words,
    )
    return _render(text, [_section(text)])


def progress_words(request: DialRequest) -> str | None:
    """How a followed call (agent mode) stands now, or None when it is not followed."""
    state = request.follow_state
    if state == FollowState.RINGING:
        return messages.PROGRESS_RINGING
    if state == FollowState.CONNECTED:
        return messages.PROGRESS_CONNECTED
    if state == FollowState.ENDED:
        return messages.progress_ended(request.call_seconds or 0.0)
    if state == FollowState.FAILED:
        return messages.progress_failed(_from_cxone(request.follow_note) or "")
    if state == FollowState.STOPPED:
        return messages.progress_stopped(_from_cxone(request.follow_note) or "")
    return None


def help_message(usage: str) -> Message:
    return text_message(messages.help_text(usage))


def usage_message(problem: str, usage: str) -> Message:
    return _render(messages.usage_problem(problem, usage), [_section(problem), _context(usage)])


def dial_form_view(
    *,
    show_agent: bool,
    show_contact: bool,
    default_contact_id: str | None,
    default_region: str,
    initial_channel: str | None = None,
) -> dict[str, Any]:
    """The dial modal's form. "Dial as" only for supervisors, the contact only where the
    CXone API takes one; the outcome's conversation starts as `initial_channel` when the
    front end knows it, else as the one the person is looking at (when Slack says)."""
    fields: list[Block] = [_section(messages.MODAL_INTRO), _number_input(default_region)]
    if show_agent:
        fields.append(_agent_input())
    if show_contact:
        fields.append(_contact_input(default_contact_id))
    fields.append(_channel_input(initial_channel))
    view = View(
        type="modal",
        callback_id=MODAL_CALLBACK_ID,
        title=PlainTextObject(text=messages.MODAL_TITLE),
        submit=PlainTextObject(text=messages.MODAL_SUBMIT),
        close=PlainTextObject(text=messages.MODAL_CANCEL),
        blocks=fields,
    )
    return view.to_dict()


def _number_input(default_region: str) -> InputBlock:
    return InputBlock(
        block_id=NUMBER_BLOCK,
        label=messages.NUMBER_LABEL,
        hint=messages.number_hint(default_region),
        element=PlainTextInputElement(
            action_id=NUMBER_ACTION,
            placeholder=messages.NUMBER_PLACEHOLDER,
            max_length=MAX_TYPED_LENGTH,
            focus_on_load=True,
        ),
    )


def _agent_input() -> InputBlock:
    return InputBlock(
        block_id=AGENT_BLOCK,
        label=messages.AGENT_LABEL,
        hint=messages.AGENT_HINT,
        optional=True,
        element=UserSelectElement(action_id=AGENT_ACTION, placeholder=messages.AGENT_PLACEHOLDER),
    )


def _contact_input(default_contact_id: str | None) -> InputBlock:
    return InputBlock(
        block_id=CONTACT_BLOCK,
        label=messages.CONTACT_LABEL,
        hint=messages.contact_hint(default_contact_id),
        optional=bool(default_contact_id),
        element=PlainTextInputElement(
            action_id=CONTACT_ACTION,
            placeholder=default_contact_id or "C-77",
            max_length=MAX_ID_LENGTH,
        ),
    )


def _channel_input(initial_channel: str | None) -> InputBlock:
    return InputBlock(
        block_id=CHANNEL_BLOCK,
        label=messages.CHANNEL_LABEL,
        hint=messages.CHANNEL_HINT,
        optional=True,
        element=ConversationSelectElement(
            action_id=CHANNEL_ACTION,
            placeholder=messages.CHANNEL_PLACEHOLDER,
            initial_conversation=initial_channel,
            default_to_current_conversation=initial_channel is None or None,
            # A response_url for the chosen conversation comes with the submission: the
            # private fallback when the bot cannot post there.
            response_url_enabled=True,
            filter=ConversationFilter(
                include=["public", "private", "mpim", "im"], exclude_bot_users=True
            ),
        ),
    )


def field_block(field: DialField | None, present: Iterable[str]) -> str:
    """The block a refusal is shown next to: its field's, else (a refusal about the dial
    as a whole, or a field this person's form does not have) the number's."""
    block = FIELD_BLOCKS.get(field) if field else None
    return block if block in set(present) else NUMBER_BLOCK


_MENTION_MARKUP = re.compile(r"<@([UW][A-Z0-9]+)>")


def plain_text(mrkdwn: str, name_of: Callable[[str], str | None]) -> str:
    """One of our mrkdwn sentences as plain text (what Slack shows next to a modal's
    field): mentions become @name, bold and code marks go. User text in it stays escaped."""

    def mention(match: re.Match[str]) -> str:
        return "@" + quote_for_slack(name_of(match.group(1)) or match.group(1), limit=80)

    text = _MENTION_MARKUP.sub(mention, mrkdwn).replace("*", "").replace("`", "")
    return text[: SECTION_TEXT_LIMIT - 1] + "…" if len(text) > SECTION_TEXT_LIMIT else text


def modal_view(message: Message) -> dict[str, Any]:
    """A message shown as the whole dial modal (its progress and outcome)."""
    view = View(
        type="modal",
        callback_id=MODAL_CALLBACK_ID,
        title=PlainTextObject(text=messages.MODAL_TITLE),
        close=PlainTextObject(text=messages.MODAL_CLOSE),
        blocks=message.blocks,
    )
    return view.to_dict()


def home_view(message: Message) -> dict[str, Any]:
    """A message shown as a person's App Home tab."""
    return View(type="home", blocks=message.blocks).to_dict()
