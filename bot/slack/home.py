"""The App Home tab: who a person dials as, their agent's state, their last dials, and a
Place a call button; admins and supervisors see what their rights add.

Published with views.publish when the person opens the tab and again when one of their
dials ends. Rendering reads the store a few times and never waits on CXone unless a
state reader is connected (`state_reader`: CXone agent id -> the state in words, None
when it could not be read). A failed publish is logged and left: the next open or the
next dial publishes again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot import messages
from bot.dialing import DialService, HomeSummary, Refusal
from bot.parsing import quote_for_slack
from bot.slack.blocks import Message, text_message
from bot.slack.reporter import Presentation
from bot.slack.surfaces import HomeCard
from bot.store import DialRequest, DialState

log = logging.getLogger("bot.slack")

OPEN_MODAL_ACTION = "dial_open_modal"
RECENT_DIALS = 10
AGENTS_SHOWN = 20
REASON_CHARS = 140  # of CXone's reason on a dial that was not placed

AgentStateReader = Callable[[str], str | None]


def slack_date(moment: datetime) -> str:
    """A time each reader sees in their own time zone (Slack's <!date> token)."""
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


class AppHome:
    def __init__(
        self,
        client: WebClient,
        service: DialService,
        presentation: Presentation,
        *,
        state_reader: AgentStateReader | None = None,
        link_by_email: bool = False,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.client = client  # no retries on 429: a home is never worth holding a thread
        self.service = service
        self.presentation = presentation
        self.state_reader = state_reader
        self.link_by_email = link_by_email
        self.clock = clock or service.clock
        self._lock = threading.Lock()
        self._publishing: set[str] = set()  # people whose home a thread is publishing
        self._again: set[str] = set()  # ... and who need it once more when it is done

    def message(self, user_id: str) -> Message:
        """The person's home, as blocks."""
        summary = self.service.home(user_id, recent=RECENT_DIALS, agents=AGENTS_SHOWN)
        if isinstance(summary, Refusal):
            return text_message(summary.message)
        blocks: list[Block] = [HeaderBlock(text=messages.HOME_HEADER), *self._link(summary)]
        blocks += [DividerBlock(), _section(messages.HOME_YOUR_DIALS)]
        blocks += self._dials(summary.recent, viewer=user_id) or [_context(messages.HOME_NO_DIALS)]
        if summary.is_supervisor:
            blocks += [DividerBlock(), _section(self._dialable(summary))]
        if summary.is_admin and summary.link_count is not None:
            blocks += [DividerBlock(), _section(messages.home_team(summary.link_count))]
            blocks += [_section(messages.HOME_TEAM_DIALS)]
            blocks += self._dials(summary.team_recent, viewer=None) or [
                _context(messages.HOME_NO_DIALS)
            ]
        blocks.append(_context(messages.home_updated(slack_date(self.clock()))))
        return Message(text=messages.HOME_HEADER, blocks=[b.to_dict() for b in blocks])

    def publish(self, user_id: str) -> bool:
        return HomeCard(self.client, user_id).replace(self.message(user_id))

    def refresh_after(self, request: DialRequest) -> None:
        """A dial ended: the homes of the people it belongs to show it."""
        for user_id in dict.fromkeys((request.requester_id, request.agent_user_id)):
            self.refresh(user_id)

    def refresh(self, user_id: str) -> None:
        """Publish the person's home again. Dials that end together for one person share
        a publish: while one thread publishes it, the others only ask it to go again
        once it is done, so the last view always shows every dial."""
        with self._lock:
            if user_id in self._publishing:
                self._again.add(user_id)
                return
            self._publishing.add(user_id)
        while True:
            try:
                self.publish(user_id)
            except Exception:  # a home is never worth failing a dial's report for
                log.exception(messages.LOG_UNHANDLED, f"home of {user_id}")
            with self._lock:  # checked and released in one step: no request is lost
                if user_id not in self._again:
                    self._publishing.discard(user_id)
                    return
                self._again.discard(user_id)

    # --- parts ----------------------------------------------------------------------

    def _link(self, summary: HomeSummary) -> list[Block]:
        link = summary.link
        if link is None:
            unlinked = messages.home_unlinked(self.service.admins, self.link_by_email)
            parts: list[Block] = [_section(unlinked)]
            return parts + ([_place_call_button()] if self.link_by_email else [])
        linked_on = link.linked_at.strftime("%Y-%m-%d")
        parts = [_section(messages.home_linked(link.cxone_agent_id, link.linked_by, linked_on))]
        state = self._state(link.cxone_agent_id)
        if state is not None:
            parts.append(_context(state))
        return parts + [_place_call_button()]

    def _state(self, agent_id: str) -> str | None:
        if self.state_reader is None:
            return None
        try:
            words = self.state_reader(agent_id)
        except Exception:
            log.exception(messages.LOG_UNHANDLED, "agent state for the home")
            words = None
        if not words:
            return messages.HOME_STATE_UNREAD
        return messages.home_state(quote_for_slack(words, limit=60))

    def _dials(self, requests: Iterable[DialRequest], *, viewer: str | None) -> list[Block]:
        return [_section(self._dial_line(request, viewer)) for request in requests]

    def _dial_line(self, request: DialRequest, viewer: str | None) -> str:
        outcome = messages.HOME_OUTCOMES.get(str(request.state), str(request.state))
        number = self.presentation.shown_in_channels(request.phone_number)
        first = f"{outcome} · {number} · {slack_date(request.created_at)}"
        details = [_who(request, viewer)]
        if request.state == DialState.PLACED and request.call_id:
            details.append(f"CXone call id `{quote_for_slack(request.call_id, limit=80)}`")
        elif request.state in (DialState.REJECTED, DialState.UNKNOWN) and request.error:
            details.append(quote_for_slack(request.error, limit=REASON_CHARS))
        second = " · ".join(part for part in details if part)
        return f"{first}\n{second}" if second else first

    def _dialable(self, summary: HomeSummary) -> str:
        mentions = [messages.mention(link.slack_user_id) for link in summary.dialable]
        return messages.home_dialable(mentions, summary.dialable_total - len(mentions))


def _who(request: DialRequest, viewer: str | None) -> str:
    """Whose dial it was, seen from the viewer (None: the team's view)."""
    requester, agent = request.requester_id, request.agent_user_id
    if viewer is None:
        who = messages.mention(requester)
        return who if agent == requester else f"{who} as {messages.mention(agent)}"
    if requester == viewer:
        return "" if agent == viewer else f"as {messages.mention(agent)}"
    return f"by {messages.mention(requester)}, as you"


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text))


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def _place_call_button() -> ActionsBlock:
    return ActionsBlock(
        block_id="dial_home_actions",
        elements=[
            ButtonElement(
                text=messages.PLACE_CALL_BUTTON,
                action_id=OPEN_MODAL_ACTION,
                value="open",
                style="primary",
            )
        ],
    )
