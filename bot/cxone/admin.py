"""CXoneAdmin: CXone's documented admin reads, typed.

- `agent_state(agent_id)`: `GET /agents/{id}/states` -> AgentState
- `agents(search)` / `agents_with_email(email)`: `GET /agents?searchString=…&isActive=true`,
  every page -> list[Agent]
- `agent_skills(agent_id)`: `GET /agents/{id}/skills` -> list[SkillAssignment]

All under `{api}/inContactAPI/services/{version}` with the shared token client and the one
retry policy of bot.cxone.http: these are reads, so 5xx answers and broken connections
are tried again with bounded backoff, a 401 fetches a fresh token once and a 429 waits
out Retry-After within a budget. Each method returns its typed answer or a ReadFailed
saying what went wrong (never raises for HTTP trouble). `{api}` is CXONE_BASE_URL in
journey mode; in agent mode it is the discovered api_endpoint, so a callable is accepted.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import quote

from bot.cxone.errors import cxone_message
from bot.cxone.http import Answer, CXoneHttp, NoAnswer, NoToken
from bot.request_log import request_log

log = logging.getLogger("bot.cxone")

DEFAULT_API_VERSION = "v30.0"
SERVICES_PATH = "/inContactAPI/services/{version}"
AGENTS_PAGE_SIZE = 100  # CXone's largest page of /agents
MAX_AGENT_PAGES = 200  # 20,000 agents: a guard against a server that pages forever
PHONE_MEDIA_TYPE = 4


@dataclass(frozen=True)
class AgentState:
    """`agentStates[0]` of GET /agents/{id}/states."""

    agent_id: str
    name: str  # agentStateName: LoggedOut, Available, Unavailable, InboundContact, …
    out_state_description: str | None = None  # the unavailable code, e.g. "Lunch"
    contact_id: str | None = None
    is_acw: bool = False
    start_date: str | None = None
    correlation_id: str | None = None


@dataclass(frozen=True)
class Agent:
    """One entry of `agents[]` from GET /agents."""

    agent_id: str
    email_address: str | None
    user_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    is_active: bool = True

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


@dataclass(frozen=True)
class SkillAssignment:
    """One entry of `agentSkillAssignments[]` from GET /agents/{id}/skills."""

    skill_id: int | str  # as CXone sent it (an integer in every tenant seen)
    skill_name: str | None
    is_outbound: bool
    media_type_id: int | None
    outbound_strategy: str | None = None

    @property
    def is_outbound_phone(self) -> bool:
        return self.is_outbound and self.media_type_id == PHONE_MEDIA_TYPE


class ReadFailure(StrEnum):
    TIMEOUT = "timeout"  # no answer in time
    UNREACHABLE = "unreachable"  # no connection, or it broke
    SERVER_ERROR = "server_error"  # 5xx after the retries
    UNAUTHORIZED = "unauthorized"  # 401 even with a fresh token
    FORBIDDEN = "forbidden"  # 403: the API user lacks the right
    NOT_FOUND = "not_found"  # 404: no such agent, or no such API on this tenant
    RATE_LIMITED = "rate_limited"  # 429 beyond the wait budget
    NO_TOKEN = "no_token"  # the token endpoint refused or failed
    MALFORMED = "malformed"  # an answer that is not the documented shape
    REFUSED = "refused"  # any other status


@dataclass(frozen=True)
class ReadFailed:
    """A read that gave no usable answer. `detail` is for the log (never a token)."""

    kind: ReadFailure
    detail: str
    status: int | None = None
    correlation_id: str | None = None
    attempts: int = 0


class CXoneAdmin:
    """Thread-safe; shares the CXoneHttp (and so the token) of the placer."""

    def __init__(
        self,
        api_base: str | Callable[[], str],
        http: CXoneHttp,
        *,
        version: str = DEFAULT_API_VERSION,
    ) -> None:
        self._api_base = api_base
        self._http = http
        self._version = version
        self._lock = threading.Lock()
        self.requests = 0  # HTTP requests sent (tries included), for benchmarks

    def __repr__(self) -> str:
        where = self._api_base if isinstance(self._api_base, str) else "discovered"
        return f"CXoneAdmin(api={where!r}, version={self._version!r})"

    @property
    def http(self) -> CXoneHttp:
        return self._http

    @property
    def services_url(self) -> str:
        base = self._api_base if isinstance(self._api_base, str) else self._api_base()
        return base.rstrip("/") + SERVICES_PATH.format(version=self._version)

    # --- the reads ------------------------------------------------------------------

    def agent_state(
        self, agent_id: str, *, request_id: str | None = None
    ) -> AgentState | ReadFailed:
        answer = self._get(
            f"/agents/{_segment(agent_id)}/states", "agent state", agent_id, request_id
        )
        if isinstance(answer, ReadFailed):
            return answer
        states = _list_of(answer.response, "agentStates")
        first = states[0] if states else None
        name = first.get("agentStateName") if isinstance(first, dict) else None
        if not isinstance(name, str) or not name.strip():
            return _malformed(answer, "no agentStates[0].agentStateName in the answer")
        return AgentState(
            agent_id=agent_id,
            name=name.strip(),
            out_state_description=_text(first.get("outStateDescription")),
            contact_id=_text(first.get("contactId")),
            is_acw=first.get("isACW") is True,
            start_date=_text(first.get("startDate")),
            correlation_id=answer.correlation_id,
        )

    def agents(
        self,
        search: str = "",
        *,
        active_only: bool = True,
        request_id: str | None = None,
        pages: int = MAX_AGENT_PAGES,
    ) -> list[Agent] | ReadFailed:
        """Every agent CXone finds for `search` (at most `pages` pages), active ones only
        by default."""
        found: list[Agent] = []
        for page in range(min(pages, MAX_AGENT_PAGES)):
            params: dict[str, Any] = {
                "searchString": search,
                "skip": page * AGENTS_PAGE_SIZE,
                "top": AGENTS_PAGE_SIZE,
            }
            if active_only:
                params["isActive"] = "true"
            answer = self._get("/agents", "agents search", f"page {page + 1}", request_id, params)
            if isinstance(answer, ReadFailed):
                return answer
            if answer.status == 204:  # CXone's "nothing found"
                break
            rows = _list_of(answer.response, "agents")
            if rows is None:
                return _malformed(answer, "no agents[] in the answer")
            found += [agent for agent in map(_agent, rows) if agent is not None]
            if len(rows) < AGENTS_PAGE_SIZE or _total(answer.response) <= len(found):
                break
        if active_only:
            found = [agent for agent in found if agent.is_active]
        return found

    def agents_with_email(
        self, email: str, *, request_id: str | None = None
    ) -> list[Agent] | ReadFailed:
        """The active agents whose emailAddress is `email`, exactly but for case."""
        wanted = email.strip().casefold()
        if not wanted:
            return []
        agents = self.agents(email.strip(), request_id=request_id)
        if isinstance(agents, ReadFailed):
            return agents
        return [a for a in agents if (a.email_address or "").strip().casefold() == wanted]

    def agent_skills(
        self, agent_id: str, *, request_id: str | None = None
    ) -> list[SkillAssignment] | ReadFailed:
        answer = self._get(
            f"/agents/{_segment(agent_id)}/skills", "agent skills", agent_id, request_id
        )
        if isinstance(answer, ReadFailed):
            return answer
        if answer.status == 204:
            return []
        rows = _list_of(answer.response, "agentSkillAssignments")
        if rows is None:
            return _malformed(answer, "no agentSkillAssignments[] in the answer")
        return [skill for skill in map(_skill, rows) if skill is not None]

    # --- one GET --------------------------------------------------------------------

    def _get(
        self,
        path: str,
        what: str,
        about: str,
        request_id: str | None,
        params: dict[str, Any] | None = None,
    ) -> Answer | ReadFailed:
        try:
            url = self.services_url + path
        except Exception as error:  # an agent-mode discovery that failed
            return ReadFailed(ReadFailure.UNREACHABLE, f"no API address: {error}")
        result = self._http.call(
            "GET",
            url,
            params=params,
            what=what,
            about=about,
            rlog=request_log(request_id, log),
            idempotent=True,
            request_name=f"{what} request",
        )
        with self._lock:
            self.requests += result.attempts
        if isinstance(result, NoToken):
            return ReadFailed(ReadFailure.NO_TOKEN, str(result.error), attempts=result.attempts)
        if isinstance(result, NoAnswer):
            kind = ReadFailure.TIMEOUT if result.timed_out else ReadFailure.UNREACHABLE
            return ReadFailed(kind, result.what_happened, attempts=result.attempts)
        if result.status in (200, 204):
            return result
        return _failed(result)


def _failed(answer: Answer) -> ReadFailed:
    status = answer.status
    said = cxone_message(answer.response.content)
    detail = f"HTTP {status}" + (f': "{said}"' if said else "")
    if status == 401:
        kind = ReadFailure.UNAUTHORIZED
    elif status == 403:
        kind = ReadFailure.FORBIDDEN
    elif status == 404:
        kind = ReadFailure.NOT_FOUND
    elif status == 429:
        kind = ReadFailure.RATE_LIMITED
        if answer.refused_wait is not None:
            detail += f", Retry-After {answer.refused_wait:g} s"
    elif status >= 500:
        kind = ReadFailure.SERVER_ERROR
    else:
        kind = ReadFailure.REFUSED
    return ReadFailed(kind, detail, status, answer.correlation_id, answer.attempts)


def _malformed(answer: Answer, what: str) -> ReadFailed:
    return ReadFailed(
        ReadFailure.MALFORMED, what, answer.status, answer.correlation_id, answer.attempts
    )


def _segment(value: str) -> str:
    return quote(str(value), safe="")


def _json(response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _list_of(response, key: str) -> list[Any] | None:
    body = _json(response)
    rows = body.get(key) if isinstance(body, dict) else None
    return rows if isinstance(rows, list) else None


def _total(response) -> int:
    body = _json(response)
    total = body.get("totalRecords") if isinstance(body, dict) else None
    return total if isinstance(total, int) and total >= 0 else 1 << 62


def _text(value: object) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    return text or None


def _agent(row: object) -> Agent | None:
    if not isinstance(row, dict) or _text(row.get("agentId")) is None:
        return None
    return Agent(
        agent_id=str(_text(row.get("agentId"))),
        email_address=_text(row.get("emailAddress")),
        user_name=_text(row.get("userName")),
        first_name=_text(row.get("firstName")),
        last_name=_text(row.get("lastName")),
        is_active=row.get("isActive") is not False,
    )


def _skill(row: object) -> SkillAssignment | None:
    if not isinstance(row, dict):
        return None
    skill_id = row.get("skillId")
    if isinstance(skill_id, bool) or not isinstance(skill_id, int | str) or skill_id == "":
        return None
    media = row.get("mediaTypeId")
    try:
        media_type = int(media) if media is not None and not isinstance(media, bool) else None
    except (TypeError, ValueError):
        media_type = None
    return SkillAssignment(
        skill_id=skill_id,
        skill_name=_text(row.get("skillName")),
        is_outbound=row.get("isOutbound") is True,
        media_type_id=media_type,
        outbound_strategy=_text(row.get("outboundStrategy")),
    )
