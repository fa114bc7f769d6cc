"""Run the bot: `python app.py`.

Socket Mode when SLACK_APP_TOKEN is set; otherwise HTTP on $PORT (POST /slack/events,
GET /healthz) served by waitress. Stops on SIGTERM or Ctrl-C after letting calls in
flight finish, so none is left without an outcome.
"""

from __future__ import annotations

import logging
import signal
import sys

from slack_bolt.error import BoltError
from slack_sdk.errors import SlackClientError

from bot.config import ConfigError, Settings, load_settings
from bot.server import HttpServer
from bot.slack.app import build_app, shutdown
from bot.stop_signal import wait_for_signal
from bot.store import StoreError

HTTP_THREADS = 16
log = logging.getLogger("dialbot")


def configure_logging() -> None:
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # slack_sdk logs request details at DEBUG only; keep third parties quiet anyway.
    for noisy in ("slack_sdk", "slack_bolt", "urllib3", "waitress.queue"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def wait_for_stop_signal() -> None:
    """Until SIGTERM or SIGINT; later ones are ignored so that dials in flight finish."""
    received = wait_for_signal((signal.SIGTERM, signal.SIGINT))
    log.info("received %s; stopping", received.name)


def run(settings: Settings) -> int:
    sys.setswitchinterval(0.001)
    app = build_app(settings)
    if settings.slack_app_token is not None:
        from bot.socket_mode import SocketModeHandler

        handler = SocketModeHandler(app, settings.slack_app_token.get_secret_value())
        handler.connect()
        log.info("connected to Slack in Socket Mode")
        try:
            wait_for_stop_signal()
        finally:
            handler.close()
            shutdown(app)
        return 0
    secret = settings.slack_signing_secret
    server = HttpServer(
        app,
        signing_secret=secret.get_secret_value() if secret else None,
        host="0.0.0.0",
        port=settings.port,
        threads=HTTP_THREADS,
    )
    server.start()
    log.info("listening on port %d (POST /slack/events, GET /healthz)", server.port)
    try:
        wait_for_stop_signal()
    finally:
        server.stop()
        shutdown(app)
    return 0


def main() -> int:
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"dialbot cannot start:\n{error}", file=sys.stderr)
        return 2
    configure_logging()
    try:
        return run(settings)
    except (StoreError, BoltError, SlackClientError, OSError) as error:
        # The database, Slack's auth.test or the port: a sentence, not a traceback.
        print(f"dialbot cannot start: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
