"""Hardening tests run the real app exactly as tests/e2e does, with the same fixtures.

The e2e harness (tests/e2e/dialbot_e2e.py: DialBot, the people, make_settings) and its
fixtures (`slack`, `cxone`, `start_bot`, `bot`) are reused, not copied: the e2e
directory goes on sys.path and its conftest is loaded under a name of its own.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
E2E = TESTS / "e2e"
# dialbot_e2e (the DialBot harness), store_databases (PostgreSQL test databases) and
# the repository, for bench.attackers (the front-door attacks the benchmark also runs).
for helpers in (E2E, TESTS / "store", TESTS.parent):
    if str(helpers) not in sys.path:
        sys.path.insert(0, str(helpers))


def _load_e2e_fixtures():
    spec = importlib.util.spec_from_file_location("e2e_fixtures", E2E / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_e2e = _load_e2e_fixtures()

# The fixtures, under their e2e names: tests here ask for `bot`, `start_bot`, `slack`, `cxone`.
slack = _e2e.slack
cxone = _e2e.cxone
start_bot = _e2e.start_bot
bot = _e2e.bot
