"""`dialbot doctor` as an admin runs it: a process reading only the environment, against
the Slack stand-in, the CXone sandbox and a real database. It never places a call,
never prints a secret, and exits 0 only when every check passes or does not apply."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from agent_mode import agent_overrides
from dialbot_e2e import NOTIFY_CHANNEL, free_port

from bot.sandbox.cxone import CXoneSandbox
from bot.sandbox.cxone_agent import AgentApiSandbox
from bot.sandbox.settings import Endpoints, sandbox_environment
from bot.sandbox.slack_api import SlackApiStandIn
from bot.slack.scopes import BOT_SCOPES
from bot.store import Store

ROOT = Path(__file__).resolve().parents[2]
BOUND_SECONDS = 15.0
APP_TOKEN = "xapp-1-A0DIALBOT-doctor-token"


@pytest.fixture
def slack() -> Iterator[SlackApiStandIn]:
    channels = {"C0DEMO": "dial-demo", NOTIFY_CHANNEL: "dial-log"}
    with SlackApiStandIn(
        channels=channels, app_token=APP_TOKEN, socket_mode_url=lambda: "wss://127.0.0.1:9/link"
    ) as standin:
        yield standin


@pytest.fixture
def cxone() -> Iterator[CXoneSandbox]:
    with CXoneSandbox() as sandbox:
        yield sandbox


@pytest.fixture
def agent_cxone() -> Iterator[AgentApiSandbox]:
    with AgentApiSandbox() as sandbox:
        yield sandbox


@pytest.fixture
def database(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'dialbot.db'}"
    Store.open(url).close()  # created and at the current schema, as a start leaves it
    return url


def environment(slack, cxone, database: str, **overrides) -> dict[str, str]:
    values = {"dial_notify_channel": NOTIFY_CHANNEL, **overrides}
    return sandbox_environment(Endpoints.of(slack, cxone), database_url=database, **values)


def doctor(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess:
    # cwd is a fresh directory so no developer's .env is read.
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "doctor", *args],
        cwd=cwd,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def lines_by_check(output: str) -> dict[str, str]:
    """Check name -> its line, for the lines that are checks (✔, ✘ or –)."""
    found = {}
    for line in output.splitlines():
        if line[:1] in "✔✘–":
            name = line[2:].split(":", 1)[0]
            found[name] = line
    return found


def secrets(env: dict[str, str], cxone) -> list[str]:
    names = (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "CXONE_OAUTH_CLIENT_SECRET",
    )
    names += ("CXONE_ACCESS_KEY_SECRET",)
    issued = list(getattr(cxone, "issued", []))  # agent mode: access, refresh and id tokens
    return [env[n] for n in names if env.get(n)] + list(cxone._tokens) + issued


def assert_no_secret(run: subprocess.CompletedProcess, env, cxone, *more: str) -> None:
    said = run.stdout + run.stderr
    assert [s for s in [*secrets(env, cxone), *more] if s in said] == []


def test_a_healthy_setup_passes_every_check_and_places_no_call(slack, cxone, database, tmp_path):
    env = environment(slack, cxone, database)
    run = doctor(env, tmp_path)

    assert run.returncode == 0, run.stdout + run.stderr
    checks = lines_by_check(run.stdout)
    assert list(checks) == [
        "Settings",
        "Database",
        "Slack bot token",
        "Slack scopes",
        "Socket Mode app token",
        "CXone token",
        "CXone agents API",
        "CXone state API",
        "Notify channel",
    ]
    for name, line in checks.items():
        expected = "–" if name == "Socket Mode app token" else "✔"  # HTTP mode: no app token
        assert line.startswith(expected), line
    assert "schema at revision" in checks["Database"] and "(current)" in checks["Database"]
    assert "@dialbot (U0DIALBOT)" in checks["Slack bot token"]
    assert "#dial-log" in checks["Notify channel"]
    assert "1 active agent(s) on the first page" in checks["CXone agents API"]
    assert "agent agent-1001 is Available" in checks["CXone state API"]
    assert run.stdout.splitlines()[-1].startswith("All 9 checks passed")
    assert cxone.calls == [] and cxone.token_requests == 1  # a token, never a call
    assert len(cxone.reads_of("agents")) == 1 and cxone.state_requests == 1
    assert slack.calls_to("chat.postMessage") == [] and slack.calls_to("chat.postEphemeral") == []
    assert_no_secret(run, env, cxone)


def test_json_output_for_machines_and_the_socket_mode_token(slack, cxone, database, tmp_path):
    env = environment(slack, cxone, database, slack_app_token=APP_TOKEN, slack_signing_secret=None)
    run = doctor(env, tmp_path, "--json")

    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(run.stdout)
    assert report["ok"] is True
    statuses = {check["key"]: check["status"] for check in report["checks"]}
    assert statuses == {
        "settings": "pass",
        "database": "pass",
        "slack_token": "pass",
        "slack_scopes": "pass",
        "slack_app_token": "pass",
        "cxone_token": "pass",
        "cxone_agents": "pass",
        "cxone_states": "pass",
        "notify_channel": "pass",
    }
    assert all(check["seconds"] >= 0 for check in report["checks"])
    assert slack.calls_to("apps.connections.open")[0].ok
    assert_no_secret(run, env, cxone)


def test_socket_mode_turned_off_in_slack_fails_the_app_token_check(cxone, database, tmp_path):
    with SlackApiStandIn(app_token=APP_TOKEN, channels={NOTIFY_CHANNEL: "dial-log"}) as slack:
        env = environment(
            slack, cxone, database, slack_app_token=APP_TOKEN, slack_signing_secret=None
        )
        run = doctor(env, tmp_path)
    line = lines_by_check(run.stdout)["Socket Mode app token"]
    assert run.returncode == 1
    assert "socket_mode_not_enabled" in line and "Turn Socket Mode on" in line
    assert_no_secret(run, env, cxone)


def test_a_wrong_cxone_secret_fails_the_cxone_check_without_showing_it(
    slack, cxone, database, tmp_path
):
    wrong = "wrong-client-secret-5e1f0a"
    env = environment(slack, cxone, database, cxone_oauth_client_secret=wrong)
    run = doctor(env, tmp_path)

    assert run.returncode == 1
    checks = lines_by_check(run.stdout)
    assert checks["CXone token"].startswith("✘ CXone token:")
    assert "refused the OAuth client" in checks["CXone token"]
    assert all(line.startswith(("✔", "–")) for n, line in checks.items() if n != "CXone token")
    assert "1 of 9 checks failed: CXone token" in run.stdout
    assert_no_secret(run, env, cxone, wrong)


def test_a_bad_slack_token_fails_and_the_checks_needing_it_are_skipped(
    slack, cxone, database, tmp_path
):
    bad = "xoxb-not-the-real-token-31337"
    env = environment(slack, cxone, database, slack_bot_token=bad)
    run = doctor(env, tmp_path)

    assert run.returncode == 1
    checks = lines_by_check(run.stdout)
    assert checks["Slack bot token"].startswith("✘")
    assert "refused the bot token (invalid_auth)" in checks["Slack bot token"]
    assert "SLACK_BOT_TOKEN" in checks["Slack bot token"]  # the fix names the variable
    assert checks["Slack scopes"].startswith("– Slack scopes: not checked")
    assert checks["Notify channel"].startswith("– Notify channel: not checked")
    assert_no_secret(run, env, cxone, bad)


def test_a_missing_scope_is_named(cxone, database, tmp_path):
    scopes = [s for s in BOT_SCOPES if s != "users:read.email"]
    channels = {NOTIFY_CHANNEL: "dial-log"}
    with SlackApiStandIn(scopes=scopes, channels=channels) as slack:
        env = environment(slack, cxone, database)
        run = doctor(env, tmp_path)

    assert run.returncode == 1
    checks = lines_by_check(run.stdout)
    assert checks["Slack scopes"].startswith("✘ Slack scopes: the bot token lacks users:read.email")
    assert "reinstall" in checks["Slack scopes"]
    assert checks["Slack bot token"].startswith("✔")
    assert_no_secret(run, env, cxone)


def test_a_notify_channel_without_the_bot_or_unknown_fails_with_the_fix(
    slack, cxone, database, tmp_path
):
    slack.channels_without_bot.add(NOTIFY_CHANNEL)
    run = doctor(environment(slack, cxone, database), tmp_path)
    line = lines_by_check(run.stdout)["Notify channel"]
    assert run.returncode == 1
    assert "not in #dial-log" in line and "/invite @dialbot" in line

    run = doctor(environment(slack, cxone, database, dial_notify_channel="C0GONE"), tmp_path)
    line = lines_by_check(run.stdout)["Notify channel"]
    assert run.returncode == 1
    assert "no channel C0GONE" in line and "DIAL_NOTIFY_CHANNEL" in line


def test_a_database_that_is_down_fails_naming_it_without_its_password(slack, cxone, tmp_path):
    password = "db-password-8c2d"
    url = f"postgresql+psycopg://dialbot:{password}@127.0.0.1:{free_port()}/dialbot"
    env = environment(slack, cxone, url)
    run = doctor(env, tmp_path)

    assert run.returncode == 1
    line = lines_by_check(run.stdout)["Database"]
    assert line.startswith("✘ Database: Can't reach the database")
    assert "connection refused" in line
    assert "***" in line  # the URL is shown with its password hidden
    assert_no_secret(run, env, cxone, password)


def test_a_schema_from_a_newer_dialbot_fails_and_an_older_one_is_upgradable(
    slack, cxone, database, tmp_path
):
    from sqlalchemy import create_engine, text

    engine = create_engine(database)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    run = doctor(environment(slack, cxone, database), tmp_path)
    assert run.returncode == 1
    assert "does not know" in lines_by_check(run.stdout)["Database"]

    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    run = doctor(environment(slack, cxone, database), tmp_path)
    engine.dispose()
    line = lines_by_check(run.stdout)["Database"]
    assert run.returncode == 0, run.stdout
    assert "revision 0001, upgraded to" in line and "dialbot db upgrade" in line


def test_missing_settings_are_named_and_nothing_else_is_tried(tmp_path):
    run = doctor({"SLACK_BOT_TOKEN": "xoxb-only-this"}, tmp_path)
    assert run.returncode == 1
    checks = lines_by_check(run.stdout)
    assert "CXONE_BASE_URL is not set" in checks["Settings"]
    assert all(line.startswith("–") for name, line in checks.items() if name != "Settings")
    assert "xoxb-only-this" not in run.stdout + run.stderr
    assert not (tmp_path / "dialbot.db").exists()  # the doctor creates no database


# --- agent mode (CXONE_API=agent) ---------------------------------------------------

AGENT_CHECK_NAMES = [
    "Settings",
    "Database",
    "Slack bot token",
    "Slack scopes",
    "Socket Mode app token",
    "CXone token",
    "CXone API host",
    "CXone agents API",
    "CXone state API",
    "Notify channel",
]


def agent_environment(slack, cxone: AgentApiSandbox, database: str, **more) -> dict[str, str]:
    return environment(slack, cxone, database, **agent_overrides(cxone, **more))


def test_agent_mode_healthy_passes_and_joins_no_session(slack, agent_cxone, database, tmp_path):
    env = agent_environment(slack, agent_cxone, database)
    run = doctor(env, tmp_path)

    assert run.returncode == 0, run.stdout + run.stderr
    checks = lines_by_check(run.stdout)
    assert list(checks) == AGENT_CHECK_NAMES
    assert "access key 'demo-key-id'" in checks["CXone token"]
    host = checks["CXone API host"]
    assert host.startswith("✔") and "tenant demo-tenant (from the id_token)" in host
    assert agent_cxone.base_url in host and "(discovered)" in host
    assert "agent agent-1001 is Available" in checks["CXone state API"]
    assert run.stdout.splitlines()[-1].startswith("All 10 checks passed")
    assert agent_cxone.grants == ["password"]  # one sign-in for every check
    assert agent_cxone.joins == [] and agent_cxone.calls == []  # no session, no dial-phone
    assert slack.calls_to("chat.postMessage") == []
    assert_no_secret(run, env, agent_cxone)


def test_agent_mode_base_url_overrides_discovery(slack, agent_cxone, database, tmp_path):
    env = agent_environment(slack, agent_cxone, database, CXONE_BASE_URL=agent_cxone.base_url)
    run = doctor(env, tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    line = lines_by_check(run.stdout)["CXone API host"]
    assert f"CXONE_BASE_URL={agent_cxone.base_url} overrides discovery" in line
    assert "tenant demo-tenant" in line


def test_agent_mode_wrong_access_key_secret_fails_naming_it(slack, agent_cxone, database, tmp_path):
    wrong = "wrong-access-key-secret-77f3"
    env = agent_environment(slack, agent_cxone, database, CXONE_ACCESS_KEY_SECRET=wrong)
    run = doctor(env, tmp_path)

    assert run.returncode == 1
    checks = lines_by_check(run.stdout)
    assert checks["CXone token"].startswith("✘")
    assert "refused the access key 'demo-key-id'" in checks["CXone token"]
    assert "CXONE_ACCESS_KEY_SECRET" in checks["CXone token"]
    for name in ("CXone API host", "CXone agents API"):
        assert checks[name].startswith("– " + name + ": not checked"), checks[name]
    assert "1 of 10 checks failed: CXone token" in run.stdout
    assert_no_secret(run, env, agent_cxone, wrong, agent_cxone.access_key_secret)


@pytest.mark.parametrize("how", ["nothing at CXONE_AUTH_URL", "discovery answers 503"])
def test_agent_mode_discovery_failing_names_cxone_auth_url(
    slack, agent_cxone, database, tmp_path, how
):
    more = {}
    if how == "nothing at CXONE_AUTH_URL":
        more["CXONE_AUTH_URL"] = f"http://127.0.0.1:{free_port()}"
    else:
        agent_cxone.set_fault("discovery_503")
    env = agent_environment(slack, agent_cxone, database, **more)
    run = doctor(env, tmp_path)

    assert run.returncode == 1
    line = lines_by_check(run.stdout)["CXone token"]
    assert (
        line.startswith("✘ CXone token: CXone's discovery document at") and "CXONE_AUTH_URL" in line
    )
    assert agent_cxone.calls == [] and agent_cxone.joins == []
    assert_no_secret(run, env, agent_cxone)


def test_agent_mode_a_tenant_discovery_does_not_know_fails_the_api_host(
    slack, agent_cxone, database, tmp_path
):
    env = agent_environment(slack, agent_cxone, database, CXONE_TENANT_ID="other-tenant")
    run = doctor(env, tmp_path)

    assert run.returncode == 1
    checks = lines_by_check(run.stdout)
    assert checks["CXone token"].startswith("✔")
    line = checks["CXone API host"]
    assert line.startswith("✘") and "does not know the tenant 'other-tenant'" in line
    assert "CXONE_TENANT_ID" in line and "CXONE_AUTH_URL" in line
    assert checks["CXone agents API"].startswith("– CXone agents API: not checked")


@pytest.mark.parametrize(
    ("fault", "phrase"),
    [
        ("states_403", "The API user's role lacks the right to read agent states"),
        ("states_404", "CXONE_API_VERSION (v30.0) is wrong"),
        ("states_500", "try again in a minute"),
    ],
)
def test_agent_mode_the_state_api_failing_says_the_fix(
    slack, agent_cxone, database, tmp_path, fault, phrase
):
    agent_cxone.set_fault(fault)
    env = agent_environment(slack, agent_cxone, database)
    run = doctor(env, tmp_path)

    assert run.returncode == 1
    checks = lines_by_check(run.stdout)
    line = checks["CXone state API"]
    status = fault.removeprefix("states_")
    assert line.startswith("✘ CXone state API: GET ") and f"HTTP {status}" in line, line
    assert "/agents/agent-1001/states" in line and phrase in line
    assert checks["CXone agents API"].startswith("✔")
    assert "1 of 10 checks failed: CXone state API" in run.stdout
    assert agent_cxone.calls == [] and agent_cxone.joins == []


def test_agent_mode_a_state_api_that_never_answers_fails_within_the_check_timeout(
    slack, agent_cxone, database, tmp_path
):
    agent_cxone.set_fault("states_timeout")
    started = time.monotonic()
    run = doctor(agent_environment(slack, agent_cxone, database), tmp_path)

    assert time.monotonic() - started < BOUND_SECONDS
    assert run.returncode == 1
    line = lines_by_check(run.stdout)["CXone state API"]
    assert line.startswith("✘ CXone state API: no answer within 5 s →"), line


def test_a_tenant_without_active_agents_passes_and_reads_no_state(slack, database, tmp_path):
    with AgentApiSandbox(agents=[]) as cxone:
        run = doctor(agent_environment(slack, cxone, database), tmp_path)
        assert cxone.state_requests == 0

    assert run.returncode == 0, run.stdout
    checks = lines_by_check(run.stdout)
    assert checks["CXone agents API"].startswith("✔") and "HTTP 204" in checks["CXone agents API"]
    assert checks["CXone state API"].startswith("– CXone state API: not checked: CXone found no")


def test_journey_mode_agents_api_403_says_the_role_lacks_the_right(
    slack, cxone, database, tmp_path
):
    cxone.set_fault("agents_403")
    run = doctor(environment(slack, cxone, database), tmp_path)
    assert run.returncode == 1
    checks = lines_by_check(run.stdout)
    assert "HTTP 403" in checks["CXone agents API"]
    assert "lacks the right to read agents" in checks["CXone agents API"]
    assert checks["CXone state API"].startswith("– CXone state API: not checked")


def test_the_reads_do_not_apply_when_no_dial_reads_them(slack, agent_cxone, database, tmp_path):
    env = agent_environment(
        slack, agent_cxone, database, DIAL_AGENT_STATE_CHECK="off", DIAL_LINK_BY_EMAIL=False
    )
    run = doctor(env, tmp_path)

    assert run.returncode == 0, run.stdout
    checks = lines_by_check(run.stdout)
    assert checks["CXone agents API"].startswith("– CXone agents API: does not apply")
    assert checks["CXone state API"].startswith("– CXone state API: does not apply")
    assert agent_cxone.reads == []  # no agents, no state read at all


class BlackHole:
    """A port that takes connections and never answers (nor accepts, once its backlog
    is full): a host behind a firewall that drops packets looks like this."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port = self.socket.getsockname()[1]

    def close(self) -> None:
        self.socket.close()


