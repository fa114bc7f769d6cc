"""DialService: who may dial what, the lifecycle of a dial request, and placing the call.

This is the core of the bot and knows nothing of Slack or HTTP: it takes plain ids
and strings and returns plain dataclasses. The Slack listeners, the demo and any other
front end translate their payloads into these calls and render the results.

A dial request moves PENDING -> DIALING -> PLACED | REJECTED | UNKNOWN (or PENDING ->
CANCELLED | EXPIRED); every move is a compare-and-set in the store, so two presses,
two threads or two replicas can never place the same request twice. The DIALING record
is written before CXone is asked: if that write fails, no call is placed.

The dial modal's submission (`submit`) is prepare() and confirm() in one, so it runs
every check of both; all the requests one modal makes share one claim in the store.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from bot import messages
from bot.agent_state import AgentReadiness, StateReading
from bot.calls import CallOrder, CallPlacer, DialOutcome, Placed, Rejected, Unknown
from bot.email_links import EmailLinker, EmailMatch
from bot.metrics import Metrics, NoMetrics
from bot.phone import AllowedNumber, PhonePolicy, RefusedNumber, check_number, mask_number
from bot.request_log import request_log
from bot.store import AgentLink, DialRequest, DialState
from bot.store.records import FollowState

log = logging.getLogger("bot.dialing")

RATE_WINDOW = timedelta(seconds=60)
# Added to the placer's longest dial before a DIALING request counts as left by a crash:
# the claim and the outcome are written just before and after the placer runs.
RECOVERY_MARGIN_SECONDS = 5.0


class RefusalKind(StrEnum):
    NOT_LINKED = "not_linked"
    NOT_SUPERVISOR = "not_supervisor"
    AGENT_NOT_LINKED = "agent_not_linked"
    NUMBER_REFUSED = "number_refused"
    NO_CONTACT = "no_contact"
    STORE_FAILED = "store_failed"
    UNKNOWN_REQUEST = "unknown_request"
    NOT_YOURS = "not_yours"
    EXPIRED = "expired"
    ALREADY_HANDLED = "already_handled"
    ALREADY_DIALING = "already_dialing"
    RATE_LIMITED = "rate_limited"
    NOT_ADMIN = "not_admin"
    AGENT_NOT_READY = "agent_not_ready"  # CXone says the agent cannot take a call now
    NO_EMAIL_MATCH = "no_email_match"  # no single active CXone agent has the email


class DialField(StrEnum):
    """The part of a dial a refusal is about, for a front end with a field for each
    (the dial modal puts the refusal next to that field)."""

    NUMBER = "number"
    AGENT = "agent"
    CONTACT = "contact"
    CHANNEL = "channel"


# Refusals that one field can fix; any other kind is about the dial as a whole.
FIELD_AT_FAULT: dict[RefusalKind, DialField] = {
    RefusalKind.NOT_SUPERVISOR: DialField.AGENT,
    RefusalKind.AGENT_NOT_LINKED: DialField.AGENT,
    RefusalKind.NUMBER_REFUSED: DialField.NUMBER,
    RefusalKind.NO_CONTACT: DialField.CONTACT,
    RefusalKind.AGENT_NOT_READY: DialField.AGENT,
}


@dataclass(frozen=True)
class Refusal:
    """Nothing was done; `message` tells the person why and what to do next."""

    kind: RefusalKind
    message: str
    request: DialRequest | None = None  # the request as it stands, when there is one
    state: StateReading | None = None  # the agent's state behind the refusal, if read

    @property
    def field(self) -> DialField | None:
        """The field to fix, when one field can fix it."""
        return FIELD_AT_FAULT.get(self.kind)


@dataclass(frozen=True)
class PreparedDial:
    """A PENDING request waiting for its requester to press Dial."""

    request: DialRequest
    number: AllowedNumber
    agent: AgentLink
    state: StateReading | None = None  # the agent's CXone state (None: not checked)


@dataclass(frozen=True)
class Claimed:
    """The request is DIALING and this caller owns placing it."""

    request: DialRequest


@dataclass(frozen=True)
class HomeSummary:
    """What a person's home shows: their link and dials, and what their rights add."""

    user_id: str
    link: AgentLink | None
    recent: list[DialRequest]  # newest first, as requester or as the agent
    is_admin: bool = False
    is_supervisor: bool = False
    link_count: int | None = None  # admins
    team_recent: list[DialRequest] = dataclasses.field(default_factory=list)  # admins
    # Supervisors: some of the linked people they may dial as, and how many there are.
    dialable: list[AgentLink] = dataclasses.field(default_factory=list)
    dialable_total: int = 0


