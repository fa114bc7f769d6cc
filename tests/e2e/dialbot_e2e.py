"""What the end-to-end tests share: the people, and a DialBot that acts like Slack.

Requests are signed and sent exactly as Slack sends them (bot.sandbox.slack_requests);
Slack's side is SlackApiStandIn, CXone's is CXoneSandbox (the tutorial's endpoints).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from slack_bolt import App

from bot.config import Settings
from bot.sandbox import settings as sandbox
from bot.sandbox import wait_for
from bot.sandbox.cxone import CXoneSandbox
from bot.sandbox.settings import Endpoints
from bot.sandbox.slack_api import SlackApiStandIn
from bot.sandbox.slack_requests import (
    answer_problems,
    app_home_opened_body,
    block_action_body,
    global_shortcut_payload,
    interactive_body,
    send,
    slash_command_body,
    view_action_payload,
    view_submission_payload,
)
from bot.server import HttpServer
from bot.store import Store

ROOT = Path(__file__).resolve().parents[2]
SIGNING_SECRET = sandbox.SIGNING_SECRET
CHANNEL = "C0DEMO"
NOTIFY_CHANNEL = "C0NOTIFY"
ALICE, BOB, SAM = "U0ALICE", "U0BOB", "U0SUPER"  # SlackApiStandIn's default users
ADMIN = "U0ADMIN"
AGENTS = {ALICE: "agent-1001", BOB: "agent-2002", SAM: "agent-3003"}


@dataclass
class DialBot:
    """The running app and what it talks to, with helpers that act like a Slack user."""

    server: HttpServer
    app: App
    slack: SlackApiStandIn
    cxone: CXoneSandbox
    store: Store
    settings: Settings
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def events_url(self) -> str:
        return self.server.events_url

    def post(self, body: str, *, secret: str = SIGNING_SECRET, **kwargs: Any):
        return send(self.events_url, body, secret, session=self.session, **kwargs)

    def slash(self, user_id: str, text: str, *, channel_id: str = CHANNEL) -> Slash:
        response_url = self.slack.response_url()
        body = slash_command_body(
            user_id=user_id, text=text, channel_id=channel_id, response_url=response_url
        )
        return Slash(self.post(body), response_url, channel_id, user_id)

    def press(self, slash: Slash, action_id: str = "dial_confirm", *, user_id: str | None = None):
        body = block_action_body(
            user_id=user_id or slash.user_id,
            action_id=action_id,
            value=slash.request_id,
            channel_id=slash.channel_id,
            response_url=slash.response_url,
        )
        return self.post(body)

    def responses(self, slash: Slash) -> list[Any]:
        return self.slack.responses_for(slash.response_url)

    def wait_for_final_card(self, slash: Slash, timeout: float = 10.0) -> dict[str, Any]:
        """The last card posted over the response_url once it no longer says Dialing…"""

        def final() -> dict[str, Any] | None:
            cards = [r for r in self.responses(slash) if r.get("replace_original")]
            if cards and "Dialing" not in cards[-1]["text"]:
                return cards[-1]
            return None

        return wait_for(final, timeout=timeout)

    def channel_posts(self, channel: str = CHANNEL) -> list[dict[str, Any]]:
        return [
            c.args for c in self.slack.calls_to("chat.postMessage") if c.args["channel"] == channel
        ]

    # ---- the App Home and the dial modal -------------------------------------------

    def open_home(self, user_id: str) -> dict[str, Any]:
        """The person opens the Home tab: the home the app publishes for them."""
        published = len(self.slack.calls_to("views.publish"))
        answer = self.post(app_home_opened_body(user_id=user_id, view=self.slack.home_of(user_id)))
        assert answer.status_code == 200, answer.text

        def theirs() -> bool:  # other homes may be published meanwhile (after a dial)
            later = self.slack.calls_to("views.publish")[published:]
            return any(c.args.get("user_id") == user_id and c.ok for c in later)

        wait_for(theirs)
        return self.slack.home_of(user_id)

    def _new_modal(self, send_request) -> dict[str, Any]:
        opened = len(self.slack.calls_to("views.open"))
        answer = send_request()
        assert answer.status_code == 200, answer.text
        wait_for(lambda: len(self.slack.calls_to("views.open")) > opened)
        call = self.slack.calls_to("views.open")[opened]
        assert call.ok, call.response
        return self.slack.view(call.response["view"]["id"])

    def modal_by_shortcut(self, user_id: str) -> dict[str, Any]:
        payload = global_shortcut_payload(user_id=user_id, callback_id="dial_place_call")
        return self._new_modal(lambda: self.post(interactive_body(payload)))

    def modal_by_slash(self, user_id: str, *, channel_id: str = CHANNEL) -> dict[str, Any]:
        def slash():
            answer = self.slash(user_id, "", channel_id=channel_id).response
            assert answer.text == "", answer.text  # acked empty: the modal says it all
            return answer

        return self._new_modal(slash)

    def modal_from_home(self, user_id: str) -> dict[str, Any]:
        home = self.open_home(user_id)
        payload = view_action_payload(user_id=user_id, action_id="dial_open_modal", view=home)
        return self._new_modal(lambda: self.post(interactive_body(payload)))

    def submit(self, user_id: str, modal: dict[str, Any], **answers: Any) -> Submission:
        """Submit the modal with `answers` by field: number, agent, contact, channel."""
        by_block = {f"dial_{'as' if k == 'agent' else k}": v for k, v in answers.items()}
        response_url = self.slack.response_url()
        payload = view_submission_payload(
            user_id=user_id, view=modal, answers=by_block, response_url=response_url
        )
        return self.post_submission(modal, payload, response_url)

    def post_submission(
        self, modal: dict[str, Any], payload: dict[str, Any], response_url: str | None = None
    ) -> Submission:
        answer = self.post(interactive_body(payload))
        assert answer.status_code == 200, answer.text
        ack = answer.json() if answer.text else {}
        assert answer_problems(modal, ack) == [], ack
        return Submission(ack, modal["id"], response_url, answer.elapsed.total_seconds())

    def modal_now(self, submission: Submission) -> dict[str, Any] | None:
        return self.slack.view(submission.view_id)

    def wait_for_modal_outcome(self, submission: Submission, timeout: float = 10.0) -> dict:
        """The modal once views.update has shown the outcome (no longer Dialing…)."""

        def final() -> dict[str, Any] | None:
            updates = [
                c
                for c in self.slack.calls_to("views.update")
                if c.args.get("view_id") == submission.view_id and c.ok
            ]
            if updates and "Dialing" not in json.dumps(updates[-1].response["view"]["blocks"]):
                return updates[-1].response["view"]
            return None

        return wait_for(final, timeout=timeout)


@dataclass
class Submission:
    """A dial modal's submission: what the app acked, and the modal it came from."""

    ack: dict[str, Any]
    view_id: str
    response_url: str | None  # Slack's for the conversation chosen, when one was
    seconds: float  # until the ack arrived

    @property
    def errors(self) -> dict[str, str]:
        if self.ack.get("response_action") != "errors":
            return {}
        return self.ack.get("errors") or {}

    @property
    def view_text(self) -> str:
        """The text of the view the ack turned the modal into (response_action update)."""
        return json.dumps(self.ack.get("view", {}).get("blocks", []), ensure_ascii=False)


