"""The durable store: agent links and the dial request audit trail (SQLAlchemy Core).

One code path for SQLite and PostgreSQL. Every state change of a dial request is a
compare-and-set (UPDATE … WHERE id = ? AND state = ?), so a double click, or the same
click reaching two replicas, moves a request on exactly once.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Row, func, or_, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from bot.store import engine as store_engine
from bot.store import links, migrate
from bot.store.agent_map import read_agent_map
from bot.store.engine import WRITE, check_connection, create_store_engine, unavailable
from bot.store.errors import DatabaseUnavailable
from bot.store.records import (
    LEGAL_TRANSITIONS,
    TERMINAL_STATES,
    AgentLink,
    AgentUnlink,
    DialRequest,
    DialState,
    ImportReport,
    LinkSource,
)
from bot.store.schema import dial_requests

ERROR_MAX_CHARS = 500
TRANSITION_FIELDS = frozenset({"call_id", "correlation_id", "error"})
# Who a load of many rows records as having linked, unless the caller says.
DEFAULT_LINKED_BY = {LinkSource.FILE: "DIAL_AGENT_MAP", LinkSource.IMPORT: "dialbot links import"}
# The states in which a request holds its view's one claim (schema.CLAIMED_VIEW_WHERE).
CLAIMED_STATES = frozenset(
    {DialState.DIALING, DialState.PLACED, DialState.REJECTED, DialState.UNKNOWN}
)
RECOVERED_ERROR = (
    "dialbot stopped while this call was being placed, so CXone's answer never arrived; "
    "the call may or may not have been placed."
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class _LockedWriter:
    """SQLite has one writer at a time; queue this process's writers on a lock, woken
    the moment it is free, instead of in SQLite's busy handler, which sleeps 1, 2, 5 …
    100 ms between tries and leaves unlucky writers waiting hundreds of milliseconds."""

    def __init__(self, engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def begin(self):
        # Bounded like SQLite's own busy timeout, so a queue behind a locked file
        # cannot wait longer than one writer would.
        if not self._lock.acquire(timeout=store_engine.SQLITE_BUSY_TIMEOUT_MS / 1000):
            raise DatabaseUnavailable(
                "The database is busy: another writer has held it for too long. "
                "Try again in a moment."
            )
        try:
            with self._engine.begin() as connection:
                yield connection
        finally:
            self._lock.release()


class Store:
    """Open with Store.open(DATABASE_URL); safe to share between threads."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = _utc_now):
        self.engine = engine
        self._writer = engine.execution_options(**WRITE)
        if engine.dialect.name == "sqlite":
            self._writer = _LockedWriter(self._writer)
        self._clock = clock
        # (revision before, revision after) when open() upgraded the schema, else None.
        self.schema_upgrade: tuple[str | None, str | None] | None = None

    @classmethod
    def open(
        cls, url: str, *, upgrade: bool = True, clock: Callable[[], datetime] = _utc_now
    ) -> Store:
        """Connect, then upgrade the schema to head (or, with upgrade=False, check it is
        there). Raises DatabaseUnavailable, SchemaOutdated or StoreError with a message
        for people. `clock` (aware UTC datetimes) is for tests that need to move time."""
        engine = create_store_engine(url)
        try:
            check_connection(engine)
            store = cls(engine, clock=clock)
            if upgrade:
                try:
                    before, after = migrate.upgrade(engine)
                except DBAPIError as error:
                    raise migrate.upgrade_failed(engine, error) from None
                if before != after:
                    store.schema_upgrade = (before, after)
            else:
                migrate.check_current(engine)
        except DBAPIError as error:
            engine.dispose()
            raise unavailable(engine, error) from None
        except BaseException:
            engine.dispose()
            raise
        return store

    def close(self) -> None:
        self.engine.dispose()

    # Agent links (the rules are in bot.store.links)

    def link(
        self,
        slack_user_id: str,
        cxone_agent_id: str,
        linked_by: str,
        *,
        source: LinkSource = LinkSource.SLACK,
    ) -> AgentLink:
        """A person links (or relinks) a Slack user to a CXone agent: it wins over the
        file from now on, and undoes an earlier unlink. Linking to the agent they
        already have changes nothing, not even who linked them or when."""
        with self._writer.begin() as connection:
            return links.link_by_hand(
                connection, slack_user_id, cxone_agent_id, linked_by, source, self._clock()
            )

    def unlink(
        self,
        slack_user_id: str,
        unlinked_by: str | None = None,
        *,
        source: LinkSource = LinkSource.SLACK,
    ) -> bool:
        """A person unlinks a Slack user; remembered, so no file row links them again
        until a person does. False when they had no link (and nothing is recorded)."""
        with self._writer.begin() as connection:
            return links.unlink_by_hand(
                connection, slack_user_id, unlinked_by, source, self._clock()
            )

    def get_link(self, slack_user_id: str) -> AgentLink | None:
        with self.engine.connect() as connection:
            return links.get_link(connection, slack_user_id)

    def get_unlink(self, slack_user_id: str) -> AgentUnlink | None:
        """The person's unlink that keeps this user unlinked, if any."""
        with self.engine.connect() as connection:
            return links.get_unlink(connection, slack_user_id)

    def list_links(self, limit: int | None = None) -> list[AgentLink]:
        with self.engine.connect() as connection:
            return links.list_links(connection, limit)

    def count_links(self) -> int:
        with self.engine.connect() as connection:
            return links.count_links(connection)

    def list_unlinks(self) -> list[AgentUnlink]:
        with self.engine.connect() as connection:
            return links.list_unlinks(connection)

    def import_links(
        self,
        path: Path,
        source: LinkSource = LinkSource.FILE,
        linked_by: str | None = None,
    ) -> ImportReport:
        """Load a slack_user_id,cxone_agent_id CSV: bad rows are reported by line, good
        rows load in one transaction, except where a person decided otherwise (see
        records.REPLACEABLE_BY). The report says what happened to every row; running
        it twice leaves the same links."""
        setting = "DIAL_AGENT_MAP" if source is LinkSource.FILE else None
        agent_map = read_agent_map(path, setting)
        if not agent_map.rows:
            return ImportReport(rows=[], problems=agent_map.problems)
        with self._writer.begin() as connection:
            rows = links.load_rows(
                connection,
                agent_map.rows,
                source,
                linked_by or DEFAULT_LINKED_BY[source],
                self._clock(),
            )
        return ImportReport(rows=rows, problems=agent_map.problems)

    # Dial requests

    def create_request(
        self,
        *,
        requester_id: str,
        agent_user_id: str,
        agent_id: str,
        phone_number: str,
        contact_id: str,
        channel_id: str,
        response_url: str | None,
        ttl_seconds: int,
        view_id: str | None = None,
    ) -> DialRequest:
        """Record a pending request; its id is unguessable and fits a button's value.
        `view_id` names the dial modal it was submitted from: of all the requests one
        modal makes, at most one can ever be claimed (see transition())."""
        now = self._clock()
        values = {
            "id": secrets.token_urlsafe(16),
            "requester_id": requester_id,
            "agent_user_id": agent_user_id,
            "agent_id": agent_id,
            "phone_number": phone_number,
            "contact_id": contact_id,
            "channel_id": channel_id,
            "response_url": response_url,
            "view_id": view_id,
            "state": DialState.PENDING.value,
            "created_at": now,
            "expires_at": now + timedelta(seconds=ttl_seconds),
        }
        with self._writer.begin() as connection:
            connection.execute(dial_requests.insert().values(values))
            row = connection.execute(
                select(dial_requests).where(dial_requests.c.id == values["id"])
            ).one()
        return _request(row)

    def get_request(self, request_id: str) -> DialRequest | None:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(dial_requests).where(dial_requests.c.id == request_id)
            ).one_or_none()
        return _request(row) if row else None

    def transition(
        self, request_id: str, from_state: DialState, to_state: DialState, **fields: Any
    ) -> bool:
        """Move a request from `from_state` to `to_state` if it is still in `from_state`.

        True for exactly one caller however many try at once. Moving to DIALING stamps
        confirmed_at; a terminal state stamps finished_at. `fields` may set call_id,
        correlation_id and error. An illegal move raises ValueError.

        Requests from one dial modal (the same view_id) share one claim: once one of
        them has left PENDING for DIALING, claiming another fails here too (False).
        """
        from_state, to_state = DialState(from_state), DialState(to_state)
        if to_state not in LEGAL_TRANSITIONS.get(from_state, frozenset()):
            raise ValueError(f"a dial request cannot go from {from_state} to {to_state}")
        unknown = set(fields) - TRANSITION_FIELDS
        if unknown:
            raise ValueError(f"transition() cannot set {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {"state": to_state.value, **fields}
        if values.get("error") is not None:
            values["error"] = _trim(str(values["error"]), ERROR_MAX_CHARS)
        now = self._clock()
        if to_state is DialState.DIALING:
            values["confirmed_at"] = now
        if to_state in TERMINAL_STATES:
            values["finished_at"] = now
        try:
            with self._writer.begin() as connection:
                result = connection.execute(
                    update(dial_requests)
                    .where(dial_requests.c.id == request_id)
                    .where(dial_requests.c.state == from_state.value)
                    .values(values)
                )
        except IntegrityError:  # the view's claim is taken (ux_dial_requests_claimed_view)
            return False
        return result.rowcount == 1

    def claimed_request_for_view(self, view_id: str) -> DialRequest | None:
        """The request of this dial modal that was claimed (dialing or finished), if any."""
        with self.engine.connect() as connection:
            row = connection.execute(
                select(dial_requests)
                .where(dial_requests.c.view_id == view_id)
                .where(dial_requests.c.state.in_([s.value for s in CLAIMED_STATES]))
            ).first()
        return _request(row) if row else None

    def set_parent_ts(self, request_id: str, ts: str) -> None:
        with self._writer.begin() as connection:
            connection.execute(
                update(dial_requests).where(dial_requests.c.id == request_id).values(parent_ts=ts)
            )

    def confirmations_since(self, requester_id: str, since: datetime) -> int:
        """How many requests this user confirmed (moved to dialing) at or after `since`;
        counted from the shared table, so the limit holds across replicas."""
        with self.engine.connect() as connection:
            return connection.execute(
                select(func.count())
                .select_from(dial_requests)
                .where(dial_requests.c.requester_id == requester_id)
                .where(dial_requests.c.confirmed_at >= since)
            ).scalar_one()

    def recover_stuck(self, older_than_seconds: float) -> list[DialRequest]:
        """Requests left dialing longer than `older_than_seconds` (a crash mid-call)
        become UNKNOWN; returns them, as now stored, so their requesters can be told.
        Replicas recovering at once each get a different share, never the same one."""
        cutoff = self._clock() - timedelta(seconds=older_than_seconds)
        with self.engine.connect() as connection:
            stuck = connection.execute(
                select(dial_requests.c.id)
                .where(dial_requests.c.state == DialState.DIALING.value)
                .where(dial_requests.c.confirmed_at < cutoff)
                .order_by(dial_requests.c.confirmed_at)
            ).scalars()
            stuck_ids = list(stuck)
        recovered = []
        for request_id in stuck_ids:
            if self.transition(
                request_id, DialState.DIALING, DialState.UNKNOWN, error=RECOVERED_ERROR
            ):
                recovered.append(self.get_request(request_id))
        return recovered

    def history(
        self,
        user: str | None = None,
        limit: int = 20,
        *,
        since: datetime | None = None,
        states: Collection[DialState] | None = None,
    ) -> list[DialRequest]:
        """Newest first; `user` matches the requester or the agent's Slack user, `since`
        (aware) the creation time, `states` any of those states."""
        query = select(dial_requests).order_by(
            dial_requests.c.created_at.desc(), dial_requests.c.id
        )
        if user:
            query = query.where(
                or_(dial_requests.c.requester_id == user, dial_requests.c.agent_user_id == user)
            )
        if since is not None:
            query = query.where(dial_requests.c.created_at >= since)
        if states:
            query = query.where(dial_requests.c.state.in_([DialState(s).value for s in states]))
        with self.engine.connect() as connection:
            return [_request(row) for row in connection.execute(query.limit(limit))]


def _trim(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _request(row: Row) -> DialRequest:
    values = row._asdict()
    values["state"] = DialState(values["state"])
    return DialRequest(**values)