class DialStore(Protocol):  # the part of bot.store.Store the service uses
    def get_link(self, slack_user_id: str) -> AgentLink | None: ...
    def link(self, slack_user_id: str, cxone_agent_id: str, linked_by: str) -> AgentLink: ...
    def unlink(self, slack_user_id: str) -> bool: ...
    def create_request(self, **fields: Any) -> DialRequest: ...
    def get_request(self, request_id: str) -> DialRequest | None: ...
    def claimed_request_for_view(self, view_id: str) -> DialRequest | None: ...
    def count_links(self) -> int: ...
    def list_links(self, limit: int | None = None) -> list[AgentLink]: ...
    def transition(
        self, request_id: str, from_state: DialState, to_state: DialState, **fields: Any
    ) -> bool: ...
    def move(
        self, request_id: str, from_state: DialState, to_state: DialState, **fields: Any
    ) -> DialRequest | None: ...
    def set_parent_ts(self, request_id: str, ts: str) -> None: ...
    def record_progress(self, request_id: str, **fields: Any) -> None: ...
    def confirmations_since(self, requester_id: str, since: datetime) -> int: ...
    def recover_stuck(self, older_than_seconds: float) -> list[DialRequest]: ...
    def history(self, user: str | None = None, limit: int = 20) -> list[DialRequest]: ...


def utc_now() -> datetime:
    return datetime.now(UTC)


def _counting_refusals(method):
    """Count each Refusal the service method returns in the service's metrics."""

    @functools.wraps(method)
    def counted(self: DialService, *args: Any, **kwargs: Any) -> Any:
        result = method(self, *args, **kwargs)
        if isinstance(result, Refusal):
            self.metrics.refused(result.kind)
        return result

    return counted


