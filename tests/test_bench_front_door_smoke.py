"""The front-door benchmark at its tiny --quick size, so it cannot rot.

It runs the documented command (`python -m bench.front_door --quick`) as a user would:
every server as a real process against the stand-ins. Nothing here asserts a timing;
every row must be measured, and the limits that are correctness (413 before the body
is read, 401 for every forgery) must hold on dialbot's own front door.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SERVERS = ("dialbot (bot/server.py)", "waitress, settings only", "cheroot")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory) -> tuple[dict, str]:
    out = tmp_path_factory.mktemp("front-door")
    figures, results = out / "figures.json", out / "RESULTS.md"
    finished = subprocess.run(
        [sys.executable, "-m", "bench.front_door", "--quick", "--json", str(figures)]
        + ["--results", str(results)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=150,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    return json.loads(figures.read_text()), results.read_text()


def test_every_server_is_measured_on_every_attack(quick_run):
    figures, _ = quick_run
    assert tuple(figures["servers"]) == SERVERS  # dialbot first: the floods use its rate
    for entry in figures["servers"].values():
        assert entry["held"]["held"]["opened"] >= figures["plan"]["idle"]
        assert len(entry["flood"]["steps"]) == len(figures["plan"]["flood_multiples"])
        for key in ("bodies", "bodies_chunked"):
            assert len(entry[key]["statuses"]) == figures["plan"]["bodies"]


def test_dialbot_refuses_big_bodies_and_forgeries_and_serves_while_held(quick_run):
    figures, _ = quick_run
    ours = figures["servers"]["dialbot (bot/server.py)"]
    assert ours["held"]["during"]["failed"] == 0 and ours["held"]["after"]["failed"] == 0
    for key in ("bodies", "bodies_chunked"):
        assert set(ours[key]["statuses"]) <= {"413", "None"} and ours[key]["served_after"]
    for step in ours["flood"]["steps"]:
        assert set(step["forged_answers"]) == {"401"} and step["signed_failed"] == 0


def test_results_section_has_a_row_per_attack_and_a_column_per_server(quick_run):
    figures, markdown = quick_run
    assert "<!-- front-door:begin" in markdown and figures["command"] in markdown
    header = next(line for line in markdown.splitlines() if line.startswith("| Attack"))
    assert all(name in header for name in SERVERS)
    rows = [line for line in markdown.splitlines() if line.startswith("| ")]
    assert len(rows) == 2 + 4 + len(figures["plan"]["flood_multiples"]) + 1 + 2
