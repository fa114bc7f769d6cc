"""`python -m bench.agent_state --quick`, so the benchmark cannot rot. No timing is
asserted; the counts must add up: with the check on, one state read and one dial per
placed call (the press reuses the card's reading); with it off, no state read at all."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_the_quick_run_counts_one_state_read_per_call_and_none_when_off(tmp_path):
    figures = tmp_path / "figures.json"
    finished = subprocess.run(
        [sys.executable, "-m", "bench.agent_state", "--quick", "--json", str(figures)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=170,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    results = json.loads(figures.read_text())
    block, off = results["block"]["per_call"], results["off"]["per_call"]
    assert block["state_requests"] == block["dial_requests"] == block["calls"]
    assert block["token_requests"] == 1
    assert off["state_requests"] == 0 and off["dial_requests"] == off["calls"]
    for mode in ("block", "off"):
        for row in ("ack_0s", "ack_2s"):
            assert results[mode][row]["errors"] == 0
            assert results[mode][row]["p99_ms"] > 0
    assert "| `block` |" in finished.stdout and "| `off` |" in finished.stdout
