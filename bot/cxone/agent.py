"""AgentPlacer: CXone's documented Agent API (CXONE_API=agent).

A call goes out of the agent's own session: the outbound phone skill (CXONE_OUTBOUND_SKILL_ID,
else the agent's first outbound phone skill, cached), `POST /agent-sessions/join` with
`asAgentId` (the session id is reused while the session lives), then
`POST /agent-sessions/{id}/dial-phone`. A join changes nothing and may be retried; a
dial-phone is sent again only when CXone certainly did not act on it (the one retry
policy of bot.cxone.http, plus one re-join when CXone says the cached session is gone).
The bot never ends a session it joined: that would log the agent out.

`follow_call` reads the session's `get-next-event` long poll and turns the
`CallContactEvent`s of our contact into Ringing, Connected and Ended.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from cachetools import TTLCache
from requests.adapters import HTTPAdapter

from bot import messages
from bot.calls import (
    CallEvent,
    CallOrder,
    Connected,
    DialOutcome,
    Ended,
    Placed,
    Rejected,
    Ringing,
    StoppedFollowing,
    Unknown,
)
from bot.cxone.admin import CXoneAdmin, ReadFailed, SkillAssignment
from bot.cxone.agent_auth import AgentSignIn
from bot.cxone.errors import (
    CXoneError,
    cxone_message,
    rate_limit_too_long_message,
    rejection_message,
    sent_but_unanswered_message,
)
from bot.cxone.http import Answer, CXoneHttp, NoAnswer, NoToken, Result
from bot.request_log import request_log

log = logging.getLogger("bot.cxone")

SKILL_CACHE_SECONDS = 3600.0
POLL_SECONDS = 20  # each get-next-event waits this long at most (CXone allows 60)
MAX_POLL_ERRORS = 5  # failed event reads in a row before following stops
POLL_ERROR_BACKOFF = (1.0, 2.0, 4.0, 8.0, 15.0)


def events_session(size: int) -> requests.Session:
    """A session for event reads: one kept-alive connection per call followed at once
    (a long poll holds its connection for up to POLL_SECONDS)."""
    session = requests.Session()
    adapter = HTTPAdapter(pool_maxsize=size)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class AgentPlacer:
    """Thread-safe. `http` places calls; `events_http` (a longer timeout) reads events."""

    def __init__(
        self,
        sign_in: AgentSignIn,
        http: CXoneHttp,
        *,
        api_version: str = "v30.0",
        skill_id: str | None = None,
        admin: CXoneAdmin | None = None,
        events_http: CXoneHttp | None = None,
        follow_seconds: float = 3600,
        poll_seconds: float = POLL_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._sign_in = sign_in
        self._http = http
        self._events_http = events_http or http
        self._version = api_version
        self._skill_id = skill_id
        # the skills read is the admin client's (issue 12), on the same token and host
        self._admin = admin or CXoneAdmin(sign_in.api_endpoint, http, version=api_version)
        self._skills: TTLCache[str, str | None] = TTLCache(maxsize=4096, ttl=SKILL_CACHE_SECONDS)
        self._sessions: dict[str, str] = {}
        self._lock = threading.Lock()
        self.follow_seconds = follow_seconds
        self.poll_seconds = poll_seconds
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"AgentPlacer({self._sign_in!r}, api_version={self._version!r})"

    @property
    def http(self) -> CXoneHttp:
        return self._http

    @property
    def admin(self) -> CXoneAdmin:
        """The admin reads (states, agents, skills) on this placer's host and token."""
        return self._admin

    @property
    def sign_in(self) -> AgentSignIn:
        return self._sign_in

    @property
    def uses_contact_id(self) -> bool:
        return False

    @property
    def max_dial_seconds(self) -> float:
        # discovery and sign-in, a skills read, a join, a dial, and one re-join and re-dial
        return self._sign_in.max_fetch_seconds + 5 * self._http.max_seconds

    def services_url(self) -> str:
        """`{api_endpoint}/inContactAPI/services/{version}`; raises CXoneError."""
        return f"{self._sign_in.api_endpoint()}/inContactAPI/services/{self._version}"

    # --- placing ----------------------------------------------------------------------

    def place_call(self, order: CallOrder) -> DialOutcome:
        rlog = request_log(order.request_id, log)
        try:
            services = self.services_url()
        except CXoneError as error:
            return Rejected(str(error), None, None, 0)
        skill = self._outbound_skill(order)
        if isinstance(skill, Rejected):
            return skill
        cached = self._cached_session(order.agent_id)
        session = cached or self._join(services, order, rlog)
        if isinstance(session, Rejected):
            return session
        outcome = self._dial(services, session, skill, order, rlog)
        if cached and _session_gone(outcome):
            # CXone says the session we remembered is gone: the dial was certainly not
            # acted on, so join the agent's current session and dial once more.
            self.forget_session(order.agent_id, session)
            session = self._join(services, order, rlog)
            if isinstance(session, Rejected):
                return session
            outcome = self._dial(services, session, skill, order, rlog)
        if _session_gone(outcome):
            self.forget_session(order.agent_id, session)
            assert isinstance(outcome, Rejected)
            return Rejected(
                messages.agent_session_ended(order.agent_id, _detail(outcome.status, None)),
                outcome.status,
                outcome.correlation_id,
                outcome.attempts,
            )
        return outcome

    def _cached_session(self, agent_id: str) -> str | None:
        with self._lock:
            return self._sessions.get(agent_id)

    def forget_session(self, agent_id: str, session_id: str) -> None:
        """The session ended (or CXone no longer knows it): the next dial joins again."""
        with self._lock:
            if self._sessions.get(agent_id) == session_id:
                del self._sessions[agent_id]

    def _outbound_skill(self, order: CallOrder) -> str | Rejected:
        if self._skill_id:
            return self._skill_id
        agent = order.agent_id
        with self._lock:
            if agent in self._skills:
                skill = self._skills[agent]
                return skill or Rejected(messages.agent_no_outbound_skill(agent), None, None, 0)
        try:
            assignments = self._read_skills(agent, order.request_id)
        except _ReadFailed as failed:
            return Rejected(
                messages.agent_skills_unread(agent, failed.detail), failed.status, None, 0
            )
        skill = first_outbound_phone_skill(assignments)
        with self._lock:
            self._skills[agent] = skill
        if skill is None:
            return Rejected(messages.agent_no_outbound_skill(agent), None, None, 0)
        return skill

    def _read_skills(self, agent_id: str, request_id: str) -> list[SkillAssignment]:
        skills = self._admin.agent_skills(agent_id, request_id=request_id)
        if isinstance(skills, ReadFailed):
            raise _ReadFailed(f" ({skills.kind}: {skills.detail})", skills.status)
        return skills

    def _join(self, services: str, order: CallOrder, rlog) -> str | Rejected:
        agent = order.agent_id
        result = self._http.call(
            "POST",
            f"{services}/agent-sessions/join",
            json={"asAgentId": agent},
            what="session join",
            about=f"agent {agent}",
            rlog=rlog,
            idempotent=True,  # joining changes nothing: a second join finds the same session
        )
        if isinstance(result, NoToken):
            return Rejected(str(result.error), None, None, 0)
        if isinstance(result, NoAnswer):
            reason = messages.agent_join_failed(agent, f" ({result.what_happened})")
            return Rejected(reason, None, None, 0)
        status, quoted = result.status, cxone_message(result.response.content)
        detail = _detail(status, quoted)
        if 200 <= status < 300:
            session = _json(result).get("sessionId")
            if isinstance(session, str | int) and str(session):
                with self._lock:
                    self._sessions[agent] = str(session)
                return str(session)
            return Rejected(messages.agent_join_failed(agent, detail), status, None, 0)
        if status == 403:
            reason = messages.agent_no_impersonation(agent, detail)
        elif status == 404:
            reason = messages.agent_unknown(agent, detail)
        elif status in (400, 409):
            reason = messages.agent_logged_out(agent, detail)
        elif status == 429 and result.refused_wait is not None:
            reason = rate_limit_too_long_message(result.refused_wait)
        else:
            reason = messages.agent_join_failed(agent, detail)
        return Rejected(reason, status, result.correlation_id, 0)

    def _dial(self, services: str, session: str, skill: str, order: CallOrder, rlog) -> DialOutcome:
        result = self._http.call(
            "POST",
            f"{services}/agent-sessions/{session}/dial-phone",
            json={"phoneNumber": order.phone_number, "skillId": skill},
            what="dial-phone",
            about=f"agent {order.agent_id}, session {session}",
            rlog=rlog,
            idempotent=False,
            request_name="dial-phone request",
        )
        if isinstance(result, NoToken):
            return Rejected(str(result.error), None, None, result.attempts)
        if isinstance(result, NoAnswer):
            if result.maybe_sent:
                reason = sent_but_unanswered_message(result.what_happened)
                return Unknown(reason, None, result.attempts)
            return Rejected(
                rejection_message(None, result.what_happened), None, None, result.attempts
            )
        return self._dial_answered(result, session, skill, order)

    def _dial_answered(
        self, answer: Answer, session: str, skill: str, order: CallOrder
    ) -> DialOutcome:
        status, correlation_id, attempts = answer.status, answer.correlation_id, answer.attempts
        if 200 <= status < 300:
            return Placed(None, correlation_id, attempts, session_id=session)
        quoted = cxone_message(answer.response.content)
        detail = _detail(status, quoted)
        if answer.refused_wait is not None:
            reason = rate_limit_too_long_message(answer.refused_wait)
        elif status == 400:
            reason = messages.agent_skill_not_allowed(order.agent_id, skill, detail)
        elif status == 403:
            reason = messages.agent_no_impersonation(order.agent_id, detail)
        elif status == 404:
            return Rejected(_SESSION_GONE, status, correlation_id, attempts)
        elif status == 409:
            reason = messages.AGENT_BUSY
        elif status >= 500 and status != 503:  # CXone may have acted before failing
            return Unknown(rejection_message(status, quoted), correlation_id, attempts, status)
        elif status == 503 or status == 429:
            reason = rejection_message(status, quoted)
        else:
            reason = messages.agent_dial_refused(status, detail)
        return Rejected(reason, status, correlation_id, attempts)

    # --- following --------------------------------------------------------------------

    def follow_call(
        self,
        order: CallOrder,
        placed: Placed,
        *,
        until: datetime | None = None,
        keep_going: Callable[[], bool] | None = None,
        connected_at: datetime | None = None,
    ) -> Iterator[CallEvent]:
        """The call's progress from the session's events, ending with Ended or
        StoppedFollowing. `until`: the end of the follow window (default: now plus
        follow_seconds); `keep_going`: asked before each poll, False ends the stream at
        once without a final event (the follow lease went elsewhere, or shutdown);
        `connected_at`: when the call connected, for a call followed again (a restart)."""
        follow = _CallFollowing(placed.call_id, connected_at)
        until = until or datetime.now(UTC) + timedelta(seconds=self.follow_seconds)
        rlog = request_log(order.request_id, log)
        if not placed.session_id:
            yield StoppedFollowing(datetime.now(UTC), messages.STOPPED_NO_SESSION)
            return
        rlog.info(messages.LOG_FOLLOW_START, placed.session_id, until.isoformat(timespec="seconds"))
        errors = 0
        while True:
            if keep_going is not None and not keep_going():
                return
            left = (until - datetime.now(UTC)).total_seconds()
            if left <= 0:
                yield StoppedFollowing(datetime.now(UTC), messages.STOPPED_WINDOW)
                return
            result = self._poll(placed.session_id, min(self.poll_seconds, max(1, int(left))), rlog)
            if isinstance(result, Answer) and result.status == 304:
                errors = 0
                continue
            if isinstance(result, Answer) and result.status == 404:
                self.forget_session(order.agent_id, placed.session_id)
                yield StoppedFollowing(datetime.now(UTC), messages.STOPPED_SESSION_ENDED)
                return
            if isinstance(result, Answer) and result.status == 200:
                errors = 0
                for event in follow.read(_json(result).get("events")):
                    yield event
                    if isinstance(event, Ended | StoppedFollowing):
                        if isinstance(event, StoppedFollowing):
                            self.forget_session(order.agent_id, placed.session_id)
                        return
                continue
            errors += 1
            rlog.warning(
                "CXone event read failed (%d in a row): %s", errors, _result_detail(result)
            )
            if errors >= MAX_POLL_ERRORS:
                yield StoppedFollowing(datetime.now(UTC), messages.STOPPED_REPEATED_ERRORS)
                return
            self._sleep(POLL_ERROR_BACKOFF[min(errors, len(POLL_ERROR_BACKOFF)) - 1])

    def _poll(self, session_id: str, timeout: int, rlog) -> Result:
        try:
            services = self.services_url()
        except CXoneError as error:
            return NoToken(error, 0)
        return self._events_http.call(
            "GET",
            f"{services}/agent-sessions/{session_id}/get-next-event",
            params={"timeout": timeout},
            what="event read",
            rlog=rlog,
            idempotent=True,
        )


