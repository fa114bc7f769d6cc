"""`dialbot db|links|history`, run as an operator would, through bot.cli.main."""

from __future__ import annotations

import csv
import getpass
import io
import json
from datetime import UTC, datetime, timedelta
from importlib import metadata

import pytest

from bot.cli import main
from bot.phone import mask_number
from bot.store import DialState, LinkSource, Store, migrate
from bot.store.engine import create_store_engine

NUMBER = "+14155550123"


@pytest.fixture
def cli_env(store, database_url, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", database_url)
    return store


def add_request(store, requester="U0ALICE", *, placed_call=None, error=None, correlation=None):
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
        store.transition(
            request.id,
            DialState.DIALING,
            end,
            call_id=placed_call,
            correlation_id=correlation,
            error=error,
        )
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
    assert err == f"Using the database at {database_line(cli_env)} (DATABASE_URL).\n"
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


def database_line(store) -> str:
    return store.engine.url.render_as_string(hide_password=True)


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    """`dialbot ARGV`: exit code, stdout, stderr; argparse's errors exit too."""
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


EVERY_COMMAND = [
    ["db", "upgrade"],
    ["links", "list"],
    ["links", "import", "agents.csv"],
    ["links", "link", "U0ALICE", "agent-1"],
    ["links", "unlink", "U0ALICE"],
    ["links", "export"],
    ["history"],
]


@pytest.mark.parametrize("argv", EVERY_COMMAND, ids=" ".join)
def test_every_command_first_says_which_database_it_uses(cli_env, argv, tmp_path, capsys):
    (tmp_path / "agents.csv").write_text("U0ALICE,agent-1\n")

    _, _, err = run(argv, capsys)

    assert err.splitlines()[0] == f"Using the database at {database_line(cli_env)} (DATABASE_URL)."


@pytest.mark.parametrize("argv", EVERY_COMMAND[1:], ids=" ".join)
def test_only_db_upgrade_creates_a_missing_sqlite_database(argv, monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "agents.csv").write_text("U0ALICE,agent-1\n")
    database = tmp_path / "data" / "dialbot.db"
    (tmp_path / "data").mkdir()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")

    code, out, err = run(argv, capsys)

    assert code == 1 and out == ""
    assert f"the file {database} does not exist" in err
    assert "Run `dialbot db upgrade` to create it" in err
    assert list((tmp_path / "data").iterdir()) == []  # nothing created, not even a -wal

    assert run(["db", "upgrade"], capsys)[0] == 0
    assert database.exists()
    assert run(argv, capsys)[0] in (0, 1)  # now it runs (unlink of nobody is 1)
    assert "does not exist" not in capsys.readouterr().err


def test_db_upgrade_says_it_created_the_tables(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")

    code, out, _ = run(["db", "upgrade"], capsys)

    assert code == 0
    assert out.startswith("Created dialbot's tables in the database at sqlite:///")
    assert f"(schema revision {migrate.head_revision()})" in out


def test_other_commands_leave_an_old_schema_alone_and_say_what_to_run(
    empty_database_url, monkeypatch, tmp_path, capsys
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", empty_database_url)
    engine = create_store_engine(empty_database_url)
    migrate.upgrade(engine, "0002")

    code, _, err = run(["links", "list"], capsys)

    assert code == 1
    assert "schema revision 0002" in err and "Run `dialbot db upgrade`" in err
    with engine.connect() as connection:
        assert migrate.current_revision(connection) == "0002"
    engine.dispose()


def test_links_link_and_unlink_by_hand(cli_env, capsys):
    cli_env.link("U0BOB", "agent-2", linked_by="U0DANA")

    code, out, _ = run(["links", "link", "U0ALICE", "agent-1001"], capsys)
    assert code == 0 and "Linked U0ALICE to CXone agent agent-1001 (new)" in out
    code, out, _ = run(["links", "link", "U0BOB", "agent-2002"], capsys)
    assert code == 0 and "(it was agent-2)" in out
    link = cli_env.get_link("U0BOB")
    assert (link.cxone_agent_id, link.source, link.linked_by) == (
        "agent-2002",
        LinkSource.CLI,
        getpass.getuser(),
    )

    code, out, _ = run(["links", "unlink", "U0BOB"], capsys)
    assert code == 0 and "Unlinked U0BOB (was CXone agent agent-2002)" in out
    assert cli_env.get_link("U0BOB") is None
    unlink = cli_env.get_unlink("U0BOB")
    assert (unlink.source, unlink.unlinked_by) == (LinkSource.CLI, getpass.getuser())

    code, _, err = run(["links", "unlink", "U0BOB"], capsys)
    assert code == 1 and "U0BOB wasn't linked to a CXone agent, so nothing changed" in err


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["links", "link", "alice", "agent-1"], "'alice' is not a Slack user id"),
        (["links", "link", "U0ALICE", "agent 1"], "'agent 1' is not a CXone agent id"),
        (["links", "unlink", "@bob"], "'@bob' is not a Slack user id"),
    ],
)
def test_links_link_and_unlink_refuse_bad_ids_and_change_nothing(cli_env, argv, complaint, capsys):
    code, _, err = run(argv, capsys)

    assert code == 2 and complaint in err
    assert cli_env.list_links() == []


