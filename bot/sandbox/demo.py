"""`dialbot demo`: the whole /dial flow on this machine in a few seconds, as a transcript.

Nothing is read from the environment or `.env`, and nothing leaves 127.0.0.1: the
CXone sandbox and the Slack Web API stand-in run locally, the real app (build_app +
HttpServer, HTTP mode) runs against them on a free port, and the demo acts as Slack
itself, sending signed requests (bot.sandbox.scenario). `--fault` makes CXone
misbehave so people can see how each failure looks.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bot.sandbox.agent_demo import AGENT_FAULTS, AgentDemo
from bot.sandbox.cxone import AGENT_STATES
from bot.sandbox.scenario import FAULTS, VIA, Demo, DemoFailed
from bot.sandbox.transcript import Transcript


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
        choices=sorted(set(FAULTS) | set(AGENT_FAULTS)),
        help="make CXone misbehave: 429 (rate limited, then retried), 500 (server error), "
        "timeout (no answer in time), revoked (the access token was revoked); with --api "
        "agent also busy, no-answer (the number) and logged-out (the agent)",
    )
    parser.add_argument(
        "--api",
        choices=("journey", "agent"),
        default="journey",
        help="which CXone API places the call (CXONE_API): journey (the tutorial's, the "
        "default) or agent (CXone's Agent API, with the call followed live)",
    )
    parser.add_argument(
        "--via",
        choices=VIA,
        default="command",
        help="how Alice dials: command (/dial and the confirm card, the default) or modal "
        "(her App Home's Place a call button and the dial modal)",
    )
    parser.add_argument(
        "--agent-state",
        choices=AGENT_STATES,
        metavar="STATE",
        help="Alice's agent state in CXone when she dials (default Available): LoggedOut, "
        "Unavailable, InboundContact, … show how the bot refuses to ring a customer for an "
        "agent who cannot take the call",
    )
    parser.add_argument(
        "--verbose", action="store_true", help="also show the app's log lines (on stderr)"
    )
    parser.set_defaults(func=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    if args.api == "agent":
        return _run_agent_demo(args)
    if args.fault and args.fault not in FAULTS:
        print(f"--fault {args.fault} needs --api agent (journey faults: {', '.join(FAULTS)}).")
        return 2
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
            demo = Demo(out, Path(workdir), fault, logs, via=args.via)
            demo.agent_state = args.agent_state
            demo.run()
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


def _run_agent_demo(args: argparse.Namespace) -> int:
    if args.via != "command":
        print("--api agent tells the /dial story; --via modal is not available with it.")
        return 2
    fault = AGENT_FAULTS[args.fault] if args.fault else None
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")
    out = Transcript()
    started = time.monotonic()
    try:
        with (
            _app_logs(verbose=args.verbose) as logs,
            _clean_environment(),
            tempfile.TemporaryDirectory(prefix="dialbot-demo-") as workdir,
        ):
            AgentDemo(out, Path(workdir), fault, logs).run()
    except DemoFailed as error:
        out.say()
        out.say(f"The demo did not finish: {error}")
        return 1
    except BrokenPipeError:
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
