"""What a load of an agent map did, as lines for the start log (DIAL_AGENT_MAP)."""

from __future__ import annotations

import logging
from pathlib import Path

from bot import messages
from bot.store.records import ImportReport, RowOutcome

# A file of hundreds of rows loads at every start: the log names what changed and what
# a person's decision overrode (the file is out of date there), not every row.
ROW_LEVELS = {
    RowOutcome.NEW: logging.DEBUG,
    RowOutcome.CHANGED: logging.INFO,
    RowOutcome.UNCHANGED: None,
    RowOutcome.KEPT: logging.INFO,
}


def start_log_lines(path: Path, report: ImportReport) -> list[tuple[int, str]]:
    """(level, line) pairs: the summary, the rows worth a line, the bad rows."""
    lines = [(logging.INFO, messages.LOG_AGENT_MAP % (path, messages.import_summary(report)))]
    for row in report.rows:
        level = ROW_LEVELS[row.outcome]
        if level is not None:
            lines.append((level, messages.LOG_AGENT_MAP % (path, messages.imported_row(row))))
    lines.extend(
        (logging.WARNING, messages.LOG_AGENT_MAP_PROBLEM % (path, problem))
        for problem in report.problems
    )
    return lines
