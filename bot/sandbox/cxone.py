"""CXoneSandbox: a local CXone tenant speaking the Personal Connection tutorial's contract.

`POST /oauth/token` (form-encoded client credentials) and
`POST /api/journey/v1/outbound` (bearer token, JSON body). It refuses what a real
tenant would refuse, answers with CXone's error shapes and a `CorrelationId`
header on every response, and can be switched into failure modes with
`set_fault()` so the bot's retry and "outcome unknown" paths can be exercised.

Faults (`set_fault(name, times=None, **options)`; `times=None` = until cleared):

| name          | effect on the outbound endpoint                                    |
| ------------- | ------------------------------------------------------------------ |
| "429"         | 429, `Retry-After: <retry_after>` when retry_after is not None      |
| "500" "502" "503" "504" | that status with a JSON error body                        |
| "slow"        | answer normally after `seconds` (default 1)                        |
| "timeout"     | place the call, answer after `seconds` (default 30): the client    |
|               | times out although the call rang                                   |
| "malformed"   | 200 with an HTML body                                              |
| "reset"       | close the connection without answering                             |
| "revoked"     | revoke_tokens() now: issued tokens get 401, new ones work          |

Error faults do not place the call unless `place=True` is given (a 504 or a reset
after CXone acted). Names prefixed "token_" apply to the token endpoint instead:
"token_down" (503), "token_500", "token_429", "token_slow", "token_reset", ...
One fault per endpoint is active at a time; `set_fault(None)` clears them all.

The documented admin reads are served too, under `/inContactAPI/services/vNN.0`:
`GET /agents/{id}/states` (`agentStates[]`; `set_agent_state()` changes it),
`GET /agents?searchString=&isActive=&skip=&top=` (`agents[]` with `emailAddress`;
204 when nothing matches) and `GET /agents/{id}/skills` (`agentSkillAssignments[]`).
They need a valid bearer token and `Accept: application/json` (else 406 "No known way
to render data"), like the outbound endpoint. Faults prefixed "states_", "agents_"
or "skills_" apply to one of them: the error faults above plus "403" and "404"
(a user without the right, a tenant without the API), "slow" and "timeout".
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

from bot.sandbox import LocalHttpServer, QuietHandler

TOKEN_PATH = "/oauth/token"
OUTBOUND_PATH = "/api/journey/v1/outbound"
OUTBOUND_SCOPE = "outbound:call"
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
REQUIRED_FIELDS = ("outboundCampaignId", "contactId", "phoneNumber", "agentId")

ERROR_FAULTS = {"429", "500", "502", "503", "504", "malformed", "reset"}
DELAY_FAULTS = {"slow": 1.0, "timeout": 30.0}
OUTBOUND_FAULTS = ERROR_FAULTS | set(DELAY_FAULTS) | {"revoked"}
TOKEN_ALIASES = {"token_down": "503"}

SERVICES = re.compile(r"^/inContactAPI/services/v\d+(?:\.\d+)?(/.*)$")
AGENT_STATES = (
    "LoggedOut",
    "Available",
    "Unavailable",
    "InboundContact",
    "OutboundContact",
    "InboundConsult",
    "OutboundConsult",
    "Dialer",
    "LoggedIn",
)
ADMIN_TARGETS = ("states", "agents", "skills")
ADMIN_FAULTS = ERROR_FAULTS | set(DELAY_FAULTS) | {"403", "404"}
AGENTS_TOP_MAX = 100


@dataclass(frozen=True)
class ReceivedCall:
    """One dial request as the sandbox saw it (the bearer token is never kept)."""

    time: datetime
    headers: dict[str, str]
    body: Any  # the parsed JSON, or the raw text when it was not JSON
    status: int | None  # None: the connection was closed without an answer
    call_id: str | None = None
    correlation_id: str | None = None
    fault: str | None = None

    @property
    def placed(self) -> bool:
        return self.call_id is not None


@dataclass(frozen=True)
class ReceivedRead:
    """One admin GET as the sandbox saw it (the bearer token is never kept)."""

    time: datetime
    target: str  # "states", "agents", "skills" or "unknown"
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    status: int | None
    fault: str | None = None


@dataclass
class SandboxAgent:
    """An agent of the sandbox tenant, as the admin reads show it."""

    agent_id: str
    email: str | None = None
    first_name: str = ""
    last_name: str = ""
    user_name: str = ""
    active: bool = True
    state: str = "Available"
    out_state_description: str = ""
    contact_id: str | None = None
    skills: list[dict[str, Any]] = field(default_factory=list)
    state_since: datetime = field(default_factory=lambda: datetime.now(UTC))


def default_skills() -> list[dict[str, Any]]:
    """One inbound phone skill and one outbound phone skill, as CXone lists them."""
    return [
        {
            "skillId": 4101,
            "skillName": "Inbound Phone",
            "mediaTypeId": 4,
            "isOutbound": False,
            "outboundStrategy": None,
            "isActive": True,
        },
        {
            "skillId": 4102,
            "skillName": "Outbound Phone",
            "mediaTypeId": 4,
            "isOutbound": True,
            "outboundStrategy": "Personal Connection",
            "isActive": True,
        },
    ]


@dataclass
class _Fault:
    name: str
    options: dict[str, Any]
    remaining: int | None


@dataclass
class _Token:
    expires_at: float
    scopes: frozenset[str]
    generation: int


@dataclass
class _Reply:
    status: int | None
    payload: Any = None
    text: str | None = None
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def _redacted(headers) -> dict[str, str]:
    shown = {}
    for name, value in headers.items():
        if name.lower() == "authorization":
            scheme = value.split(" ", 1)[0] if value else ""
            value = f"{scheme} <redacted>".strip()
        shown[name] = value
    return shown


class CXoneSandbox(LocalHttpServer):
    """A threaded local CXone stand-in; see the module docstring for its faults."""

    def __init__(
        self,
        *,
        port: int = 0,
        client_id: str = "demo-client",
        client_secret: str = "demo-secret",
        campaign_id: str = "demo-campaign",
        agents: Iterable[str] = ("agent-1001",),
        contacts: Iterable[str] | None = None,
        token_ttl: float = 3600,
        scopes: Iterable[str] = (OUTBOUND_SCOPE,),
        grant_type: str = "client_credentials",
        latency: float = 0.0,
        read_latency: float = 0.0,
    ) -> None:
        super().__init__(port=port)
        self.client_id = client_id
        self.client_secret = client_secret
        self.campaign_id = campaign_id
        self.agents = set(agents)
        self.contacts = None if contacts is None else set(contacts)
        self.token_ttl = token_ttl
        self.scopes = frozenset(scopes)
        self.grant_type = grant_type
        self.latency = latency  # seconds before the outbound endpoint answers
        self.read_latency = read_latency  # ... and before the admin reads answer
        self._lock = threading.Lock()
        self._tokens: dict[str, _Token] = {}
        self._generation = 0
        self._faults: dict[str, _Fault] = {}
        self._calls: list[ReceivedCall] = []
        self.token_requests = 0
        self.dial_requests = 0
        self._reads: list[ReceivedRead] = []
        self.directory: dict[str, SandboxAgent] = {}
        for agent_id in self.agents:
            self.add_agent(agent_id)

    def __repr__(self) -> str:
        where = self.base_url if self.running else "stopped"
        return f"CXoneSandbox({where}, client_id={self.client_id!r}, campaign={self.campaign_id!r})"

    handler_class: type[QuietHandler]  # set below, after the handler is defined

    @property
    def url(self) -> str:
        return self.base_url

    @property
    def token_url(self) -> str:
        return self.base_url + TOKEN_PATH

    @property
    def outbound_url(self) -> str:
        return self.base_url + OUTBOUND_PATH

    # ---- records -------------------------------------------------------------------

    @property
    def calls(self) -> list[ReceivedCall]:
        """Every dial POST received, accepted or not, oldest first (a copy)."""
        with self._lock:
            return list(self._calls)

    @property
    def placed_calls(self) -> list[ReceivedCall]:
        """The dial requests that placed a call."""
        return [call for call in self.calls if call.placed]

    @property
    def reads(self) -> list[ReceivedRead]:
        """Every admin GET received (states, agents, skills), oldest first (a copy)."""
        with self._lock:
            return list(self._reads)

    def reads_of(self, target: str) -> list[ReceivedRead]:
        return [read for read in self.reads if read.target == target]

    @property
    def state_requests(self) -> int:
        return len(self.reads_of("states"))

    def reset_records(self) -> None:
        with self._lock:
            self._calls.clear()
            self._reads.clear()
            self.token_requests = 0
            self.dial_requests = 0

    # ---- the tenant's agents -------------------------------------------------------

    def add_agent(
        self,
        agent_id: str,
        *,
        email: str | None = None,
        first_name: str = "",
        last_name: str = "",
        active: bool = True,
        state: str = "Available",
        skills: list[dict[str, Any]] | None = None,
        on_campaign: bool = True,
    ) -> SandboxAgent:
        """Add (or replace) an agent; `on_campaign` also lets it take outbound calls."""
        agent = SandboxAgent(
            agent_id=agent_id,
            email=email,
            first_name=first_name,
            last_name=last_name,
            user_name=(email or f"{agent_id}@sandbox.example").split("@")[0],
            active=active,
            skills=default_skills() if skills is None else skills,
        )
        with self._lock:
            self.directory[agent_id] = agent
            if on_campaign:
                self.agents.add(agent_id)
        self.set_agent_state(agent_id, state)
        return agent

    def set_agent_state(
        self,
        agent_id: str,
        state: str,
        *,
        description: str = "",
        contact_id: str | None = None,
    ) -> None:
        """What GET /agents/{id}/states answers for the agent from now on."""
        if state not in AGENT_STATES:
            raise ValueError(f"unknown CXone agent state {state!r}; one of {AGENT_STATES}")
        with self._lock:
            agent = self.directory[agent_id]
            agent.state = state
            agent.out_state_description = description
            agent.contact_id = contact_id
            agent.state_since = datetime.now(UTC)

    # ---- switches ------------------------------------------------------------------

    def set_fault(self, fault: str | None, *, times: int | None = None, **options: Any) -> None:
        """Switch a failure mode on (see the module docstring); None clears all."""
        if fault is None:
            with self._lock:
                self._faults.clear()
            return
        fault = str(fault)
        if fault == "revoked":
            self.revoke_tokens()
            return
        target = "outbound"
        allowed = OUTBOUND_FAULTS - {"revoked"}
        if fault.startswith("token_"):
            target = "token"
            fault = TOKEN_ALIASES.get(fault, fault.removeprefix("token_"))
        for admin_target in ADMIN_TARGETS:
            if fault.startswith(admin_target + "_"):
                target, allowed = admin_target, ADMIN_FAULTS
                fault = fault.removeprefix(admin_target + "_")
        if fault not in allowed:
            raise ValueError(f"unknown sandbox fault {fault!r}")
        if times is not None and times < 1:
            raise ValueError("times must be at least 1, or None for every request")
        with self._lock:
            self._faults[target] = _Fault(fault, dict(options), times)

    def clear_fault(self) -> None:
        self.set_fault(None)

    def revoke_tokens(self) -> None:
        """Make every token issued so far invalid; tokens issued later work."""
        with self._lock:
            self._generation += 1

    def expire_tokens(self) -> None:
        """Make every token issued so far expired now, without waiting out token_ttl."""
        now = time.monotonic()
        with self._lock:
            for issued in self._tokens.values():
                issued.expires_at = min(issued.expires_at, now)

    def issue_token(self, scopes: Iterable[str] | None = None) -> str:
        """A valid token without the HTTP round trip (for tests of the dial step alone)."""
        with self._lock:
            return self._new_token(self.scopes if scopes is None else frozenset(scopes))

    def _new_token(self, scopes: frozenset[str]) -> str:
        token = secrets.token_urlsafe(32)
        self._tokens[token] = _Token(time.monotonic() + self.token_ttl, scopes, self._generation)
        return token

    def _take_fault(self, target: str) -> _Fault | None:
        with self._lock:
            fault = self._faults.get(target)
            if fault is None:
                return None
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    del self._faults[target]
            return fault

    # ---- the two endpoints ---------------------------------------------------------

    def _start_token_request(self, content_type: str) -> tuple[_Reply | None, float]:
        """Count a token request and apply a switched-on token fault and the form check:
        a reply ends the request there; the delay is a slow fault's, for the answer."""
        with self._lock:
            self.token_requests += 1
        fault = self._take_fault("token")
        delay = 0.0
        if fault is not None:
            reply = _fault_reply(fault)
            if reply is not None:
                return reply, delay
            delay = _fault_delay(fault)
        if content_type.split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
            message = "The token request must be form-encoded."
            return _oauth_error(400, "invalid_request", message, delay), delay
        return None, delay

    def _answer_token(self, content_type: str, body: bytes, authorization: str) -> _Reply:
        refused, delay = self._start_token_request(content_type)
        if refused is not None:
            return refused
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        basic = _basic_credentials(authorization)
        if basic is not None:
            client_id, client_secret = basic
        if form.get("grant_type") != self.grant_type:
            return _oauth_error(
                400,
                "unsupported_grant_type",
                f"The grant type {form.get('grant_type')!r} is not supported for this client.",
                delay,
            )
        if not client_id or client_id != self.client_id or client_secret != self.client_secret:
            return _oauth_error(401, "invalid_client", "Client authentication failed.", delay)
        with self._lock:
            token = self._new_token(self.scopes)
        payload = {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": self.token_ttl,
            "scope": " ".join(sorted(self.scopes)),
        }
        return _Reply(200, payload, headers={"Cache-Control": "no-store"}, delay=delay)

    def _answer_dial(self, headers, body: bytes) -> tuple[_Reply, Any, str | None, str | None]:
        """The reply, the parsed body, the call id if a call was placed, and the fault."""
        with self._lock:
            self.dial_requests += 1
        parsed: Any = _parse_json(body)
        fault = self._take_fault("outbound")
        delay = self.latency
        if fault is not None:
            reply = _fault_reply(fault)
            if reply is not None:
                call_id = str(uuid.uuid4()) if fault.options.get("place") else None
                reply.delay += delay
                return reply, parsed, call_id, fault.name
            delay += _fault_delay(fault)
        reply = self._validate_dial(headers, body, parsed)
        reply.delay = delay
        call_id = None
        if reply.status == 202:
            call_id = str(uuid.uuid4())
            reply.payload = {
                "callId": call_id,
                "status": "queued",
                "agentId": parsed["agentId"],
                "phoneNumber": parsed["phoneNumber"],
                "contactId": parsed["contactId"],
                "outboundCampaignId": parsed["outboundCampaignId"],
            }
        return reply, parsed, call_id, fault.name if fault else None

    def _validate_dial(self, headers, body: bytes, parsed: Any) -> _Reply:
        refused = self._check_bearer(headers)
        if refused is not None:
            return refused
        authorization = headers.get("Authorization") or ""
        with self._lock:
            issued = self._tokens[authorization.partition(" ")[2].strip()]
        if OUTBOUND_SCOPE not in issued.scopes:
            return _Reply(
                403,
                {
                    "error": "insufficient_scope",
                    "message": f"The token lacks the {OUTBOUND_SCOPE} scope.",
                },
            )
        if not _accepts_json(headers.get("Accept")):
            return _Reply(406, text="No known way to render data")
        content_type = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != "application/json":
            return _Reply(400, {"message": "Content-Type must be application/json"})
        if not isinstance(parsed, dict):
            return _Reply(400, {"message": "The request body must be a JSON object"})
        for name in REQUIRED_FIELDS:
            value = parsed.get(name)
            if value is None:
                return _Reply(400, {"message": f"{name} is required"})
            if not isinstance(value, str) or not value.strip():
                return _Reply(400, {"message": f"{name} must be a non-empty string"})
        data = parsed.get("data")
        if data is not None and not (
            isinstance(data, dict) and all(isinstance(v, str) for v in data.values())
        ):
            return _Reply(400, {"message": "data must be an object of string values"})
        if not E164.match(parsed["phoneNumber"]):
            return _Reply(400, {"message": "phoneNumber must be in E.164 format"})
        campaign = parsed["outboundCampaignId"]
        if campaign != self.campaign_id:
            return _Reply(
                400,
                {
                    "message": f"outboundCampaignId {campaign} was not found or is not "
                    "configured for Personal Connection"
                },
            )
        agent = parsed["agentId"]
        if agent not in self.agents:
            return _Reply(
                400, {"message": f"agentId {agent} is not assigned to campaign {campaign}"}
            )
        contact = parsed["contactId"]
        if self.contacts is not None and contact not in self.contacts:
            return _Reply(400, {"message": f"contactId {contact} was not found"})
        return _Reply(202)

    # ---- the admin reads -----------------------------------------------------------

    def _answer_read(
        self, headers, path: str, query: dict[str, str]
    ) -> tuple[_Reply, str, str | None]:
        """The reply to an admin GET, its target and the fault it met."""
        target, route = _admin_route(path)
        fault = self._take_fault(target) if target != "unknown" else None
        delay = self.read_latency
        if fault is not None:
            reply = _fault_reply(fault)
            if reply is not None:
                reply.delay += delay
                return reply, target, fault.name
            delay += _fault_delay(fault)
        reply = self._check_bearer(headers)
        if reply is None and not _accepts_json(headers.get("Accept")):
            reply = _Reply(406, text="No known way to render data")
        if reply is None:
            reply = self._read(target, route, query)
        reply.delay += delay
        return reply, target, fault.name if fault else None

    def _read(self, target: str, agent_id: str | None, query: dict[str, str]) -> _Reply:
        if target == "agents":
            return self._agents_page(query)
        with self._lock:
            agent = self.directory.get(agent_id or "")
        if target == "unknown" or agent is None:
            return _Reply(
                404, {"error": "NotFound", "message": "The requested resource was not found."}
            )
        if target == "states":
            return _Reply(200, {"agentStates": [_state_row(agent)], "lastPollTime": _now_text()})
        assignments = [{"agentId": _wire_id(agent.agent_id), **skill} for skill in agent.skills]
        if not assignments:
            return _Reply(204)
        return _Reply(200, {"agentSkillAssignments": assignments, "totalRecords": len(assignments)})

    def _agents_page(self, query: dict[str, str]) -> _Reply:
        search = query.get("searchString", "").strip().casefold()
        active = query.get("isActive", "").lower()
        try:
            skip = max(0, int(query.get("skip") or 0))
            top = int(query.get("top") or AGENTS_TOP_MAX)
        except ValueError:
            return _Reply(
                400, {"error": "InvalidParameter", "message": "skip and top must be integers."}
            )
        top = max(1, min(top, AGENTS_TOP_MAX))
        with self._lock:
            agents = sorted(self.directory.values(), key=lambda a: a.agent_id)
        if active in ("true", "false"):
            agents = [a for a in agents if a.active == (active == "true")]
        if search:
            agents = [a for a in agents if search in _searchable(a)]
        page = agents[skip : skip + top]
        if not page:
            return _Reply(204)
        return _Reply(
            200,
            {
                "totalRecords": len(agents),
                "agents": [_agent_row(a) for a in page],
                "lastPollTime": _now_text(),
            },
        )

    def _check_bearer(self, headers) -> _Reply | None:
        """None when the request carries a valid token; else CXone's 401."""
        authorization = headers.get("Authorization") or ""
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _Reply(401, {"error": "invalid_token", "message": "No bearer token was sent."})
        with self._lock:
            issued = self._tokens.get(token.strip())
            generation = self._generation
        if issued is None:
            return _Reply(401, {"error": "invalid_token", "message": "The token is not valid."})
        if issued.generation != generation:
            return _Reply(401, {"error": "invalid_token", "message": "The token was revoked."})
        if time.monotonic() >= issued.expires_at:
            return _Reply(401, {"error": "invalid_token", "message": "The token has expired."})
        return None

    def _record_read(self, read: ReceivedRead) -> None:
        with self._lock:
            self._reads.append(read)

    def _record(self, call: ReceivedCall) -> None:
        with self._lock:
            self._calls.append(call)