class DialService:
    def __init__(
        self,
        store: DialStore,
        placer: CallPlacer,
        *,
        phone_policy: PhonePolicy,
        admins: Iterable[str] = (),
        supervisors: Iterable[str] = (),
        default_contact_id: str | None = None,
        confirm_ttl_seconds: int = 600,
        rate_limit_per_minute: int = 5,
        readiness: AgentReadiness | None = None,
        email_linker: EmailLinker | None = None,
        clock: Callable[[], datetime] = utc_now,
        metrics: Metrics | None = None,
    ) -> None:
        self.store = store
        self.metrics = metrics or NoMetrics()
        self.placer = placer
        self.phone_policy = phone_policy
        self.admins = frozenset(admins)
        self.supervisors = frozenset(supervisors)
        self.default_contact_id = default_contact_id
        self.confirm_ttl_seconds = confirm_ttl_seconds
        self.rate_limit_per_minute = rate_limit_per_minute
        self.readiness = readiness  # None: DIAL_AGENT_STATE_CHECK=off, no state is read
        self.email_linker = email_linker  # None: no CXone agent list to match emails in
        self.clock = clock

    # --- /dial <number> ------------------------------------------------------------

    @_counting_refusals
    def prepare(
        self,
        requester_id: str,
        agent_user_id: str | None,
        number_text: str,
        contact_id: str | None,
        channel_id: str,
        response_url: str | None,
        *,
        view_id: str | None = None,
        retry: str = messages.RETRY_COMMAND,
    ) -> PreparedDial | Refusal:
        """Check everything that can be checked before the card is shown; record PENDING.
        `view_id`: the dial modal the request comes from (see submit()); `retry`: how
        the person tries again, for a refusal about the agent's state."""
        try:
            requester_link = self.store.get_link(requester_id)
            if requester_link is None:
                linked = self._link_on_first_use(requester_id)
                if isinstance(linked, Refusal):
                    return linked
                requester_link = linked
            agent_user_id = agent_user_id or requester_id
            if agent_user_id != requester_id and requester_id not in self.supervisors:
                message = messages.not_a_supervisor(agent_user_id)
                return self._refuse(RefusalKind.NOT_SUPERVISOR, message, requester_id)
            agent = (
                requester_link
                if agent_user_id == requester_id
                else self.store.get_link(agent_user_id)
            )
            if agent is None:
                message = messages.agent_not_linked(agent_user_id, self.admins)
                return self._refuse(RefusalKind.AGENT_NOT_LINKED, message, requester_id)
            number = check_number(number_text, self.phone_policy)
            if isinstance(number, RefusedNumber):
                return self._refuse(RefusalKind.NUMBER_REFUSED, number.reason, requester_id)
            contact = None
            if self.placer.uses_contact_id:
                contact = contact_id or self.default_contact_id
                if not contact:
                    message = messages.NO_CONTACT_ID
                    return self._refuse(RefusalKind.NO_CONTACT, message, requester_id)
            state = self._read_for_card(agent.cxone_agent_id)
            if self.readiness is not None and self.readiness.refuses(state):
                return self._not_ready(state, agent_user_id, requester_id, retry)
            request = self.store.create_request(
                requester_id=requester_id,
                agent_user_id=agent_user_id,
                agent_id=agent.cxone_agent_id,
                phone_number=number.e164,
                contact_id=contact or "",
                channel_id=channel_id,
                response_url=response_url,
                ttl_seconds=self.confirm_ttl_seconds,
                view_id=view_id,
            )
        except Exception as error:  # the database, whatever its driver raises
            log.exception(messages.LOG_STORE_FAILED, "prepare", type(error).__name__)
            return Refusal(RefusalKind.STORE_FAILED, messages.PREPARE_STORE_FAILED)
        if self.readiness is not None:
            self.readiness.log_reading(state, request.id)
        request_log(request.id, log).info(
            messages.LOG_PREPARED,
            mask_number(number.e164),
            agent.cxone_agent_id,
            requester_id,
            request.expires_at.isoformat(timespec="seconds"),
        )
        return PreparedDial(request=request, number=number, agent=agent, state=state)

    # --- the Dial and Cancel buttons -------------------------------------------------

    @_counting_refusals
    def confirm(
        self,
        request_id: str,
        presser_id: str,
        *,
        state: StateReading | None = None,
        retry: str = messages.RETRY_PRESS,
    ) -> Claimed | Refusal:
        """Claim a PENDING request for dialing (PENDING -> DIALING), or say why not.

        A refusal carries the request as it stands when it could be read, so the front
        end can show its card again (rate limit, database trouble, the agent not ready)
        or its final state. The agent's state is read again unless the card's reading is
        recent; `state` hands one in instead (the dial modal's, read a moment ago).
        """
        rlog = request_log(request_id, log)
        request = None
        try:
            request = self.store.get_request(request_id)
            refusal = self._check_pressable(request, presser_id)
            if refusal is not None:
                return refusal
            assert request is not None
            now = self.clock()
            if now >= request.expires_at:
                return self._expire(request)
            recent = self.store.confirmations_since(request.requester_id, now - RATE_WINDOW)
            if recent >= self.rate_limit_per_minute:
                wait = self._seconds_until_allowed(request.requester_id, now)
                message = messages.rate_limited(self.rate_limit_per_minute, wait)
                rlog.info(messages.LOG_REFUSED, "confirm", presser_id, RefusalKind.RATE_LIMITED)
                return Refusal(RefusalKind.RATE_LIMITED, message, request)
            if self.readiness is not None and state is None:
                state = self.readiness.for_press(request.agent_id, request_id=request_id)
                self.readiness.log_reading(state, request_id)
            if self.readiness is not None and self.readiness.refuses(state):
                assert state is not None
                refusal = self._not_ready(state, request.agent_user_id, presser_id, retry)
                return replace(refusal, request=request)
            seen = {"agent_state": state.seen} if state is not None else {}
            claimed = self.store.move(request_id, DialState.PENDING, DialState.DIALING, **seen)
            if claimed is None:
                current = self.store.get_request(request_id) or request
                if current.state == DialState.PENDING and current.view_id:
                    # Another submission of the same dial modal holds the modal's claim.
                    holder = self.store.claimed_request_for_view(current.view_id)
                    if holder is not None and holder.requester_id != presser_id:
                        return Refusal(RefusalKind.NOT_YOURS, messages.VIEW_NOT_YOURS)
                    current = holder or current
                return self._already(current)
        except Exception as error:
            rlog.exception(messages.LOG_STORE_FAILED, "confirm", type(error).__name__)
            return Refusal(RefusalKind.STORE_FAILED, messages.CONFIRM_STORE_FAILED, request)
        rlog.info(
            messages.LOG_CLAIMED, presser_id, mask_number(claimed.phone_number), claimed.agent_id
        )
        return Claimed(claimed)

    @_counting_refusals
    def cancel(self, request_id: str, presser_id: str) -> DialRequest | Refusal:
        """PENDING -> CANCELLED; returns the cancelled request."""
        try:
            request = self.store.get_request(request_id)
            refusal = self._check_pressable(request, presser_id)
            if refusal is not None:
                return refusal
            if not self.store.transition(request_id, DialState.PENDING, DialState.CANCELLED):
                current = self.store.get_request(request_id) or request
                assert current is not None
                return self._already(current)
            cancelled = self.store.get_request(request_id)
        except Exception as error:
            request_log(request_id, log).exception(
                messages.LOG_STORE_FAILED, "cancel", type(error).__name__
            )
            return Refusal(RefusalKind.STORE_FAILED, messages.CANCEL_STORE_FAILED)
        assert cancelled is not None
        return cancelled

    # --- the dial modal ------------------------------------------------------------------

    def submit(
        self,
        requester_id: str,
        agent_user_id: str | None,
        number_text: str,
        contact_id: str | None,
        channel_id: str,
        *,
        view_id: str,
        response_url: str | None = None,
    ) -> Claimed | Refusal:
        """The dial modal's Dial: the checks of /dial (prepare) and of the Dial press
        (confirm), in that order, then the claim.

        Each submission makes its own request, but all the requests of one modal share a
        single claim in the store: a double submission, a replay or the same submission
        on two replicas places one call. A submission refused once it was recorded (the
        rate limit, say) is withdrawn, so the modal can be submitted again.
        """
        prepared = self.prepare(
            requester_id,
            agent_user_id,
            number_text,
            contact_id,
            channel_id,
            response_url,
            view_id=view_id,
            retry=messages.RETRY_MODAL,
        )
        if isinstance(prepared, Refusal):
            return prepared
        # The state was read a moment ago, inside this same ack: not read twice.
        state = prepared.state
        result = self.confirm(
            prepared.request.id, requester_id, state=state, retry=messages.RETRY_MODAL
        )
        if isinstance(result, Refusal):
            self._withdraw(prepared.request)
        return result

    def place(self, request: DialRequest) -> DialRequest:
        """Ask CXone to place a claimed (DIALING) request and record the outcome."""
        rlog = request_log(request.id, log)
        with self.metrics.dial_in_flight():
            try:
                outcome = self.placer.place_call(call_order(request))
            except Exception:
                rlog.exception(messages.LOG_PLACER_CRASHED)
                outcome = Unknown(messages.PLACER_CRASHED, correlation_id=None, attempts=1)
        state, fields = _outcome_fields(outcome)
        self.metrics.dial_finished(str(state))
        log_outcome(rlog, outcome)
        try:
            saved = self.store.move(request.id, DialState.DIALING, state, **fields)
            if saved is not None:
                return saved
            else:
                rlog.error(messages.LOG_FINAL_STATE_NOT_SAVED, state)
        except Exception as error:
            rlog.exception(messages.LOG_STORE_FAILED, "saving the outcome", type(error).__name__)
        # The person must still hear what CXone said even if the database did not take it.
        return replace(request, state=state, finished_at=self.clock(), **fields)

    def record_parent_message(self, request_id: str, ts: str) -> None:
        try:
            self.store.set_parent_ts(request_id, ts)
        except Exception as error:
            request_log(request_id, log).warning(
                messages.LOG_STORE_FAILED, "saving the parent message", type(error).__name__
            )

    def record_messages(self, request_id: str, **ts: str | None) -> None:
        """Where the outcome's thread reply (reply_ts) and notification (notify_ts) are,
        so following the call can edit them."""
        try:
            self.store.record_progress(request_id, **{k: v for k, v in ts.items() if v})
        except Exception as error:
            request_log(request_id, log).warning(
                messages.LOG_STORE_FAILED, "saving the outcome's messages", type(error).__name__
            )

    @property
    def stuck_after_seconds(self) -> float:
        """How long a request may be DIALING before it counts as left behind by a crash:
        longer than the placer can take over one dial, retries and waits included."""
        return self.placer.max_dial_seconds + RECOVERY_MARGIN_SECONDS

    def recover_stuck(self, older_than_seconds: float | None = None) -> list[DialRequest]:
        """Requests left DIALING by a crash are marked UNKNOWN; the caller tells the people."""
        threshold = (
            older_than_seconds if older_than_seconds is not None else self.stuck_after_seconds
        )
        recovered = self.store.recover_stuck(threshold)
        for request in recovered:
            confirmed = request.confirmed_at.isoformat() if request.confirmed_at else "?"
            request_log(request.id, log).warning(messages.LOG_RECOVERED, confirmed)
        return recovered

    # --- links -------------------------------------------------------------------------

    @_counting_refusals
    def link(self, admin_id: str, user_id: str, agent_id: str) -> AgentLink | Refusal:
        if admin_id not in self.admins:
            return Refusal(RefusalKind.NOT_ADMIN, messages.not_an_admin(self.admins))
        return self._link_as(admin_id, user_id, agent_id)

    def _link_as(self, admin_id: str, user_id: str, agent_id: str) -> AgentLink | Refusal:
        try:
            result = self.store.link(user_id, agent_id, admin_id)
        except Exception as error:
            log.exception(messages.LOG_STORE_FAILED, "link", type(error).__name__)
            return Refusal(RefusalKind.STORE_FAILED, messages.link_store_failed())
        log.info(messages.LOG_LINK, admin_id, user_id, agent_id)
        return result

    @_counting_refusals
    def link_by_email(self, admin_id: str, user_id: str) -> tuple[AgentLink, str] | Refusal:
        """An admin's `/dial link @user` without an id: the one active agent with the
        user's email, linked as if the admin had typed its id (and the email used)."""
        if admin_id not in self.admins:
            return Refusal(RefusalKind.NOT_ADMIN, messages.not_an_admin(self.admins))
        if self.email_linker is None:
            return Refusal(RefusalKind.NO_EMAIL_MATCH, messages.NO_AGENT_DIRECTORY)
        match = self.email_linker.find(user_id)
        if match.agent_id is None:
            problem = _email_problem(match)
            return Refusal(
                RefusalKind.NO_EMAIL_MATCH, messages.link_by_email_failed(user_id, problem)
            )
        linked = self._link_as(admin_id, user_id, match.agent_id)  # counted once, here
        if isinstance(linked, Refusal):
            return linked
        return linked, match.email or ""

    @_counting_refusals
    def unlink(self, admin_id: str, user_id: str) -> bool | Refusal:
        if admin_id not in self.admins:
            return Refusal(RefusalKind.NOT_ADMIN, messages.not_an_admin(self.admins))
        try:
            removed = self.store.unlink(user_id)
        except Exception as error:
            log.exception(messages.LOG_STORE_FAILED, "unlink", type(error).__name__)
            return Refusal(RefusalKind.STORE_FAILED, messages.link_store_failed())
        log.info(messages.LOG_UNLINK, admin_id, user_id)
        return removed

    def whois(self, user_id: str) -> AgentLink | None:
        return self.store.get_link(user_id)

    # --- the App Home --------------------------------------------------------------------

    def home(self, user_id: str, *, recent: int = 10, agents: int = 20) -> HomeSummary | Refusal:
        """A person's link and last `recent` dials; admins also get the number of links and
        everyone's last dials, supervisors up to `agents` of the people they may dial as."""
        try:
            summary = HomeSummary(
                user_id=user_id,
                link=self.store.get_link(user_id),
                recent=self.store.history(user=user_id, limit=recent),
                is_admin=user_id in self.admins,
                is_supervisor=user_id in self.supervisors,
            )
            if summary.is_admin:
                summary = replace(
                    summary,
                    link_count=self.store.count_links(),
                    team_recent=self.store.history(limit=recent),
                )
            if summary.is_supervisor:
                others = [
                    link
                    for link in self.store.list_links(limit=agents + 1)
                    if link.slack_user_id != user_id
                ][:agents]
                total = self.store.count_links() - (1 if summary.link else 0)
                summary = replace(summary, dialable=others, dialable_total=total)
        except Exception as error:
            log.exception(messages.LOG_STORE_FAILED, "home", type(error).__name__)
            return Refusal(RefusalKind.STORE_FAILED, messages.HOME_STORE_FAILED)
        return summary

    # --- helpers -----------------------------------------------------------------------

    def _link_on_first_use(self, user_id: str) -> AgentLink | Refusal:
        """DIAL_LINK_BY_EMAIL: a person with no link is linked to their email's agent."""
        linker = self.email_linker
        if linker is None or not linker.first_use:
            return self._refuse(RefusalKind.NOT_LINKED, messages.not_linked(self.admins), user_id)
        found = linker.link_on_first_use(user_id)
        if isinstance(found, EmailMatch):
            message = messages.not_linked_by_email(self.admins, _email_problem(found))
            return self._refuse(RefusalKind.NOT_LINKED, message, user_id)
        return found

    def _read_for_card(self, agent_id: str) -> StateReading | None:
        if self.readiness is None:
            return None
        return self.readiness.for_card(agent_id)

    def _not_ready(
        self, state: StateReading, agent_user_id: str, requester_id: str, retry: str
    ) -> Refusal:
        assert state.state is not None  # only a state that was read refuses
        message = messages.agent_not_ready(
            agent_user_id,
            requester_id,
            state.state.name,
            state.state.out_state_description,
            retry,
        )
        log.info(messages.LOG_REFUSED, "dial", requester_id, RefusalKind.AGENT_NOT_READY)
        return Refusal(RefusalKind.AGENT_NOT_READY, message, state=state)

    def _refuse(self, kind: RefusalKind, message: str, requester_id: str) -> Refusal:
        log.info(messages.LOG_REFUSED, "dial", requester_id, kind)
        return Refusal(kind, message)

    def _withdraw(self, request: DialRequest) -> None:
        """A modal's request that was refused at its claim: nothing was dialed, and the
        person may submit again; it leaves PENDING so no card or press can revive it."""
        try:
            self.store.transition(request.id, DialState.PENDING, DialState.CANCELLED)
        except Exception as error:  # it still expires on its own
            request_log(request.id, log).warning(
                messages.LOG_STORE_FAILED, "withdrawing a refused submission", type(error).__name__
            )

    def _check_pressable(self, request: DialRequest | None, presser_id: str) -> Refusal | None:
        if request is None:
            return Refusal(RefusalKind.UNKNOWN_REQUEST, messages.UNKNOWN_REQUEST)
        if presser_id != request.requester_id:
            request_log(request.id, log).info(
                messages.LOG_REFUSED, "press", presser_id, RefusalKind.NOT_YOURS
            )
            return Refusal(RefusalKind.NOT_YOURS, messages.not_yours(request.requester_id), request)
        if request.state != DialState.PENDING:
            return self._already(request)
        return None

    def _already(self, request: DialRequest) -> Refusal:
        if request.state == DialState.DIALING:
            return Refusal(RefusalKind.ALREADY_DIALING, messages.ALREADY_DIALING, request)
        if request.state == DialState.EXPIRED:
            return Refusal(RefusalKind.EXPIRED, messages.expired(self.confirm_ttl_seconds), request)
        words = messages.STATE_WORDS.get(str(request.state), str(request.state))
        return Refusal(RefusalKind.ALREADY_HANDLED, messages.already_handled(words), request)

    def _expire(self, request: DialRequest) -> Refusal:
        if not self.store.transition(request.id, DialState.PENDING, DialState.EXPIRED):
            current = self.store.get_request(request.id) or request
            if current.state != DialState.EXPIRED:
                return self._already(current)
        current = self.store.get_request(request.id) or request
        request_log(request.id, log).info(
            messages.LOG_REFUSED, "confirm", request.requester_id, RefusalKind.EXPIRED
        )
        return Refusal(RefusalKind.EXPIRED, messages.expired(self.confirm_ttl_seconds), current)

    def _seconds_until_allowed(self, requester_id: str, now: datetime) -> int:
        """When the oldest confirmation inside the window leaves it (at least 1 s)."""
        since = now - RATE_WINDOW
        recent = [
            r.confirmed_at
            for r in self.store.history(user=requester_id, limit=self.rate_limit_per_minute * 4)
            if r.requester_id == requester_id and r.confirmed_at and r.confirmed_at >= since
        ]
        if len(recent) < self.rate_limit_per_minute:
            return int(RATE_WINDOW.total_seconds())
        # the newest `limit` confirmations: the window frees up when the oldest of them leaves
        recent.sort(reverse=True)
        oldest_counted = recent[self.rate_limit_per_minute - 1]
        wait = (oldest_counted + RATE_WINDOW - now).total_seconds()
        return max(1, math.ceil(wait))