@pytest.mark.parametrize("api", ["journey", "agent"])
def test_every_remote_black_holed_still_finishes_within_the_bound(tmp_path, api):
    hole = BlackHole()
    try:
        url = f"http://127.0.0.1:{hole.port}"
        endpoints = Endpoints(
            slack_url=url + "/api/",
            bot_token="xoxb-black-hole",
            cxone_url=url,
            client_id="client",
            client_secret="black-hole-secret",
            campaign_id="campaign",
        )
        agent = {
            "cxone_api": "agent",
            "cxone_auth_url": url,
            "cxone_access_key_id": "key",
            "cxone_access_key_secret": "black-hole-key-secret",
        }
        env = sandbox_environment(
            endpoints,
            database_url=f"postgresql+psycopg://postgres@127.0.0.1:{hole.port}/dialbot",
            slack_app_token="xapp-1-black-hole",
            dial_notify_channel=NOTIFY_CHANNEL,
            **(agent if api == "agent" else {}),
        )
        started = time.monotonic()
        run = doctor(env, tmp_path)
        took = time.monotonic() - started
    finally:
        hole.close()

    assert took < BOUND_SECONDS, run.stdout
    assert run.returncode == 1
    checks = lines_by_check(run.stdout)
    for name in ("Database", "Slack bot token", "Socket Mode app token", "CXone token"):
        assert checks[name].startswith("✘"), checks[name]
    assert "no answer within" in checks["CXone token"]
    assert ("CXone API host" in checks) is (api == "agent")
    said = run.stdout + run.stderr
    assert not [s for s in ("xoxb-black-hole", "black-hole-secret", "black-hole-key") if s in said]
