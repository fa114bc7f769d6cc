"""`dialbot history prune` and the background pass DIAL_RETENTION_DAYS turns on."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

import pytest
from test_store_retention import OLD, RECENT, insert, remaining, row

from bot.cli import main
from bot.retention_pass import RetentionPass
from bot.store import DialState, Store
from bot.store.engine import create_store_engine


@pytest.fixture
def cli_env(store, database_url, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", database_url)
    return store


def ages(days_ago: float) -> datetime:
    return datetime.now(UTC) - timedelta(days=days_ago)


def test_prune_deletes_old_finished_requests_and_says_how_many(cli_env, capsys):
    old = insert(cli_env, [row(DialState.PLACED, ages(100)), row(DialState.CANCELLED, ages(95))])
    kept = insert(cli_env, [row(DialState.PENDING, ages(100)), row(DialState.PLACED, ages(5))])

    assert main(["history", "prune", "--older-than", "90"]) == 0

    out, err = capsys.readouterr()
    assert "Using the database at" in err
    assert "Deleted 2 finished dial requests created before" in out
    assert remaining(cli_env) == set(kept) and not set(old) & remaining(cli_env)


def test_dry_run_says_how_many_and_changes_nothing(cli_env, capsys):
    ids = insert(cli_env, [row(DialState.PLACED, ages(100)) for _ in range(3)])
    assert main(["history", "prune", "--older-than", "90", "--dry-run"]) == 0
    out, _ = capsys.readouterr()
    assert "Would delete 3 finished dial requests" in out and "nothing was changed" in out
    assert remaining(cli_env) == set(ids)


@pytest.mark.parametrize("days", ["0", "-3", "ninety", "nan", "inf", ""])
def test_a_bad_number_of_days_is_refused_and_nothing_changes(cli_env, capsys, days):
    ids = insert(cli_env, [row(DialState.PLACED, ages(100))])
    with pytest.raises(SystemExit) as exited:
        main(["history", "prune", "--older-than", days])
    assert exited.value.code == 2
    assert "is not a number of days above 0" in capsys.readouterr().err
    assert remaining(cli_env) == set(ids)


def test_older_than_is_required(cli_env, capsys):
    with pytest.raises(SystemExit):
        main(["history", "prune"])
    assert "--older-than" in capsys.readouterr().err


def test_history_without_an_action_still_lists(cli_env, capsys):
    insert(cli_env, [row(DialState.PLACED, ages(1))])
    assert main(["history", "--limit", "5"]) == 0
    assert "placed" in capsys.readouterr().out


def test_the_background_pass_prunes_and_logs_how_many(store, caplog):
    insert(store, [row(DialState.REJECTED, OLD) for _ in range(4)])
    kept = insert(store, [row(DialState.DIALING, OLD), row(DialState.PLACED, RECENT)])
    now = OLD + timedelta(days=100)
    pass_ = RetentionPass(Store(store.engine, clock=lambda: now), 30)

    with caplog.at_level(logging.INFO, logger="bot.retention"):
        result = pass_.run_once()

    assert result is not None and result.removed == 4
    assert remaining(store) == set(kept)
    assert any("retention: deleted 4 finished dial requests" in m for m in caplog.messages)


def test_the_background_pass_runs_on_its_own_and_stops(store):
    insert(store, [row(DialState.EXPIRED, ages(400))])
    pass_ = RetentionPass(store, 30, first_after=0.01, interval=60)
    pass_.start()
    try:
        deadline = datetime.now(UTC) + timedelta(seconds=10)
        while remaining(store) and datetime.now(UTC) < deadline:
            time.sleep(0.02)
    finally:
        pass_.stop()
    assert remaining(store) == set()
    assert not pass_._thread.is_alive()


def test_a_database_failure_in_the_pass_is_logged_not_raised(caplog):
    unreachable = create_store_engine("postgresql+psycopg://postgres@127.0.0.1:1/dialbot")
    pass_ = RetentionPass(Store(unreachable), 30)
    with caplog.at_level(logging.WARNING, logger="bot.retention"):
        assert pass_.run_once() is None
    assert any("database failed during the retention pass" in m for m in caplog.messages)