def _email_problem(match: EmailMatch) -> str:
    return messages.email_problem(str(match.kind), match.email, match.agent_ids, match.detail)


def call_order(request: DialRequest) -> CallOrder:
    """What a placer needs to place a claimed request."""
    return CallOrder(
        request_id=request.id,
        agent_id=request.agent_id,
        phone_number=request.phone_number,
        contact_id=request.contact_id or None,
        requester_id=request.requester_id,
        channel_id=request.channel_id,
    )


def log_outcome(rlog: logging.LoggerAdapter, outcome: DialOutcome) -> None:
    """One line per outcome: WARNING when a customer may have been rung, else INFO;
    always CXone's status (or that there was none) and correlation id, never "None"."""
    correlation_id = outcome.correlation_id or messages.NO_CORRELATION_ID
    if isinstance(outcome, Placed):
        call_id = outcome.call_id or messages.NO_CALL_ID
        rlog.info(messages.LOG_OUTCOME_PLACED, call_id, correlation_id, outcome.attempts)
        return
    status = f"HTTP {outcome.status}" if outcome.status is not None else messages.NO_STATUS
    if isinstance(outcome, Rejected):
        rlog.info(messages.LOG_OUTCOME_REJECTED, status, correlation_id, outcome.reason)
        return
    rlog.warning(
        messages.LOG_OUTCOME_UNKNOWN, status, correlation_id, outcome.attempts, outcome.reason
    )


def _outcome_fields(outcome: DialOutcome) -> tuple[DialState, dict[str, str | None]]:
    if isinstance(outcome, Placed):
        fields = {"call_id": outcome.call_id, "correlation_id": outcome.correlation_id}
        if outcome.session_id:  # a call in an agent session: it is followed (agent mode)
            fields.update(session_id=outcome.session_id, follow_state=FollowState.FOLLOWING)
        return DialState.PLACED, fields
    if isinstance(outcome, Rejected):
        return DialState.REJECTED, {
            "correlation_id": outcome.correlation_id,
            "error": outcome.reason,
        }
    return DialState.UNKNOWN, {"correlation_id": outcome.correlation_id, "error": outcome.reason}
