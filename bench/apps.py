"""Start an app under test as a process of its own and wait until it serves.

Our app is started exactly as people run it, `python app.py` in HTTP mode, configured
only through the environment; the tutorial-style app is `bench/tutorial_style.py`,
served the same way. Each runs in an empty working directory so no `.env` is read.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

from bench.stand_ins import StandIns, peak_rss_kib
from bot.sandbox.settings import Endpoints, sandbox_environment

REPO = Path(__file__).resolve().parent.parent
OUR_APP = REPO / "app.py"
TUTORIAL_APP = REPO / "bench" / "tutorial_style.py"

SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-demo-token"  # what SlackApiStandIn accepts
CONTACT_ID = "contact-1"
# Settings the parent shell may carry that must not leak into the app under test.
CLEARED_PREFIXES = ("SLACK_", "CXONE_", "DIAL_", "DATABASE_URL", "PORT")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class AppProcess:
    name: str
    process: subprocess.Popen
    url: str
    log_path: Path

    @property
    def events_url(self) -> str:
        return self.url + "/slack/events"

    @property
    def pid(self) -> int:
        return self.process.pid

    def peak_rss_kib(self) -> int | None:
        return peak_rss_kib(self.process.pid)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # lets dials in flight finish
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_profiler(pid: int, output: Path, rate: int = 200) -> subprocess.Popen:
    """py-spy sampling `pid`'s on-CPU stacks (all threads) into a collapsed-stack file."""
    py_spy = Path(sys.executable).with_name("py-spy")
    return subprocess.Popen(
        [str(py_spy), "record", "--pid", str(pid), "--rate", str(rate), "--format", "raw"]
        + ["--gil", "--nolineno", "--output", str(output)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop_profiler(profiler: subprocess.Popen) -> None:
    profiler.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
    try:
        profiler.wait(timeout=30)
    except subprocess.TimeoutExpired:
        profiler.kill()
        profiler.wait()


def app_environment(
    stand_ins: StandIns,
    workdir: Path,
    users: list[tuple[str, str]],
    port: int,
    database_url: str | None = None,
    extra_env: dict[str, str] | None = None,
) -> dict[str, str]:
    agent_map = workdir / "agents.csv"
    agent_map.write_text(
        "slack_user_id,cxone_agent_id\n" + "".join(f"{u},{a}\n" for u, a in users),
        encoding="utf-8",
    )
    endpoints = Endpoints(
        slack_url=stand_ins.slack_url,
        bot_token=BOT_TOKEN,
        cxone_url=stand_ins.cxone_url,
        client_id=stand_ins.client_id,
        client_secret=stand_ins.client_secret,
        campaign_id=stand_ins.campaign_id,
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(CLEARED_PREFIXES)}
    env.update(
        sandbox_environment(
            endpoints,
            database_url=database_url or f"sqlite:///{workdir / 'dialbot.db'}",
            slack_signing_secret=SIGNING_SECRET,
            port=port,
            cxone_default_contact_id=CONTACT_ID,
            cxone_http_timeout=30,
            dial_agent_map=agent_map,
            dial_allowed_regions="US",
            # The per-user limit protects people, not the server; the benchmark
            # sends hundreds of confirmations a minute from each bench user.
            dial_rate_limit_per_minute=1_000_000,
            # These rows predate the agent-state check (issue 12) and keep measuring the
            # token and the dial alone; `python -m bench.agent_state` measures the check,
            # on and off side by side.
            dial_agent_state_check="off",
            pythonunbuffered=1,
        )
    )
    env.update(extra_env or {})
    return env


def start_app(
    name: str,
    script: Path,
    stand_ins: StandIns,
    workdir: Path,
    users: list[tuple[str, str]],
    *,
    database_url: str | None = None,
    port: int | None = None,
    script_args: tuple[str, ...] = (),
    ready_line: str | None = None,
    timeout: float = 60.0,
    extra_env: dict[str, str] | None = None,
) -> AppProcess:
    """Start `script` with the bench environment; return once GET /healthz answers 200
    (and, with `ready_line`, once the app's own log shows it: a second process sharing
    a port cannot tell its /healthz from the first one's)."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    env = app_environment(stand_ins, workdir, users, port, database_url, extra_env)
    log_path = workdir / f"{name}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, str(script), *script_args],
            cwd=workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    app = AppProcess(name, process, f"http://127.0.0.1:{port}", log_path)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{app.log_tail()}")
        try:
            with urlopen(app.url + "/healthz", timeout=2) as answer:
                if answer.status == 200 and (
                    ready_line is None or ready_line in log_path.read_text(errors="replace")
                ):
                    return app
        except (URLError, OSError):
            pass
        if time.monotonic() > deadline:
            app.stop()
            raise RuntimeError(f"{name} did not become healthy in {timeout} s:\n{app.log_tail()}")
        time.sleep(0.05)


def default_postgres_server() -> str:
    """USER[:PASSWORD]@HOST:PORT of the PostgreSQL server to use when none is named: the
    one DIALBOT_TEST_POSTGRES_URL (a postgresql:// URL, as the tests take) names, or
    postgres@127.0.0.1:5432."""
    from sqlalchemy.engine import make_url

    given = os.environ.get("DIALBOT_TEST_POSTGRES_URL")
    if not given:
        return "postgres@127.0.0.1:5432"
    url = make_url(given).set(drivername="postgresql")
    rendered = url.render_as_string(hide_password=False).removeprefix("postgresql://")
    return rendered.split("/", 1)[0]  # USER[:PASSWORD]@HOST:PORT, without the database


@contextlib.contextmanager
def postgres_database(server: str) -> Iterator[str]:
    """A fresh, uniquely named PostgreSQL database on `server`, dropped afterwards."""
    import psycopg

    name = f"dialbot_bench_{uuid.uuid4().hex[:12]}"
    admin = f"postgresql://{server}/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://{server}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
