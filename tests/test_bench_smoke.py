"""The benchmark at its tiny --quick size, so it cannot rot.

It runs the documented command (`python -m bench --quick`) as a user would: both apps
as real processes against the stand-ins. Nothing here asserts a timing: the figures
must be present and the counts must add up; the one goal asserted is the cold-start
single-flight, because one token for a burst of first calls is a correctness property.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory) -> tuple[dict, str]:
    out = tmp_path_factory.mktemp("bench")
    figures, results = out / "figures.json", out / "RESULTS.md"
    finished = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--json", str(figures)]
        + ["--results", str(results)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=110,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    return json.loads(figures.read_text()), results.read_text()


def test_every_ack_latency_row_is_measured_for_both_apps(quick_run):
    figures, _ = quick_run
    for app in ("dialbot", "tutorial-style"):
        for label in figures["latency_labels"]:
            for kind in ("dial", "press"):
                cells = figures["ack"][app][label][kind]
                assert set(cells) == {"1", "10", "50"}
                for cell in cells.values():
                    assert cell["errors"] == 0
                    assert cell["samples"] > 0
                    assert 0 < cell["p50_ms"] <= cell["p99_ms"]


def test_the_dial_modal_and_the_app_home_are_measured(quick_run):
    figures, markdown = quick_run
    for label in figures["latency_labels"]:
        (cell,) = figures["modal_ack"][label].values()
        assert cell["errors"] == 0 and cell["samples"] > 0  # every ack was "Dialing…"
        assert 0 < cell["p50_ms"] <= cell["p99_ms"]
    home = figures["home"]
    assert home["dials"] > 0
    for persona in ("linked", "admin", "supervisor"):
        assert 0 < home[persona]["p50_ms"] <= home[persona]["p99_ms"]
        assert home[persona]["blocks"] <= 100  # Slack's limit for a home view
    assert "Dial modal submit ack" in markdown and "App Home render" in markdown


def test_dialbot_places_each_call_once_with_one_token(quick_run):
    figures, _ = quick_run
    ours = figures["per_call"]["dialbot"]
    assert ours["placed"] == ours["dial_requests"] == ours["calls"]
    assert ours["token_requests"] == 1
    assert ours["requests_per_call"] == pytest.approx((ours["calls"] + 1) / ours["calls"], abs=1e-3)


def test_tutorial_style_fetches_a_token_for_every_call(quick_run):
    figures, _ = quick_run
    tutorial = figures["per_call"]["tutorial-style"]
    assert tutorial["placed"] == tutorial["token_requests"] == tutorial["calls"]
    assert tutorial["requests_per_call"] == 2.0


def test_a_burst_of_first_calls_on_a_cold_start_fetches_one_token(quick_run):
    figures, _ = quick_run
    cold = figures["cold_start"]
    assert cold["token_requests_before_first_call"] == 0
    assert cold["token_requests"] == 1
    assert cold["placed"] == cold["calls"]


def test_press_to_post_sustained_rate_and_memory_are_measured(quick_run):
    figures, _ = quick_run
    for app in ("dialbot", "tutorial-style"):
        overhead = figures["overhead"][app]
        assert overhead["matched"] == overhead["presses"] > 0
        assert overhead["p50_ms"] > 0
        sustained = figures["sustained"][app]
        assert sustained["acks_per_s"] > 0 and sustained["errors"] == 0
    rss = figures["rss_kib"]
    assert rss["dialbot app"] > 0 and rss["tutorial-style app"] > 0


def test_results_file_carries_the_table_machine_and_command(quick_run):
    figures, markdown = quick_run
    assert "--quick" in figures["command"]
    assert f"{figures['machine']['cores']} cores" in markdown
    assert figures["command"] in markdown
    table_rows = [line for line in markdown.splitlines() if line.startswith("| ")]
    assert len(table_rows) == len(figures["rows"]) + 2  # + the header and its rule
    ids = {row["id"] for row in figures["rows"]}
    assert {"per_call", "cold_start", "overhead", "sustained", "rss/app", "home/admin"} <= ids


def _postgres_reachable() -> bool:
    try:
        import psycopg

        # The server bench.replicas picks (bench/apps.py default_postgres_server).
        server = make_url(os.environ.get("DIALBOT_TEST_POSTGRES_URL") or DEFAULT_POSTGRES)
        url = server.set(drivername="postgresql").render_as_string(hide_password=False)
        psycopg.connect(url, connect_timeout=2).close()
    except Exception:
        return False
    return True


@pytest.mark.skipif(
    not _postgres_reachable(),
    reason="needs PostgreSQL at 127.0.0.1:5432, or where DIALBOT_TEST_POSTGRES_URL says",
)
def test_replica_experiment_spreads_connections_across_both_processes(tmp_path):
    figures = tmp_path / "replicas.json"
    finished = subprocess.run(
        [sys.executable, "-m", "bench.replicas", "--quick", "--json", str(figures)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=110,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    one_sqlite, one_postgres, two = json.loads(figures.read_text())
    assert two["setup"] == "2 replicas on one port, PostgreSQL"
    for setup in (one_sqlite, one_postgres, two):
        for cell in setup["ack"].values():
            assert cell["errors"] == 0 and cell["samples"] > 0
        assert setup["sustained"]["50"]["errors"] == 0
    # The kernel hands each of the 50 connections to one of the two processes: both
    # must hold some, or the "2 replicas" figures would be one process's.
    held = two["sustained"]["50"]["connections"]
    assert len(held) == 2 and sum(held) == 50 and min(held) > 0
    assert one_postgres["sustained"]["50"]["connections"] == [50]


# --- `python -m bench --history N --quick` (issue 16) ---


@pytest.fixture(scope="module")
def history_run(tmp_path_factory) -> tuple[dict, str]:
    out = tmp_path_factory.mktemp("history")
    figures, results = out / "history.json", out / "RESULTS.md"
    finished = subprocess.run(
        [sys.executable, "-m", "bench", "--history", "3000", "--quick", "--json", str(figures)]
        + ["--results", str(results)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=170,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    return json.loads(figures.read_text()), results.read_text()


def test_history_bench_measures_both_stores_side_by_side(history_run):
    figures, markdown = history_run
    assert figures["rows"] == 3000
    expected = {"SQLite", "PostgreSQL"} if _postgres_reachable() else {"SQLite"}
    assert set(figures["by_engine"]) == expected
    for engine in figures["by_engine"].values():
        assert engine["empty"]["rows"] == 0 and engine["filled"]["rows"] == 3000
        for store in (engine["empty"], engine["filled"]):
            for kind in ("dial", "press"):
                cells = store["app"]["ack"][kind]
                assert set(cells) == {"1", "10", "50"}
                assert all(c["errors"] == 0 and c["samples"] > 0 for c in cells.values())
            assert store["app"]["sustained"]["errors"] == 0
            for read in ("rate_limit", "history_user", "home_linked", "home_admin"):
                assert 0 < store["reads"][read]["p50_ms"] <= store["reads"][read]["p99_ms"]
            assert store["cli_history"]["p50_ms"] > 0
            assert "load" in store["reads"]["history_user"]
        assert len(engine["filled"]["plans"]) >= 6
    assert "history:begin" in markdown and "rows ÷ empty" in markdown
    assert "SQLite plans at 3,000 rows" in markdown


def test_history_bench_fills_the_rows_it_says(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(REPO))  # bench/ is run from the checkout, not installed
    from bench.history import fill, people
    from bot.store import Store

    url = f"sqlite:///{tmp_path / 'filled.db'}"
    Store.open(url).close()
    fill(url, 1234, people(["U0BENCH000"]))
    store = Store.open(url)
    try:
        everyone = store.history(limit=2000)
        assert len(everyone) == 1234
        assert all(
            r.state.value in ("placed", "rejected", "unknown", "cancelled", "expired")
            for r in everyone
        )
        span = everyone[0].created_at - everyone[-1].created_at
        assert span.days >= 360  # a year of timestamps
        assert len({r.agent_user_id for r in everyone}) > 400  # many people
    finally:
        store.close()


def test_history_bench_interleaved_takes_turns_between_the_four_stores(tmp_path):
    figures = tmp_path / "interleaved.json"
    finished = subprocess.run(
        [sys.executable, "-m", "bench", "--history", "2000", "--quick", "--interleave"]
        + ["--json", str(figures)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=170,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    results = json.loads(figures.read_text())
    engines = ("SQLite", "PostgreSQL") if _postgres_reachable() else ("SQLite",)
    assert set(results["cells"]) == {f"{e} {s}" for e in engines for s in ("empty", "filled")}
    for cells in results["cells"].values():
        assert set(cells) == {"dial/10", "press/10", "dial/50", "press/50"}
        assert all(c["samples"] > 0 and 0 < c["p50_ms"] <= c["p99_ms"] for c in cells.values())
    assert not results.get("failed")
    assert "PostgreSQL ÷ SQLite" in finished.stdout and results["rounds"]
