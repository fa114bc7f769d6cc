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
One fault per endpoint is active at a time; `set_fault(None)` clears both.
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
from urllib.parse import parse_qsl

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
        self.latency = latency
        self._lock = threading.Lock()
        self._tokens: dict[str, _Token] = {}
        self._generation = 0
        self._faults: dict[str, _Fault] = {}
        self._calls: list[ReceivedCall] = []
        self.token_requests = 0
        self.dial_requests = 0

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

    def reset_records(self) -> None:
        with self._lock:
            self._calls.clear()
            self.token_requests = 0
            self.dial_requests = 0

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
        if fault.startswith("token_"):
            target = "token"
            fault = TOKEN_ALIASES.get(fault, fault.removeprefix("token_"))
        if fault not in OUTBOUND_FAULTS - {"revoked"}:
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

    def _answer_token(self, content_type: str, body: bytes, authorization: str) -> _Reply:
        with self._lock:
            self.token_requests += 1
        fault = self._take_fault("token")
        delay = 0.0
        if fault is not None:
            reply = _fault_reply(fault)
            if reply is not None:
                return reply
            delay = _fault_delay(fault)

        if content_type.split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
            return _oauth_error(
                400, "invalid_request", "The token request must be form-encoded.", delay
            )
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
        self._deliver(_Reply(405, {"message": "Method Not Allowed"}), str(uuid.uuid4()))

    do_PUT = do_DELETE = do_PATCH = do_GET

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
