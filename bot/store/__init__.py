"""The durable store: agent links and dial requests, on SQLite or PostgreSQL."""

from bot.store.errors import DatabaseUnavailable, SchemaOutdated, StoreError
from bot.store.records import (
    TERMINAL_STATES,
    AgentLink,
    DialRequest,
    DialState,
    ImportReport,
)
from bot.store.store import Store

__all__ = [
    "TERMINAL_STATES",
    "AgentLink",
    "DatabaseUnavailable",
    "DialRequest",
    "DialState",
    "ImportReport",
    "SchemaOutdated",
    "Store",
    "StoreError",
]
