"""The dial modal's submission (`view_submission`, callback_id `dial_modal`).

Answered inside the ack, within Slack's 3 s: the checks and the claim run first
(DialService.submit), then the modal becomes "Dialing…" or keeps its fields with each
refusal next to the one to fix. The call itself is placed after the ack (a lazy
listener), so the outcome's views.update can only follow the "Dialing…" it replaces.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.dialing import Claimed
from bot.slack.blocks import MODAL_CALLBACK_ID
from bot.slack.dial_modal import present_blocks, read_dial_form
from bot.slack.front_end import DialFrontEnd

CLAIMED = "dialbot_claimed_request"  # context key: the ack hands its claim to the lazy part


def register(app: App, front: DialFrontEnd) -> None:
    submission = DialModalSubmission(front)
    app.view_submission(MODAL_CALLBACK_ID)(
        ack=submission.on_submit, lazy=[submission.place_claimed_call]
    )


class DialModalSubmission:
    def __init__(self, front: DialFrontEnd) -> None:
        self.front = front

    def on_submit(self, ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        form = read_dial_form(body)
        if isinstance(form, dict):
            ack(response_action="errors", errors=form)
            return
        requester = body["user"]["id"]
        result = self.front.service.submit(
            requester,
            form.agent_user_id,
            form.number,
            form.contact_id,
            form.channel_id or requester,  # no conversation chosen: a DM from the bot
            view_id=form.view_id,
            response_url=form.response_url,
        )
        if isinstance(result, Claimed):
            # Set before the answer is rendered: the claimed call is placed (and its
            # outcome reported) even if something below fails.
            context[CLAIMED] = result.request
        ack(**self.front.reporter.submission_answer(result, present_blocks(body.get("view"))))

    def place_claimed_call(self, context: BoltContext) -> None:
        request = context.get(CLAIMED)
        if request is not None:
            self.front.start_dial(request)
