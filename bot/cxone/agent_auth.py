"""Agent-mode sign-in: CXone's access-key password grant, and where the tenant's API is.

`AgentSignIn` is a token source CXoneHttp can use like TokenClient (`get_token`,
`invalidate`, `max_fetch_seconds`):
- the token endpoint comes from `{CXONE_AUTH_URL}/.well-known/openid-configuration`
  unless CXONE_TOKEN_URL names it;
- tokens come from the password grant (access key id and secret as username and
  password) with the application's id and secret as HTTP Basic auth;
- before `expires_in` runs out the `refresh_token` is used, and when CXone refuses it a
  new password grant follows;
- the tenant id comes from the `id_token`'s `tenantId` claim unless CXONE_TENANT_ID is
  set, and the API host from `/.well-known/cxone-configuration?tenantId=…` unless
  CXONE_BASE_URL is set.
Everything is cached and fetched single-flight (one lock per thing fetched). Failures
are CXoneConfigError (a setting is wrong) or CXoneUnavailableError (try later), each one
sentence naming the setting, never a secret.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
from pydantic import SecretStr

from bot import messages
from bot.cxone.errors import (
    CXoneConfigError,
    CXoneUnavailableError,
    clean_message,
    cxone_message,
)

log = logging.getLogger("bot.cxone")

OPENID_PATH = "/.well-known/openid-configuration"
TENANT_PATH = "/.well-known/cxone-configuration"
FETCH_BACKOFF = (0.5, 1.0)
FETCH_ATTEMPTS = len(FETCH_BACKOFF) + 1
ASSUMED_EXPIRES_IN = 3600.0


@dataclass
class _Tokens:
    access: str = field(repr=False)
    good_until: float
    refresh: str | None = field(default=None, repr=False)


class AgentSignIn:
    """Thread-safe; one per access key, shared by every agent-mode request."""

    def __init__(
        self,
        *,
        auth_url: str,
        client_id: str,
        client_secret: SecretStr | str,
        access_key_id: str,
        access_key_secret: SecretStr | str,
        token_url: str | None = None,
        tenant_id: str | None = None,
        base_url: str | None = None,
        timeout: float = 10.0,
        session: requests.Session | None = None,
        safety_margin: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._auth_url = auth_url.rstrip("/")
        self._client_id = client_id
        self._client_secret = _secret(client_secret)
        self._key_id = access_key_id
        self._key_secret = _secret(access_key_secret)
        self._token_url = token_url
        self._tenant_id = tenant_id
        self._api_endpoint = base_url.rstrip("/") if base_url else None
        self._timeout = timeout
        self._session = session or requests.Session()
        self._safety_margin = safety_margin
        self._sleep = sleep
        self._clock = clock
        self._tokens: _Tokens | None = None
        self._token_lock = threading.Lock()
        self._host_lock = threading.Lock()
        self.token_requests = 0
        self.discovery_requests = 0

    def __repr__(self) -> str:
        return f"AgentSignIn(auth_url={self._auth_url!r}, access_key_id={self._key_id!r})"

    @property
    def token_url(self) -> str | None:
        """The token endpoint: CXONE_TOKEN_URL, or the discovered one once known."""
        return self._token_url

    @property
    def tenant_id(self) -> str | None:
        """CXONE_TENANT_ID, or the id_token's tenantId once a token was fetched."""
        return self._tenant_id

    @property
    def max_fetch_seconds(self) -> float:
        """The longest get_token() can take: discovery, a refused refresh, a password grant."""
        one_round = FETCH_ATTEMPTS * 2 * self._timeout + sum(FETCH_BACKOFF)
        return 3 * one_round

    # --- tokens ------------------------------------------------------------------------

    def get_token(self) -> str:
        """A valid access token; raises CXoneConfigError or CXoneUnavailableError."""
        with self._token_lock:
            tokens = self._tokens
            if tokens is not None and self._clock() < tokens.good_until:
                return tokens.access
            self._tokens = self._renew(tokens.refresh if tokens else None)
            return self._tokens.access

    def invalidate(self, token: str) -> None:
        """Forget `token` after CXone refused it (its refresh token stays for the next one)."""
        with self._token_lock:
            if self._tokens is not None and self._tokens.access == token:
                self._tokens.good_until = float("-inf")
                log.info("Dropped the cached CXone token of access key %s", self._key_id)

    def _renew(self, refresh: str | None) -> _Tokens:
        token_url = self._token_endpoint()
        if refresh:
            try:
                return self._grant(
                    token_url, {"grant_type": "refresh_token", "refresh_token": refresh}
                )
            except CXoneConfigError as error:
                log.info("CXone refused the refresh token (%s); signing in again", error)
        form = {
            "grant_type": "password",
            "username": self._key_id,
            "password": self._key_secret.get_secret_value(),
        }
        return self._grant(token_url, form)

    def _grant(self, token_url: str, form: dict[str, str]) -> _Tokens:
        grant = form["grant_type"]
        response = self._send(
            "POST",
            token_url,
            what=f"token request ({grant} grant)",
            data=form,
            auth=(self._client_id, self._client_secret.get_secret_value()),
            headers={"Accept": "application/json"},
            unavailable=messages.agent_token_unavailable,
        )
        if not response.ok:
            raise CXoneConfigError(self._refusal(token_url, response))
        answer = _json(response)
        access = answer.get("access_token")
        if not isinstance(access, str) or not access:
            raise CXoneConfigError(messages.agent_token_missing(token_url))
        self._note_tenant(answer.get("id_token"))
        lifetime = self._lifetime(answer.get("expires_in"))
        refresh = answer.get("refresh_token")
        log.info(
            "Fetched a CXone token for access key %s (%s grant), good for %.0f s",
            self._key_id,
            grant,
            lifetime,
        )
        return _Tokens(
            access, self._clock() + lifetime, refresh if isinstance(refresh, str) else None
        )

    def _refusal(self, token_url: str, response: requests.Response) -> str:
        answer = _json(response)
        error = str(answer.get("error") or "").lower()
        quoted = self._redact(cxone_message(response.text))
        detail = f' (HTTP {response.status_code}: "{quoted}")' if quoted else ""
        detail = detail or f" (HTTP {response.status_code})"
        if error == "invalid_client" or response.status_code == 401:
            return messages.agent_client_refused(token_url, self._client_id, detail)
        if error in ("unsupported_grant_type", "unauthorized_client"):
            return messages.agent_grant_refused(token_url, self._client_id, detail)
        if error == "invalid_grant" or response.status_code == 400:
            return messages.agent_key_refused(token_url, self._key_id, detail)
        return messages.agent_token_failed(token_url, response.status_code, detail)

    def _lifetime(self, expires_in: object) -> float:
        try:
            seconds = float(expires_in)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            seconds = ASSUMED_EXPIRES_IN
        if seconds > 2 * self._safety_margin:
            return seconds - self._safety_margin
        return max(seconds, 0.0) / 2

    def _note_tenant(self, id_token: object) -> None:
        if self._tenant_id is None and isinstance(id_token, str):
            tenant = _claims(id_token).get("tenantId")
            if isinstance(tenant, str) and tenant:
                self._tenant_id = tenant

    # --- discovery ---------------------------------------------------------------------

    def _token_endpoint(self) -> str:
        if self._token_url:
            return self._token_url
        url = self._auth_url + OPENID_PATH
        response = self._send(
            "GET",
            url,
            what="discovery",
            unavailable=_discovery_unavailable,
            headers={"Accept": "application/json"},
        )
        endpoint = _json(response).get("token_endpoint") if response.ok else None
        if not isinstance(endpoint, str) or not endpoint.startswith(("http://", "https://")):
            what = f"HTTP {response.status_code}" if not response.ok else "no token_endpoint"
            raise CXoneConfigError(messages.agent_discovery_failed(url, what))
        self._token_url = endpoint
        return endpoint

    def api_endpoint(self) -> str:
        """The tenant's API host (CXONE_BASE_URL, else discovered once for the tenant)."""
        with self._host_lock:
            if self._api_endpoint:
                return self._api_endpoint
            self.get_token()  # the id_token names the tenant
            tenant = self._tenant_id
            if not tenant:
                raise CXoneConfigError(messages.AGENT_NO_TENANT)
            url = self._auth_url + TENANT_PATH
            response = self._send(
                "GET",
                url,
                what="tenant discovery",
                params={"tenantId": tenant},
                headers={"Accept": "application/json"},
                unavailable=_discovery_unavailable,
            )
            endpoint = _json(response).get("api_endpoint") if response.ok else None
            if not isinstance(endpoint, str) or not endpoint.startswith(("http://", "https://")):
                quoted = clean_message(cxone_message(response.text))
                detail = f' (HTTP {response.status_code}: "{quoted}")' if quoted else ""
                raise CXoneConfigError(messages.agent_tenant_unknown(url, tenant, detail))
            self._api_endpoint = endpoint.rstrip("/")
            log.info("CXone tenant %s is served at %s", tenant, self._api_endpoint)
            return self._api_endpoint

    # --- one request, retried while nothing can have changed ---------------------------

    def _send(
        self,
        method: str,
        url: str,
        *,
        what: str,
        unavailable: Callable[[str, int, str], str],
        **kwargs: Any,
    ) -> requests.Response:
        """Token requests and discovery change nothing at CXone: connection errors, 429
        and 5xx are tried again a few times, then CXoneUnavailableError."""
        failure = ""
        last_error: requests.RequestException | None = None
        for attempt in range(1, FETCH_ATTEMPTS + 1):
            if attempt > 1:
                self._sleep(FETCH_BACKOFF[attempt - 2])
            if "token" in what:
                self.token_requests += 1
            else:
                self.discovery_requests += 1
            try:
                response = self._session.request(
                    method, url, timeout=self._timeout, allow_redirects=False, **kwargs
                )
            except requests.RequestException as error:
                last_error = error
                failure = _describe(error, self._timeout)
                log.warning(
                    "CXone %s %d/%d to %s failed: %s", what, attempt, FETCH_ATTEMPTS, url, failure
                )
                continue
            log.info(
                "CXone %s %d/%d to %s: HTTP %d",
                what,
                attempt,
                FETCH_ATTEMPTS,
                url,
                response.status_code,
            )
            if response.status_code == 429 or response.status_code >= 500:
                failure = f"HTTP {response.status_code}"
                continue
            return response
        raise CXoneUnavailableError(unavailable(url, FETCH_ATTEMPTS, failure)) from last_error

    def _redact(self, text: str | None) -> str | None:
        for secret in (self._client_secret, self._key_secret):
            value = secret.get_secret_value()
            if text and value:
                text = text.replace(value, "[redacted]")
        return text


def _discovery_unavailable(url: str, attempts: int, what_happened: str) -> str:
    return messages.agent_discovery_failed(url, f"{what_happened} after {attempts} attempts")


def _secret(value: SecretStr | str) -> SecretStr:
    return value if isinstance(value, SecretStr) else SecretStr(value)


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _claims(jwt: str) -> dict[str, Any]:
    """The payload of a JWT, unverified: it came straight from the token endpoint over TLS."""
    parts = jwt.split(".")
    if len(parts) < 2:
        return {}
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


def _describe(error: requests.RequestException, timeout: float) -> str:
    if isinstance(error, requests.Timeout):
        return f"no answer within {timeout:g} s"
    if isinstance(error, requests.ConnectionError):
        return "could not connect"
    return type(error).__name__
