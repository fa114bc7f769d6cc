"""The durable store: agent links and the dial request audit trail (SQLAlchemy Core).

One code path for SQLite and PostgreSQL. Every state change of a dial request is a
compare-and-set (UPDATE … WHERE id = ? AND state = ?), so a double click, or the same
click reaching two replicas, moves a request on exactly once.
"""

from __future__ import annotations

import contextlib
import functools
import secrets
import threading
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Row, bindparam, func, or_, select, union, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from bot.store import engine as store_engine
from bot.store import links, migrate, retention
from bot.store.agent_map import read_agent_map
from bot.store.engine import WRITE, check_connection, create_store_engine, unavailable
from bot.store.errors import DatabaseUnavailable
from bot.store.records import (
    LEGAL_TRANSITIONS,
    OPEN_FOLLOW_STATES,
    TERMINAL_STATES,
    AgentLink,
    AgentUnlink,
    DialRequest,
    DialState,
    ImportReport,
    LinkSource,
)
from bot.store.schema import dial_requests, follow_leases

ERROR_MAX_CHARS = 500
TRANSITION_FIELDS = frozenset(
    {"call_id", "correlation_id", "error", "agent_state", "session_id", "follow_state"}
)
PROGRESS_FIELDS = frozenset(
    {
        "cxone_contact_id",
        "connected_at",
        "ended_at",
        "disconnect_code",
        "follow_state",
        "follow_note",
        "reply_ts",
        "reply_channel",
        "notify_ts",
    }
)
# Who a load of many rows records as having linked, unless the caller says.
DEFAULT_LINKED_BY = {LinkSource.FILE: "DIAL_AGENT_MAP", LinkSource.IMPORT: "dialbot links import"}
# The states in which a request holds its view's one claim (schema.CLAIMED_VIEW_WHERE).
CLAIMED_STATES = frozenset(
    {DialState.DIALING, DialState.PLACED, DialState.REJECTED, DialState.UNKNOWN}
)
T = TypeVar("T")
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
        # Reads, and writes of one statement (a compare-and-set, an insert), need no
        # transaction around them: on PostgreSQL they run in autocommit, which saves
        # the BEGIN and the COMMIT or ROLLBACK, a server round trip each. SQLite keeps
        # its transactions (in process, they cost no round trip) and its writer queue.
        self._reader: Engine = engine
        self._single_writer: Any = self._writer
        if engine.dialect.name == "postgresql":
            self._reader = engine.execution_options(isolation_level="AUTOCOMMIT")
            self._single_writer = self._reader
        self._pruner = retention.Pruner(engine, self._writer.begin)
        self._checkpointer: store_engine.Checkpointer | None = None
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
            if engine.dialect.name == "sqlite" and engine.url.database not in (
                None,
                "",
                ":memory:",
            ):
                store._checkpointer = store_engine.Checkpointer(engine).start()
        except DBAPIError as error:
            engine.dispose()
            raise unavailable(engine, error) from None
        except BaseException:
            engine.dispose()
            raise
        return store

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
        self.engine.dispose()

    def _read(self, run: Callable[[Connection], T]) -> T:
        """run(connection) on a pooled connection. Connections are not pinged before
        each use (store_engine.POSTGRES_PRE_PING); one that turns out dead, PostgreSQL
        having restarted, raises with connection_invalidated, SQLAlchemy then retires
        the pool's older connections too, and the read runs once more on a fresh one.
        Writes are not retried: whether a dead connection's write arrived is unknown."""
        try:
            with self._reader.connect() as connection:
                return run(connection)
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
        with self._reader.connect() as connection:
            return run(connection)

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

    def link_if_free(
        self,
        slack_user_id: str,
        cxone_agent_id: str,
        linked_by: str,
        *,
        source: LinkSource = LinkSource.EMAIL,
    ) -> AgentLink | None:
        """Link a user who has no link and whom no person unlinked (an email match);
        None, and nothing changed, when either exists."""
        with self._writer.begin() as connection:
            return links.link_if_free(
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
        return self._read(lambda connection: links.get_link(connection, slack_user_id))

    def get_unlink(self, slack_user_id: str) -> AgentUnlink | None:
        """The person's unlink that keeps this user unlinked, if any."""
        return self._read(lambda connection: links.get_unlink(connection, slack_user_id))

    def list_links(self, limit: int | None = None) -> list[AgentLink]:
        return self._read(lambda connection: links.list_links(connection, limit))

    def count_links(self) -> int:
        return self._read(links.count_links)

    def list_unlinks(self) -> list[AgentUnlink]:
        return self._read(links.list_unlinks)

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
        with self._single_writer.begin() as connection:
            return _request(connection.execute(_INSERT_REQUEST, values).one())

    def get_request(self, request_id: str) -> DialRequest | None:
        row = self._read(lambda connection: connection.execute(*request_query(request_id)).first())
        return _request(row) if row else None

    def transition(
        self, request_id: str, from_state: DialState, to_state: DialState, **fields: Any
    ) -> bool:
        """Move a request from `from_state` to `to_state` if it is still in `from_state`.

        True for exactly one caller however many try at once. Moving to DIALING stamps
        confirmed_at; a terminal state stamps finished_at. `fields` may set call_id,
        correlation_id, error and agent_state. An illegal move raises ValueError.

        Requests from one dial modal (the same view_id) share one claim: once one of
        them has left PENDING for DIALING, claiming another fails here too (False).
        """
        return self.move(request_id, from_state, to_state, **fields) is not None

    def move(
        self, request_id: str, from_state: DialState, to_state: DialState, **fields: Any
    ) -> DialRequest | None:
        """transition(), returning the request as it now stands when this caller moved
        it, else None: one statement (UPDATE … RETURNING), no re-read."""
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
        statement = _move_statement(from_state.value, tuple(sorted(values)))
        parameters = {f"new_{name}": value for name, value in values.items()}
        parameters["request_id"] = request_id
        try:
            with self._single_writer.begin() as connection:
                row = connection.execute(statement, parameters).first()
        except IntegrityError:  # the view's claim is taken (ux_dial_requests_claimed_view)
            return None
        return _request(row) if row else None

    def claimed_request_for_view(self, view_id: str) -> DialRequest | None:
        """The request of this dial modal that was claimed (dialing or finished), if any."""
        query = (
            select(dial_requests)
            .where(dial_requests.c.view_id == view_id)
            .where(dial_requests.c.state.in_([s.value for s in CLAIMED_STATES]))
        )
        row = self._read(lambda connection: connection.execute(query).first())
        return _request(row) if row else None

    def set_parent_ts(self, request_id: str, ts: str) -> None:
        with self._single_writer.begin() as connection:
            connection.execute(
                update(dial_requests).where(dial_requests.c.id == request_id).values(parent_ts=ts)
            )

    # --- following placed calls (agent mode) ------------------------------------------

    def record_progress(self, request_id: str, **fields: Any) -> None:
        """Save what following a placed call learned (PROGRESS_FIELDS only)."""
        unknown = set(fields) - PROGRESS_FIELDS
        if unknown:
            raise ValueError(f"record_progress() cannot set {', '.join(sorted(unknown))}")
        if fields.get("follow_note") is not None:
            fields["follow_note"] = _trim(str(fields["follow_note"]), ERROR_MAX_CHARS)
        with self._writer.begin() as connection:
            connection.execute(
                update(dial_requests).where(dial_requests.c.id == request_id).values(fields)
            )

    def followable(self, placed_since: datetime, limit: int = 500) -> list[DialRequest]:
        """Placed calls with a session, placed at or after `placed_since`, still followed."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(dial_requests)
                .where(dial_requests.c.state == DialState.PLACED.value)
                .where(dial_requests.c.follow_state.in_(sorted(OPEN_FOLLOW_STATES)))
                .where(dial_requests.c.finished_at >= placed_since)
                .order_by(dial_requests.c.finished_at)
                .limit(limit)
            )
            return [_request(row) for row in rows]

    def take_follow_lease(self, request_id: str, holder: str, seconds: float) -> bool:
        """Hold (or renew) the right to follow this call for `seconds`; True for one
        holder at a time: a lease another holder renewed in time is not taken."""
        now = self._clock()
        expires = now + timedelta(seconds=seconds)
        with self._writer.begin() as connection:
            renewed = connection.execute(
                update(follow_leases)
                .where(follow_leases.c.request_id == request_id)
                .where(or_(follow_leases.c.holder == holder, follow_leases.c.expires_at < now))
                .values(holder=holder, expires_at=expires)
            ).rowcount
            if renewed == 1:
                return True
            exists = connection.execute(
                select(func.count())
                .select_from(follow_leases)
                .where(follow_leases.c.request_id == request_id)
            ).scalar_one()
        if exists:
            return False
        try:
            with self._writer.begin() as connection:
                connection.execute(
                    follow_leases.insert().values(
                        request_id=request_id, holder=holder, expires_at=expires
                    )
                )
        except IntegrityError:  # another replica inserted it first
            return False
        return True

    def release_follow_lease(self, request_id: str, holder: str) -> None:
        with self._writer.begin() as connection:
            connection.execute(
                follow_leases.delete()
                .where(follow_leases.c.request_id == request_id)
                .where(follow_leases.c.holder == holder)
            )

    def follow_lease_holder(self, request_id: str) -> str | None:
        with self.engine.connect() as connection:
            return connection.execute(
                select(follow_leases.c.holder).where(follow_leases.c.request_id == request_id)
            ).scalar_one_or_none()

    def confirmations_since(self, requester_id: str, since: datetime) -> int:
        """How many requests this user confirmed (moved to dialing) at or after `since`;
        counted from the shared table, so the limit holds across replicas."""
        query = confirmations_query(requester_id, since)
        return self._read(lambda connection: connection.execute(*query).scalar_one())

    def recover_stuck(self, older_than_seconds: float) -> list[DialRequest]:
        """Requests left dialing longer than `older_than_seconds` (a crash mid-call)
        become UNKNOWN; returns them, as now stored, so their requesters can be told.
        Replicas recovering at once each get a different share, never the same one."""
        cutoff = self._clock() - timedelta(seconds=older_than_seconds)
        stuck_ids = self._read(
            lambda connection: list(connection.execute(*stuck_query(cutoff)).scalars())
        )
        recovered = []
        for request_id in stuck_ids:
            moved = self.move(
                request_id, DialState.DIALING, DialState.UNKNOWN, error=RECOVERED_ERROR
            )
            if moved is not None:
                recovered.append(moved)
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
        query = history_query(user, limit, since=since, states=states)
        return self._read(lambda connection: [_request(row) for row in connection.execute(*query)])

    # Retention (the rules are in bot.store.retention)

    def prune_finished(self, older_than_days: float, *, dry_run: bool = False):
        """Delete finished requests created more than `older_than_days` ago, in small
        batches, one pass at a time across replicas; pending and dialing requests stay.
        With dry_run, only count them. Returns a retention.PruneResult."""
        cutoff = retention.cutoff_for(self._clock(), older_than_days)
        return self._pruner.prune(cutoff, dry_run=dry_run)


# --- the hot queries: built once, run with parameters (bench/history.py shows their plans)
#
# Building a SQLAlchemy statement costs tens of microseconds to milliseconds of Python
# (the history UNION: 2.7 ms) on the threads that answer Slack; each shape is built
# once, with bindparam()s, and each call passes only its values.

Query = tuple[Any, dict[str, Any]]  # a statement and its parameters

_GET_REQUEST = select(dial_requests).where(dial_requests.c.id == bindparam("request_id"))
_CONFIRMATIONS = (
    select(func.count())
    .select_from(dial_requests)
    .where(dial_requests.c.requester_id == bindparam("requester_id"))
    .where(dial_requests.c.confirmed_at >= bindparam("since"))
)
_STUCK = (
    select(dial_requests.c.id)
    .where(dial_requests.c.state == DialState.DIALING.value)
    .where(dial_requests.c.confirmed_at < bindparam("cutoff"))
    .order_by(dial_requests.c.confirmed_at)
)
_INSERT_REQUEST = dial_requests.insert().returning(*dial_requests.c)


def request_query(request_id: str) -> Query:
    return _GET_REQUEST, {"request_id": request_id}


def confirmations_query(requester_id: str, since: datetime) -> Query:
    """The rate limit's read: ix_dial_requests_requester_confirmed."""
    return _CONFIRMATIONS, {"requester_id": requester_id, "since": since}


def stuck_query(cutoff: datetime) -> Query:
    """Crash recovery: ix_dial_requests_state_confirmed."""
    return _STUCK, {"cutoff": cutoff}


def history_query(
    user: str | None,
    limit: int,
    *,
    since: datetime | None = None,
    states: Collection[DialState] | None = None,
) -> Query:
    """Newest first. For one user, the newest `limit` as requester and the newest `limit`
    as the agent, each read in order from its own index (requester_id, created_at) and
    (agent_user_id, created_at), then merged: the cost is `limit` rows whatever the
    length of the user's history. (An OR of the two made both engines fetch every row
    the user ever had and sort them.)"""
    chosen = tuple(sorted(DialState(x).value for x in states)) if states else ()
    statement = _history_statement(bool(user), limit, since is not None, chosen)
    return statement, {"user": user, "since": since}


@functools.lru_cache(maxsize=64)
def _history_statement(for_user: bool, limit: int, since: bool, states: tuple[str, ...]):
    def newest(query):
        if since:
            query = query.where(dial_requests.c.created_at >= bindparam("since"))
        if states:
            query = query.where(dial_requests.c.state.in_(states))
        return query.order_by(dial_requests.c.created_at.desc(), dial_requests.c.id).limit(limit)

    if not for_user:
        return newest(select(dial_requests))
    user = bindparam("user")
    by_requester = newest(select(dial_requests).where(dial_requests.c.requester_id == user))
    as_agent = newest(select(dial_requests).where(dial_requests.c.agent_user_id == user))
    merged = union(select(by_requester.subquery()), select(as_agent.subquery())).subquery("history")
    return select(merged).order_by(merged.c.created_at.desc(), merged.c.id).limit(limit)


@functools.lru_cache(maxsize=64)
def _move_statement(from_state: str, names: tuple[str, ...]):
    """UPDATE … SET names WHERE id = :request_id AND state = from_state RETURNING *."""
    return (
        update(dial_requests)
        .where(dial_requests.c.id == bindparam("request_id"))
        .where(dial_requests.c.state == from_state)
        .values({name: bindparam(f"new_{name}") for name in names})
        .returning(*dial_requests.c)
    )


def _trim(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _request(row: Row) -> DialRequest:
    values = row._asdict()
    values["state"] = DialState(values["state"])
    return DialRequest(**values)
