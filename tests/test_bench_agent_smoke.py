"""`python -m bench.agent_mode --quick`, run as a user would, reports every row."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_the_agent_mode_bench_reports_every_row():
    done = subprocess.run(
        [sys.executable, "-m", "bench.agent_mode", "--quick"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(done.stdout)
    for mode in ("journey", "agent"):
        assert results[mode]["requests_per_call"] >= 1
        assert results[mode]["press_to_dial_p50_ms"] > 0
    assert results["following"]["calls_followed"] == 10
    assert "loadavg_before" in results
