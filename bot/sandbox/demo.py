"""`dialbot demo`: the whole /dial flow on this machine in a few seconds, as a transcript.

Nothing is read from the environment or `.env`, and nothing leaves 127.0.0.1: the
CXone sandbox and the Slack Web API stand-in run locally, the real app (build_app +
HttpServer, HTTP mode) runs against them on a free port, and the demo acts as Slack
itself, sending signed requests: an admin links Alice to a CXone agent, Alice types
/dial and presses Dial. Then it prints what every party saw. `--fault` makes CXone
misbehave so people can see how each failure looks.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import json
import logging
import os
import re
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from bot.config import Settings
from bot.cxone import TokenClient
from bot.sandbox import wait_for
from bot.sandbox.cxone import OUTBOUND_PATH, CXoneSandbox, ReceivedCall
from bot.sandbox.slack_api import DEFAULT_USERS, SlackApiStandIn, demo_user
from bot.sandbox.slack_requests import block_action_body, send, slash_command_body
from bot.store import DialRequest, DialState, Store

WIDTH = 92
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


# --- Block Kit as text ---------------------------------------------------------------

EMOJI = {
    "white_check_mark": "✔",
    "x": "✖",
    "warning": "⚠",
    "no_entry": "⛔",
    "telephone_receiver": "☎",
    "hourglass_flowing_sand": "⏳",
}
_MENTION = re.compile(r"<([@#!])([^>|]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?://|mailto:)[^>|]*)(?:\|([^>]*))?>")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_([^_\n]+)_(?![\w_])")
_EMOJI = re.compile(r":([a-z0-9_+-]+):")


def mrkdwn_to_text(text: str, names: Mapping[str, str] | None = None) -> str:
    """Slack mrkdwn as a person reads it: mentions by name, no markup characters."""
    names = names or {}

    def mention(match: re.Match[str]) -> str:
        sigil, target, label = match.groups()
        if sigil == "!":
            return "@" + (label or target)
        prefix = "@" if sigil == "@" else "#"
        return prefix + (names.get(target) or label or target)

    def link(match: re.Match[str]) -> str:
        url, label = match.groups()
        return f"{label} ({url})" if label else url

    text = _MENTION.sub(mention, text)
    text = _LINK.sub(link, text)
    text = _BOLD.sub(r"\1", text)
    text = _ITALIC.sub(r"\1", text)
    text = _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)
    text = text.replace("`", "")
    return html.unescape(text)


def _text_of(obj: Mapping[str, Any] | None, names: Mapping[str, str]) -> str:
    if not obj:
        return ""
    text = str(obj.get("text") or "")
    return mrkdwn_to_text(text, names) if obj.get("type") == "mrkdwn" else html.unescape(text)


def _field(obj: Mapping[str, Any], names: Mapping[str, str]) -> str:
    label, _, value = _text_of(obj, names).partition("\n")
    return f"{label}: {value.replace(chr(10), ' ')}" if value else label


def render_blocks(blocks: Iterable[Mapping[str, Any]], names: Mapping[str, str]) -> list[str]:
    """Block Kit blocks as plain lines: headers, sections, fields, context, buttons."""
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            title = _text_of(block.get("text"), names)
            lines += [title, "═" * min(len(title), WIDTH)]
        elif kind == "section":
            if block.get("text"):
                lines += _text_of(block["text"], names).split("\n")
            lines += [_field(f, names) for f in block.get("fields") or []]
        elif kind == "context":
            parts = [_text_of(e, names) for e in block.get("elements") or [] if e.get("text")]
            lines.append("(" + " ".join(parts) + ")")
        elif kind == "actions":
            buttons = [
                f"[ {_text_of(e.get('text'), names)} ]"
                for e in block.get("elements") or []
                if e.get("type") == "button"
            ]
            lines.append("  ".join(buttons))
        elif kind == "divider":
            lines.append("─" * 40)
        elif kind == "rich_text":
            lines.append("(rich text)")
    return lines


def render_message(message: Mapping[str, Any], names: Mapping[str, str]) -> list[str]:
    """A message (text + blocks) as Slack would show it: the blocks, else the text."""
    blocks = message.get("blocks")
    if isinstance(blocks, list) and blocks:
        return render_blocks(blocks, names)
    return mrkdwn_to_text(str(message.get("text") or ""), names).split("\n")


# --- the transcript ------------------------------------------------------------------


class Transcript:
    def __init__(self, out=None) -> None:
        self.out = out or sys.stdout

    def say(self, text: str = "", indent: int = 0) -> None:
        pad = " " * indent
        if not text:
            print(file=self.out, flush=True)
            return
        for line in textwrap.wrap(text, WIDTH - indent, subsequent_indent="  ") or [""]:
            print(pad + line, file=self.out, flush=True)

    def section(self, title: str) -> None:
        self.say()
        self.say(f"── {title} " + "─" * max(3, WIDTH - len(title) - 4))

    def box(self, lines: Iterable[str], indent: int = 3) -> None:
        """A message as it appears in Slack, framed on the left."""
        for line in lines:
            wrapped = textwrap.wrap(line, WIDTH - indent - 2) if line.strip() else [""]
            for part in wrapped:
                print(" " * indent + "│ " + part, file=self.out, flush=True)

    def raw(self, lines: Iterable[str], indent: int = 5) -> None:
        for line in lines:
            print(" " * indent + line, file=self.out, flush=True)


# --- running it ------------------------------------------------------------------------


class DemoFailed(Exception):
    """Something the transcript needs never arrived; the message says what."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="see the whole /dial flow in a few seconds, with local Slack and CXone stand-ins",
        description=(
            "Run the real app on this machine against a local CXone tenant and a local "
            "Slack API, send it a signed /dial and a Dial press as Slack would, and print "
            "what everyone saw. Needs no accounts, no settings and no network."
        ),
    )
    parser.add_argument(
        "--fault",
        choices=list(FAULTS),
        help="make CXone misbehave: 429 (rate limited, then retried), 500 (server error), "
        "timeout (no answer in time), revoked (the access token was revoked)",
    )
    parser.add_argument(
        "--verbose", action="store_true", help="also show the app's log lines (on stderr)"
    )
    parser.set_defaults(func=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    fault = FAULTS[args.fault] if args.fault else None
    if hasattr(sys.stdout, "reconfigure"):  # a terminal that cannot show "│" or "✔" gets "?"
        sys.stdout.reconfigure(errors="replace")
    out = Transcript()
    started = time.monotonic()
    try:
        with (
            _app_logs(verbose=args.verbose) as logs,
            _clean_environment(),
            tempfile.TemporaryDirectory(prefix="dialbot-demo-") as workdir,
        ):
            Demo(out, Path(workdir), fault, logs).run()
    except DemoFailed as error:
        out.say()
        out.say(f"The demo did not finish: {error}")
        return 1
    except BrokenPipeError:  # e.g. `dialbot demo | head`: the reader left; stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    out.say()
    out.say(f"(Demo finished in {time.monotonic() - started:.1f} s; nothing is left running.)")
    return 0


class _KeepHandler(logging.Handler):
    def __init__(self, kept: list[str]) -> None:
        super().__init__()
        self.kept = kept

    def emit(self, record: logging.LogRecord) -> None:
        self.kept.append(self.format(record))


@contextlib.contextmanager
def _app_logs(*, verbose: bool) -> Iterator[list[str]]:
    """The app's warnings, kept for the transcript instead of cutting through it.

    With --verbose, everything from INFO up goes to stderr as it happens instead.
    """
    root = logging.getLogger()
    saved = root.level, root.handlers[:]
    kept: list[str] = []
    handler = logging.StreamHandler(sys.stderr) if verbose else _KeepHandler(kept)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.handlers = [handler]
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    # waitress warns when a request waits a moment for a worker thread, which on a busy
    # laptop can happen to the demo's very first request; it says nothing about the bot.
    queue_log = logging.getLogger("waitress.queue")
    saved_queue_level = queue_log.level
    queue_log.setLevel(logging.ERROR)
    try:
        yield kept
    finally:
        root.setLevel(saved[0])
        root.handlers = saved[1]
        queue_log.setLevel(saved_queue_level)


PROXY_VARIABLES = {
    name for base in ("https_proxy", "http_proxy", "all_proxy") for name in (base.upper(), base)
}


@contextlib.contextmanager
def _clean_environment() -> Iterator[None]:
    """Hide the variables the libraries would read behind the demo's back while it runs.

    Bolt reads SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and (turning on its OAuth flow)
    SLACK_CLIENT_ID/SECRET; slack_sdk sends even 127.0.0.1 traffic to a proxy from the
    environment, ignoring NO_PROXY. Everything in the demo is local and spelled out.
    """
    hidden = {
        name: os.environ.pop(name)
        for name in list(os.environ)
        if name in PROXY_VARIABLES or name.upper().startswith("SLACK_")
    }
    try:
        yield
    finally:
        os.environ.update(hidden)


def demo_settings(slack: SlackApiStandIn, cxone: CXoneSandbox, workdir: Path) -> Settings:
    """Every setting spelled out, so nothing in the environment or `.env` changes the demo."""
    return _DemoSettings(
        slack_bot_token=slack.bot_token,
        slack_signing_secret=SIGNING_SECRET,
        slack_app_token=None,
        slack_api_url=slack.url,
        cxone_base_url=cxone.url,
        cxone_oauth_client_id=CLIENT_ID,
        cxone_oauth_client_secret=CLIENT_SECRET,
        cxone_oauth_grant_type="client_credentials",
        cxone_token_url=None,
        cxone_outbound_campaign_id=CAMPAIGN_ID,
        cxone_default_contact_id=CONTACT_ID,
        cxone_http_timeout=HTTP_TIMEOUT,
        database_url=f"sqlite:///{workdir / 'demo.db'}",
        dial_admins=frozenset({ADMIN}),
        dial_supervisors=frozenset(),
        dial_agent_map=None,
        dial_notify_channel=DIAL_LOG,
        dial_default_region="US",
        dial_allowed_regions=frozenset({"US"}),
        dial_mask_numbers=True,
        dial_confirm_ttl_seconds=600,
        dial_rate_limit_per_minute=5,
    )


class _DemoSettings(Settings):
    """Settings from keyword arguments only: no environment variables, no `.env`."""

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, **_other_sources):
        return (init_settings,)