class _CallFollowing:
    """Which contact is ours, and which steps it has been through."""

    def __init__(self, contact_id: str | None, connected_at: datetime | None) -> None:
        self.contact_id = contact_id
        self.connected_at = connected_at
        self.rang = contact_id is not None

    def read(self, events: object) -> Iterator[CallEvent]:
        for event in events if isinstance(events, list) else []:
            if not isinstance(event, dict):
                continue
            kind = event.get("Type")
            if kind == "AgentSessionEnd":
                yield StoppedFollowing(datetime.now(UTC), messages.STOPPED_SESSION_ENDED)
                return
            if kind != "CallContactEvent" or str(event.get("IsInbound")).lower() == "true":
                continue
            contact = str(event.get("ContactID") or "")
            if self.contact_id is None and contact:
                self.contact_id = contact  # the first outbound call after our dial
            if contact != self.contact_id:
                continue
            step = self._step(event)
            if step is not None:
                yield step
                if isinstance(step, Ended):
                    return

    def _step(self, event: dict[str, Any]) -> CallEvent | None:
        status = str(event.get("Status") or "")
        at = _event_time(event)
        if status == "Dialing" and not self.rang:
            self.rang = True
            return Ringing(at, self.contact_id)
        if status == "Active" and self.connected_at is None:
            self.connected_at = at
            return Connected(at, self.contact_id)
        if status == "Disconnected":
            code = str(event.get("DisconnectCode") or "") or None
            if self.connected_at is not None:
                seconds = max(0.0, (at - self.connected_at).total_seconds())
                return Ended(at, seconds, None, code, self.contact_id)
            return Ended(at, None, messages.disconnect_words(code), code, self.contact_id)
        return None


