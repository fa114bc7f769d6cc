"""The durable store: agent links and dial requests, on SQLite or PostgreSQL."""

from bot.store.errors import DatabaseUnavailable, SchemaOutdated, StoreError
from bot.store.records import (
    TERMINAL_STATES,
    AgentLink,
    AgentUnlink,
    DialRequest,
    DialState,
    ImportedRow,
    ImportReport,
    LinkSource,
    RowOutcome,
)
from bot.store.store import Store

__all__ = [
    "TERMINAL_STATES",
    "AgentLink",
    "AgentUnlink",
    "DatabaseUnavailable",
    "DialRequest",
    "DialState",
    "ImportReport",
    "ImportedRow",
    "LinkSource",
    "RowOutcome",
    "SchemaOutdated",
    "Store",
    "StoreError",
]
