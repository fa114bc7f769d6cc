"""Run the bot: `python app.py`.

Socket Mode when SLACK_APP_TOKEN is set; otherwise HTTP on $HOST:$PORT (POST
/slack/events) served by waitress. Either way GET /healthz, /readyz and /metrics are
served on $HOST:$PORT. Stops on SIGTERM or Ctrl-C after letting calls in flight
finish, so none is left without an outcome.
"""

from __future__ import annotations

import logging
import signal
import sys

from slack_bolt.error import BoltError
from slack_sdk.errors import SlackClientError

from bot.config import ConfigError, Settings, load_settings
from bot.log_format import configure_logging
from bot.server import HttpServer
from bot.slack.app import build_app, shutdown
from bot.stop_signal import wait_for_signal
from bot.store import StoreError

HTTP_THREADS = 16
log = logging.getLogger("dialbot")


def wait_for_stop_signal() -> None:
    """Until SIGTERM or SIGINT; later ones are ignored so that dials in flight finish."""
    received = wait_for_signal((signal.SIGTERM, signal.SIGINT))
    log.info("received %s; stopping", received.name)


def start_health_server(health: HttpServer, settings: Settings) -> None:
    """In Socket Mode the endpoints are for the operator: a port already taken is a
    warning (the bot still answers Slack), not a reason to stay down."""
    try:
        health.start()
    except OSError as error:
        log.warning(
            "cannot serve GET /healthz, /readyz and /metrics on %s:%d (%s); set HOST and "
            "PORT to a free address",
            settings.host,
            settings.port,
            error.strerror or error,
        )
        return
    log.info("serving GET /healthz, /readyz and /metrics on %s:%d", settings.host, health.port)


def run(settings: Settings) -> int:
    sys.setswitchinterval(0.001)
    app = build_app(settings)
    if settings.slack_app_token is not None:
        from bot.socket_mode import SocketModeHandler

        handler = SocketModeHandler(app, settings.slack_app_token.get_secret_value())
        # The health, readiness and metrics endpoints, on $HOST:$PORT (no Slack endpoint).
        health = HttpServer(
            app, slack_events=False, host=settings.host, port=settings.port, threads=2
        )
        handler.connect()
        log.info("connected to Slack in Socket Mode")
        start_health_server(health, settings)
        try:
            wait_for_stop_signal()
        finally:
            health.stop()
            handler.close()
            shutdown(app)
        return 0
    secret = settings.slack_signing_secret
    server = HttpServer(
        app,
        signing_secret=secret.get_secret_value() if secret else None,
        host=settings.host,
        port=settings.port,
        threads=HTTP_THREADS,
    )
    server.start()
    # "listening on port N" first: bench/replicas.py (and people's scripts) wait for it.
    log.info(
        "listening on port %d of %s (POST /slack/events; GET /healthz, /readyz, /metrics)",
        server.port,
        settings.host,
    )
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
    configure_logging(settings.log_format)
    try:
        return run(settings)
    except (StoreError, BoltError, SlackClientError, OSError) as error:
        # The database, Slack's auth.test or the port: a sentence, not a traceback.
        if settings.log_format == "json":
            log.critical("dialbot cannot start: %s", error)
        else:
            print(f"dialbot cannot start: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
