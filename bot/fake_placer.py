"""FakePlacer: a CallPlacer with no network, for tests and demos of the core and front ends.

It answers every order with the next scripted outcome (by default `Placed`), remembers
every order it was given, and plays back scripted progress events. Like httpx's
MockTransport it ships with the code, so anything built on the contract can be tested
without a CXone tenant or an HTTP server.
"""

from __future__ import annotations

import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator

from bot.calls import CallEvent, CallOrder, DialOutcome, Placed

Script = DialOutcome | BaseException | Callable[[CallOrder], DialOutcome]


class FakePlacer:
    def __init__(
        self,
        outcomes: Iterable[Script] = (),
        *,
        progress: Iterable[CallEvent] = (),
        max_dial_seconds: float = 5.0,
        uses_contact_id: bool = True,
    ) -> None:
        self._outcomes: deque[Script] = deque(outcomes)
        self._progress = tuple(progress)
        self._max_dial_seconds = max_dial_seconds
        self._uses_contact_id = uses_contact_id
        self._lock = threading.Lock()
        self.orders: list[CallOrder] = []

    def __repr__(self) -> str:
        return f"FakePlacer(orders={len(self.orders)}, scripted={len(self._outcomes)})"

    @property
    def uses_contact_id(self) -> bool:
        return self._uses_contact_id

    @property
    def max_dial_seconds(self) -> float:
        return self._max_dial_seconds

    def script(self, *outcomes: Script) -> None:
        """Answer the next orders with these, in turn (then `Placed` again)."""
        with self._lock:
            self._outcomes.extend(outcomes)

    def place_call(self, order: CallOrder) -> DialOutcome:
        with self._lock:
            self.orders.append(order)
            script = self._outcomes.popleft() if self._outcomes else None
        if script is None:
            return Placed(call_id=f"fake-{uuid.uuid4().hex[:12]}", correlation_id=None, attempts=1)
        if isinstance(script, BaseException):
            raise script
        if callable(script):
            return script(order)
        return script

    def follow_call(self, order: CallOrder, placed: Placed) -> Iterator[CallEvent]:
        """The scripted progress events, the same for every call."""
        yield from self._progress
