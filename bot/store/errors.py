"""Store failures, each a sentence for the person who has to fix it."""

from __future__ import annotations


class StoreError(Exception):
    """The store cannot do what was asked; str(error) says what to do next."""


class DatabaseUnavailable(StoreError):
    """The database cannot be reached, opened or created."""


class SchemaOutdated(StoreError):
    """The database schema is not the one this version of dialbot was built for."""
