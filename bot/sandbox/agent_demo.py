"""`dialbot demo --api agent`: the /dial flow over CXone's Agent API, with the call
followed live (ringing, connected, ended) in the thread, on the card and in the
notification. The real app (CXONE_API=agent) runs against AgentApiSandbox and the Slack
stand-in; the demo acts as Slack. `--fault` makes CXone misbehave first.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.sandbox import wait_for
from bot.sandbox.cxone_agent import AgentApiSandbox
from bot.sandbox.render import mrkdwn_to_text, render_message
from bot.sandbox.scenario import (
    ADMIN,
    ALICE,
    CHANNELS,
    DIAL_LOG,
    HTTP_TIMEOUT,
    SALES,
    SIGNING_SECRET,
    TYPED_NUMBER,
    USERS,
    DemoFailed,
    _dial_button_value,
    _phrase,
    _SlackSide,
)
from bot.sandbox.settings import Endpoints, sandbox_settings
from bot.sandbox.slack_api import SlackApiStandIn
from bot.sandbox.transcript import Transcript
from bot.store import DialState, Store
from bot.store.records import OPEN_FOLLOW_STATES

AGENT_ID = "1001"
ACCESS_KEY_ID = "demo-key-id"
ACCESS_KEY_SECRET = "demo-key-secret"
CLIENT_ID, CLIENT_SECRET = "demo-application", "demo-application-secret"
RING_SECONDS, TALK_SECONDS = 1.0, 2.0
FOLLOW_WAIT = 15.0


@dataclass(frozen=True)
class AgentFault:
    story: str
    arm: Callable[[AgentApiSandbox, Callable[[], str]], None]  # (sandbox, the bot's sign-in)
    lesson: str


def _script(name: str) -> Callable[[AgentApiSandbox, Callable[[], str]], None]:
    def arm(cxone: AgentApiSandbox, _sign_in: Callable[[], str]) -> None:
        cxone.call_script = name

    return arm


def _revoke_after_sign_in(cxone: AgentApiSandbox, sign_in: Callable[[], str]) -> None:
    sign_in()  # the bot signed in earlier ...
    cxone.revoke_tokens()  # ... and then that token was revoked in CXone


AGENT_FAULTS: dict[str, AgentFault] = {
    "429": AgentFault(
        "CXone rate-limits the first dial-phone: 429 with Retry-After: 1.",
        lambda cxone, _: cxone.set_fault("429", times=1, retry_after=1),
        "A 429 means CXone did nothing, so the bot waited and sent dial-phone again.",
    ),
    "500": AgentFault(
        "CXone answers dial-phone with 500 Internal Server Error, after ringing the agent.",
        lambda cxone, _: cxone.set_fault("500", times=1, place=True),
        "A 500 can come after CXone acted, so dial-phone is not sent again: the outcome is "
        "unknown and Alice is told what to check.",
    ),
    "timeout": AgentFault(
        f"CXone places the call but answers dial-phone too late (after {HTTP_TIMEOUT:g} s).",
        lambda cxone, _: cxone.set_fault("timeout", times=1, seconds=30),
        "The call did ring, but the bot never heard back: unknown, never a second ring.",
    ),
    "revoked": AgentFault(
        "The bot signed in to CXone earlier; its access token is then revoked.",
        lambda cxone, sign_in: _revoke_after_sign_in(cxone, sign_in),
        "A 401 means CXone did nothing: the bot used its refresh token and sent once more.",
    ),
    "busy": AgentFault(
        "The number Alice calls is busy.",
        _script("busy"),
        "The call never connected; the thread says why in words (DisconnectCode Busy).",
    ),
    "no-answer": AgentFault(
        "Nobody answers the number Alice calls.",
        _script("no_answer"),
        "The call never connected; the thread says why (DisconnectCode NoAnswer).",
    ),
    "logged-out": AgentFault(
        "Alice is not logged in to CXone.",
        lambda cxone, _: cxone.log_out(AGENT_ID),
        "CXone refused to join her session, so nothing was dialed; she is told to log in.",
    ),
}


class AgentDemo:
    def __init__(
        self, out: Transcript, workdir: Path, fault: AgentFault | None, logs: list[str]
    ) -> None:
        self.out = out
        self.workdir = workdir
        self.fault = fault
        self.logs = logs
        self.names = {**{u["id"]: u["name"] for u in USERS}, **CHANNELS}
        self._idle: Callable[[], bool] = lambda: True
        self._sign_in: Callable[[], str] = lambda: ""

    def run(self) -> None:
        from bot.server import HttpServer
        from bot.slack.app import build_app, front_end, shutdown

        slack = SlackApiStandIn(users=USERS, channels=CHANNELS)
        cxone = AgentApiSandbox(
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            access_key_id=ACCESS_KEY_ID,
            access_key_secret=ACCESS_KEY_SECRET,
            agents=(AGENT_ID,),
            ring_seconds=RING_SECONDS,
            talk_seconds=TALK_SECONDS,
        )
        store = app = server = None
        try:
            slack.start()
            cxone.start()
            settings = sandbox_settings(
                Endpoints.of(slack, cxone),
                database_url=f"sqlite:///{self.workdir / 'demo.db'}",
                slack_signing_secret=SIGNING_SECRET,
                cxone_api="agent",
                cxone_auth_url=cxone.auth_url,
                cxone_access_key_id=ACCESS_KEY_ID,
                cxone_access_key_secret=ACCESS_KEY_SECRET,
                cxone_base_url=None,
                cxone_outbound_campaign_id=None,
                cxone_http_timeout=HTTP_TIMEOUT,
                dial_admins={ADMIN},
                dial_notify_channel=DIAL_LOG,
                dial_allowed_regions={"US"},
            )
            store = Store.open(settings.database_url)
            app = build_app(settings, store=store)
            server = HttpServer(app, signing_secret=SIGNING_SECRET).start()
            following = front_end(app).following
            self._idle = lambda: following is None or following.following == 0
            self._sign_in = front_end(app).service.placer.sign_in.get_token
            self._intro(server.url, cxone.url)
            side = _SlackSide(server.events_url, slack)
            try:
                self._play(side, slack, cxone, store)
            finally:
                side.close()
        finally:
            if server is not None:
                server.stop()
            if app is not None:
                shutdown(app, wait=False)
            if store is not None:
                store.close()
            cxone.stop()
            slack.stop()

    def _intro(self, app_url: str, cxone_url: str) -> None:
        out = self.out
        out.say("dialbot demo --api agent: the real app over CXone's Agent API, locally.")
        out.say(f"the app (HTTP mode, CXONE_API=agent)  {app_url}/slack/events", 2)
        out.say(f"CXone Agent API sandbox              {cxone_url}", 2)
        if self.fault:
            out.say()
            out.say(f"FAULT: {self.fault.story}")

    def _play(
        self, side: _SlackSide, slack: SlackApiStandIn, cxone: AgentApiSandbox, store: Store
    ) -> None:
        out = self.out
        out.section(f"0. The admin (@dana) links Alice to CXone agent {AGENT_ID}")
        side.slash(ADMIN, f"link <@{ALICE}|alice> {AGENT_ID}")
        out.section(f"1. Alice types in #sales:  /dial {TYPED_NUMBER}")
        card, response_url = side.slash(ALICE, TYPED_NUMBER)
        request_id = _dial_button_value(card)
        out.section("2. Only Alice sees (the confirm card):")
        out.box(render_message(card, self.names))
        if request_id is None:
            raise DemoFailed("the /dial answer had no Dial button (see the card above).")
        if self.fault:
            self.fault.arm(cxone, self._sign_in)
        out.section("3. Alice presses [ Dial ] — the card becomes:")
        pressed, pressed_at = time.monotonic(), datetime.now(UTC)
        side.press(ALICE, request_id, response_url)
        cards = side.wait_for_final_card(response_url, cxone)
        out.box(render_message(cards[-1], self.names))
        out.say(f"(the outcome arrived {time.monotonic() - pressed:.1f} s after the press)", 3)

        out.section("4. CXone received (the Agent API):")
        self._cxone_side(cxone)
        request = store.get_request(request_id)
        followed = request is not None and request.state == DialState.PLACED
        if followed:
            out.section("5. The call, followed live (get-next-event), edits the thread reply:")
            self._follow(slack, store, request_id, pressed_at)
        out.section(f"{6 if followed else 5}. #sales got:")
        self._channel(slack, SALES)
        out.section(f"{7 if followed else 6}. #dial-log (DIAL_NOTIFY_CHANNEL) got:")
        self._channel(slack, DIAL_LOG)
        if self.logs:
            out.section("The app's log said (warnings and errors):")
            for line in self.logs:
                out.say(line, 3)
        final = store.get_request(request_id)
        if final is None:
            raise DemoFailed(f"the app's database has no dial request {request_id}.")
        out.section(f"Outcome: {final.state.upper()}" + _follow_words(final))
        if final.error:
            out.say(mrkdwn_to_text(final.error), 3)
        if self.fault:
            out.say(self.fault.lesson, 3)

    def _cxone_side(self, cxone: AgentApiSandbox) -> None:
        out = self.out
        out.say(
            f"sign-in: {cxone.grants.count('password')} password grant(s) (access key "
            f"{ACCESS_KEY_ID}, Basic auth as {CLIENT_ID}), "
            f"{cxone.grants.count('refresh_token')} refresh(es); discovery found the token "
            "endpoint and the tenant's api_endpoint.",
            3,
        )
        skills = len(cxone.reads_of("skills"))
        out.say(
            f"GET /agents/{AGENT_ID}/skills: {skills} (the outbound phone skill, then cached); "
            f"POST /agent-sessions/join: {json.dumps(cxone.joins)} → sessionId "
            f"{cxone.session_of(AGENT_ID) or '(none)'}",
            3,
        )
        for attempt, call in enumerate(cxone.calls, start=1):
            status = call.status
            words = "no answer" if status is None else f"{status} {_phrase(status)}"
            if call.fault == "timeout":
                words += " (too late: the bot had stopped waiting)"
            out.say(f"dial-phone attempt {attempt}: {json.dumps(call.body)} → {words}", 3)
        if not cxone.calls:
            out.say("no dial-phone was sent.", 3)

    def _follow(
        self, slack: SlackApiStandIn, store: Store, request_id: str, since: datetime
    ) -> None:
        def done() -> bool:  # and told: the follower is done once Slack has the last edit
            request = store.get_request(request_id)
            ended = request is not None and request.follow_state not in OPEN_FOLLOW_STATES
            return ended and self._idle()

        try:
            wait_for(done, timeout=FOLLOW_WAIT)
        except TimeoutError:
            self.out.say(f"(still following after {FOLLOW_WAIT:g} s; the demo stops here)", 3)
        for call in slack.calls_to("chat.update"):
            if call.args.get("channel") != SALES:
                continue
            text = mrkdwn_to_text(str(call.args.get("text", ""))).splitlines()[-1]
            self.out.say(f"+{(call.time - since).total_seconds():4.1f} s  {text}", 3)

    def _channel(self, slack: SlackApiStandIn, channel: str) -> None:
        """The channel's messages as they read now (after the edits)."""
        out = self.out
        posts = slack.messages(channel)
        if not posts:
            out.say("nothing.", 3)
        for post in posts:
            if post.get("thread_ts"):
                out.say("in the thread under it (as it reads now, after the edits):", 5)
                out.box(render_message(post, self.names), indent=5)
            else:
                out.box(render_message(post, self.names))


def _follow_words(request) -> str:
    if request.follow_state in (None, "following"):
        return ""
    return f" — followed to: {request.follow_state.upper()}"
