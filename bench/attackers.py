"""What a stranger on the internet can do to the HTTP front door, over real sockets.

- `HeldConnections`: N connections held open, idle (no bytes) or dripping a request
  header a byte at a time; every one the server drops is opened again, so the load
  stays N for as long as it runs (the attacker the issue describes). One thread,
  one selector.
- `send_big_body()`: an unsigned POST with a huge body, by Content-Length or chunked,
  sent until the server answers or closes.
- `forged_bodies()`: requests Bolt must refuse: bad signatures, stale timestamps,
  no signature and garbage bodies.

Used by `python -m bench.front_door` and by tests/hardening/test_front_door.py.
"""

from __future__ import annotations

import contextlib
import errno
import resource
import secrets
import selectors
import socket
import threading
import time
from dataclasses import dataclass, field

from bot.sandbox.slack_requests import signed_headers, slash_command_body

SLOW_REQUEST_HEAD = b"POST /slack/events HTTP/1.1\r\nHost: dialbot\r\nX-Slow: "


def raise_descriptor_limit(wanted: int) -> int:
    """Raise this process's soft RLIMIT_NOFILE towards `wanted` (at most the hard
    limit); returns the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


@dataclass
class HoldStats:
    opened: int = 0  # connections made, reconnections included
    dropped: int = 0  # closed by the server while held
    failed: int = 0  # connects refused or timed out
    lifetimes: list[float] = field(default_factory=list)  # seconds each dropped one lived

    def as_dict(self) -> dict[str, float | int]:
        lives = sorted(self.lifetimes)
        return {
            "opened": self.opened,
            "dropped": self.dropped,
            "failed": self.failed,
            "median_life_s": round(lives[len(lives) // 2], 2) if lives else None,
            "max_life_s": round(lives[-1], 2) if lives else None,
        }


class HeldConnections:
    """`idle` connections that send nothing and `slow` ones that send a request head
    a byte every `drip` seconds and never finish it; reopened whenever dropped."""

    def __init__(
        self, host: str, port: int, *, idle: int = 0, slow: int = 0, drip: float = 1.0
    ) -> None:
        self._address = (host, port)
        self._wanted = {"idle": idle, "slow": slow}
        self._drip = drip
        self._selector = selectors.DefaultSelector()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="held-connections", daemon=True)
        self.stats = HoldStats()
        self._held: dict[socket.socket, dict] = {}

    def __enter__(self) -> HeldConnections:
        raise_descriptor_limit(sum(self._wanted.values()) + 1024)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def held(self, kind: str | None = None) -> int:
        return sum(1 for s in list(self._held.values()) if kind in (None, s["kind"]))

    def wait_until_held(self, timeout: float = 30.0) -> None:
        """Until every wanted connection is open at least once."""
        deadline = time.monotonic() + timeout
        while self.stats.opened < sum(self._wanted.values()):
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {self.stats.opened} connections opened: {self.stats}")
            time.sleep(0.05)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        for sock in list(self._held):
            with contextlib.suppress(OSError):
                sock.close()
        self._held.clear()
        self._selector.close()

    def _open(self, kind: str) -> None:
        sock = socket.socket()
        sock.setblocking(False)
        err = sock.connect_ex(self._address)
        if err not in (0, errno.EINPROGRESS, errno.EWOULDBLOCK):
            sock.close()
            self.stats.failed += 1
            return
        self._held[sock] = {"kind": kind, "since": time.monotonic(), "sent": 0}
        self._selector.register(sock, selectors.EVENT_READ)
        self.stats.opened += 1

    def _drop(self, sock: socket.socket, *, by_server: bool) -> None:
        state = self._held.pop(sock)
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(sock)
        sock.close()
        if by_server:
            self.stats.dropped += 1
            self.stats.lifetimes.append(time.monotonic() - state["since"])

    def _top_up(self) -> None:
        # At most a few hundred connects a turn, so drips and drops stay on time.
        budget = 400
        for kind, wanted in self._wanted.items():
            missing = wanted - self.held(kind)
            for _ in range(min(missing, budget)):
                self._open(kind)
                budget -= 1

    def _drip_slow_ones(self) -> None:
        for sock, state in list(self._held.items()):
            if state["kind"] != "slow":
                continue
            byte = SLOW_REQUEST_HEAD[state["sent"] : state["sent"] + 1] or b"a"
            try:
                sock.send(byte)
                state["sent"] += 1
            except BlockingIOError:
                pass
            except OSError:
                self._drop(sock, by_server=True)

    def _run(self) -> None:
        next_drip = time.monotonic()
        while not self._stop.is_set():
            self._top_up()
            for key, _ in self._selector.select(timeout=0.05):
                sock = key.fileobj
                try:
                    data = sock.recv(4096)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if not data:  # the server closed it (or refused it)
                    self._drop(sock, by_server=True)
            if time.monotonic() >= next_drip:
                next_drip += self._drip
                self._drip_slow_ones()


@dataclass(frozen=True)
class BigBodyResult:
    status: int | None  # the HTTP status the server answered, None if it only closed
    sent_bytes: int  # body bytes the server took before answering or closing
    seconds: float


def send_big_body(
    host: str, port: int, size: int, *, chunked: bool = False, timeout: float = 60.0
) -> BigBodyResult:
    """POST `size` bytes of junk to /slack/events, unsigned; stop at the server's answer."""
    head = [b"POST /slack/events HTTP/1.1", b"Host: dialbot"]
    head.append(b"Content-Type: application/x-www-form-urlencoded")
    head.append(b"Transfer-Encoding: chunked" if chunked else b"Content-Length: %d" % size)
    block = b"a" * (1 << 20)
    start = time.perf_counter()
    sent = 0
    with socket.create_connection((host, port), timeout=timeout) as sock:
        try:
            sock.sendall(b"\r\n".join(head) + b"\r\n\r\n")
            selector = selectors.DefaultSelector()
            selector.register(sock, selectors.EVENT_READ)
            while sent < size:
                if selector.select(timeout=0):
                    break  # the server has answered (or closed): stop sending
                piece = block[: size - sent]
                framed = b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece
                sock.sendall(framed)
                sent += len(piece)
            if chunked and sent >= size:
                sock.sendall(b"0\r\n\r\n")
            selector.close()
            status = _read_status(sock)
        except OSError:
            status = _read_status(sock)
    return BigBodyResult(status, sent, time.perf_counter() - start)


