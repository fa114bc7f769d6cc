"""How the benchmark speaks to each app: the /dial it types and the Dial presses it makes.

Our app answers /dial with a confirm card and places the call when Dial is pressed,
so a press needs a pending request first: it is made with a /dial (untimed) and its
id read from the card's Dial button. The tutorial-style app has nothing pending; its
button value carries the number and a tag the sandbox sees in the call's data.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk import WebClient

from bench.apps import BOT_TOKEN, CONTACT_ID, SIGNING_SECRET, AppProcess
from bench.load import run_batches
from bench.stand_ins import StandIns
from bot.sandbox.slack_requests import (
    block_action_body,
    interactive_body,
    slash_command_body,
    trigger_id,
    view_submission_payload,
)
from bot.slack.blocks import CHANNEL_BLOCK, NUMBER_BLOCK, dial_form_view

NUMBER = "+12015550123"
CONFIRM_ACTION = "dial_confirm"
PREP_CLIENTS = 20  # clients making pending requests (untimed)


@dataclass(frozen=True)
class Press:
    body: str
    request_id: str  # what the sandbox sees as data.requestId


def confirm_request_id(ack_body: bytes) -> str | None:
    """The value of the card's Dial button in a /dial ack, if there is one."""
    try:
        answer = json.loads(ack_body)
    except ValueError:
        return None
    for block in answer.get("blocks") or []:
        for element in block.get("elements") or []:
            if element.get("action_id") == CONFIRM_ACTION:
                return element.get("value")
    return None


class Target:
    """One app under test, as a Slack user sees it."""

    name: str

    def __init__(self, app: AppProcess, stand_ins: StandIns) -> None:
        self.app = app
        self.stand_ins = stand_ins

    def dial_body(self, user_id: str) -> str:
        raise NotImplementedError

    def presses(self, users: Sequence[str], per_client: int) -> list[list[Press]]:
        """`per_client` presses for each user (one client per user), ready to send."""
        raise NotImplementedError

    def press(self, user_id: str, request_id: str, response_url: str) -> Press:
        body = block_action_body(
            user_id=user_id,
            action_id=CONFIRM_ACTION,
            value=self.button_value(request_id),
            channel_id="C0DEMO",
            response_url=response_url,
        )
        return Press(body, request_id)

    def button_value(self, request_id: str) -> str:
        return request_id


class OurApp(Target):
    name = "dialbot"

    def dial_body(self, user_id: str) -> str:
        return slash_command_body(
            user_id=user_id, text=NUMBER, response_url=self.stand_ins.response_url()
        )

    def presses(self, users: Sequence[str], per_client: int) -> list[list[Press]]:
        # Each press needs a pending request: make them with /dial, PREP_CLIENTS at a time.
        wanted = [(u, self.stand_ins.response_url()) for u in users for _ in range(per_client)]
        clients = min(PREP_CLIENTS, len(wanted))
        stripes = [wanted[i::clients] for i in range(clients)]
        answers = run_batches(
            self.app.events_url,
            SIGNING_SECRET,
            [
                [slash_command_body(user_id=u, text=NUMBER, response_url=url) for u, url in stripe]
                for stripe in stripes
            ],
        )
        made: dict[int, Press] = {}
        for offset, (stripe, samples) in enumerate(zip(stripes, answers, strict=True)):
            for n, ((user, url), sample) in enumerate(zip(stripe, samples, strict=True)):
                request_id = confirm_request_id(sample.body)
                if sample.status != 200 or request_id is None:
                    raise RuntimeError(
                        f"/dial did not answer with a confirm card (HTTP {sample.status}): "
                        f"{sample.body[:300]!r}\n{self.app.log_tail()}"
                    )
                made[offset + n * clients] = self.press(user, request_id, url)
        return [[made[i * per_client + k] for k in range(per_client)] for i in range(len(users))]

    def modal_submissions(self, users: Sequence[str], per_client: int) -> list[list[str]]:
        """`per_client` dial modal submissions for each user, each from a modal of its own
        opened at the Slack stand-in (untimed), as the app would have opened it."""
        slack = WebClient(base_url=self.stand_ins.slack_url, token=BOT_TOKEN)
        form = dial_form_view(
            show_agent=False,
            show_contact=True,
            default_contact_id=CONTACT_ID,
            default_region="US",
            initial_channel="C0DEMO",
        )
        answers = {NUMBER_BLOCK: NUMBER, CHANNEL_BLOCK: "C0DEMO"}
        return [
            [
                interactive_body(
                    view_submission_payload(
                        user_id=user,
                        view=slack.views_open(trigger_id=trigger_id(), view=form)["view"],
                        answers=answers,
                        response_url=self.stand_ins.response_url(),
                    )
                )
                for _ in range(per_client)
            ]
            for user in users
        ]


class TutorialApp(Target):
    name = "tutorial-style"

    def dial_body(self, user_id: str) -> str:
        return slash_command_body(
            user_id=user_id,
            text=f"{NUMBER} {uuid.uuid4().hex}",
            response_url=self.stand_ins.response_url(),
        )

    def presses(self, users: Sequence[str], per_client: int) -> list[list[Press]]:
        return [
            [
                self.press(user, uuid.uuid4().hex, self.stand_ins.response_url())
                for _ in range(per_client)
            ]
            for user in users
        ]

    def button_value(self, request_id: str) -> str:
        return f"{NUMBER} {request_id}"
