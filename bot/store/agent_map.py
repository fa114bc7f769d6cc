"""DIAL_AGENT_MAP: read a CSV of slack_user_id,cxone_agent_id, keeping the good rows and
saying, by line number, what is wrong with the others."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from bot.store.errors import StoreError

SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
CXONE_AGENT_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
HEADER = "slack_user_id"


@dataclass(frozen=True)
class AgentMap:
    links: dict[str, str]  # slack user id -> CXone agent id, in file order
    problems: list[str]  # "line N: ..." for every row that was skipped


def read_agent_map(path: Path) -> AgentMap:
    """Parse the file; raises StoreError only if it cannot be read at all."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise StoreError(
            f"Can't read the agent map {path} (DIAL_AGENT_MAP): {reason}. Check the path "
            "and that the file is readable UTF-8 CSV."
        ) from None
    return parse_agent_map(text.splitlines())


def parse_agent_map(lines: list[str]) -> AgentMap:
    links: dict[str, str] = {}
    first_seen: dict[str, int] = {}
    problems: list[str] = []
    seen_a_row = False
    for number, line in enumerate(lines, start=1):
        if not line.strip():
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
        links[slack_user_id] = agent_id
        first_seen[slack_user_id] = number
    return AgentMap(links, problems)


def _row_problem(fields: list[str]) -> str | None:
    if len(fields) != 2:
        return f"expected 2 columns (slack_user_id,cxone_agent_id) but found {len(fields)}"
    slack_user_id, agent_id = fields
    if not SLACK_USER_ID.match(slack_user_id):
        return f"{slack_user_id!r} is not a Slack user id (like U0123ABCD)"
    if not CXONE_AGENT_ID.match(agent_id):
        return f"{agent_id!r} is not a CXone agent id (up to 64 letters, digits, '.', '_' or '-')"
    return None
