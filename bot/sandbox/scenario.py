"""The demo's story: the real app against the local stand-ins, acted out as Slack
would, and what each party saw, told as it happens.

An admin links Alice to a CXone agent, Alice types /dial and presses Dial (or, `via`
"modal", opens her App Home, presses Place a call and submits the dial modal: see
bot/sandbox/modal_demo.py); a `Fault` makes CXone misbehave first so people can see how
each failure looks.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from bot.config import Settings
from bot.cxone import TokenClient
from bot.sandbox import wait_for
from bot.sandbox.cxone import OUTBOUND_PATH, CXoneSandbox, ReceivedCall
from bot.sandbox.render import mrkdwn_to_text, render_message
from bot.sandbox.settings import Endpoints, sandbox_settings
from bot.sandbox.slack_api import DEFAULT_USERS, SlackApiStandIn, demo_user
from bot.sandbox.slack_requests import block_action_body, send, slash_command_body
from bot.sandbox.transcript import Transcript
from bot.store import DialRequest, DialState, Store

SIGNING_SECRET = "demo-signing-secret"
CLIENT_ID = "demo-client"
CLIENT_SECRET = "demo-client-secret"
CAMPAIGN_ID = "demo-campaign"
CONTACT_ID = "demo-contact-1"
AGENT_ID = "1001"
HTTP_TIMEOUT = 1.5  # CXONE_HTTP_TIMEOUT: short, so the timeout fault keeps the demo fast
OUTCOME_WAIT = 15.0  # seconds to wait for the final card before giving up

ALICE, ADMIN = "U0ALICE", "U0ADMIN"
SALES, DIAL_LOG = "C0SALES", "C0DIALLOG"
CHANNELS = {SALES: "sales", DIAL_LOG: "dial-log"}
USERS = (*DEFAULT_USERS, demo_user(ADMIN, "dana", "Dana Admin"))
TYPED_NUMBER = "+1 (415) 555-0123"
VIA = ("command", "modal")  # how Alice dials: /dial and the card, or the App Home and modal


# --- faults ------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    story: str  # what goes wrong, told before it happens
    arm: Callable[[CXoneSandbox, TokenClient], None]  # called just before Alice presses Dial
    lesson: str  # what the transcript shows, told after the outcome


def _revoke_signed_in_token(cxone: CXoneSandbox, tokens: TokenClient) -> None:
    tokens.get_token()  # the bot signed in earlier (token request 1) ...
    cxone.revoke_tokens()  # ... and then that token was revoked in CXone


FAULTS: dict[str, Fault] = {
    "429": Fault(
        "CXone rate-limits the first dial: 429 Too Many Requests with Retry-After: 1.",
        lambda cxone, _: cxone.set_fault("429", times=1, retry_after=1),
        "A 429 means CXone did nothing, so the bot waited the second CXone asked for and "
        "sent the dial again: rate limits only slow a call down, they never ring anyone twice.",
    ),
    "500": Fault(
        "CXone answers the dial with 500 Internal Server Error.",
        lambda cxone, _: cxone.set_fault("500", times=1),
        "A 500 can come after CXone acted, so the bot does not retry: it tells Alice the "
        "outcome is unknown and what to check before dialing again.",
    ),
    "timeout": Fault(
        f"CXone places the call but answers too late (the bot waits {HTTP_TIMEOUT:g} s, "
        "CXONE_HTTP_TIMEOUT).",
        lambda cxone, _: cxone.set_fault("timeout", times=1, seconds=30),
        "CXone did place the call (section 4), but the bot never heard back. It says the "
        "outcome is unknown instead of guessing or retrying, so no one is rung twice.",
    ),
    "revoked": Fault(
        "The bot signed in to CXone earlier; an admin then revoked that access token.",
        _revoke_signed_in_token,
        "A 401 means CXone did nothing, so the bot fetched a new token (2 token requests in "
        "all) and sent the dial once more. Nobody had to do anything.",
    ),
}


# --- running it ------------------------------------------------------------------------


class DemoFailed(Exception):
    """Something the transcript needs never arrived; the message says what."""


def demo_settings(slack: SlackApiStandIn, cxone: CXoneSandbox, workdir: Path) -> Settings:
    """Every setting from the stand-ins, so nothing in the environment or `.env` changes
    the demo."""
    return sandbox_settings(
        Endpoints.of(slack, cxone),
        database_url=f"sqlite:///{workdir / 'demo.db'}",
        slack_signing_secret=SIGNING_SECRET,
        cxone_default_contact_id=CONTACT_ID,
        cxone_http_timeout=HTTP_TIMEOUT,
        dial_admins={ADMIN},
        dial_notify_channel=DIAL_LOG,
        dial_allowed_regions={"US"},
        # The most the ack may wait for the agent's state: a demo run on a busy laptop
        # should still show the state line (or the refusal), not "not checked yet".
        dial_agent_state_budget_ms=2000,
    )


class Demo:
    def __init__(
        self,
        out: Transcript,
        workdir: Path,
        fault: Fault | None,
        logs: list[str],
        *,
        via: str = "command",
    ) -> None:
        self.out = out
        self.logs = logs
        self.workdir = workdir
        self.fault = fault
        self.via = via
        self.agent_state: str | None = None  # Alice's CXone state (None: Available)
        self.names = {**{u["id"]: u["name"] for u in USERS}, **CHANNELS}

    def run(self) -> None:
        # Late imports: the app pulls in Bolt and waitress, which `dialbot --help` never needs.
        from bot.server import HttpServer
        from bot.slack.app import build_app, build_journey_placer, shutdown

        slack = SlackApiStandIn(users=USERS, channels=CHANNELS)
        cxone = CXoneSandbox(
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            campaign_id=CAMPAIGN_ID,
            agents=(AGENT_ID,),
        )
        store = app = server = None
        try:
            slack.start()
            cxone.start()
            if self.agent_state:
                cxone.set_agent_state(AGENT_ID, self.agent_state)
            settings = demo_settings(slack, cxone, self.workdir)
            store = Store.open(settings.database_url)
            # The demo keeps the placer so a fault can act on the token it signed in with.
            placer = build_journey_placer(settings)
            app = build_app(settings, store=store, placer=placer)
            secret = settings.slack_signing_secret
            server = HttpServer(app, signing_secret=secret and secret.get_secret_value()).start()
            self._intro(server.url, cxone.url, slack.base_url)
            side = _SlackSide(server.events_url, slack)
            try:
                self._play(side, cxone, store, placer.http.tokens)
            finally:
                side.close()
        finally:
            if server is not None:
                server.stop()
            if app is not None:
                shutdown(app)
            if store is not None:
                store.close()
            cxone.stop()
            slack.stop()

    def _intro(self, app_url: str, cxone_url: str, slack_url: str) -> None:
        out = self.out
        out.say("dialbot demo: the real app against a local CXone tenant and a local Slack.")
        out.say("Nothing is read from your settings, and nothing leaves 127.0.0.1:")
        out.say(f"the app (HTTP mode)  {app_url}/slack/events", 2)
        out.say(f"CXone sandbox       {cxone_url}", 2)
        out.say(f"Slack stand-in      {slack_url}", 2)
        if self.fault:
            out.say()
            out.say(f"FAULT: {self.fault.story}")

    def _play(
        self, slack: _SlackSide, cxone: CXoneSandbox, store: Store, tokens: TokenClient
    ) -> None:
        out = self.out
        out.section(f"0. The admin (@dana) links Alice to CXone agent {AGENT_ID}")
        out.say(f"@dana types in #sales:  /dial link @alice {AGENT_ID}", 3)
        answer, _ = slack.slash(ADMIN, f"link <@{ALICE}|alice> {AGENT_ID}")
        out.say("Only @dana sees:", 3)
        out.box(render_message(answer, self.names))

        if self.via == "modal":
            from bot.sandbox.modal_demo import ModalSteps

            steps = ModalSteps(self, slack)
            request_id = steps.dial(cxone, tokens, store)
        else:
            request_id = self._dial_by_command(slack, cxone, tokens)
        if request_id is None:  # refused for the agent's state: nothing more happens
            out.section(f"{4 if self.via == 'modal' else 3}. CXone received:")
            self._state_reads(cxone)
            out.section("Outcome: REFUSED — no request was recorded and no call was placed")
            out.say(
                f"CXone says the agent is {self.agent_state}, so the bot did not ring the "
                "customer for an agent who cannot take the call (DIAL_AGENT_STATE_CHECK=block).",
                3,
            )
            return

        out.section(f"4. CXone received: POST {OUTBOUND_PATH}")
        self._cxone_side(cxone)
        self._state_reads(cxone)

        out.section("5. #sales got:")
        self._channel(slack, SALES)
        out.section("6. #dial-log (the notification channel, DIAL_NOTIFY_CHANNEL) got:")
        self._channel(slack, DIAL_LOG)
        last = 6
        if self.via == "modal":
            steps.home_after(last := 7)

        if self.logs:
            out.section(
                f"{last + 1}. The app's log said (warnings and errors; --verbose shows all):"
            )
            for line in self.logs:
                out.say(line, 3)

        request = store.get_request(request_id)
        if request is None:
            raise DemoFailed(f"the app's database has no dial request {request_id}.")
        self._outcome(request)

    def _dial_by_command(
        self, slack: _SlackSide, cxone: CXoneSandbox, tokens: TokenClient
    ) -> str | None:
        """Steps 1 to 3: /dial, the card, the press; the request's id."""
        out = self.out
        out.section(f"1. Alice types in #sales:  /dial {TYPED_NUMBER}")
        card, response_url = slack.slash(ALICE, TYPED_NUMBER)
        out.say(
            "The app answers at once, inside Slack's 3 seconds, with a card for Alice alone. "
            "Nothing is dialed until she confirms.",
            3,
        )
        request_id = _dial_button_value(card)
        if request_id is None and self.agent_state and cxone.state_requests:
            out.section("2. Only Alice sees (the bot read her state in CXone first):")
            out.box(render_message(card, self.names))
            return None
        out.section("2. Only Alice sees (the confirm card):")
        out.box(render_message(card, self.names))
        if request_id is None:
            raise DemoFailed("the /dial answer had no Dial button (see the card above).")
        if cxone.dial_requests:
            raise DemoFailed("CXone was asked to dial before anyone pressed Dial.")

        if self.fault:
            self.fault.arm(cxone, tokens)
        out.section("3. Alice presses [ Dial ] — the card becomes:")
        pressed = time.monotonic()
        slack.press(ALICE, request_id, response_url)
        cards = slack.wait_for_final_card(response_url, cxone)
        waited = time.monotonic() - pressed
        slack.wait_for_post(DIAL_LOG)
        for number, shown in enumerate(cards):
            out.say("first:" if number == 0 else "then:", 3)
            out.box(render_message(shown, self.names))
        out.say(f"(the outcome arrived {waited:.1f} s after the press)", 3)
        return request_id

    def _state_reads(self, cxone: CXoneSandbox) -> None:
        out = self.out
        reads = cxone.reads_of("states")
        if not reads:
            out.say("no agent state request (DIAL_AGENT_STATE_CHECK=off).", 3)
        elif cxone.calls:
            out.say("Before it, the agent's state (the card's line):", 3)
        for read in reads:
            agent = cxone.directory.get(AGENT_ID)
            shown = agent.state if agent and read.status == 200 else "-"
            out.say(
                f"GET {read.path}: {read.status} {_phrase(read.status or 0)}, "
                f"agentStateName {shown}",
                3,
            )
        if reads and cxone.calls:
            out.say(
                "The card's read waits at most DIAL_AGENT_STATE_BUDGET_MS inside Slack's 3 s; "
                "a press within seconds reuses it, so a call costs one state read and one dial.",
                3,
            )

    def _cxone_side(self, cxone: CXoneSandbox) -> None:
        out = self.out
        calls = cxone.calls
        if not calls:
            out.say("nothing: no dial request reached CXone.", 3)
            return
        first = calls[0]
        for name in ("Authorization", "Content-Type", "Accept"):
            value = next((v for k, v in first.headers.items() if k.lower() == name.lower()), None)
            if value is not None:
                out.raw([f"{name}: {value}"], 3)
        out.raw(json.dumps(first.body, indent=2).split("\n"), 3)
        if any(call.body != first.body for call in calls[1:]):
            out.say("(later attempts sent a different body)", 3)
        out.say("CXone answered:", 3)
        for attempt, call in enumerate(calls, start=1):
            after = (call.time - first.time).total_seconds()
            when = f"attempt {attempt}" + (f" (+{after:.1f} s)" if attempt > 1 else "")
            out.say(f"{when}: {_describe_answer(call)}", 5)
            out.say(f"CorrelationId {call.correlation_id}", 7)
        out.say(
            f"Token requests (POST /oauth/token, client credentials): {cxone.token_requests}."
            " The bot reuses its access token until it expires or CXone refuses it.",
            3,
        )

    def _channel(self, slack: Any, channel: str) -> None:
        out = self.out
        posts = slack.posts(channel)
        if not posts:
            out.say("nothing.", 3)
            return
        for post in posts:
            if post.get("thread_ts"):
                out.say("in the thread under it:", 5)
                out.box(render_message(post, self.names), indent=5)
            else:
                out.box(render_message(post, self.names))
                for update in slack.updates_of(post):
                    out.say("then chat.update turned it into the outcome:", 5)
                    out.box(render_message(update, self.names), indent=5)

    def _outcome(self, request: DialRequest) -> None:
        out = self.out
        state = DialState(request.state)
        if state == DialState.PLACED:
            out.section(f"Outcome: PLACED (CXone call id {request.call_id})")
        elif state == DialState.REJECTED:
            out.section("Outcome: REJECTED — no call was placed")
        elif state == DialState.UNKNOWN:
            out.section("Outcome: UNKNOWN — the call may or may not have been placed")
        else:
            out.section(f"Outcome: {state.upper()}")
        if request.error:
            out.say(mrkdwn_to_text(request.error), 3)
        if self.fault:
            out.say(self.fault.lesson, 3)


