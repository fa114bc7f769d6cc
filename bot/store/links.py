"""Links and unlinks, on a connection inside a write transaction.

A person's link or unlink (in Slack, or `dialbot links link|unlink`) always applies,
and an unlink is remembered in agent_unlinks. A load of many rows (DIAL_AGENT_MAP at
start, `dialbot links import`) changes only what records.REPLACEABLE_BY lets it, and
says per row what it did. Link changes take turns, so a load that read the links
cannot overwrite a person's change made a moment later.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Table, bindparam, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from bot.store.agent_map import MapRow
from bot.store.records import (
    BY_HAND,
    REPLACEABLE_BY,
    AgentLink,
    AgentUnlink,
    ImportedRow,
    LinkSource,
    RowOutcome,
)
from bot.store.schema import agent_links, agent_unlinks

# Any fixed number (PostgreSQL advisory lock); SQLite's write transaction already
# lets one writer in at a time.
LINKS_LOCK = 0x6469616C6C696E6B  # "diallink"
# SQLite allows 32,766 bound values in one statement; five columns a row stays far below.
ROWS_PER_STATEMENT = 1000


def take_turn(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(LINKS_LOCK)))


def link_by_hand(
    connection: Connection,
    slack_user_id: str,
    cxone_agent_id: str,
    linked_by: str,
    source: LinkSource,
    now: datetime,
) -> AgentLink:
    """Link, or relink; a person's link to the agent the user already has changes
    nothing, but one over a loaded link of the same agent makes it theirs."""
    take_turn(connection)
    current = get_link(connection, slack_user_id)
    if current is None or current.cxone_agent_id != cxone_agent_id or current.source not in BY_HAND:
        _upsert(
            connection,
            agent_links,
            [_link_values(slack_user_id, cxone_agent_id, linked_by, source, now)],
        )
    connection.execute(delete(agent_unlinks).where(agent_unlinks.c.slack_user_id == slack_user_id))
    return get_link(connection, slack_user_id)


def link_if_free(
    connection: Connection,
    slack_user_id: str,
    cxone_agent_id: str,
    linked_by: str,
    source: LinkSource,
    now: datetime,
) -> AgentLink | None:
    """Link only a user who has neither a link nor a person's unlink (an email match
    fills a gap, it never decides over anyone); None, and nothing written, otherwise."""
    take_turn(connection)
    if get_link(connection, slack_user_id) is not None:
        return None
    if get_unlink(connection, slack_user_id) is not None:
        return None
    _upsert(
        connection,
        agent_links,
        [_link_values(slack_user_id, cxone_agent_id, linked_by, source, now)],
    )
    return get_link(connection, slack_user_id)


def unlink_by_hand(
    connection: Connection,
    slack_user_id: str,
    unlinked_by: str | None,
    source: LinkSource,
    now: datetime,
) -> bool:
    """Remove the link and remember who did, so that no load brings it back. False,
    and nothing recorded, when the user had no link."""
    take_turn(connection)
    current = get_link(connection, slack_user_id)
    if current is None:
        return False
    connection.execute(delete(agent_links).where(agent_links.c.slack_user_id == slack_user_id))
    values = {
        "slack_user_id": slack_user_id,
        "cxone_agent_id": current.cxone_agent_id,
        "unlinked_by": unlinked_by,
        "unlinked_at": now,
        "source": source.value,
    }
    _upsert(connection, agent_unlinks, [values])
    return True


def load_rows(
    connection: Connection,
    rows: list[MapRow],
    source: LinkSource,
    linked_by: str,
    now: datetime,
) -> list[ImportedRow]:
    """Apply a file's rows as far as `source` may; what happened to each, in order."""
    take_turn(connection)
    links = {link.slack_user_id: link for link in list_links(connection)}
    unlinks = {unlink.slack_user_id: unlink for unlink in list_unlinks(connection)}
    replaceable = REPLACEABLE_BY[source]
    outcomes = [
        plan_row(row, links.get(row.slack_user_id), unlinks.get(row.slack_user_id), replaceable)
        for row in rows
    ]
    written = [row for row in outcomes if row.outcome in (RowOutcome.NEW, RowOutcome.CHANGED)]
    if written:
        values = [
            _link_values(row.slack_user_id, row.cxone_agent_id, linked_by, source, now)
            for row in written
        ]
        _upsert(connection, agent_links, values)
        users = [row.slack_user_id for row in written]
        for start in range(0, len(users), ROWS_PER_STATEMENT):
            chunk = users[start : start + ROWS_PER_STATEMENT]
            connection.execute(
                delete(agent_unlinks).where(agent_unlinks.c.slack_user_id.in_(chunk))
            )
    return outcomes


