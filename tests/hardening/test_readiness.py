"""GET /readyz follows the database: 503 with the reason while it is gone, 200 when back."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import requests
from sqlalchemy.engine import make_url

from bot.sandbox import wait_for

BUDGET = 1.0  # bot.health.READY_BUDGET_SECONDS


class SwitchableRelay:
    """Forwards 127.0.0.1:<port> to a server. cut(): the server is gone (open connections
    are cut, new ones refused); restore(): it is back, on the same port. freeze(): the
    network stops carrying anything, connections stay open (a hung host); thaw(): it
    carries again."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self._flowing = threading.Event()
        self._flowing.set()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._serve(self._listener)

    def _serve(self, listener: socket.socket) -> None:
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
                server = socket.create_connection(self.target)
            except OSError:
                return
            with self._lock:
                self._sockets += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def freeze(self) -> None:
        self._flowing.clear()

    def thaw(self) -> None:
        self._flowing.set()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                self._flowing.wait()  # frozen: held, as a black-holed link holds it
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._sockets.clear()

    def restore(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._serve(self._listener)


@pytest.fixture
def relayed_postgres(tmp_path) -> Iterator[tuple[str, SwitchableRelay]]:
    from store_databases import new_database, server_address  # tests/store's helpers

    with new_database("postgresql", tmp_path) as url:
        relay = SwitchableRelay(server_address())
        moved = make_url(url).set(host="127.0.0.1", port=relay.port)
        try:
            yield moved.render_as_string(hide_password=False), relay
        finally:
            relay.cut()


def readyz(bot) -> tuple[int, str, float]:
    started = time.monotonic()
    answer = requests.get(bot.server.url + "/readyz", timeout=10)
    return answer.status_code, answer.text, time.monotonic() - started


def test_readyz_flips_to_503_when_the_database_goes_away_and_back_when_it_returns(
    start_bot, relayed_postgres
):
    url, relay = relayed_postgres
    bot = start_bot(database_url=url)
    assert readyz(bot)[:2] == (200, "ready")

    relay.cut()
    status, text, seconds = readyz(bot)
    assert status == 503
    assert text.startswith("not ready: database: Can't reach the database")
    # A pooled connection the relay cut (no pre-ping since issue 16), or a new one refused:
    assert "server closed the connection" in text or "connection refused" in text
    assert seconds < BUDGET + 2  # the budget, and room for a busy machine
    healthz = requests.get(bot.server.url + "/healthz", timeout=5)
    assert healthz.status_code == 200  # liveness: the process still serves

    metrics = requests.get(bot.server.url + "/metrics", timeout=10).text
    assert "dialbot_ready 0.0" in metrics  # what an alert rule watches

    relay.restore()
    wait_for(lambda: readyz(bot)[0] == 200, timeout=10)
    assert readyz(bot)[:2] == (200, "ready")
    assert "dialbot_ready 1.0" in requests.get(bot.server.url + "/metrics", timeout=10).text


def test_readyz_answers_503_within_its_budget_while_the_database_hangs(start_bot, relayed_postgres):
    url, relay = relayed_postgres
    bot = start_bot(database_url=url)
    assert readyz(bot)[0] == 200

    relay.freeze()
    try:
        for _ in range(3):  # each answer within the budget; the hung probe is not repeated
            status, text, seconds = readyz(bot)
            assert (status, text) == (503, "not ready: the database did not answer within 1 s")
            assert seconds < BUDGET + 2  # the budget, and room for a busy machine
        assert requests.get(bot.server.url + "/healthz", timeout=5).status_code == 200
    finally:
        relay.thaw()
    wait_for(lambda: readyz(bot)[0] == 200, timeout=10)
