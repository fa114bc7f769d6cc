"""AgentApiSandbox: a local CXone tenant speaking CXone's documented Agent API.

Beside everything CXoneSandbox serves (the tutorial's endpoints), it serves:

- `GET /.well-known/openid-configuration`: `token_endpoint` (this server's `/auth/token`);
- `GET /.well-known/cxone-configuration?tenantId=…`: `api_endpoint` (this server), 404
  for another tenant;
- `POST /auth/token`: Basic client auth required; `grant_type=password` (the access key)
  or `refresh_token`; answers `access_token`, `refresh_token`, `id_token` (a JWT whose
  payload carries `tenantId`);
- (from CXoneSandbox) `GET {svc}/agents/{id}/skills`, `.../states` and `GET {svc}/agents`;
- `POST {svc}/agent-sessions/join` with `{"asAgentId"}`: 202 `sessionId`; 409 when the
  agent is logged out; 403 when the API user may not act as other agents;
- `POST {svc}/agent-sessions/{sid}/dial-phone` with `{"phoneNumber", "skillId"}`: 202,
  then the call runs its script;
- `GET {svc}/agent-sessions/{sid}/get-next-event?timeout=N`: long poll, 200 `events[]`,
  304 when none came within N s, 404 once the session ended.

`{svc}` is `/inContactAPI/services/{version}`. Every API request needs a bearer token
this server issued (401 otherwise) and `Accept: application/json` (406 with "No known
way to render data" otherwise).

A placed call runs `call_script`: "answered" (Dialing, Active after `ring_seconds`,
Disconnected after `talk_seconds` more), "busy" and "no_answer" (Dialing, then
Disconnected with that DisconnectCode), "held" (stays Active until `hang_up()`).
`end_session(agent)` ends the agent's session (an AgentSessionEnd event, then 404s).

Faults: `set_fault()` as in CXoneSandbox; the outbound faults apply to dial-phone,
"token_…" to the token endpoint, "join_…" to session joins, "events_…" to
get-next-event and "discovery_…" to both discovery documents.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot.sandbox.cxone import (
    OUTBOUND_FAULTS,
    CXoneSandbox,
    ReceivedCall,
    _accepts_json,
    _basic_credentials,
    _CXoneHandler,
    _fault_delay,
    _fault_reply,
    _oauth_error,
    _parse_json,
    _redacted,
    _Reply,
)

AUTH_TOKEN_PATH = "/auth/token"
OPENID_PATH = "/.well-known/openid-configuration"
TENANT_PATH = "/.well-known/cxone-configuration"
SERVICES = re.compile(r"^/inContactAPI/services/(v\d+\.\d+)(/.*)$")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
MAX_POLL_SECONDS = 60
CALL_SCRIPTS = ("answered", "busy", "no_answer", "held")
EXTRA_TARGETS = ("join", "events", "discovery")


@dataclass
class _Session:
    session_id: str
    agent_id: str
    ended: bool = False
    end_delivered: bool = False
    events: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)


class AgentApiSandbox(CXoneSandbox):
    """A threaded local CXone Agent API stand-in; see the module docstring."""

    def __init__(
        self,
        *,
        agents: Iterable[str] = ("agent-1001",),
        access_key_id: str = "demo-key-id",
        access_key_secret: str = "demo-key-secret",
        tenant_id: str = "demo-tenant",
        impersonation: bool = True,
        call_script: str = "answered",
        ring_seconds: float = 0.2,
        talk_seconds: float = 0.3,
        refresh_ttl: float = 86400,
        one_call_per_agent: bool = True,
        **options: Any,
    ) -> None:
        agent_ids = list(agents)
        super().__init__(agents=agent_ids, **options)
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.tenant_id = tenant_id
        self.impersonation = impersonation
        self.call_script = call_script
        self.ring_seconds = ring_seconds
        self.talk_seconds = talk_seconds
        self.refresh_ttl = refresh_ttl
        self.one_call_per_agent = one_call_per_agent
        self._refresh_tokens: dict[str, float] = {}
        self._sessions: dict[str, _Session] = {}
        self._changed = threading.Condition(self._lock)
        self.joins: list[dict[str, Any]] = []
        self.issued: list[str] = []  # every access, refresh and id token handed out
        self.grants: list[str] = []  # the grant_type of each token request that got that far
        self.event_polls = 0
        self.polls_waiting = 0  # get-next-event requests being held open right now
        self.api_requests: dict[str, int] = {}

    # ---- addresses -----------------------------------------------------------------

    @property
    def auth_url(self) -> str:
        return self.base_url

    @property
    def agent_token_url(self) -> str:
        return self.base_url + AUTH_TOKEN_PATH

    # ---- switches ------------------------------------------------------------------

    def set_fault(self, fault: str | None, *, times: int | None = None, **options: Any) -> None:
        for target in EXTRA_TARGETS:
            prefix = f"{target}_"
            if fault is not None and str(fault).startswith(prefix):
                name = str(fault).removeprefix(prefix)
                if name not in OUTBOUND_FAULTS - {"revoked"}:
                    raise ValueError(f"unknown sandbox fault {fault!r}")
                with self._lock:
                    self._faults[target] = _fault_for(name, options, times)
                return
        super().set_fault(fault, times=times, **options)

    def log_out(self, agent_id: str) -> None:
        """The agent is logged out: joins are refused (an open session is ended too)."""
        self.set_agent_state(agent_id, "LoggedOut")
        self.end_session(agent_id)

    def end_session(self, agent_id: str) -> None:
        """The agent's session ends now: pollers get AgentSessionEnd, then 404s."""
        with self._changed:
            for session in self._sessions.values():
                if session.agent_id == agent_id and not session.ended:
                    session.ended = True
                    session.events.append((time.monotonic(), _session_end(session)))
            self._changed.notify_all()

    def hang_up(self, contact_id: str, code: str = "ContactHungUp") -> None:
        """The customer hangs up a call now."""
        with self._changed:
            for session in self._sessions.values():
                contact = session.contacts.get(contact_id)
                if contact is not None:
                    session.events.append(
                        (time.monotonic(), _call_event(contact, "Disconnected", code))
                    )
            self._changed.notify_all()

    def reset_records(self) -> None:
        super().reset_records()
        with self._lock:
            self.joins.clear()
            self.event_polls = 0
            self.api_requests.clear()

    def session_of(self, agent_id: str) -> str | None:
        with self._lock:
            for session in self._sessions.values():
                if session.agent_id == agent_id and not session.ended:
                    return session.session_id
        return None

    # ---- the token endpoint --------------------------------------------------------

    def _answer_agent_token(self, content_type: str, body: bytes, authorization: str) -> _Reply:
        refused, delay = self._start_token_request(content_type)
        if refused is not None:
            return refused
        basic = _basic_credentials(authorization)
        if basic is None or basic != (self.client_id, self.client_secret):
            return _oauth_error(401, "invalid_client", "Client authentication failed.", delay)
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        grant = form.get("grant_type")
        with self._lock:
            self.grants.append(str(grant))
        if grant == "password":
            if (form.get("username"), form.get("password")) != (
                self.access_key_id,
                self.access_key_secret,
            ):
                return _oauth_error(400, "invalid_grant", "Invalid access key.", delay)
        elif grant == "refresh_token":
            with self._lock:
                good_until = self._refresh_tokens.pop(form.get("refresh_token") or "", 0.0)
            if time.monotonic() >= good_until:
                return _oauth_error(400, "invalid_grant", "The refresh token is not valid.", delay)
        else:
            return _oauth_error(
                400, "unsupported_grant_type", f"The grant type {grant!r} is not supported.", delay
            )
        return _Reply(200, self._token_answer(), headers={"Cache-Control": "no-store"}, delay=delay)

    def _token_answer(self) -> dict[str, Any]:
        with self._lock:
            access = self._new_token(self.scopes)
            refresh = secrets.token_urlsafe(32)
            self._refresh_tokens[refresh] = time.monotonic() + self.refresh_ttl
            self.issued.extend([access, refresh])
        id_token = _jwt({"iss": self.base_url, "sub": "api-user", "tenantId": self.tenant_id})
        with self._lock:
            self.issued.append(id_token)
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.token_ttl,
            "refresh_token": refresh,
            "id_token": id_token,
            "issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
        }

    def expire_refresh_tokens(self) -> None:
        with self._lock:
            self._refresh_tokens.clear()

    # ---- the API -------------------------------------------------------------------

    def _bearer_problem(self, headers) -> _Reply | None:
        scheme, _, token = (headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _Reply(401, {"error": "invalid_token", "message": "No bearer token was sent."})
        with self._lock:
            issued = self._tokens.get(token.strip())
            generation = self._generation
        if issued is None or issued.generation != generation:
            return _Reply(401, {"error": "invalid_token", "message": "The token is not valid."})
        if time.monotonic() >= issued.expires_at:
            return _Reply(401, {"error": "invalid_token", "message": "The token has expired."})
        if not _accepts_json(headers.get("Accept")):
            return _Reply(406, text="No known way to render data")
        return None

    def _count(self, what: str) -> None:
        with self._lock:
            self.api_requests[what] = self.api_requests.get(what, 0) + 1

    def _answer_get(self, path: str, query: dict[str, list[str]], headers) -> _Reply:
        if path not in (OPENID_PATH, TENANT_PATH):
            return self._answer_api_get(path, query, headers)
        self._count("discovery")
        fault = self._take_fault("discovery")
        if fault is None:
            return self._discovery(path, query)
        reply = _fault_reply(fault)
        if reply is None:  # a delay fault: the real answer, late
            reply = self._discovery(path, query)
            reply.delay += _fault_delay(fault)
        return reply

    def _discovery(self, path: str, query: dict[str, list[str]]) -> _Reply:
        if path == OPENID_PATH:
            return _Reply(200, self._openid_configuration())
        if path == TENANT_PATH:
            tenant = (query.get("tenantId") or [""])[0]
            if tenant != self.tenant_id:
                return _Reply(404, {"error": "not_found", "message": f"Unknown tenant {tenant}"})
            return _Reply(200, self._tenant_configuration())
        return _Reply(404, {"message": "Not Found"})

    def _answer_api_get(self, path: str, query: dict[str, list[str]], headers) -> _Reply:
        route = SERVICES.match(path)
        if route is None:
            return _Reply(404, {"message": "Not Found"})
        rest = route.group(2)
        problem = self._bearer_problem(headers)
        if problem is not None:
            return problem
        parts = rest.strip("/").split("/")
        if len(parts) == 3 and parts[0] == "agent-sessions" and parts[2] == "get-next-event":
            return self._next_events(parts[1], query)
        return _Reply(404, {"message": "Not Found"})

    def _openid_configuration(self) -> dict[str, Any]:
        return {
            "issuer": self.base_url,
            "token_endpoint": self.agent_token_url,
            "authorization_endpoint": self.base_url + "/auth/authorize",
            "jwks_uri": self.base_url + "/auth/jwks",
            "grant_types_supported": ["password", "refresh_token", "authorization_code"],
        }

    def _tenant_configuration(self) -> dict[str, Any]:
        return {
            "tenantId": self.tenant_id,
            "area": "na1",
            "api_endpoint": self.base_url,
            "auth_endpoint": self.base_url,
            "ui_endpoint": self.base_url,
        }

    def _answer_post(self, rest: str, headers, body: bytes) -> tuple[_Reply, ReceivedCall | None]:
        problem = self._bearer_problem(headers)
        parts = rest.strip("/").split("/")
        if parts == ["agent-sessions", "join"]:
            self._count("join")
            return (problem or self._join(_parse_json(body))), None
        if len(parts) == 3 and parts[0] == "agent-sessions" and parts[2] == "dial-phone":
            self._count("dial-phone")
            return self._dial_phone(parts[1], headers, body, problem)
        return _Reply(404, {"message": "Not Found"}), None

    def _join(self, parsed: Any) -> _Reply:
        fault = self._take_fault("join")
        delay = 0.0
        if fault is not None:
            reply = _fault_reply(fault)
            if reply is not None:
                return reply
            delay = _fault_delay(fault)
        if not isinstance(parsed, dict) or not isinstance(parsed.get("asAgentId"), str | int):
            return _Reply(400, {"message": "asAgentId is required"}, delay=delay)
        agent_id = str(parsed["asAgentId"])
        with self._lock:
            self.joins.append({"asAgentId": agent_id})
        if not self.impersonation:
            return _Reply(
                403,
                {"error": "Forbidden", "message": "The user may not act as another agent."},
                delay=delay,
            )
        agent = self.directory.get(agent_id)
        if agent is None:
            return _Reply(404, {"message": f"Agent {agent_id} was not found"}, delay=delay)
        if agent.state == "LoggedOut":
            return _Reply(
                409,
                {"message": f"Agent {agent_id} is not logged in; there is no session to join."},
                delay=delay,
            )
        with self._lock:
            for session in self._sessions.values():
                if session.agent_id == agent_id and not session.ended:
                    return _Reply(202, {"sessionId": session.session_id}, delay=delay)
            session = _Session(str(uuid.uuid4()), agent_id)
            self._sessions[session.session_id] = session
        return _Reply(202, {"sessionId": session.session_id}, delay=delay)

    def _dial_phone(
        self, session_id: str, headers, body: bytes, problem: _Reply | None
    ) -> tuple[_Reply, ReceivedCall]:
        with self._lock:
            self.dial_requests += 1
        parsed = _parse_json(body)
        fault = self._take_fault("outbound")
        delay = self.latency
        contact_id: str | None = None
        reply: _Reply | None = None
        if fault is not None:
            reply = _fault_reply(fault)
            if reply is not None and fault.options.get("place"):
                contact_id = self._start_call(session_id, parsed)
            elif reply is None:
                delay += _fault_delay(fault)
        if reply is None:
            reply = problem or self._validate_dial_phone(session_id, parsed)
            if reply.status == 202:
                contact_id = self._start_call(session_id, parsed)
        reply.delay += delay
        call = ReceivedCall(
            time=datetime.now(UTC),
            headers=_redacted(headers),
            body=parsed,
            status=reply.status,
            call_id=contact_id,
            fault=fault.name if fault else None,
        )
        return reply, call

    def _validate_dial_phone(self, session_id: str, parsed: Any) -> _Reply:
        with self._lock:
            session = self._sessions.get(session_id)
        if session is None or session.ended:
            return _Reply(404, {"message": f"Session {session_id} was not found or has ended."})
        if not isinstance(parsed, dict):
            return _Reply(400, {"message": "The request body must be a JSON object"})
        number = parsed.get("phoneNumber")
        if not isinstance(number, str) or not E164.match(number):
            return _Reply(400, {"message": "phoneNumber must be in E.164 format"})
        skill = str(parsed.get("skillId") or "")
        agent = self.directory[session.agent_id]
        allowed = {
            str(s["skillId"])
            for s in agent.skills
            if s.get("isOutbound") and s.get("mediaTypeId") == 4
        }
        if skill not in allowed:
            return _Reply(
                400, {"message": f"Skill {skill} is not an outbound phone skill of the agent."}
            )
        busy = any(not c.get("ended") for c in session.contacts.values())
        if busy and self.one_call_per_agent:
            return _Reply(409, {"message": "The agent is already on a contact."})
        return _Reply(202)

    def _start_call(self, session_id: str, parsed: Any) -> str | None:
        """Run the call script in the session: its events become due over time."""
        with self._changed:
            session = self._sessions.get(session_id)
            if session is None:
                return None
            contact_id = str(secrets.randbelow(10**9) + 10**9)
            number = parsed.get("phoneNumber") if isinstance(parsed, dict) else None
            contact = {"ContactID": contact_id, "DNIS": number, "start": datetime.now(UTC)}
            session.contacts[contact_id] = contact
            now = time.monotonic()
            ring, talk = self.ring_seconds, self.talk_seconds
            session.events.append((now, _call_event(contact, "Dialing")))
            if self.call_script == "answered":
                session.events.append((now + ring, _call_event(contact, "Active", after=ring)))
                session.events.append(
                    (
                        now + ring + talk,
                        _call_event(contact, "Disconnected", "ContactHungUp", ring + talk),
                    )
                )
            elif self.call_script == "busy":
                session.events.append(
                    (now + ring, _call_event(contact, "Disconnected", "Busy", ring))
                )
            elif self.call_script == "no_answer":
                session.events.append(
                    (now + ring, _call_event(contact, "Disconnected", "NoAnswer", ring))
                )
            elif self.call_script == "held":
                session.events.append((now + ring, _call_event(contact, "Active", after=ring)))
            self._changed.notify_all()
            return contact_id

    def _next_events(self, session_id: str, query: dict[str, list[str]]) -> _Reply:
        with self._lock:
            self.event_polls += 1
        fault = self._take_fault("events")
        if fault is not None:
            reply = _fault_reply(fault)
            if reply is not None:
                return reply
        try:
            timeout = min(float((query.get("timeout") or ["10"])[0]), MAX_POLL_SECONDS)
        except ValueError:
            return _Reply(400, {"message": "timeout must be a number of seconds"})
        deadline = time.monotonic() + max(timeout, 0.0)
        with self._changed:
            self.polls_waiting += 1
            try:
                return self._wait_for_events(session_id, deadline)
            finally:
                self.polls_waiting -= 1

    def _wait_for_events(self, session_id: str, deadline: float) -> _Reply:
        """With the lock held: the due events, or 304 at the deadline."""
        while True:
            session = self._sessions.get(session_id)
            if session is None or (session.ended and session.end_delivered):
                return _Reply(404, {"message": f"Session {session_id} was not found or has ended."})
            now = time.monotonic()
            due = [event for at, event in session.events if at <= now]
            if due:
                session.events = [(at, e) for at, e in session.events if at > now]
                for event in due:
                    _apply(session, event)
                return _Reply(200, {"sessionId": session_id, "events": due})
            if now >= deadline or self.stopping.is_set():
                return _Reply(304)
            upcoming = [at for at, _ in session.events]
            wake = min([deadline, *upcoming]) - now
            self._changed.wait(min(wake, 0.2))


def _apply(session: _Session, event: dict[str, Any]) -> None:
    if event["Type"] == "AgentSessionEnd":
        session.end_delivered = True
    elif event.get("Status") == "Disconnected":
        contact = session.contacts.get(event["ContactID"])
        if contact is not None:
            contact["ended"] = True


def _call_event(
    contact: dict[str, Any], status: str, code: str = "", after: float = 0.0
) -> dict[str, Any]:
    """The event as CXone sends it; `after`: seconds from now until it happens."""
    when = datetime.now(UTC) + timedelta(seconds=after)
    now = when.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {
        "Type": "CallContactEvent",
        "ContactID": contact["ContactID"],
        "Status": status,
        "DisconnectCode": code,
        "IsInbound": "False",
        "DNIS": contact.get("DNIS"),
        "StartTimeUTC": contact["start"].isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "LastStateChangeTimeUTC": now,
    }


def _session_end(session: _Session) -> dict[str, Any]:
    return {"Type": "AgentSessionEnd", "IsDisconnected": "True", "SessionId": session.session_id}


def _jwt(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.{secrets.token_urlsafe(16)}"


def _fault_for(name: str, options: dict[str, Any], times: int | None):
    from bot.sandbox.cxone import _Fault

    if times is not None and times < 1:
        raise ValueError("times must be at least 1, or None for every request")
    return _Fault(name, dict(options), times)


class _AgentApiHandler(_CXoneHandler):
    owner: AgentApiSandbox

    def do_POST(self) -> None:
        split = urlsplit(self.path)
        path = split.path.rstrip("/")
        correlation_id = str(uuid.uuid4())
        if path == AUTH_TOKEN_PATH:
            body = self.read_body()
            reply = self.owner._answer_agent_token(
                self.headers.get("Content-Type") or "",
                body,
                self.headers.get("Authorization") or "",
            )
            self._deliver(reply, correlation_id)
            return
        route = SERVICES.match(path)
        if route is None:
            super().do_POST()
            return
        body = self.read_body()
        reply, call = self.owner._answer_post(route.group(2), self.headers, body)
        if call is not None:
            self.owner._record(ReceivedCall(**{**call.__dict__, "correlation_id": correlation_id}))
        self._deliver(reply, correlation_id)

    def do_GET(self) -> None:
        split = urlsplit(self.path)
        path = split.path.rstrip("/")
        if path not in (OPENID_PATH, TENANT_PATH) and not path.endswith("/get-next-event"):
            super().do_GET()  # the admin reads: agents, states, skills
            return
        self.read_body()
        reply = self.owner._answer_get(path, parse_qs(split.query), self.headers)
        self._deliver(reply, str(uuid.uuid4()))


AgentApiSandbox.handler_class = _AgentApiHandler