def _read_status(sock: socket.socket) -> int | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        answer = sock.recv(256)
        if answer.startswith(b"HTTP/1."):
            return int(answer.split(b" ", 2)[1])
    return None


FORGED_KINDS = ("bad-signature", "stale-timestamp", "unsigned", "garbage")


def forged_request(kind: str, signing_secret: str) -> tuple[bytes, dict[str, str]]:
    """A body and headers for `kind`: each must be refused with 401 before any work."""
    body = slash_command_body(user_id="U0EVIL", text="+1 415 555 0123", response_url="http://x/")
    if kind == "bad-signature":
        return body.encode(), signed_headers("not-" + signing_secret, body)
    if kind == "stale-timestamp":
        return body.encode(), signed_headers(signing_secret, body, timestamp=time.time() - 600)
    if kind == "unsigned":
        return body.encode(), {"Content-Type": "application/x-www-form-urlencoded"}
    garbage = secrets.token_bytes(512)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    headers["X-Slack-Request-Timestamp"] = str(int(time.time()))
    headers["X-Slack-Signature"] = "v0=" + secrets.token_hex(32)
    return garbage, headers


class ForgedFlood:
    """An open-loop flood: forged requests sent at `rate` per second whatever the server
    answers, each on a free kept-alive connection, opening more (up to `max_connections`)
    when all are waiting. One thread, one selector; counts what the server answered."""

    def __init__(
        self, host: str, port: int, rate: float, signing_secret: str, *, max_connections=2000
    ) -> None:
        self._address = (host, port)
        self._interval = 1.0 / rate
        self._requests = [self._encode(*forged_request(k, signing_secret)) for k in FORGED_KINDS]
        self._max = max_connections
        self._selector = selectors.DefaultSelector()
        self._free: list[socket.socket] = []
        self._pending: dict[socket.socket, bytearray] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="forged-flood", daemon=True)
        self.sent = 0
        self.backlogged = 0  # sends dropped: every connection busy and the cap reached
        self.answers: dict[int, int] = {}
        self.started = self.stopped = 0.0

    @staticmethod
    def _encode(body: bytes, headers: dict[str, str]) -> bytes:
        head = [b"POST /slack/events HTTP/1.1", b"Host: dialbot"]
        head += [f"{name}: {value}".encode() for name, value in headers.items()]
        head.append(b"Content-Length: %d" % len(body))
        return b"\r\n".join(head) + b"\r\n\r\n" + body

    def __enter__(self) -> ForgedFlood:
        raise_descriptor_limit(self._max + 1024)
        self.started = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.stopped = time.perf_counter()
        for sock in [*self._free, *self._pending]:
            sock.close()
        self._selector.close()

    @property
    def answered(self) -> int:
        return sum(self.answers.values())

    def answered_rate(self) -> float:
        return self.answered / max(1e-9, (self.stopped or time.perf_counter()) - self.started)

    def _connection(self) -> socket.socket | None:
        if self._free:
            return self._free.pop()
        if len(self._pending) >= self._max:
            return None
        sock = socket.create_connection(self._address, timeout=5)
        sock.setblocking(False)
        self._selector.register(sock, selectors.EVENT_READ)
        return sock

    def _send_one(self, n: int) -> None:
        sock = self._connection()
        if sock is None:
            self.backlogged += 1
            return
        try:
            sock.sendall(self._requests[n % len(self._requests)])
        except OSError:
            self._forget(sock)
            return
        self._pending[sock] = bytearray()
        self.sent += 1

    def _forget(self, sock: socket.socket) -> None:
        self._pending.pop(sock, None)
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(sock)
        sock.close()

    def _read(self, sock: socket.socket) -> None:
        try:
            data = sock.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data or sock not in self._pending:
            self._forget(sock)
            return
        buffer = self._pending[sock]
        buffer += data
        head, sep, body = bytes(buffer).partition(b"\r\n\r\n")
        if not sep:
            return
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if len(body) < length:
            return
        status = int(head.split(b" ", 2)[1])
        self.answers[status] = self.answers.get(status, 0) + 1
        del self._pending[sock]
        self._free.append(sock)

    def _run(self) -> None:
        start = time.perf_counter()
        n = 0
        while not self._stop.is_set():
            due = int((time.perf_counter() - start) / self._interval) + 1
            while n < due:  # a send that finds the cap reached is dropped, not delayed
                self._send_one(n)
                n += 1
            wait = max(0.0, start + n * self._interval - time.perf_counter())
            for key, _ in self._selector.select(timeout=min(wait, 0.01)):
                self._read(key.fileobj)