class _ReadFailed(Exception):
    def __init__(self, detail: str, status: int | None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status


_SESSION_GONE = "the agent session is gone"


def _session_gone(outcome: DialOutcome) -> bool:
    return isinstance(outcome, Rejected) and outcome.reason == _SESSION_GONE


def first_outbound_phone_skill(assignments: list[SkillAssignment]) -> str | None:
    """As NICE's own sample: the first skill that is outbound and of the phone media type."""
    for skill in assignments:
        if skill.is_outbound_phone and skill.skill_id is not None:
            return str(skill.skill_id)
    return None


def _detail(status: int | None, quoted: str | None) -> str:
    if status is None:
        return ""
    return f' (HTTP {status}: "{quoted}")' if quoted else f" (HTTP {status})"


def _result_detail(result: Result) -> str:
    if isinstance(result, NoToken):
        return f" ({result.error})"
    if isinstance(result, NoAnswer):
        return f" ({result.what_happened})"
    return _detail(result.status, cxone_message(result.response.content))


def _json(answer: Answer) -> dict[str, Any]:
    try:
        body = answer.response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _event_time(event: dict[str, Any]) -> datetime:
    text = event.get("LastStateChangeTimeUTC")
    if isinstance(text, str) and text:
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return datetime.now(UTC)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime.now(UTC)
