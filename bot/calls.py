"""The contract between the core and any CXone API: place a call, learn how it went.

The core (bot.dialing) hands a `CallPlacer` a `CallOrder` and gets back exactly one
typed outcome: `Placed`, `Rejected` (certainly no call) or `Unknown` (CXone may have
acted; a person must check). A placer that can watch the call afterwards also offers
its progress as a stream of `CallEvent`s. Which placer sits behind the contract (the
tutorial's journey API, CXone's Agent API, the `FakePlacer` of tests and demos) is
chosen once, where the app is wired.

A dial is not idempotent in any CXone API: a placer sends it again only when CXone
certainly did not act on it, and never raises for HTTP trouble.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class CallOrder:
    """What to dial, for whom, and which dial request it belongs to."""

    request_id: str
    agent_id: str  # the CXone agent whose phone rings first
    phone_number: str  # E.164
    contact_id: str | None  # the CXone contact record, where the API takes one
    requester_id: str  # the Slack user who confirmed (for CXone's call data)
    channel_id: str  # where the outcome is reported (for CXone's call data)


@dataclass(frozen=True)
class Placed:
    """CXone took the call; it is ringing the agent's phone."""

    call_id: str | None  # CXone's id for the call, when it said one
    correlation_id: str | None
    attempts: int
    session_id: str | None = None  # the agent session the call runs in, where there is one


@dataclass(frozen=True)
class Rejected:
    """No call was placed; `reason` says why and what to do next."""

    reason: str
    status: int | None  # CXone's HTTP status; None when it never answered
    correlation_id: str | None
    attempts: int


@dataclass(frozen=True)
class Unknown:
    """CXone may or may not have placed the call; `reason` says what to check first."""

    reason: str
    correlation_id: str | None
    attempts: int
    status: int | None = None


DialOutcome = Placed | Rejected | Unknown


# --- call progress, for placers that can follow a call -------------------------------


@dataclass(frozen=True)
class Ringing:
    at: datetime
    contact_id: str | None = None  # CXone's id of the call, where the API names one


@dataclass(frozen=True)
class Connected:
    at: datetime
    contact_id: str | None = None


@dataclass(frozen=True)
class Ended:
    """The call is over: hung up after `duration_seconds` connected, or never connected
    (`reason` in words, with CXone's `disconnect_code`)."""

    at: datetime
    duration_seconds: float | None = None
    reason: str | None = None
    disconnect_code: str | None = None
    contact_id: str | None = None

    @property
    def connected(self) -> bool:
        return self.duration_seconds is not None


@dataclass(frozen=True)
class StoppedFollowing:
    """The placer can no longer see the call (its session ended, repeated errors, the
    follow window ran out); `reason` says which. The call itself may still be going."""

    at: datetime
    reason: str


CallEvent = Ringing | Connected | Ended | StoppedFollowing


@runtime_checkable
class CallPlacer(Protocol):
    """Places calls through one CXone API. Implementations must be thread-safe."""

    @property
    def uses_contact_id(self) -> bool:
        """Whether orders carry a CXone contact id (the journey API needs one)."""
        ...

    @property
    def max_dial_seconds(self) -> float:
        """The longest `place_call` can take, token fetches, retries and waits included.
        A request still dialing after this long was left behind by a crash."""
        ...

    def place_call(self, order: CallOrder) -> DialOutcome:
        """Ask CXone to place the call; exactly one outcome, never an exception for
        HTTP trouble, and never a second dial unless CXone certainly did not act."""
        ...

    def follow_call(self, order: CallOrder, placed: Placed) -> Iterator[CallEvent]:
        """The call's progress as it happens, ending with `Ended` or `StoppedFollowing`.
        A placer whose API cannot see a call after placing it yields nothing."""
        ...


def is_final(event: CallEvent) -> bool:
    return isinstance(event, Ended | StoppedFollowing)