def _fault_reply(fault: _Fault) -> _Reply | None:
    """The answer an error fault gives instead of the real one; None for delay faults."""
    name = fault.name
    if name in DELAY_FAULTS:
        return None
    if name == "reset":
        return _Reply(None)
    if name == "malformed":
        return _Reply(
            200,
            text="<html><body>Service temporarily unavailable</body></html>",
            content_type="text/html",
        )
    if name == "429":
        retry_after = fault.options.get("retry_after")
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        return _Reply(
            429, {"error": "Too Many Requests", "message": "Rate limit exceeded"}, headers=headers
        )
    if name == "403":
        return _Reply(
            403,
            {
                "error": "Forbidden",
                "message": "The user does not have permission to perform this action.",
            },
        )
    if name == "404":
        return _Reply(
            404, {"error": "NotFound", "message": "The requested resource was not found."}
        )
    messages = {
        "500": "Internal Server Error",
        "502": "Bad Gateway",
        "503": "Service Unavailable",
        "504": "Gateway Timeout",
    }
    headers = {}
    if name == "503" and fault.options.get("retry_after") is not None:
        headers["Retry-After"] = str(fault.options["retry_after"])
    return _Reply(int(name), {"error": messages[name], "message": messages[name]}, headers=headers)


def _fault_delay(fault: _Fault) -> float:
    return float(fault.options.get("seconds", DELAY_FAULTS.get(fault.name, 0.0)))


