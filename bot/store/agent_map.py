"""DIAL_AGENT_MAP: read a CSV of slack_user_id,cxone_agent_id, keeping the good rows and
saying, by line number, what is wrong with the others; and write one back.

Blank lines and lines whose first character (after spaces) is `#` are skipped; the first
other line may be the header `slack_user_id,cxone_agent_id`."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.store.errors import StoreError

SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
CXONE_AGENT_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
HEADER = "slack_user_id"


HEADER_ROW = "slack_user_id,cxone_agent_id"
COMMENT = "#"


@dataclass(frozen=True)
class MapRow:
    line: int
    slack_user_id: str
    cxone_agent_id: str


@dataclass(frozen=True)
class AgentMap:
    rows: list[MapRow]  # the good rows, in file order, one per Slack user
    problems: list[str]  # "line N: ..." for every row that was skipped

    @property
    def links(self) -> dict[str, str]:
        """Slack user id -> CXone agent id, in file order."""
        return {row.slack_user_id: row.cxone_agent_id for row in self.rows}


def read_agent_map(path: Path, setting: str | None = "DIAL_AGENT_MAP") -> AgentMap:
    """Parse the file; raises StoreError only if it cannot be read at all. `setting`
    names where the path came from in that error, when it came from a setting."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        where = f" ({setting})" if setting else ""
        raise StoreError(
            f"Can't read the agent map {path}{where}: {reason}. Check the path "
            "and that the file is readable UTF-8 CSV."
        ) from None
    return parse_agent_map(text.splitlines())


def parse_agent_map(lines: list[str]) -> AgentMap:
    rows: list[MapRow] = []
    first_seen: dict[str, int] = {}
    problems: list[str] = []
    seen_a_row = False
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith(COMMENT):
            continue
        fields = [field.strip() for field in next(csv.reader([line]))]
        if not seen_a_row:
            seen_a_row = True
            if fields and fields[0].lower() == HEADER:
                continue
        problem = _row_problem(fields)
        if problem is None and fields[0] in first_seen:
            problem = f"{fields[0]} is already linked on line {first_seen[fields[0]]}"
        if problem:
            problems.append(f"line {number}: {problem}; row skipped")
            continue
        slack_user_id, agent_id = fields
        rows.append(MapRow(number, slack_user_id, agent_id))
        first_seen[slack_user_id] = number
    return AgentMap(rows, problems)


def format_agent_map(links: Iterable[tuple[str, str]], comments: Iterable[str] = ()) -> str:
    """A file parse_agent_map() reads back: `# comment` lines, the header, the rows."""
    lines = [f"{COMMENT} {comment}" for comment in comments]
    lines.append(HEADER_ROW)
    lines.extend(f"{slack_user_id},{agent_id}" for slack_user_id, agent_id in links)
    return "\n".join(lines) + "\n"


def is_slack_user_id(text: str) -> bool:
    return bool(SLACK_USER_ID.match(text))


def is_cxone_agent_id(text: str) -> bool:
    return bool(CXONE_AGENT_ID.match(text))


def _row_problem(fields: list[str]) -> str | None:
    if len(fields) != 2:
        return f"expected 2 columns (slack_user_id,cxone_agent_id) but found {len(fields)}"
    slack_user_id, agent_id = fields
    if not is_slack_user_id(slack_user_id):
        return f"{slack_user_id!r} is not a Slack user id (like U0123ABCD)"
    if not is_cxone_agent_id(agent_id):
        return f"{agent_id!r} is not a CXone agent id (up to 64 letters, digits, '.', '_' or '-')"
    return None
