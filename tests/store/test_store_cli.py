"""`dialbot db|links|history`, run as an operator would, through bot.cli.main."""

from __future__ import annotations

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
    assert "Loaded 1 link" in out
    assert "line 3: 'nope' is not a Slack user id" in err

    assert main(["links", "list"]) == 0
    out, _ = capsys.readouterr()
    header, rule, row = out.splitlines()
    assert header.split()[:4] == ["slack", "user", "cxone", "agent"]
    assert row.split()[:2] == ["U0ALICE", "agent-1001"]
    assert "dialbot links import" in row


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
