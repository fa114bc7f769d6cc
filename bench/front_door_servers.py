"""`python bench/front_door_servers.py SERVER [app.py]`: run dialbot's app.py with its
route table served by another front door, for bench/front_door.py to compare:

- `waitress-settings`: waitress tuned by its own settings alone (the same timeouts,
  limits, poll and descriptor limit as bot/server.py), without bot/server.py's
  request deadline, accept loop and room-making at the connection limit;
- `cheroot`: cheroot (CherryPy's pure-Python server, also on Windows and macOS) with
  the same thread count, body and header limits and a 5 s socket timeout.

A benchmark-only shim, not a product option: see bench/RESULTS.md for the figures
that chose bot/server.py's waitress.
"""

from __future__ import annotations

import runpy
import sys
import threading
from pathlib import Path
from typing import Self

REPO = Path(__file__).resolve().parent.parent
SERVERS = ("waitress-settings", "cheroot")


def use_waitress_settings_only() -> None:
    from waitress.server import TcpWSGIServer

    import bot.server

    bot.server.FrontDoorServer = TcpWSGIServer


def use_cheroot() -> None:
    from cheroot import wsgi

    import bot.server

    class CherootHttpServer(bot.server.HttpServer):
        _cheroot: wsgi.Server | None = None

        @property
        def port(self) -> int:
            assert self._cheroot is not None
            return int(self._cheroot.bind_addr[1])

        def start(self) -> Self:
            bot.server.raise_descriptor_limit()
            server = wsgi.Server(
                (self._host, self._port),
                self.wsgi,
                numthreads=self._threads,
                request_queue_size=2048,
                timeout=self._request_timeout,
            )
            server.max_request_body_size = bot.server.MAX_BODY_BYTES
            server.max_request_header_size = bot.server.MAX_HEADER_BYTES
            server.keep_alive_conn_limit = 10_000
            server.prepare()
            self._cheroot = server
            self._thread = threading.Thread(target=server.serve, daemon=True)
            self._thread.start()
            self.ready = True
            return self

        def stop(self) -> None:
            if self._cheroot is not None:
                self.ready = False
                self._cheroot.stop()
                self._cheroot = None

    bot.server.HttpServer = CherootHttpServer


def main() -> None:
    server = sys.argv[1]
    app_path = Path(sys.argv[2]) if len(sys.argv) > 2 else REPO / "app.py"
    sys.path.insert(0, str(app_path.resolve().parent))
    {"waitress-settings": use_waitress_settings_only, "cheroot": use_cheroot}[server]()
    sys.argv = [str(app_path)]
    runpy.run_path(str(app_path), run_name="__main__")


if __name__ == "__main__":
    main()
