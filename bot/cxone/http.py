"""CXoneHttp: one request to CXone with a bearer token, and the one retry policy.

A request is tried again only when that is safe:
- always when CXone certainly did not act on it: a 401 (once, with a fresh token), a 429
  (waiting Retry-After, or 2 s then 6 s, at most RATE_LIMIT_BUDGET in all), a 503 and a
  connection that was never made (with a short backoff);
- for reads (`idempotent=True`) also after a timeout, a broken connection or another
  5xx, where the request may have reached CXone: reading twice changes nothing.
A dial is not idempotent: when it may have reached CXone and no clear answer came back,
the caller gets `NoAnswer(maybe_sent=True)` and must report the outcome as unknown.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, NewConnectionError

from bot.cxone.auth import TokenClient
from bot.cxone.errors import CXoneError
from bot.request_log import DialRequestLog

log = logging.getLogger("bot.cxone")

UNAVAILABLE_BACKOFF = (0.5, 1.0)  # before the 2nd and 3rd try after a 503 or refused connection
RATE_LIMIT_WAITS = (2.0, 6.0)  # after a 429 without a usable Retry-After
# The most one request waits on 429s in all: a person is watching "Dialing…". A
# Retry-After beyond what is left of it is not waited out; the caller says how long.
RATE_LIMIT_BUDGET = sum(RATE_LIMIT_WAITS)
POOL_SIZE = 32


@dataclass(frozen=True)
class Answer:
    """CXone answered (after any safe retries); `refused_wait` is set when it asked for a
    Retry-After longer than the bot waits."""

    response: requests.Response
    attempts: int
    refused_wait: float | None = None

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def correlation_id(self) -> str | None:
        return self.response.headers.get("CorrelationId")


@dataclass(frozen=True)
class NoAnswer:
    """No usable answer: `maybe_sent` is False when CXone certainly never got the request."""

    what_happened: str
    attempts: int
    maybe_sent: bool
    timed_out: bool = False  # no answer within the timeout (rather than a broken connection)


@dataclass(frozen=True)
class NoToken:
    """No request was sent: the token endpoint refused or failed (`str(error)` says which)."""

    error: CXoneError
    attempts: int


Result = Answer | NoAnswer | NoToken


class _RetryBudget:
    """How often each kind of safe retry may happen over one request, and how long to wait
    first. Each method sleeps and returns True when one more try is allowed."""

    # The most retries and sleep one request can be allowed, for max_seconds().
    MOST_RETRIES = 1 + len(RATE_LIMIT_WAITS) + len(UNAVAILABLE_BACKOFF)
    MOST_SLEEP = RATE_LIMIT_BUDGET + sum(UNAVAILABLE_BACKOFF)

    def __init__(self, sleep: Callable[[float], None]) -> None:
        self._sleep = sleep
        self._token_refreshed = False
        self._rate_limit_waits = 0
        self._rate_limit_slept = 0.0
        self._unavailable_waits = 0
        self.refused_wait: float | None = None  # a Retry-After too long to wait out

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
        if self._rate_limit_slept + wait > RATE_LIMIT_BUDGET:
            self.refused_wait = wait
            return False
        self._rate_limit_waits += 1
        self._rate_limit_slept += wait
        self._sleep(wait)
        return True

    def after_unavailable(self) -> bool:
        if self._unavailable_waits >= len(UNAVAILABLE_BACKOFF):
            return False
        self._sleep(UNAVAILABLE_BACKOFF[self._unavailable_waits])
        self._unavailable_waits += 1
        return True


class CXoneHttp:
    """Thread-safe; one per token client, shared by everything that calls CXone with it."""

    def __init__(
        self,
        tokens: TokenClient,
        *,
        timeout: float = 10.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.tokens = tokens
        self.timeout = timeout
        self._session = session or pooled_session()
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"CXoneHttp(tokens={self.tokens!r}, timeout={self.timeout:g})"

    @property
    def max_seconds(self) -> float:
        """The longest one call can take: two token fetches (a 401 fetches anew), every
        try waiting to connect and then to read, and every wait between tries."""
        tries = (1 + _RetryBudget.MOST_RETRIES) * 2 * self.timeout
        return 2 * self.tokens.max_fetch_seconds + tries + _RetryBudget.MOST_SLEEP

    def call(
        self,
        method: str,
        url: str,
        *,
        what: str,
        rlog: DialRequestLog,
        idempotent: bool,
        about: str = "",
        request_name: str = "request",
        **kwargs: Any,
    ) -> Result:
        """Send `method url` (with `json=`/`params=`) until an answer or a safe stop.
        `what` and `about` name it in log lines ("dial attempt 1 (agent 1001)");
        `request_name` names it in the sentence of a failure ("the call request")."""
        about = f" ({about})" if about else ""
        budget = _RetryBudget(self._sleep)
        attempts = 0
        while True:
            try:
                token = self.tokens.get_token()
            except CXoneError as error:  # nothing is sent with a token we do not have
                return NoToken(error, attempts)
            attempts += 1
            try:
                response = self._send(method, url, token, **kwargs)
            except requests.RequestException as error:
                what_happened = self.describe(error, request_name)
                rlog.warning(
                    "CXone %s attempt %d%s failed: %s", what, attempts, about, what_happened
                )
                maybe_sent = not _never_sent(error)
                if (idempotent or not maybe_sent) and budget.after_unavailable():
                    continue
                timed_out = isinstance(error, requests.Timeout)
                return NoAnswer(what_happened, attempts, maybe_sent, timed_out)
            answer = Answer(response, attempts)
            rlog.info(
                "CXone %s attempt %d%s: HTTP %d, correlation id %s",
                what,
                attempts,
                about,
                answer.status,
                answer.correlation_id or "none",
            )
            if self._try_again(answer, budget, token, idempotent):
                continue
            if budget.refused_wait is not None:
                return Answer(response, attempts, budget.refused_wait)
            return answer

    def _try_again(
        self, answer: Answer, budget: _RetryBudget, token: str, idempotent: bool
    ) -> bool:
        status = answer.status
        if status == 401 and budget.after_unauthorized():
            self.tokens.invalidate(token)
            return True
        if status == 429:
            return budget.after_rate_limit(answer.response.headers.get("Retry-After"))
        if status == 503 or (idempotent and status >= 500):
            return budget.after_unavailable()
        return False

    def _send(self, method: str, url: str, token: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        if "json" in kwargs:
            headers["Content-Type"] = "application/json"
        return self._session.request(
            method,
            url,
            headers=headers,
            timeout=self.timeout,
            allow_redirects=False,  # a redirected POST could be replayed elsewhere
            **kwargs,
        )

    def describe(self, error: requests.RequestException, request_name: str = "request") -> str:
        if isinstance(error, requests.ConnectTimeout):
            return f"no connection within {self.timeout:g} s"
        if isinstance(error, requests.Timeout):
            return f"CXone sent no answer within {self.timeout:g} s of the {request_name}"
        if isinstance(error, _BAD_URL_ERRORS):
            return "the address is not a valid URL"
        if _never_sent(error):
            return "the connection was refused"
        return f"The connection to CXone broke after the {request_name} was sent"


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


def pooled_session() -> requests.Session:
    session = requests.Session()
    adapter = HTTPAdapter(pool_maxsize=POOL_SIZE)  # urllib3 retries stay off: we decide
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
