"""CXone OAuth tokens: fetched once, shared by every thread, refreshed before they expire.

The cache holds one token per credentials for `expires_in` minus a safety margin.
A lock makes fetching single-flight: however many threads find the cache cold, one
HTTP request goes out and the others get its token. Fetching a token changes nothing
at CXone, so connection errors and 5xx answers are retried a few times.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests
from cachetools import TLRUCache
from pydantic import SecretStr

from bot.cxone.errors import (
    CXoneConfigError,
    CXoneUnavailableError,
    cxone_message,
    token_missing_message,
    token_refused_message,
    token_unavailable_message,
)
from bot.metrics import Metrics, NoMetrics

log = logging.getLogger("bot.cxone")

FETCH_BACKOFF = (0.5, 1.0)  # seconds slept before the 2nd and 3rd attempt
FETCH_ATTEMPTS = len(FETCH_BACKOFF) + 1
ASSUMED_EXPIRES_IN = 3600.0  # the tutorial's usual lifetime, when CXone does not say


@dataclass(frozen=True)
class _CachedToken:
    value: str = field(repr=False)
    lifetime: float


def _expiry(_key: object, token: _CachedToken, now: float) -> float:
    return now + token.lifetime


class TokenClient:
    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: SecretStr | str,
        *,
        grant_type: str = "client_credentials",
        timeout: float = 10.0,
        session: requests.Session | None = None,
        safety_margin: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        metrics: Metrics | None = None,
    ) -> None:
        self.metrics = metrics or NoMetrics()
        self._token_url = token_url
        self._client_id = client_id
        self._secret = (
            client_secret if isinstance(client_secret, SecretStr) else SecretStr(client_secret)
        )
        self._grant_type = grant_type
        self._timeout = timeout
        self._session = session or requests.Session()
        self._safety_margin = safety_margin
        self._sleep = sleep
        self._cache: TLRUCache[tuple[str, str, str], _CachedToken] = TLRUCache(
            maxsize=1, ttu=_expiry, timer=clock
        )
        self._key = (token_url, client_id, grant_type)
        self._lock = threading.Lock()
        self.token_requests = 0

    def __repr__(self) -> str:
        return f"TokenClient(token_url={self._token_url!r}, client_id={self._client_id!r})"

    @property
    def max_fetch_seconds(self) -> float:
        """The longest a fetch can take: every attempt (connect and read) and the waits."""
        return FETCH_ATTEMPTS * 2 * self._timeout + sum(FETCH_BACKOFF)

    def get_token(self) -> str:
        """A valid access token; raises CXoneConfigError or CXoneUnavailableError."""
        with self._lock:
            cached = self._cache.get(self._key)
            if cached is None:
                cached = self._fetch()
                self._cache[self._key] = cached
            return cached.value

    def invalidate(self, token: str) -> None:
        """Forget `token` after CXone refused it, unless a newer one has replaced it already."""
        with self._lock:
            cached = self._cache.get(self._key)
            if cached is not None and cached.value == token:
                del self._cache[self._key]
                log.info("Dropped the cached CXone token of client %s", self._client_id)

    def _fetch(self) -> _CachedToken:
        failure = ""
        last_error: requests.RequestException | None = None
        for attempt in range(1, FETCH_ATTEMPTS + 1):
            if attempt > 1:
                self._sleep(FETCH_BACKOFF[attempt - 2])
            self.token_requests += 1
            started = time.perf_counter()
            try:
                response = self._session.post(
                    self._token_url,
                    data={
                        "grant_type": self._grant_type,
                        "client_id": self._client_id,
                        "client_secret": self._secret.get_secret_value(),
                    },
                    headers={
                        "Content-Type": "application/x-www-form-urlencoded",
                        "Accept": "application/json",
                    },
                    timeout=self._timeout,
                )
            except requests.RequestException as error:
                self._count(None, started)
                last_error = error
                failure = _describe(error, self._timeout)
                log.warning(
                    "CXone token request %d/%d to %s for client %s failed: %s",
                    attempt,
                    FETCH_ATTEMPTS,
                    self._token_url,
                    self._client_id,
                    failure,
                )
                continue
            status = response.status_code
            self._count(status, started)
            log.info(
                "CXone token request %d/%d to %s for client %s: HTTP %d",
                attempt,
                FETCH_ATTEMPTS,
                self._token_url,
                self._client_id,
                status,
            )
            if status == 429 or status >= 500:
                failure = f"HTTP {status}"
                continue
            if not response.ok:
                message = self._redact(cxone_message(response.text))
                raise CXoneConfigError(
                    token_refused_message(self._token_url, self._client_id, status, message)
                )
            return self._read_token(response)
        raise CXoneUnavailableError(
            token_unavailable_message(self._token_url, FETCH_ATTEMPTS, failure)
        ) from last_error

    def _count(self, status: int | None, started: float) -> None:
        self.metrics.cxone_request("token", status, time.perf_counter() - started)
        if status is None or status == 429 or status >= 500:
            self.metrics.token_fetch("unavailable")
        elif 200 <= status < 300:
            self.metrics.token_fetch("ok")
        else:
            self.metrics.token_fetch("refused")

    def _read_token(self, response: requests.Response) -> _CachedToken:
        try:
            answer = response.json()
        except ValueError:
            answer = None
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            raise CXoneConfigError(token_missing_message(self._token_url, self._client_id))
        lifetime = self._lifetime(answer.get("expires_in"))
        log.info("Fetched a CXone token for client %s, good for %.0f s", self._client_id, lifetime)
        return _CachedToken(token, lifetime)

    def _lifetime(self, expires_in: object) -> float:
        try:
            seconds = float(expires_in)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            seconds = ASSUMED_EXPIRES_IN
        if seconds > 2 * self._safety_margin:
            return seconds - self._safety_margin
        # too short-lived for the margin: refresh halfway through instead
        return max(seconds, 0.0) / 2

    def _redact(self, text: str | None) -> str | None:
        secret = self._secret.get_secret_value()
        if text and secret:
            return text.replace(secret, "[redacted]")
        return text


def _describe(error: requests.RequestException, timeout: float) -> str:
    if isinstance(error, requests.Timeout):
        return f"no answer within {timeout:g} s"
    if isinstance(error, requests.ConnectionError):
        return "could not connect"
    return type(error).__name__