def _dial_button_value(message: Mapping[str, Any]) -> str | None:
    for block in message.get("blocks") or []:
        for element in block.get("elements") or []:
            if element.get("action_id") == "dial_confirm":
                return element.get("value")
    return None


def _describe_answer(call: ReceivedCall) -> str:
    status = call.status
    if status is None:
        return "no answer: CXone closed the connection."
    words = f"{status} {_phrase(status)}"
    if call.fault == "timeout":
        return (
            f"{words}, call {call.call_id} placed, but the answer came far too late: the bot "
            f"had stopped waiting after {HTTP_TIMEOUT:g} s and never saw it."
        )
    if 200 <= status < 300:
        return f"{words}, callId {call.call_id}."
    if status == 429:
        return f"{words}, Retry-After: 1. CXone did nothing, so the bot waited and tried again."
    if status == 401:
        return (
            f"{words}: the access token was revoked. CXone did nothing, so the bot fetched "
            "a new token and tried again."
        )
    if status >= 500:
        return (
            f"{words}. CXone may have acted before failing, so the bot does not send the "
            "dial again (that could ring the customer twice)."
        )
    return f"{words}."


def _phrase(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


class _SlackSide:
    """Acts as Slack: signed requests to the app, and what the app sent back to Slack."""

    def __init__(self, events_url: str, api: SlackApiStandIn) -> None:
        self.events_url = events_url
        self.api = api
        self.session = requests.Session()

    def close(self) -> None:
        self.session.close()

    def _post(self, body: str) -> requests.Response:
        try:
            answer = send(self.events_url, body, SIGNING_SECRET, session=self.session, timeout=5)
        except requests.RequestException as error:
            raise DemoFailed(f"the app did not answer Slack's request ({error}).") from None
        if answer.status_code != 200:
            raise DemoFailed(f"the app answered Slack's request with HTTP {answer.status_code}.")
        return answer

    def slash(self, user_id: str, text: str) -> tuple[dict[str, Any], str]:
        response_url = self.api.response_url()
        body = slash_command_body(
            user_id=user_id,
            user_name=_username(user_id),
            text=text,
            channel_id=SALES,
            channel_name=CHANNELS[SALES],
            response_url=response_url,
        )
        answer = self._post(body)
        try:
            return answer.json(), response_url
        except ValueError:
            raise DemoFailed("the app answered the /dial with no message.") from None

    def press(self, user_id: str, request_id: str, response_url: str) -> None:
        body = block_action_body(
            user_id=user_id,
            user_name=_username(user_id),
            action_id="dial_confirm",
            value=request_id,
            channel_id=SALES,
            channel_name=CHANNELS[SALES],
            response_url=response_url,
        )
        self._post(body)

    def cards(self, response_url: str) -> list[dict[str, Any]]:
        return [
            r
            for r in self.api.responses_for(response_url)
            if isinstance(r, dict) and r.get("replace_original")
        ]

    def wait_for_final_card(self, response_url: str, cxone: CXoneSandbox) -> list[dict[str, Any]]:
        def final() -> list[dict[str, Any]] | None:
            cards = self.cards(response_url)
            return cards if cards and "Dialing" not in str(cards[-1].get("text")) else None

        try:
            return wait_for(final, timeout=OUTCOME_WAIT)
        except TimeoutError:
            raise DemoFailed(
                f"Alice's card showed no outcome within {OUTCOME_WAIT:g} s of the press "
                f"(CXone got {cxone.dial_requests} dial request(s); the card got "
                f"{len(self.cards(response_url))} update(s))."
            ) from None

    def posts(self, channel: str) -> list[dict[str, Any]]:
        return [
            {**call.args, "ts": call.response.get("ts")}
            for call in self.api.calls_to("chat.postMessage")
            if call.ok and call.args.get("channel") == channel
        ]

    def updates_of(self, post: dict[str, Any]) -> list[dict[str, Any]]:
        """What chat.update made of a post, in order."""
        return [
            call.args
            for call in self.api.calls_to("chat.update")
            if call.ok and call.args.get("ts") == post["ts"]
        ]

    def wait_for_post(self, channel: str) -> None:
        try:
            wait_for(lambda: self.posts(channel), timeout=5)
        except TimeoutError:
            raise DemoFailed(f"nothing was posted in #{CHANNELS[channel]}.") from None


def _username(user_id: str) -> str:
    return next((u["name"] for u in USERS if u["id"] == user_id), user_id.lower())