@dataclass
class Slash:
    response: requests.Response
    response_url: str
    channel_id: str
    user_id: str

    @property
    def answer(self) -> dict[str, Any]:
        assert self.response.status_code == 200, self.response.text
        return self.response.json()

    @property
    def text(self) -> str:
        return self.answer["text"]

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [
            element
            for block in self.answer.get("blocks", [])
            if block["type"] == "actions"
            for element in block["elements"]
        ]

    @property
    def request_id(self) -> str:
        return self.buttons[0]["value"]


def make_settings(slack: SlackApiStandIn, cxone: CXoneSandbox, tmp_path, **overrides) -> Settings:
    values: dict[str, Any] = {
        "cxone_http_timeout": 3.0,
        "database_url": f"sqlite:///{tmp_path / 'dialbot.db'}",
        "dial_admins": frozenset({ADMIN}),
        "dial_supervisors": frozenset({SAM}),
        "dial_notify_channel": NOTIFY_CHANNEL,
        "dial_default_region": "US",
        "dial_allowed_regions": frozenset({"US"}),
        "dial_mask_numbers": True,
        "dial_confirm_ttl_seconds": 600,
        "dial_rate_limit_per_minute": 5,
    }
    values.update(overrides)
    return sandbox.sandbox_settings(Endpoints.of(slack, cxone), **values)


class RunningApp:
    """`python app.py` in HTTP mode as a child process, in a directory without a .env;
    stop() returns what it wrote to stderr (its log)."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py")],
            cwd=cwd,
            env={"PATH": os.environ.get("PATH", ""), **env, "PORT": str(self.port)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        wait_for(self._healthy, timeout=20)

    @property
    def events_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    def _healthy(self) -> bool:
        assert self.process.poll() is None, self.process.communicate()[1]
        try:
            return requests.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).ok
        except requests.ConnectionError:
            return False

    def slash_and_press(self, user_id: str, number: str, response_url: str) -> str:
        """`/dial <number>` signed, then Dial on its card; the request id."""
        body = slash_command_body(user_id=user_id, text=number, response_url=response_url)
        request_id = dial_button_value(send(self.events_url, body, SIGNING_SECRET).json())
        press = block_action_body(
            user_id=user_id,
            action_id="dial_confirm",
            value=request_id,
            channel_id=CHANNEL,
            response_url=response_url,
        )
        assert send(self.events_url, press, SIGNING_SECRET).status_code == 200
        return request_id

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> str:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.communicate(timeout=20)[1]


def dial_button_value(card: dict[str, Any]) -> str:
    """The request id behind a confirm card's Dial button."""
    (value,) = [
        element["value"]
        for block in card["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == "dial_confirm"
    ]
    return value


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