def _admin_route(path: str) -> tuple[str, str | None]:
    """("states"|"skills", agent id), ("agents", None) or ("unknown", None)."""
    match = SERVICES.match(path)
    if not match:
        return "unknown", None
    parts = [unquote(part) for part in match.group(1).strip("/").split("/")]
    if parts == ["agents"]:
        return "agents", None
    if len(parts) == 3 and parts[0] == "agents" and parts[2] in ("states", "skills"):
        return parts[2], parts[1]
    return "unknown", None


def _wire_id(agent_id: str) -> int | str:
    """CXone's agent ids are integers; the sandbox's may be any text."""
    return int(agent_id) if agent_id.isdigit() else agent_id


def _now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _state_row(agent: SandboxAgent) -> dict[str, Any]:
    return {
        "agentId": _wire_id(agent.agent_id),
        "agentStateId": AGENT_STATES.index(agent.state),
        "agentStateName": agent.state,
        "businessUnitId": 4600000,
        "contactId": agent.contact_id,
        "isACW": False,
        "outStateDescription": agent.out_state_description,
        "outStateId": 0,
        "startDate": agent.state_since.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }


def _agent_row(agent: SandboxAgent) -> dict[str, Any]:
    return {
        "agentId": _wire_id(agent.agent_id),
        "userName": agent.user_name,
        "firstName": agent.first_name,
        "lastName": agent.last_name,
        "emailAddress": agent.email,
        "isActive": agent.active,
        "businessUnitId": 4600000,
    }


