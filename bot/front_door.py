"""The front door's route table: only the documented endpoints reach any work.

`Routes` is a WSGI application that looks a request up by its path and method and
hands it to that endpoint; anything else is answered at once, 404 for an unknown
path and 405 (with `Allow`) for a known path asked the wrong way, without reading
the body or touching Bolt. Endpoints join with `add()`: `POST /slack/events` and
`GET /healthz`, `GET /readyz` and `GET /metrics` (bot/server.py, bot/health.py).

`SignedOnly` wraps the Slack endpoint: a request whose Slack signature does not
verify is answered 401 from its raw bytes, before Bolt decodes, parses or logs it.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

TEXT = ("Content-Type", "text/plain; charset=utf-8")


def plain(start_response: StartResponse, status: str, body: bytes, *headers: tuple[str, str]):
    """A short text answer with its length, so a kept-alive connection stays usable."""
    start_response(status, [TEXT, ("Content-Length", str(len(body))), *headers])
    return [body]


class Routes:
    def __init__(self) -> None:
        self._routes: dict[str, dict[str, WsgiApp]] = {}

    def add(self, method: str, path: str, endpoint: WsgiApp) -> None:
        methods = self._routes.setdefault(path, {})
        if method in methods:
            raise ValueError(f"{method} {path} already has an endpoint")
        methods[method] = endpoint

    def endpoints(self) -> list[tuple[str, str]]:
        """(method, path) of every endpoint, in the order they were added."""
        return [(method, path) for path, methods in self._routes.items() for method in methods]

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        methods = self._routes.get(environ.get("PATH_INFO", ""))
        if methods is None:
            return plain(start_response, "404 Not Found", b"not found")
        endpoint = methods.get(environ.get("REQUEST_METHOD", ""))
        if endpoint is None:
            allow = ("Allow", ", ".join(sorted(methods)))
            return plain(start_response, "405 Method Not Allowed", b"method not allowed", allow)
        return endpoint(environ, start_response)


class SignedOnly:
    """Slack's signature checked on the raw body, then the request handed on.

    Bolt checks it too, but only after decoding the body as UTF-8 and parsing it
    (a forged body that is not UTF-8 made it answer 500 and log a traceback), so a
    flood of forgeries cost a parse each. Here one costs a read and an HMAC. Slack's
    unsigned `ssl_check` pings go on to Bolt, which answers them.
    """

    def __init__(self, endpoint: WsgiApp, signing_secret: str) -> None:
        self._endpoint = endpoint
        self._verifier = SignatureVerifier(signing_secret)
        self.refused = 0

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        if not (self._signed(body, environ) or _is_ssl_check(body)):
            self.refused += 1
            return plain(start_response, "401 Unauthorized", b"invalid request")
        environ["wsgi.input"] = io.BytesIO(body)
        return self._endpoint(environ, start_response)

    def _signed(self, body: bytes, environ: dict[str, Any]) -> bool:
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
        signature = environ.get("HTTP_X_SLACK_SIGNATURE")
        try:
            return self._verifier.is_valid(body, timestamp, signature)
        except ValueError:  # a timestamp that is not a number, a body that is not UTF-8
            return False


def _is_ssl_check(body: bytes) -> bool:
    return len(body) < 1024 and parse_qs(body.decode("latin-1")).get("ssl_check") == ["1"]
