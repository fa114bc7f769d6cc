"""`dialbot db|links|history`, run as an operator would, through bot.cli.main."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime

import pytest

from bot.cli import main
from bot.phone import mask_number
from bot.store import DialState

NUMBER = "+14155550123"


@pytest.fixture
def cli_env(store, database_url, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", database_url)
    return store


def add_request(store, requester="U0ALICE", *, placed_call=None, error=None):
    request = store.create_request(
        requester_id=requester,
        agent_user_id=requester,
        agent_id="agent-1001",
        phone_number=NUMBER,
        contact_id="contact-7",
        channel_id="C0SALES",
        response_url=None,
        ttl_seconds=600,
    )
    if placed_call or error:
        store.transition(request.id, DialState.PENDING, DialState.DIALING)
        end = DialState.PLACED if placed_call else DialState.REJECTED
        store.transition(request.id, DialState.DIALING, end, call_id=placed_call, error=error)
    return request


def test_links_import_then_list(cli_env, tmp_path, capsys):
    path = tmp_path / "agents.csv"
    path.write_text("slack_user_id,cxone_agent_id\nU0ALICE,agent-1001\nnope,agent-2\n")

    assert main(["links", "import", str(path)]) == 1
    out, err = capsys.readouterr()
    assert "line 2: U0ALICE new, linked to agent-1001" in out
    assert (
        "1 new, 0 changed, 0 unchanged, 0 skipped because an admin changed them, 1 bad row" in out
    )
    assert "line 3: 'nope' is not a Slack user id" in err

    assert main(["links", "list"]) == 0
    out, _ = capsys.readouterr()
    header, rule, row = out.splitlines()
    assert header.split() == ["slack", "user", "cxone", "agent", "from", "by", "at", "(UTC)"]
    assert row.split()[:4] == ["U0ALICE", "agent-1001", "links", "import"]
    assert getpass.getuser() in row


def test_links_import_says_per_row_what_it_changed(cli_env, tmp_path, capsys):
    cli_env.import_links(write(tmp_path, "seed.csv", "U0ALICE,agent-1\nU0BOB,agent-2\n"))
    cli_env.link("U0CAROL", "agent-3", linked_by="U0DANA")
    cli_env.link("U0DAVE", "agent-4", linked_by="U0DANA")
    cli_env.unlink("U0DAVE", "U0DANA")
    path = write(
        tmp_path,
        "agents.csv",
        "# the sales floor\n"
        "slack_user_id,cxone_agent_id\n"
        "U0ALICE,agent-1\n"
        "U0BOB,agent-2002\n"
        "U0CAROL,agent-3003\n"
        "# Dave left in May\n"
        "U0DAVE,agent-4\n"
        "U0ERIN,agent-5\n",
    )

    assert main(["links", "import", str(path)]) == 0
    out, err = capsys.readouterr()

    today = datetime.now(UTC).date().isoformat()
    assert out.splitlines()[0:5] == [
        "  line 3: U0ALICE unchanged, linked to agent-1",
        "  line 4: U0BOB changed from agent-2 to agent-2002",
        "  line 5: U0CAROL skipped because an admin changed it (linked to agent-3 in Slack "
        f"by U0DANA on {today}); the row says agent-3003: change or remove the row to match",
        "  line 7: U0DAVE skipped because an admin changed it (unlinked in Slack by U0DANA "
        f"on {today}); the row says agent-4: change or remove the row to match",
        "  line 8: U0ERIN new, linked to agent-5",
    ]
    assert (
        "1 new, 1 changed, 1 unchanged, 2 skipped because an admin changed them, 0 bad rows" in out
    )
    assert "dialbot links link SLACK_USER_ID CXONE_AGENT_ID" in out
    assert err == ""
    assert cli_env.get_link("U0CAROL").cxone_agent_id == "agent-3"
    assert cli_env.get_link("U0DAVE") is None


def test_links_list_shows_who_a_person_unlinked(cli_env, capsys):
    cli_env.link("U0BOB", "agent-2", linked_by="U0DANA")
    cli_env.unlink("U0BOB", "U0DANA")

    assert main(["links", "list"]) == 0
    out = capsys.readouterr().out
    assert "Unlinked by a person" in out
    assert out.splitlines()[-1].split()[:5] == [
        "U0BOB",
        "agent-2",
        "Slack",
        "U0DANA",
        datetime.now(UTC).date().isoformat(),
    ]


def write(directory, name: str, text: str):
    path = directory / name
    path.write_text(text)
    return path


def test_links_list_when_there_are_none_says_how_to_add_them(cli_env, capsys):
    assert main(["links", "list"]) == 0
    assert "dialbot links import FILE" in capsys.readouterr().out


def test_links_import_of_a_missing_file_is_one_clear_line(cli_env, tmp_path, capsys):
    assert main(["links", "import", str(tmp_path / "missing.csv")]) == 1
    _, err = capsys.readouterr()
    assert "missing.csv" in err
    assert "Traceback" not in err


def test_history_masks_numbers_unless_full(cli_env, capsys):
    add_request(cli_env, placed_call="call-42")
    add_request(cli_env, "U0BOB", error="CXone says the agent is not logged in")

    assert main(["history"]) == 0
    out, _ = capsys.readouterr()
    assert NUMBER not in out
    assert out.count(mask_number(NUMBER)) == 2
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["created", "(UTC)"]
    assert "U0BOB" in lines[2] and "rejected" in lines[2] and "not logged in" in lines[2]
    assert "U0ALICE" in lines[3] and "placed" in lines[3] and "call-42" in lines[3]

    assert main(["history", "--full", "--user", "U0ALICE", "--limit", "5"]) == 0
    out, _ = capsys.readouterr()
    assert NUMBER in out
    assert "U0BOB" not in out


def test_history_limit(cli_env, capsys):
    for _ in range(3):
        add_request(cli_env)

    assert main(["history", "--limit", "2"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2 + 2  # header, rule, 2 rows


def test_history_when_empty(cli_env, capsys):
    assert main(["history", "--user", "U0NOBODY"]) == 0
    assert "No dial requests for U0NOBODY yet." in capsys.readouterr().out


def test_an_unreachable_database_is_one_clear_line_and_exit_1(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://dialbot:hunter2@127.0.0.1:9/x")

    for command in (["db", "upgrade"], ["links", "list"], ["history"]):
        assert main(command) == 1
        out, err = capsys.readouterr()
        assert "Can't reach the database" in err
        assert "hunter2" not in out + err
        assert "Traceback" not in err


def test_database_url_is_read_from_dotenv(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    (tmp_path / ".env").write_text(f"DATABASE_URL=sqlite:///{tmp_path / 'from-env.db'}\n")

    assert main(["db", "upgrade"]) == 0
    assert "from-env.db" in capsys.readouterr().out
    assert (tmp_path / "from-env.db").exists()