def _searchable(agent: SandboxAgent) -> str:
    """What CXone's searchString matches: names, user name and email, in part."""
    fields = (agent.first_name, agent.last_name, agent.user_name, agent.email or "")
    return "\n".join(fields).casefold()


def _oauth_error(status: int, error: str, description: str, delay: float) -> _Reply:
    return _Reply(status, {"error": error, "error_description": description}, delay=delay)


def _basic_credentials(authorization: str) -> tuple[str, str] | None:
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, _, client_secret = decoded.partition(":")
    return client_id, client_secret


def _accepts_json(accept: str | None) -> bool:
    if not accept:
        return False
    ranges = (part.split(";")[0].strip().lower() for part in accept.split(","))
    return "application/json" in ranges


def _parse_json(body: bytes) -> Any:
    if not body:
        return None
    text = body.decode("utf-8", "replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


class _CXoneHandler(QuietHandler):
    owner: CXoneSandbox

    def do_POST(self) -> None:
        body = self.read_body()
        path = self.path.split("?", 1)[0].rstrip("/")
        correlation_id = str(uuid.uuid4())
        if path == TOKEN_PATH:
            content_type = self.headers.get("Content-Type") or ""
            authorization = self.headers.get("Authorization") or ""
            reply = self.owner._answer_token(content_type, body, authorization)
            self._deliver(reply, correlation_id)
        elif path == OUTBOUND_PATH:
            reply, parsed, call_id, fault = self.owner._answer_dial(self.headers, body)
            self.owner._record(
                ReceivedCall(
                    time=datetime.now(UTC),
                    headers=_redacted(self.headers),
                    body=parsed,
                    status=reply.status,
                    call_id=call_id,
                    correlation_id=correlation_id,
                    fault=fault,
                )
            )
            self._deliver(reply, correlation_id)
        else:
            self._deliver(_Reply(404, {"message": "Not Found"}), correlation_id)

    def do_GET(self) -> None:
        self.read_body()
        path, _, query_text = self.path.partition("?")
        path = path.rstrip("/")
        correlation_id = self.headers.get("CorrelationId") or str(uuid.uuid4())
        if not SERVICES.match(path):
            self._deliver(_Reply(405, {"message": "Method Not Allowed"}), correlation_id)
            return
        query = dict(parse_qsl(query_text, keep_blank_values=True))
        reply, target, fault = self.owner._answer_read(self.headers, path, query)
        self.owner._record_read(
            ReceivedRead(
                time=datetime.now(UTC),
                target=target,
                path=path,
                query=query,
                headers=_redacted(self.headers),
                status=reply.status,
                fault=fault,
            )
        )
        self._deliver(reply, correlation_id)

    def do_PUT(self) -> None:
        self.read_body()
        self._deliver(_Reply(405, {"message": "Method Not Allowed"}), str(uuid.uuid4()))

    do_DELETE = do_PATCH = do_PUT

    def _deliver(self, reply: _Reply, correlation_id: str) -> None:
        if reply.delay > 0 and self.owner.stopping.wait(reply.delay):
            self.drop_connection()
            return
        if reply.status is None:
            self.drop_connection()
            return
        headers = {"CorrelationId": correlation_id, **reply.headers}
        if reply.text is not None:
            content_type = reply.content_type or "text/plain; charset=utf-8"
            self.send_bytes(reply.status, reply.text.encode(), content_type, headers)
        elif reply.payload is not None:
            self.send_json(reply.status, reply.payload, headers)
        else:
            self.send_bytes(reply.status, b"", "application/json", headers)


CXoneSandbox.handler_class = _CXoneHandler
