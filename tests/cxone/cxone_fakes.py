"""Names and fakes shared by the CXone tests."""

from __future__ import annotations

import socket

from bot.cxone.auth import TokenClient

BASE_URL = "https://api-test.cxone.example"
TOKEN_URL = f"{BASE_URL}/oauth/token"
OUTBOUND_URL = f"{BASE_URL}/api/journey/v1/outbound"
CLIENT_ID = "dialbot-client-7"
SECRET = "s3cret-Do-Not-Log-9f27c1"
TOKENS = [f"tok-{n}-eyJhbGciOiJSUzI1NiJ9.never-log-me" for n in range(1, 6)]
FORBIDDEN = [SECRET, *TOKENS]


class FakeSleep:
    """Records how long the code under test asked to wait, without waiting."""

    def __init__(self, clock: FakeClock | None = None) -> None:
        self.waits: list[float] = []
        self._clock = clock

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self._clock is not None:
            self._clock.now += seconds


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def token_answer(token: str = TOKENS[0], expires_in: int | None = 3600) -> dict:
    answer = {"access_token": token, "token_type": "bearer"}
    if expires_in is not None:
        answer["expires_in"] = expires_in
    return answer


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on, so connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_tokens(token_url: str = TOKEN_URL, **options) -> TokenClient:
    options.setdefault("sleep", FakeSleep())
    return TokenClient(token_url, CLIENT_ID, SECRET, **options)