class Demo:
    def __init__(
        self, out: Transcript, workdir: Path, fault: Fault | None, logs: list[str]
    ) -> None:
        self.out = out
        self.logs = logs
        self.workdir = workdir
        self.fault = fault
        self.names = {**{u["id"]: u["name"] for u in USERS}, **CHANNELS}

    def run(self) -> None:
        # Late imports: the app pulls in Bolt and waitress, which `dialbot --help` never needs.
        from bot.server import HttpServer
        from bot.slack.app import build_app, build_dialer, shutdown

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
            settings = demo_settings(slack, cxone, self.workdir)
            store = Store.open(settings.database_url)
            # The demo keeps the dialer so a fault can act on the token it signed in with.
            dialer = build_dialer(settings)
            app = build_app(settings, store=store, dialer=dialer)
            secret = settings.slack_signing_secret
            server = HttpServer(app, signing_secret=secret and secret.get_secret_value()).start()
            self._intro(server.url, cxone.url, slack.base_url)
            side = _SlackSide(server.events_url, slack)
            try:
                self._play(side, cxone, store, dialer.tokens)
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

        out.section(f"1. Alice types in #sales:  /dial {TYPED_NUMBER}")
        card, response_url = slack.slash(ALICE, TYPED_NUMBER)
        out.say(
            "The app answers at once, inside Slack's 3 seconds, with a card for Alice alone. "
            "Nothing is dialed until she confirms.",
            3,
        )
        request_id = _dial_button_value(card)
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

        out.section(f"4. CXone received: POST {OUTBOUND_PATH}")
        self._cxone_side(cxone)

        out.section("5. #sales got:")
        self._channel(slack.posts(SALES))
        out.section("6. #dial-log (the notification channel, DIAL_NOTIFY_CHANNEL) got:")
        self._channel(slack.posts(DIAL_LOG))

        if self.logs:
            out.section("7. The app's log said (warnings and errors; --verbose shows all):")
            for line in self.logs:
                out.say(line, 3)

        request = store.get_request(request_id)
        if request is None:
            raise DemoFailed(f"the app's database has no dial request {request_id}.")
        self._outcome(request)

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

    def _channel(self, posts: list[dict[str, Any]]) -> None:
        out = self.out
        if not posts:
            out.say("nothing.", 3)
            return
        for post in posts:
            if post.get("thread_ts"):
                out.say("in the thread under it:", 5)
                out.box(render_message(post, self.names), indent=5)
            else:
                out.box(render_message(post, self.names))

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
            call.args
            for call in self.api.calls_to("chat.postMessage")
            if call.ok and call.args.get("channel") == channel
        ]

    def wait_for_post(self, channel: str) -> None:
        try:
            wait_for(lambda: self.posts(channel), timeout=5)
        except TimeoutError:
            raise DemoFailed(f"nothing was posted in #{CHANNELS[channel]}.") from None


def _username(user_id: str) -> str:
    return next((u["name"] for u in USERS if u["id"] == user_id), user_id.lower())
