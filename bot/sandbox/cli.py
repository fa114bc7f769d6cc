"""`dialbot sandbox`: run the local CXone stand-in in the foreground."""

from __future__ import annotations

import argparse
import signal
from collections.abc import Callable

from bot import messages
from bot.sandbox.cxone import CXoneSandbox
from bot.sandbox.cxone_agent import AgentApiSandbox
from bot.stop_signal import STOP_SIGNALS, listening_for

DEFAULT_PORT = 8700
DEFAULT_SECRET = "demo-secret"
DEFAULT_CONTACT = "demo-contact-1"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sandbox",
        help="run a local CXone stand-in to dial against without a CXone account",
        description=(
            "Run a local CXone tenant that answers the token and Personal Connection "
            "outbound endpoints, and print the settings that point the bot at it. "
            "Stop it with Ctrl-C."
        ),
    )
    parser.add_argument(
        "--port",
        type=port_number,
        default=DEFAULT_PORT,
        help="port to listen on (0 = any free port)",
    )
    parser.add_argument("--client-id", default="demo-client", help="OAuth client id to accept")
    parser.add_argument(
        "--client-secret", default=DEFAULT_SECRET, help="OAuth client secret to accept"
    )
    parser.add_argument(
        "--campaign", default="demo-campaign", help="the Personal Connection campaign id"
    )
    parser.add_argument(
        "--agent",
        action="append",
        dest="agents",
        metavar="AGENT_ID",
        help="a CXone agent id assigned to the campaign (repeat for more; default agent-1001)",
    )
    parser.add_argument(
        "--contact",
        action="append",
        dest="contacts",
        metavar="CONTACT_ID",
        help="a contact id that exists (repeat for more; default: any contact id is accepted)",
    )
    parser.add_argument(
        "--token-ttl",
        type=at_least(1, int),
        default=3600,
        help="seconds an access token stays valid",
    )
    parser.add_argument(
        "--latency",
        type=at_least(0, float),
        default=0.0,
        help="seconds to wait before answering each dial",
    )
    parser.add_argument(
        "--api",
        choices=("journey", "agent"),
        default="journey",
        help="which CXone API to stand in for: journey (the tutorial's, the default) or agent "
        "(CXone's Agent API: discovery, access-key sign-in, sessions, dial-phone, events)",
    )
    parser.set_defaults(func=run_sandbox)


def port_number(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(messages.cli_not_a_port(text))
    return port


def at_least(least: float, kind: type) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            value = least - 1
        if not value >= least:  # also NaN
            raise argparse.ArgumentTypeError(messages.cli_not_at_least(text, least))
        return value

    return parse


def run_sandbox(args: argparse.Namespace) -> int:
    options = {
        "port": args.port,
        "client_id": args.client_id,
        "client_secret": args.client_secret,
        "campaign_id": args.campaign,
        "agents": args.agents or ("agent-1001",),
        "contacts": args.contacts,
        "token_ttl": args.token_ttl,
        "latency": args.latency,
    }
    agent_mode = getattr(args, "api", "journey") == "agent"
    sandbox = AgentApiSandbox(**options) if agent_mode else CXoneSandbox(**options)
    try:
        sandbox.start()
    except OSError as error:
        print(
            f"Could not listen on 127.0.0.1:{args.port} ({error.strerror}). "
            "Pick another port with --port, or --port 0 for any free one."
        )
        return 1

    previous = {number: signal.getsignal(number) for number in STOP_SIGNALS}
    try:
        # Handlers first, then "Press Ctrl-C": a Ctrl-C or SIGTERM right after the
        # words is waited for, not lost (SIGINT started ignored) nor fatal.
        with listening_for(STOP_SIGNALS) as wait:
            if isinstance(sandbox, AgentApiSandbox):
                _print_agent_settings(sandbox, args)
            else:
                _print_settings(sandbox, args)
            wait()
    except KeyboardInterrupt:  # Ctrl-C before the handlers were installed
        pass
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        sandbox.stop()
    print(
        f"CXone sandbox stopped after {sandbox.token_requests} token request(s) "
        f"and {sandbox.dial_requests} dial request(s)."
    )
    return 0


def _print_settings(sandbox: CXoneSandbox, args: argparse.Namespace) -> None:
    # The secret is one the person chose for this local stand-in; the default
    # is printed so the demo works by copy and paste, a chosen one is not echoed.
    secret = DEFAULT_SECRET if args.client_secret == DEFAULT_SECRET else "<your --client-secret>"
    agents = sorted(sandbox.agents)
    contacts = "any" if sandbox.contacts is None else ", ".join(sorted(sandbox.contacts))
    # Any contact id is accepted unless --contact named some: then the first of those.
    contact = DEFAULT_CONTACT if sandbox.contacts is None else sorted(sandbox.contacts)[0]
    lines = [
        f"CXone sandbox listening on {sandbox.url}",
        f"Agents on campaign {sandbox.campaign_id}: {', '.join(agents)}. Contacts: {contacts}.",
        "",
        "Put these in .env to point the bot at it (with your SLACK_ settings):",
        f"CXONE_BASE_URL={sandbox.url}",
        f"CXONE_OAUTH_CLIENT_ID={sandbox.client_id}",
        f"CXONE_OAUTH_CLIENT_SECRET={secret}",
        "CXONE_OAUTH_GRANT_TYPE=client_credentials",
        f"CXONE_OUTBOUND_CAMPAIGN_ID={sandbox.campaign_id}",
        f"CXONE_DEFAULT_CONTACT_ID={contact}",
        "",
        f"Then link yourself to an agent: `/dial link @you {agents[0]}` (as one of "
        f"DIAL_ADMINS) or `dialbot links link YOUR_SLACK_USER_ID {agents[0]}`.",
        "",
        "Press Ctrl-C to stop.",
    ]
    print("\n".join(lines), flush=True)


def _print_agent_settings(sandbox: AgentApiSandbox, args: argparse.Namespace) -> None:
    secret = DEFAULT_SECRET if args.client_secret == DEFAULT_SECRET else "<your --client-secret>"
    agents = sorted(sandbox.agents)
    lines = [
        f"CXone Agent API sandbox listening on {sandbox.url} (tenant {sandbox.tenant_id})",
        f"Agents (logged in, outbound phone skill 4102): {', '.join(agents)}.",
        "",
        "Put these in .env to point the bot at it (with your SLACK_ settings):",
        "CXONE_API=agent",
        f"CXONE_AUTH_URL={sandbox.auth_url}",
        f"CXONE_OAUTH_CLIENT_ID={sandbox.client_id}",
        f"CXONE_OAUTH_CLIENT_SECRET={secret}",
        f"CXONE_ACCESS_KEY_ID={sandbox.access_key_id}",
        f"CXONE_ACCESS_KEY_SECRET={sandbox.access_key_secret}",
        "",
        f"Then link yourself to an agent: `/dial link @you {agents[0]}` (as one of "
        f"DIAL_ADMINS) or `dialbot links link YOUR_SLACK_USER_ID {agents[0]}`.",
        "",
        "Press Ctrl-C to stop.",
    ]
    print("\n".join(lines), flush=True)
