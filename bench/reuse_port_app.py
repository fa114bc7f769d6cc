"""`python bench/reuse_port_app.py [app.py]`: run dialbot's app.py with its HTTP port bound
with SO_REUSEPORT, so several of these processes share $PORT and the kernel spreads
new connections across them (bench/replicas.py measures that).

A benchmark-only shim, not a product setting: on this machine two replicas did not
bring the 50-client ack p99 under 100 ms (see bench/RESULTS.md), so app.py has no
such option.
"""

from __future__ import annotations

import runpy
import socket
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def reuse_port_listener(host: str, port: int, backlog: int) -> socket.socket:
    return socket.create_server((host, port), backlog=backlog, reuse_port=True)


def main() -> None:
    app_path = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "app.py"
    sys.path.insert(0, str(app_path.resolve().parent))
    import bot.server

    bot.server.listening_socket = reuse_port_listener
    sys.argv = [str(app_path)]
    runpy.run_path(str(app_path), run_name="__main__")


if __name__ == "__main__":
    main()
