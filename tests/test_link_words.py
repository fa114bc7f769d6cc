"""What people read about where a link came from: `/dial whois`, the start log."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import messages
from bot.store import AgentLink, AgentUnlink, ImportedRow, ImportReport, LinkSource, RowOutcome
from bot.store.link_report import start_log_lines

MAY_FIRST = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)


def link(source: LinkSource, linked_by: str) -> AgentLink:
    return AgentLink("U0ALICE", "agent-1001", linked_by, MAY_FIRST, source)


@pytest.mark.parametrize(
    ("source", "linked_by", "origin"),
    [
        (LinkSource.SLACK, "U0DANA", "linked in Slack by <@U0DANA> on 2024-05-01"),
        (LinkSource.CLI, "dana", "linked with `dialbot links link` by dana on 2024-05-01"),
        (LinkSource.IMPORT, "dana", "loaded with `dialbot links import` by dana on 2024-05-01"),
        (LinkSource.FILE, "DIAL_AGENT_MAP", "from the agent map file (DIAL_AGENT_MAP), loaded on"),
        (LinkSource.EMAIL, "email", "because their Slack email is that agent's email in CXone"),
    ],
)
def test_whois_says_where_the_link_came_from(source, linked_by, origin):
    text = messages.whois_linked("U0ALICE", link(source, linked_by))

    assert text.startswith("<@U0ALICE> dials as CXone agent `agent-1001` (")
    assert origin in text


def test_whois_never_turns_a_recorded_name_into_markup():
    text = messages.whois_linked("U0ALICE", link(LinkSource.CLI, "<!channel>"))

    assert "<!channel>" not in text and "&lt;!channel&gt;" in text


def row(line: int, outcome: RowOutcome, **fields) -> ImportedRow:
    return ImportedRow(line, f"U0USER{line}", f"agent-{line}", outcome, **fields)


def test_the_start_log_names_changes_and_skips_but_not_every_unchanged_row():
    unlinked = AgentUnlink("U0USER5", "agent-9", None, MAY_FIRST, LinkSource.SLACK)
    report = ImportReport(
        rows=[
            row(2, RowOutcome.NEW),
            row(3, RowOutcome.CHANGED, previous_agent_id="agent-0"),
            row(4, RowOutcome.UNCHANGED),
            row(5, RowOutcome.KEPT, decision=unlinked),
        ],
        problems=["line 6: 'bob' is not a Slack user id (like U0123ABCD); row skipped"],
    )

    lines = start_log_lines(Path("agents.csv"), report)

    assert lines == [
        (
            logging.INFO,
            "DIAL_AGENT_MAP agents.csv: 1 new, 1 changed, 1 unchanged, "
            "1 skipped because an admin changed it, 1 bad row",
        ),
        (logging.DEBUG, "DIAL_AGENT_MAP agents.csv: line 2: U0USER2 new, linked to agent-2"),
        (
            logging.INFO,
            "DIAL_AGENT_MAP agents.csv: line 3: U0USER3 changed from agent-0 to agent-3",
        ),
        (
            logging.INFO,
            "DIAL_AGENT_MAP agents.csv: line 5: U0USER5 skipped because an admin changed it "
            "(unlinked in Slack on 2024-05-01); the row says agent-5: change or remove the "
            "row to match",
        ),
        (
            logging.WARNING,
            "DIAL_AGENT_MAP agents.csv: line 6: 'bob' is not a Slack user id (like U0123ABCD); "
            "row skipped",
        ),
    ]