def test_links_export_is_a_file_links_import_takes_back_unchanged(cli_env, tmp_path, capsys):
    cli_env.link("U0ALICE", "agent-1001", linked_by="U0DANA")
    cli_env.link("W0ERIN", "agent.1005", linked_by="U0DANA")
    cli_env.link("U0BOB", "agent-2", linked_by="U0DANA")
    cli_env.unlink("U0BOB", "U0DANA")

    code, exported, _ = run(["links", "export"], capsys)
    assert code == 0
    assert exported.splitlines()[-3:] == [
        "slack_user_id,cxone_agent_id",
        "U0ALICE,agent-1001",
        "W0ERIN,agent.1005",
    ]
    assert "# unlinked by a person, so a row for them would be skipped: U0BOB" in exported

    path = tmp_path / "exported.csv"
    assert run(["links", "export", "--output", str(path)], capsys)[1] == (
        f"Wrote 2 links to {path}.\n"
    )
    code, out, err = run(["links", "import", str(path)], capsys)
    assert code == 0
    assert (
        "0 new, 0 changed, 2 unchanged, 0 skipped because an admin changed them, 0 bad rows" in out
    )
    assert "bad row" not in err


def test_version(capsys):
    code, out, _ = run(["--version"], capsys)

    assert code == 0
    assert out == f"dialbot {metadata.version('dialbot')}\n"


LONG_ERROR = (
    "CXone answered 400 Bad Request: the agent agent-1001 is not assigned to the "
    "Personal Connection campaign demo-campaign, so it cannot place calls for it."
)


def history_rows(cli_env):
    """Three requests: an old placed one, a rejected one with a long error, a pending one."""
    old = Store(cli_env.engine, clock=lambda: datetime.now(UTC) - timedelta(days=3))
    placed = add_request(old, placed_call="call-42", correlation="corr-placed-1")
    rejected = add_request(cli_env, "U0BOB", error=LONG_ERROR)
    pending = add_request(cli_env, "U0CAROL")
    return placed, rejected, pending


def test_history_shows_the_request_id_correlation_id_and_trims_errors_unless_full(cli_env, capsys):
    placed, rejected, _ = history_rows(cli_env)

    out = run(["history"], capsys)[1]
    header = out.splitlines()[0]
    for column in ("request id", "call id", "correlation id", "error"):
        assert column in header
    assert placed.id in out and "corr-placed-1" in out and "call-42" in out
    assert LONG_ERROR not in out and LONG_ERROR[:50] in out and "…" in out

    out = run(["history", "--full"], capsys)[1]
    assert LONG_ERROR in out and NUMBER in out


def test_history_since_and_state_filter(cli_env, capsys):
    placed, rejected, pending = history_rows(cli_env)

    out = run(["history", "--since", "1d"], capsys)[1]
    assert rejected.id in out and pending.id in out and placed.id not in out

    since = (datetime.now(UTC) - timedelta(days=4)).strftime("%Y-%m-%d")
    out = run(["history", "--since", since, "--state", "placed,pending"], capsys)[1]
    assert placed.id in out and pending.id in out and rejected.id not in out

    out = run(["history", "--state", "rejected", "--state", "unknown"], capsys)[1]
    assert rejected.id in out and placed.id not in out and pending.id not in out

    out = run(["history", "--user", "U0BOB", "--state", "placed"], capsys)[1]
    assert out == "No dial requests for U0BOB, in state placed yet.\n"


def test_history_as_csv_and_json_carries_every_field_and_masks_numbers(cli_env, capsys):
    placed, rejected, pending = history_rows(cli_env)

    code, out, err = run(["history", "--format", "csv"], capsys)
    assert code == 0 and "Using the database" in err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [row["id"] for row in rows] == [pending.id, rejected.id, placed.id]
    assert rows[1]["error"] == LONG_ERROR  # whole, as stored
    assert rows[2]["correlation_id"] == "corr-placed-1" and rows[2]["call_id"] == "call-42"
    assert rows[0]["confirmed_at"] == "" and rows[2]["finished_at"]
    assert {row["phone_number"] for row in rows} == {mask_number(NUMBER)}
    assert "response_url" not in rows[0]

    records = json.loads(run(["history", "--format", "json", "--full"], capsys)[1])
    assert [record["id"] for record in records] == [pending.id, rejected.id, placed.id]
    assert records[2]["state"] == "placed" and records[2]["correlation_id"] == "corr-placed-1"
    assert records[0]["confirmed_at"] is None
    assert datetime.fromisoformat(records[2]["created_at"]) == placed.created_at
    assert {record["phone_number"] for record in records} == {NUMBER}


def test_history_in_csv_or_json_with_no_requests_is_still_well_formed(cli_env, capsys):
    assert run(["history", "--format", "json"], capsys)[1] == "[]\n"
    assert run(["history", "--format", "csv"], capsys)[1].startswith("id,created_at,")


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["--limit", "0"], "argument --limit: '0' is not a whole number above 0"),
        (["--limit", "-5"], "argument --limit: '-5' is not a whole number above 0"),
        (["--limit", "ten"], "argument --limit: 'ten' is not a whole number above 0"),
        (["--since", "last week"], "argument --since: 'last week' is not a date"),
        (["--state", "done"], "argument --state: 'done' is not a dial state; use one of"),
        (["--format", "xml"], "argument --format: invalid choice: 'xml'"),
    ],
)
def test_history_refuses_bad_options_with_the_option_named(cli_env, argv, complaint, capsys):
    code, out, err = run(["history", *argv], capsys)

    assert code == 2 and out == ""
    assert complaint in err


def test_links_export_to_a_place_it_cannot_write_says_so(cli_env, tmp_path, capsys):
    code, _, err = run(["links", "export", "--output", str(tmp_path / "no" / "x.csv")], capsys)

    assert code == 1
    assert "Can't write" in err and "No such file or directory" in err
    assert "Traceback" not in err
