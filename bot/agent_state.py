"""AgentReadiness: is the agent ready in CXone before a dial (the tutorial's Step 3)?

The card's read must not endanger Slack's 3 s: it runs on a small pool of its own and
is waited for at most `budget_seconds`; a read still running then is left to finish
and its answer kept, so the press finds it. The press reads again unless a reading is
at most `max_age_seconds` old. Reads of one agent share a flight: ten /dial commands
for the same agent at once make one request.

What a reading means is decided here once: `refuses()` (block mode, a known state
outside the ready list), `is_ready`, and, for the record, `seen`. A reading that failed
or did not answer never refuses.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from cachetools import TTLCache

from bot import messages
from bot.cxone.admin import AgentState, ReadFailed
from bot.request_log import request_log

log = logging.getLogger("bot.dialing")

READ_THREADS = 16
PRESS_BUDGET_SECONDS = 5.0  # after the ack: a person watches the card, not Slack's clock
CACHED_AGENTS = 10_000


class StateCheck(StrEnum):
    BLOCK = "block"
    WARN = "warn"
    OFF = "off"


class AgentStateSource(Protocol):  # bot.cxone.admin.CXoneAdmin
    def agent_state(
        self, agent_id: str, *, request_id: str | None = None
    ) -> AgentState | ReadFailed: ...


@dataclass(frozen=True)
class StateReading:
    """One look at an agent's state: the state, why it could not be read, or neither
    (no answer within the budget: "not checked yet")."""

    agent_id: str
    state: AgentState | None = None
    failure: ReadFailed | None = None
    ready: bool | None = None  # None unless a state was read
    read_at: float = 0.0  # the clock's time of the answer

    @property
    def answered(self) -> bool:
        return self.state is not None or self.failure is not None

    @property
    def seen(self) -> str:
        """What the record keeps: the state name, or why there is none."""
        if self.state is not None:
            return self.state.name[:48]
        if self.failure is not None:
            return f"unread: {self.failure.kind}"
        return "unread: not answered in time"

    @property
    def why_unread(self) -> str:
        """One phrase for the card (the log has the detail)."""
        if self.failure is None:
            return messages.STATE_UNREAD_PHRASES["timeout"]
        phrase = messages.STATE_UNREAD_PHRASES.get(str(self.failure.kind), "")
        if self.failure.status is not None:
            phrase += f", HTTP {self.failure.status}"
        return phrase


class AgentReadiness:
    """Thread-safe; one per app."""

    def __init__(
        self,
        source: AgentStateSource,
        *,
        mode: StateCheck | str = StateCheck.BLOCK,
        ready_states: Iterable[str] = ("Available",),
        budget_seconds: float = 0.5,
        max_age_seconds: float = 15.0,
        press_budget_seconds: float = PRESS_BUDGET_SECONDS,
        threads: int = READ_THREADS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source = source
        self.mode = StateCheck(mode)
        self.ready_states = frozenset(s.casefold() for s in ready_states)
        self.budget_seconds = budget_seconds
        self.max_age_seconds = max_age_seconds
        self.press_budget_seconds = press_budget_seconds
        self._clock = clock
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="agent-state")
        self._lock = threading.Lock()
        self._in_flight: dict[str, Future[StateReading]] = {}
        self._recent: TTLCache[str, StateReading] = TTLCache(
            maxsize=CACHED_AGENTS, ttl=max(max_age_seconds, 0.001), timer=clock
        )

    def __repr__(self) -> str:
        return f"AgentReadiness(mode={self.mode}, ready={sorted(self.ready_states)})"

    # --- the two moments --------------------------------------------------------------

    def for_card(self, agent_id: str, *, request_id: str | None = None) -> StateReading:
        """A fresh read, waited for at most the ack's budget."""
        return self._read(agent_id, self.budget_seconds, request_id)

    def for_press(self, agent_id: str, *, request_id: str | None = None) -> StateReading:
        """The card's reading when it is at most max_age_seconds old, else a new read."""
        with self._lock:
            recent = self._recent.get(agent_id)
        if recent is not None:
            return recent
        return self._read(agent_id, self.press_budget_seconds, request_id)

    def refuses(self, reading: StateReading | None) -> bool:
        return self.mode is StateCheck.BLOCK and reading is not None and reading.ready is False

    def words(self, agent_id: str) -> str | None:
        """The App Home's words for the agent's state ("logged out"), None when unread."""
        with self._lock:
            reading = self._recent.get(agent_id)
        if reading is None:  # a reading seconds old will do: a dial that just ended
            reading = self._read(agent_id, self.budget_seconds, None)
        if reading.state is None:
            return None
        return messages.state_short(reading.state.name, reading.state.out_state_description)

    def log_reading(self, reading: StateReading | None, request_id: str | None) -> None:
        """One log line for what a dial saw of its agent's state (with the detail of a
        failure that the card sums up in a phrase)."""
        if reading is None:
            return
        rlog = request_log(request_id, log)
        if reading.failure is not None:
            failure = reading.failure
            rlog.warning(messages.LOG_STATE_UNREAD, reading.agent_id, failure.kind, failure.detail)
        elif reading.state is None:
            rlog.info(messages.LOG_STATE_NOT_YET, reading.agent_id, self.budget_seconds * 1000)
        else:
            age_ms = (self._clock() - reading.read_at) * 1000
            rlog.info(messages.LOG_STATE_READ, reading.agent_id, reading.seen, age_ms)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    # --- reading ----------------------------------------------------------------------

    def _read(self, agent_id: str, budget: float, request_id: str | None) -> StateReading:
        with self._lock:
            flight = self._in_flight.get(agent_id)
            if flight is None:
                try:
                    flight = self._pool.submit(self._ask, agent_id, request_id)
                except RuntimeError:  # shutting down: no read, no block
                    return StateReading(agent_id)
                self._in_flight[agent_id] = flight
        try:
            return flight.result(timeout=budget)
        except FutureTimeout:
            return StateReading(agent_id)
        except Exception:  # a bug in a source must never stop a dial
            request_log(request_id, log).exception(
                messages.LOG_UNHANDLED, f"agent state of {agent_id}"
            )
            return StateReading(agent_id)

    def _ask(self, agent_id: str, request_id: str | None) -> StateReading:
        try:
            answer = self.source.agent_state(agent_id, request_id=request_id)
        except BaseException:
            with self._lock:
                self._in_flight.pop(agent_id, None)
            raise
        now = self._clock()
        if isinstance(answer, ReadFailed):
            reading = StateReading(agent_id, failure=answer, read_at=now)
        else:
            ready = answer.name.casefold() in self.ready_states and not answer.is_acw
            reading = StateReading(agent_id, state=answer, ready=ready, read_at=now)
        with self._lock:
            if reading.state is not None:  # a failure is not kept: the press tries again
                self._recent[agent_id] = reading
            self._in_flight.pop(agent_id, None)
        return reading
