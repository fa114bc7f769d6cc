"""python -m bench.socket_mode at its --quick size, for our client only, so it cannot rot.

No timing is asserted (the figures live in bench/RESULTS.md); the counts must add up:
every scenario ran, and the three envelopes on the old connection were acked once each.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_the_socket_mode_bench_measures_our_client(tmp_path):
    results = tmp_path / "RESULTS.md"
    finished = subprocess.run(
        [sys.executable, "-m", "bench.socket_mode", "--quick", "--no-app"]
        + ["--only", "bot.socket_mode", "--results", str(results)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=110,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    (row,) = [line for line in finished.stdout.splitlines() if line.startswith("| bot.socket")]
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert len(cells) == 6
    refresh, old_connection, socket_shut, close_frame, stop = cells[1:]
    assert refresh.endswith(" ms") and "not acked" not in refresh
    assert old_connection.startswith("3 once, 0 twice, 0 never")
    assert "none within" not in socket_shut and "none within" not in close_frame
    assert stop.endswith(" ms")
    assert "stopped early" not in row
    assert "<!-- socket-mode:begin" in results.read_text()
