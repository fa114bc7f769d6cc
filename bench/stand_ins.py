"""The CXone sandbox and the Slack stand-in the benchmark runs the apps against.

Two ways to host them, same interface (`StandIns`):

- `ThreadStandIns`: in the benchmark's own process, read directly;
- `ProcessStandIns`: in a child process of their own (`python bench/stand_ins.py`),
  driven over a small control endpoint, so their request handling does not share
  the load generator's GIL.

Run by path, this file is that child: it prints one JSON line with the three URLs
and serves until stdin closes or SIGTERM. It imports only `bot` and the standard
library, so it runs from any working directory.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.request import Request, urlopen

from bot.sandbox import LocalHttpServer, QuietHandler
from bot.sandbox.cxone import CXoneSandbox
from bot.sandbox.slack_api import SlackApiStandIn, demo_user


def peak_rss_kib(pid: int) -> int | None:
    """VmHWM (peak resident set size) of a live process, in KiB."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


@dataclass(frozen=True)
class DialSeen:
    """One dial POST the sandbox received: which request (from `data.requestId`) and when."""

    request_id: str | None
    received: float  # time.time() seconds
    placed: bool


@dataclass(frozen=True)
class Counters:
    token_requests: int
    dial_requests: int
    placed: int

    @property
    def cxone_requests(self) -> int:
        return self.token_requests + self.dial_requests


class StandIns(Protocol):
    cxone_url: str
    slack_url: str  # ends with "/api/", for SLACK_API_URL
    client_id: str
    client_secret: str
    campaign_id: str

    def response_url(self) -> str: ...
    def set_latency(self, seconds: float) -> None: ...
    def reset(self) -> None: ...
    def counters(self) -> Counters: ...
    def dials(self) -> list[DialSeen]: ...
    def peak_rss_kib(self) -> int | None: ...
    def close(self) -> None: ...


def build_servers(users: Iterable[tuple[str, str]]) -> tuple[CXoneSandbox, SlackApiStandIn]:
    """A sandbox that knows every bench agent, and a Slack that knows every bench user."""
    users = list(users)
    sandbox = CXoneSandbox(agents=[agent for _, agent in users])
    slack_users = [demo_user(uid, uid.lower(), f"Bench {uid}") for uid, _ in users]
    # response_url_uses=None: the benchmark reuses nothing, but Slack's five-post limit
    # must not turn a long run's bookkeeping into 404s.
    slack = SlackApiStandIn(users=slack_users, response_url_uses=None)
    return sandbox, slack


def _dial_seen(call: Any) -> DialSeen:
    body = call.body if isinstance(call.body, dict) else {}
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    return DialSeen(data.get("requestId"), call.time.timestamp(), call.placed)


def _counters(sandbox: CXoneSandbox) -> Counters:
    return Counters(sandbox.token_requests, sandbox.dial_requests, len(sandbox.placed_calls))


class ThreadStandIns:
    def __init__(self, users: Iterable[tuple[str, str]]) -> None:
        self.sandbox, self.slack = build_servers(users)
        self.sandbox.start()
        self.slack.start()
        self.cxone_url = self.sandbox.url
        self.slack_url = self.slack.url
        self.client_id = self.sandbox.client_id
        self.client_secret = self.sandbox.client_secret
        self.campaign_id = self.sandbox.campaign_id

    def response_url(self) -> str:
        return self.slack.response_url()

    def set_latency(self, seconds: float) -> None:
        self.sandbox.latency = seconds

    def reset(self) -> None:
        self.sandbox.reset_records()
        self.slack.reset_records()

    def counters(self) -> Counters:
        return _counters(self.sandbox)

    def dials(self) -> list[DialSeen]:
        return [_dial_seen(call) for call in self.sandbox.calls]

    def peak_rss_kib(self) -> int | None:
        return None  # shares the benchmark's process

    def close(self) -> None:
        self.sandbox.stop()
        self.slack.stop()


class ProcessStandIns:
    def __init__(self, users: Iterable[tuple[str, str]]) -> None:
        users_arg = ",".join(f"{uid}={agent}" for uid, agent in users)
        self._process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), users_arg],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError("the stand-ins process exited before it was ready")
        urls = json.loads(line)
        self.cxone_url = urls["cxone"]
        self.slack_url = urls["slack"]
        self._control = urls["control"]
        self.client_id = urls["client_id"]
        self.client_secret = urls["client_secret"]
        self.campaign_id = urls["campaign_id"]
        self._slack_base = self.slack_url.removesuffix("/api/")

    @property
    def pid(self) -> int:
        return self._process.pid

    def _call(self, path: str, payload: dict[str, Any] | None = None) -> Any:
        data = None if payload is None else json.dumps(payload).encode()
        request = Request(self._control + path, data=data, method="GET" if data is None else "POST")
        with urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())

    def response_url(self) -> str:
        return f"{self._slack_base}/respond/{uuid.uuid4().hex}"

    def set_latency(self, seconds: float) -> None:
        self._call("/latency", {"seconds": seconds})

    def reset(self) -> None:
        self._call("/reset", {})

    def counters(self) -> Counters:
        return Counters(**self._call("/counters"))

    def dials(self) -> list[DialSeen]:
        return [DialSeen(*row) for row in self._call("/dials")]

    def peak_rss_kib(self) -> int | None:
        return peak_rss_kib(self._process.pid)

    def close(self) -> None:
        if self._process.poll() is None:
            assert self._process.stdin is not None
            self._process.stdin.close()  # the child stops when its stdin closes
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()


# ---- the child process ----------------------------------------------------------------


class _ControlHandler(QuietHandler):
    def do_GET(self) -> None:
        self.read_body()
        sandbox: CXoneSandbox = self.owner.sandbox
        if self.path == "/counters":
            counters = _counters(sandbox)
            self.send_json(200, counters.__dict__)
        elif self.path == "/dials":
            self.send_json(200, [list(_dial_seen(c).__dict__.values()) for c in sandbox.calls])
        else:
            self.send_text(404, "Not Found")

    def do_POST(self) -> None:
        payload = json.loads(self.read_body() or b"{}")
        if self.path == "/latency":
            self.owner.sandbox.latency = float(payload["seconds"])
        elif self.path == "/reset":
            self.owner.sandbox.reset_records()
            self.owner.slack.reset_records()
        else:
            self.send_text(404, "Not Found")
            return
        self.send_json(200, {"ok": True})


class _Control(LocalHttpServer):
    handler_class = _ControlHandler

    def __init__(self, sandbox: CXoneSandbox, slack: SlackApiStandIn) -> None:
        super().__init__()
        self.sandbox = sandbox
        self.slack = slack


def _serve(users_arg: str) -> int:
    users = [tuple(pair.split("=", 1)) for pair in users_arg.split(",") if pair]
    sandbox, slack = build_servers(users)  # type: ignore[arg-type]
    control = _Control(sandbox, slack)
    for server in (sandbox, slack, control):
        server.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    print(
        json.dumps(
            {
                "cxone": sandbox.url,
                "slack": slack.url,
                "control": control.base_url,
                "client_id": sandbox.client_id,
                "client_secret": sandbox.client_secret,
                "campaign_id": sandbox.campaign_id,
                "pid": os.getpid(),
            }
        ),
        flush=True,
    )
    while not stop.wait(0.2):
        pass
    for server in (control, slack, sandbox):
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(_serve(sys.argv[1] if len(sys.argv) > 1 else ""))
