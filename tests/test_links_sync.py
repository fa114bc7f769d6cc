"""`dialbot links sync [--apply]` through bot.cli.main against the Slack stand-in (paged
users.list) and the CXone sandbox (paged GET /agents), and plan_sync's rules."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.cli import main
from bot.cxone.admin import Agent
from bot.email_links import SyncAction, plan_sync
from bot.sandbox.cxone import CXoneSandbox
from bot.sandbox.settings import Endpoints, sandbox_environment
from bot.sandbox.slack_api import SlackApiStandIn, demo_user
from bot.store import AgentLink, AgentUnlink, LinkSource, Store

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def link(user, agent, source=LinkSource.SLACK):
    return AgentLink(user, agent, "U0ADMIN", NOW, source)


def test_plan_links_one_match_and_leaves_everything_else():
    members = [
        ("U1", "one@x.example"),
        ("U2", "TWO@x.example"),
        ("U3", "three@x.example"),
        ("U4", "four@x.example"),
        ("U5", "five@x.example"),
        ("U6", "six@x.example"),
        ("U7", None),
    ]
    agents = [
        Agent("1", "one@x.example"),
        Agent("2", "two@X.example"),
        Agent("3", "three@x.example"),
        Agent("4", "four@x.example"),
        Agent("4b", "four@x.example"),
        Agent("5", "five@x.example", is_active=False),
        Agent("6", "six@x.example"),
    ]
    links = {"U2": link("U2", "2"), "U3": link("U3", "99")}
    unlinks = {"U6": AgentUnlink("U6", "6", "U0ADMIN", NOW, LinkSource.SLACK)}
    rows = {row.slack_user_id: row for row in plan_sync(members, agents, links, unlinks)}
    assert rows["U1"].action is SyncAction.LINK and rows["U1"].agent_id == "1"
    assert rows["U2"].action is SyncAction.UNCHANGED
    assert rows["U3"].action is SyncAction.KEPT and rows["U3"].agent_id == "99"
    assert rows["U4"].action is SyncAction.SKIPPED and "4, 4b" in rows["U4"].why
    assert rows["U5"].action is SyncAction.SKIPPED and "inactive" in rows["U5"].why
    assert rows["U6"].action is SyncAction.KEPT and "unlinked" in rows["U6"].why
    assert "U7" not in rows


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    users = [demo_user(f"U{n:04d}", f"person{n}", f"Person {n}") for n in range(450)]
    users.append({**demo_user("U0BOT", "robot", "A Bot"), "is_bot": True})
    with (
        SlackApiStandIn(users=users) as slack,
        CXoneSandbox(agents=()) as cxone,
    ):
        for n in range(0, 450, 3):  # every third person has an agent
            cxone.add_agent(f"{7000 + n}", email=f"Person{n}@Example.com")
        cxone.add_agent("6999", email="robot@example.com")
        database_url = f"sqlite:///{tmp_path / 'dialbot.db'}"
        store = Store.open(database_url)
        store.link("U0000", "1234", "U0ADMIN")  # kept: linked to another agent already
        store.link("U0003", "x", "U0ADMIN")
        store.unlink("U0003", "U0ADMIN")  # kept: a person's unlink
        monkeypatch.chdir(tmp_path)
        environment = sandbox_environment(Endpoints.of(slack, cxone), database_url=database_url)
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        yield slack, cxone, store
        store.close()


def test_a_dry_run_shows_the_table_and_changes_nothing(workspace, capsys):
    slack, cxone, store = workspace
    assert main(["links", "sync"]) == 0
    out = capsys.readouterr().out
    assert "Dry run (add --apply to link): 148 to link" in out
    assert "2 kept as they are" in out and "300 without one matching agent" in out
    assert "450 Slack members read" in out
    assert re.search(r"^U0006 +person6@example\.com +link +7006$", out, re.M)
    assert re.search(r"^U0003 +person3@example\.com +kept +unlinked by a person", out, re.M)
    assert "person1@" not in out  # no match: counted, not listed (--all lists it)
    assert "robot" not in out
    assert len(store.list_links()) == 1
    pages = slack.calls_to("users.list")
    assert len(pages) == 3  # 200 a page
    assert len(cxone.reads_of("agents")) == 2  # 100 a page, 151 agents


def test_apply_links_by_email_and_keeps_links_and_unlinks(workspace, capsys):
    _, _, store = workspace
    assert main(["links", "sync", "--apply"]) == 0
    assert "Linked 148 people by email." in capsys.readouterr().out
    assert store.get_link("U0006").cxone_agent_id == "7006"
    assert store.get_link("U0006").source is LinkSource.EMAIL
    assert store.get_link("U0000").cxone_agent_id == "1234"
    assert store.get_link("U0003") is None
    assert main(["links", "sync", "--apply"]) == 0  # again: nothing left to do
    assert "Linked 0 people" in capsys.readouterr().out


def test_without_the_email_scope_it_says_so(workspace, capsys):
    slack, _, store = workspace
    slack.scopes.discard("users:read.email")
    assert main(["links", "sync"]) == 0
    assert "450 without an email (is users:read.email granted?)" in capsys.readouterr().out


def test_cxone_refusing_the_list_links_nothing(workspace, capsys):
    _, cxone, store = workspace
    cxone.set_fault("agents_403")
    assert main(["links", "sync", "--apply"]) == 1
    assert "CXone's agent list could not be read (forbidden" in capsys.readouterr().err
    assert len(store.list_links()) == 1


def test_slack_refusing_the_list_links_nothing(workspace, capsys, monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-wrong")
    assert main(["links", "sync", "--apply"]) == 1
    assert "Slack's users.list failed (invalid_auth)" in capsys.readouterr().err
