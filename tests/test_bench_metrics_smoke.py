"""`python -m bench.metrics_overhead --quick`, so the metrics-on-vs-off bench cannot rot.
No timing is asserted: both apps must answer every request, and the table must have
its rows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_the_metrics_overhead_bench_measures_both_apps_for_both_kinds():
    finished = subprocess.run(
        [sys.executable, "-m", "bench.metrics_overhead", "--quick"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=110,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    lines = finished.stdout.splitlines()
    rows = [line for line in lines if line.startswith(("| /dial", "| Dial press"))]
    assert len(rows) == 2, finished.stdout
    for row in rows:
        assert " ms | " in row and row.rstrip().endswith("% |")
    assert "load average" in finished.stdout
