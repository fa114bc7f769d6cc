"""python -m bench.socket_mode: Socket Mode clients through Slack's connection changes.

Each candidate runs against bot.sandbox's Socket Mode stand-in, which keeps a refreshed
connection open as Slack does, and is measured on:

- ack after a refresh: a slash command pushed right after the new connection's
  `hello`, from push to ack (ms), p50 / p99 over N refreshes (nearest rank);
- the old connection: 3 commands pushed on it right after the `disconnect` message,
  while the client switches: how many were acked once, twice, never, and the slowest;
- a dropped connection, no `disconnect` first (the socket shut with no close frame;
  a bare close frame 1001): ms from the drop to the ack of a command pushed right
  after the new `hello`, and the CPU the process used meanwhile;
- stopping: `close()` in-process; for `python app.py`, SIGTERM to exit.

In-process candidates are slack_sdk's Socket Mode clients with a listener that acks at
once (Bolt would add the same work to each); `python app.py` rows run the real app,
this checkout's or another (`--app PATH`), against the stand-ins with a /dial.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from websockets.exceptions import ConnectionClosed

from bench import report
from bench.apps import free_port
from bench.load import percentile
from bot.sandbox.cxone import CXoneSandbox
from bot.sandbox.slack_api import DEFAULT_BOT_TOKEN, SlackApiStandIn
from bot.sandbox.slack_requests import slash_command_body
from bot.sandbox.socket_mode import SocketModeStandIn

REPO = Path(__file__).resolve().parent.parent
APP_TOKEN = "xapp-1-A0DIALBOT-bench-socket-token"
USER, AGENT = "U0ALICE", "agent-1001"
ACK_TIMEOUT = 15.0  # seconds; an ack later than this is counted as lost
BEGIN = "<!-- socket-mode:begin (written by python -m bench.socket_mode) -->"
END = "<!-- socket-mode:end -->"


# ---- the candidates ------------------------------------------------------------------


class InProcessClient:
    """A slack_sdk Socket Mode client in this process, acking every envelope at once."""

    def __init__(self, make: Callable[[str], Any]):
        self._make = make
        self.client: Any = None

    def start(self, slack_url: str) -> None:
        from slack_sdk import WebClient
        from slack_sdk.socket_mode.response import SocketModeResponse

        self.client = self._make(APP_TOKEN, WebClient(base_url=slack_url))

        def ack(client: Any, request: Any) -> None:
            response = SocketModeResponse(envelope_id=request.envelope_id, payload={"ok": 1})
            client.send_socket_mode_response(response)

        self.client.socket_mode_request_listeners.append(ack)
        self.client.connect()

    def stop(self) -> float:
        started = time.monotonic()
        self.client.close()
        return time.monotonic() - started

    def cpu_seconds(self) -> float:
        return time.process_time()


class AsyncioClient:
    """An asyncio slack_sdk Socket Mode client on an event loop in a thread of its own."""

    def __init__(self, make: Callable[[str, Any], Any]):
        self._make = make
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.client: Any = None

    def _run(self, coroutine: Any, timeout: float = 30) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def start(self, slack_url: str) -> None:
        from slack_sdk.socket_mode.response import SocketModeResponse
        from slack_sdk.web.async_client import AsyncWebClient

        self._thread.start()

        async def build() -> Any:
            client = self._make(APP_TOKEN, AsyncWebClient(base_url=slack_url))

            async def ack(client: Any, request: Any) -> None:
                response = SocketModeResponse(envelope_id=request.envelope_id, payload={"ok": 1})
                await client.send_socket_mode_response(response)

            client.socket_mode_request_listeners.append(ack)
            await client.connect()
            return client

        self.client = self._run(build())

    def stop(self) -> float:
        started = time.monotonic()
        self._run(self.client.close())
        took = time.monotonic() - started
        self._loop.call_soon_threadsafe(self._loop.stop)
        return took

    def cpu_seconds(self) -> float:
        return time.process_time()


class AppProcess:
    """`python app.py` in Socket Mode, with its CXone sandbox; acks come from Bolt."""

    def __init__(self, script: Path):
        self.script = script
        self.process: subprocess.Popen | None = None
        self._cxone = CXoneSandbox(agents=[AGENT])
        self._workdir = Path(tempfile.mkdtemp(prefix="bench-socket-mode-"))

    def start(self, slack_url: str) -> None:
        self._cxone.start()
        (self._workdir / "agents.csv").write_text(f"{USER},{AGENT}\n")
        env = {
            "PATH": os.environ.get("PATH", ""),
            "SLACK_APP_TOKEN": APP_TOKEN,
            "SLACK_BOT_TOKEN": DEFAULT_BOT_TOKEN,
            "SLACK_API_URL": slack_url,
            "CXONE_BASE_URL": self._cxone.url,
            "CXONE_OAUTH_CLIENT_ID": self._cxone.client_id,
            "CXONE_OAUTH_CLIENT_SECRET": self._cxone.client_secret,
            "CXONE_OUTBOUND_CAMPAIGN_ID": self._cxone.campaign_id,
            "CXONE_DEFAULT_CONTACT_ID": "contact-1",
            "DATABASE_URL": f"sqlite:///{self._workdir / 'app.db'}",
            "DIAL_AGENT_MAP": str(self._workdir / "agents.csv"),
            # Its health and metrics endpoints: this host only, on a port of its own.
            "HOST": "127.0.0.1",
            "PORT": str(free_port()),
        }
        with (self._workdir / "app.log").open("w") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(self.script)],
                cwd=self._workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def stop(self) -> float:
        assert self.process is not None
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        took = time.monotonic() - started
        self._cxone.stop()
        return took

    def cpu_seconds(self) -> float:
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _builtin(ping_interval: float) -> Callable[[str, Any], Any]:
    def make(token: str, web_client: Any) -> Any:
        from slack_sdk.socket_mode.builtin import SocketModeClient

        return SocketModeClient(token, web_client=web_client, ping_interval=ping_interval)

    return make


def _websocket_client(token: str, web_client: Any) -> Any:
    from slack_sdk.socket_mode.websocket_client import SocketModeClient

    return SocketModeClient(token, web_client=web_client, ping_interval=10)


def _websockets(token: str, web_client: Any) -> Any:
    from slack_sdk.socket_mode.websockets import SocketModeClient

    return SocketModeClient(token, web_client=web_client, ping_interval=10)


def _aiohttp(token: str, web_client: Any) -> Any:
    from slack_sdk.socket_mode.aiohttp import SocketModeClient

    return SocketModeClient(token, web_client=web_client, ping_interval=10)


def _ours(token: str, web_client: Any) -> Any:
    from bot.socket_mode import PING_INTERVAL_SECONDS, SocketModeClient

    return SocketModeClient(token, web_client=web_client, ping_interval=PING_INTERVAL_SECONDS)


CANDIDATES: dict[str, Callable[[], Any]] = {
    "built-in (today: Bolt's SocketModeHandler)": lambda: InProcessClient(_builtin(10)),
    "built-in, ping_interval=1": lambda: InProcessClient(_builtin(1)),
    "websocket_client adapter": lambda: InProcessClient(_websocket_client),
    "websockets adapter (asyncio)": lambda: AsyncioClient(_websockets),
    "aiohttp adapter (asyncio)": lambda: AsyncioClient(_aiohttp),
    "bot.socket_mode (built-in + reader per connection)": lambda: InProcessClient(_ours),
}


# ---- the scenarios -------------------------------------------------------------------


@dataclass
class Figures:
    refresh_ack_ms: list[float] = field(default_factory=list)
    refresh_lost: int = 0
    old_connection: dict[str, Any] = field(default_factory=dict)
    drops: dict[str, dict[str, Any]] = field(default_factory=dict)
    stop_ms: float | None = None
    error: str | None = None


def command(slack: SlackApiStandIn) -> dict[str, Any]:
    url = slack.response_url()
    body = slash_command_body(user_id=USER, text="+1 415 555 0123", response_url=url)
    return dict(parse_qsl(body, keep_blank_values=True))


def ack_ms(socket: SocketModeStandIn, envelope: str, sent: float) -> float | None:
    try:
        socket.ack_for(envelope, timeout=ACK_TIMEOUT)
    except TimeoutError:
        return None
    return (time.monotonic() - sent) * 1000


def refreshes(socket: SocketModeStandIn, slack: SlackApiStandIn, count: int, out: Figures) -> None:
    for _ in range(count):
        made = socket.connections_made
        socket.refresh()
        socket.wait_for_connections_made(made + 1, timeout=ACK_TIMEOUT)
        sent = time.monotonic()
        took = ack_ms(socket, socket.push("slash_commands", command(slack)), sent)
        if took is None:
            out.refresh_lost += 1
        else:
            out.refresh_ack_ms.append(took)
        time.sleep(0.1)


def old_connection(socket: SocketModeStandIn, slack: SlackApiStandIn, out: Figures) -> None:
    made = socket.connections_made
    old = socket.refresh()
    sent = time.monotonic()
    envelopes, refused = [], 0
    for _ in range(3):
        try:
            envelopes.append(socket.push("slash_commands", command(slack), connection=old))
        except (RuntimeError, ConnectionClosed):  # the client had closed it already
            refused += 1
    socket.wait_for_connections_made(made + 1, timeout=ACK_TIMEOUT)
    waits = [ack_ms(socket, envelope, sent) for envelope in envelopes]
    time.sleep(1.0)  # a second ack, if one is coming
    counts = [len(socket.acks_for(envelope)) for envelope in envelopes]
    acked = [ms for ms in waits if ms is not None]
    out.old_connection = {
        "once": counts.count(1),
        "twice_or_more": sum(1 for c in counts if c > 1),
        "never": counts.count(0),
        "not_sent": refused,
        "slowest_ms": max(acked) if acked else None,
    }


def drop(
    socket: SocketModeStandIn,
    slack: SlackApiStandIn,
    target: Any,
    *,
    close_frame: bool,
    cap: float,
) -> dict[str, Any]:
    made = socket.connections_made
    cpu, dropped = target.cpu_seconds(), time.monotonic()
    socket.drop(close_frame=close_frame)
    try:
        socket.wait_for_connections_made(made + 1, timeout=cap)
    except TimeoutError:
        return {"ms": None, "cap_s": cap, "cpu": target.cpu_seconds() - cpu}
    took = ack_ms(socket, socket.push("slash_commands", command(slack)), dropped)
    return {"ms": took, "cap_s": cap, "cpu": target.cpu_seconds() - cpu}


@contextlib.contextmanager
def stand_ins() -> Iterator[tuple[SocketModeStandIn, SlackApiStandIn]]:
    with (
        SocketModeStandIn() as socket,
        SlackApiStandIn(app_token=APP_TOKEN, socket_mode_url=socket.issue_url) as slack,
    ):
        yield socket, slack


def measure(target: Any, count: int, drop_cap: float) -> Figures:
    out = Figures()
    with stand_ins() as (socket, slack):
        try:
            target.start(slack.url)
        except Exception as error:  # e.g. the adapter's library is not installed
            out.error = f"{type(error).__name__}: {error}"
            return out
        try:
            socket.wait_for_connection(timeout=30)
            refreshes(socket, slack, count, out)
            old_connection(socket, slack, out)
            for name, close_frame in (("socket shut", False), ("close frame only", True)):
                out.drops[name] = drop(socket, slack, target, close_frame=close_frame, cap=drop_cap)
        except Exception as error:  # a candidate that breaks is a figure too
            out.error = f"{type(error).__name__}: {error}"
        finally:
            out.stop_ms = target.stop() * 1000
    return out


# ---- the table -----------------------------------------------------------------------


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def _drop_cell(figure: dict[str, Any] | None) -> str:
    if not figure:
        return "—"
    cpu = f"{figure['cpu']:.1f} s CPU"
    if figure["ms"] is None:
        return f"none within {figure['cap_s']:.0f} s ({cpu})"
    return f"{_ms(figure['ms'])} ms ({cpu})"


def row(name: str, figures: Figures) -> str:
    acks = figures.refresh_ack_ms
    refresh = f"{_ms(percentile(acks, 0.5))} / {_ms(percentile(acks, 0.99))} ms" if acks else "—"
    if figures.refresh_lost:
        refresh += f", {figures.refresh_lost} not acked within {ACK_TIMEOUT:.0f} s"
    old = figures.old_connection
    old_cell = "—"
    if old:
        old_cell = f"{old['once']} once, {old['twice_or_more']} twice, {old['never']} never"
        if old["not_sent"]:
            old_cell += f" ({old['not_sent']} not sent: the client had closed it)"
        old_cell += f"; slowest {_ms(old['slowest_ms'])} ms"
    cells = [
        name,
        refresh,
        old_cell,
        _drop_cell(figures.drops.get("socket shut")),
        _drop_cell(figures.drops.get("close frame only")),
        f"{_ms(figures.stop_ms)} ms",
    ]
    if figures.error:
        cells[0] += f" (stopped early: {figures.error})"
    return "| " + " | ".join(cells) + " |"


def table(results: dict[str, Figures], count: int) -> str:
    header = (
        f"| Candidate | Ack after a refresh, p50 / p99 ({count} refreshes) "
        "| 3 envelopes on the old connection during the switch "
        "| Drop, socket shut: drop → ack | Drop, bare close frame: drop → ack | Stop |"
    )
    lines = [header, "| --- | --- | --- | --- | --- | --- |"]
    lines += [row(name, figures) for name, figures in results.items()]
    return "\n".join(lines)


def section(text: str, command_line: str, wall: float) -> str:
    machine = report.machine()
    return "\n".join(
        [
            BEGIN,
            "",
            f"**Machine:** {machine['cores']} cores ({machine['cpu'] or 'unknown CPU'}), "
            f"Python {machine['python']}; {machine['date']}.  ",
            f"**Command:** `{command_line}` ({wall:.0f} s wall).",
            "",
            text,
            "",
            END,
        ]
    )


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.socket_mode", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="3 refreshes, 15 s drop cap")
    parser.add_argument("--refreshes", type=int, default=20)
    parser.add_argument("--drop-cap", type=float, default=70.0, help="seconds to wait")
    parser.add_argument("--only", action="append", default=[], help="names containing this")
    parser.add_argument("--app", action="append", type=Path, default=[], help="another app.py")
    parser.add_argument("--no-app", action="store_true", help="skip this checkout's app.py")
    parser.add_argument("--results", type=Path, help="rewrite this file's socket-mode section")
    return parser.parse_args(argv)


def select_targets(args: argparse.Namespace) -> dict[str, Callable[[], Any]]:
    targets = {
        name: make
        for name, make in CANDIDATES.items()
        if not args.only or any(part in name for part in args.only)
    }
    ours = REPO / "app.py"
    for script in ([] if args.no_app else [ours]) + args.app:
        name = "python app.py" + ("" if script == ours else f" ({script})")
        targets[name] = lambda script=script: AppProcess(script)
    return targets


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    logging.disable(logging.WARNING)  # the candidates' reconnect warnings are the point here
    count, cap = (3, 15.0) if args.quick else (args.refreshes, args.drop_cap)
    started, results = time.monotonic(), {}
    for name, make in select_targets(args).items():
        print(f"measuring {name} ...", file=sys.stderr, flush=True)
        results[name] = measure(make(), count, cap)
        print(row(name, results[name]), file=sys.stderr, flush=True)
    text = table(results, count)
    print(text)
    if args.results:
        command_line = " ".join([".venv/bin/python -m bench.socket_mode", *argv])
        wall = time.monotonic() - started
        report.replace_section(args.results, BEGIN, END, section(text, command_line, wall))
    return 0


if __name__ == "__main__":
    sys.exit(main())
