"""The outbound call: one POST to CXone's Personal Connection API, retried only when safe.

A dial is not idempotent: sending it twice can ring a customer twice. So the request
is repeated only when CXone certainly did not act on it (429, 503, a 401 before the
token is refreshed, a connection that was never made). When the request may have
reached CXone and no clear answer came back, the outcome is Unknown and a person decides.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, NewConnectionError

from bot.cxone.auth import TokenClient
from bot.cxone.errors import (
    CXoneError,
    cxone_message,
    rejection_message,
    sent_but_unanswered_message,
)
from bot.request_log import request_log

log = logging.getLogger("bot.cxone")

OUTBOUND_PATH = "/api/journey/v1/outbound"
UNAVAILABLE_BACKOFF = (0.5, 1.0)  # before the 2nd and 3rd try after a 503 or refused connection
RATE_LIMIT_WAITS = (2.0, 6.0)  # after a 429 without a usable Retry-After
MAX_RATE_LIMIT_WAIT = 30.0
POOL_SIZE = 32


@dataclass(frozen=True)
class Placed:
    call_id: str | None
    correlation_id: str | None
    attempts: int


@dataclass(frozen=True)
class Rejected:
    reason: str
    status: int | None
    correlation_id: str | None
    attempts: int


@dataclass(frozen=True)
class Unknown:
    reason: str
    correlation_id: str | None
    attempts: int


DialOutcome = Placed | Rejected | Unknown


class _RetryBudget:
    """How often each kind of certainly-unprocessed failure may be tried again, and how long
    to wait first. Each method sleeps and returns True when one more try is allowed."""

    def __init__(self, sleep: Callable[[float], None]) -> None:
        self._sleep = sleep
        self._token_refreshed = False
        self._rate_limit_waits = 0
        self._unavailable_waits = 0

    def after_unauthorized(self) -> bool:
        if self._token_refreshed:
            return False
        self._token_refreshed = True
        return True

    def after_rate_limit(self, retry_after: str | None) -> bool:
        if self._rate_limit_waits >= len(RATE_LIMIT_WAITS):
            return False
        wait = _seconds(retry_after)
        if wait is None:
            wait = RATE_LIMIT_WAITS[self._rate_limit_waits]
        self._rate_limit_waits += 1
        self._sleep(min(wait, MAX_RATE_LIMIT_WAIT))
        return True

    def after_unavailable(self) -> bool:
        if self._unavailable_waits >= len(UNAVAILABLE_BACKOFF):
            return False
        self._sleep(UNAVAILABLE_BACKOFF[self._unavailable_waits])
        self._unavailable_waits += 1
        return True


class Dialer:
    def __init__(
        self,
        base_url: str,
        tokens: TokenClient,
        campaign_id: str,
        *,
        timeout: float = 10.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._url = base_url.rstrip("/") + OUTBOUND_PATH
        self._tokens = tokens
        self._campaign_id = campaign_id
        self._timeout = timeout
        self._session = session or _pooled_session()
        self._sleep = sleep
        self._count_lock = threading.Lock()
        self.requests_sent = 0

    def __repr__(self) -> str:
        return f"Dialer(url={self._url!r}, campaign_id={self._campaign_id!r})"

    @property
    def tokens(self) -> TokenClient:
        return self._tokens

    def place_call(
        self,
        *,
        agent_id: str,
        phone_number: str,
        contact_id: str,
        data: dict[str, str],
        request_id: str | None = None,
    ) -> DialOutcome:
        """Ask CXone to connect `agent_id` to `phone_number`. Never raises for HTTP trouble.

        `request_id` only tags the log lines, so one dial can be followed end to end.
        """
        rlog = request_log(request_id, log)
        payload = {
            "outboundCampaignId": self._campaign_id,
            "contactId": contact_id,
            "phoneNumber": phone_number,
            "agentId": agent_id,
            "data": dict(data),
        }
        budget = _RetryBudget(self._sleep)
        attempts = 0
        while True:
            try:
                token = self._tokens.get_token()
            except CXoneError as error:  # no request was sent with a token we do not have
                return Rejected(str(error), None, None, attempts)
            attempts += 1
            try:
                response = self._post(token, payload)
            except requests.RequestException as error:
                what_happened = self._describe(error)
                rlog.warning(
                    "CXone dial attempt %d for agent %s (contact %s) failed: %s",
                    attempts,
                    agent_id,
                    contact_id,
                    what_happened,
                )
                if not _never_sent(error):
                    reason = sent_but_unanswered_message(what_happened)
                    return Unknown(reason, None, attempts)
                if budget.after_unavailable():
                    continue
                reason = rejection_message(None, f"{what_happened} at {self._url}")
                return Rejected(reason, None, None, attempts)

            status = response.status_code
            correlation_id = response.headers.get("CorrelationId")
            rlog.info(
                "CXone dial attempt %d for agent %s (contact %s): HTTP %d, correlation id %s",
                attempts,
                agent_id,
                contact_id,
                status,
                correlation_id,
            )
            if 200 <= status < 300:
                return Placed(_call_id(response), correlation_id, attempts)
            if status == 401 and budget.after_unauthorized():
                self._tokens.invalidate(token)
                continue
            if status == 429 and budget.after_rate_limit(response.headers.get("Retry-After")):
                continue
            if status == 503 and budget.after_unavailable():
                continue
            reason = rejection_message(status, cxone_message(response.content))
            if status >= 500 and status != 503:
                return Unknown(reason, correlation_id, attempts)
            return Rejected(reason, status, correlation_id, attempts)

    def _post(self, token: str, payload: dict[str, object]) -> requests.Response:
        with self._count_lock:
            self.requests_sent += 1
        return self._session.post(
            self._url,
            json=payload,
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
            timeout=self._timeout,
            allow_redirects=False,  # a redirected POST could be replayed elsewhere
        )

    def _describe(self, error: requests.RequestException) -> str:
        if isinstance(error, requests.ConnectTimeout):
            return f"no connection within {self._timeout:g} s"
        if isinstance(error, requests.Timeout):
            return f"CXone sent no answer within {self._timeout:g} s of the call request"
        if isinstance(error, _BAD_URL_ERRORS):
            return "the address is not a valid URL"
        if _never_sent(error):
            return "the connection was refused"
        return "The connection to CXone broke after the call request was sent"


_BAD_URL_ERRORS = (
    requests.exceptions.InvalidURL,
    requests.exceptions.InvalidSchema,
    requests.exceptions.MissingSchema,
)


def _never_sent(error: requests.RequestException) -> bool:
    """True when the request certainly never reached CXone (so sending it again is safe)."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    if isinstance(error, _BAD_URL_ERRORS):
        return True
    if isinstance(error, requests.ConnectionError) and error.args:
        reason = error.args[0]
        if isinstance(reason, MaxRetryError):
            reason = reason.reason
        return isinstance(reason, NewConnectionError)
    return False


def _seconds(retry_after: str | None) -> float | None:
    try:
        seconds = int(retry_after.strip()) if retry_after else None
    except ValueError:
        return None
    return float(seconds) if seconds is not None and seconds >= 0 else None


def _call_id(response: requests.Response) -> str | None:
    try:
        answer = response.json()
    except ValueError:
        return None
    if not isinstance(answer, dict):
        return None
    call_id = answer.get("callId") or answer.get("id")
    return str(call_id) if call_id is not None else None


def _pooled_session() -> requests.Session:
    session = requests.Session()
    adapter = HTTPAdapter(pool_maxsize=POOL_SIZE)  # urllib3 retries stay off: we decide
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