def plan_row(
    row: MapRow,
    link: AgentLink | None,
    unlink: AgentUnlink | None,
    replaceable: frozenset[LinkSource],
) -> ImportedRow:
    """What a row does, given the user's link or unlink now (at most one exists)."""
    fields = {"line": row.line, "slack_user_id": row.slack_user_id}
    fields["cxone_agent_id"] = row.cxone_agent_id
    if link is not None and link.cxone_agent_id == row.cxone_agent_id:
        return ImportedRow(**fields, outcome=RowOutcome.UNCHANGED, decision=link)
    decision = link or unlink
    if decision is not None and decision.source not in replaceable:
        return ImportedRow(**fields, outcome=RowOutcome.KEPT, decision=decision)
    if link is None:
        return ImportedRow(**fields, outcome=RowOutcome.NEW)
    return ImportedRow(**fields, outcome=RowOutcome.CHANGED, previous_agent_id=link.cxone_agent_id)


# Built once: every /dial reads a link or two (see store.py's hot queries).
_GET_LINK = select(agent_links).where(agent_links.c.slack_user_id == bindparam("user_id"))
_COUNT_LINKS = select(func.count()).select_from(agent_links)


def get_link(connection: Connection, slack_user_id: str) -> AgentLink | None:
    row = connection.execute(_GET_LINK, {"user_id": slack_user_id}).one_or_none()
    return to_link(row) if row else None


def get_unlink(connection: Connection, slack_user_id: str) -> AgentUnlink | None:
    row = connection.execute(
        select(agent_unlinks).where(agent_unlinks.c.slack_user_id == slack_user_id)
    ).one_or_none()
    return to_unlink(row) if row else None


def list_links(connection: Connection, limit: int | None = None) -> list[AgentLink]:
    query = select(agent_links).order_by(agent_links.c.slack_user_id)
    if limit is not None:
        query = query.limit(limit)
    return [to_link(row) for row in connection.execute(query)]


def count_links(connection: Connection) -> int:
    return connection.execute(_COUNT_LINKS).scalar_one()


def list_unlinks(connection: Connection) -> list[AgentUnlink]:
    rows = connection.execute(select(agent_unlinks).order_by(agent_unlinks.c.slack_user_id))
    return [to_unlink(row) for row in rows]


def to_link(row: Row) -> AgentLink:
    return AgentLink(
        slack_user_id=row.slack_user_id,
        cxone_agent_id=row.cxone_agent_id,
        linked_by=row.linked_by,
        linked_at=row.linked_at,
        source=LinkSource(row.source),
    )


def to_unlink(row: Row) -> AgentUnlink:
    return AgentUnlink(
        slack_user_id=row.slack_user_id,
        cxone_agent_id=row.cxone_agent_id,
        unlinked_by=row.unlinked_by,
        unlinked_at=row.unlinked_at,
        source=LinkSource(row.source),
    )


def _link_values(
    slack_user_id: str, cxone_agent_id: str, linked_by: str, source: LinkSource, now: datetime
) -> dict[str, Any]:
    return {
        "slack_user_id": slack_user_id,
        "cxone_agent_id": cxone_agent_id,
        "linked_by": linked_by[:64],
        "linked_at": now,
        "source": source.value,
    }


def _upsert(connection: Connection, table: Table, values: list[dict[str, Any]]) -> None:
    """Insert the rows, or overwrite every column of the ones whose key exists."""
    insert = (postgresql if connection.dialect.name == "postgresql" else sqlite).insert
    keys = [column.name for column in table.primary_key.columns]
    for start in range(0, len(values), ROWS_PER_STATEMENT):
        statement = insert(table).values(values[start : start + ROWS_PER_STATEMENT])
        columns = {name: statement.excluded[name] for name in values[0] if name not in keys}
        connection.execute(statement.on_conflict_do_update(index_elements=keys, set_=columns))
