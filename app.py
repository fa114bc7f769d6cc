"""Run the bot: `python app.py`.

Socket Mode when SLACK_APP_TOKEN is set; otherwise HTTP on $HOST:$PORT (POST
/slack/events) served by waitress. Either way GET /healthz, /readyz and /metrics are
served on $HOST:$PORT. Stops on SIGTERM or Ctrl-C after letting calls in flight
finish, so none is left without an outcome.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Callable

from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackClientError

from bot.config import ConfigError, Settings, load_settings, near_misses
from bot.log_format import configure_logging
from bot.server import HttpServer
from bot.slack.app import build_app, build_client, build_metrics, shutdown
from bot.startup import (
    StartError,
    bind_error,
    check_app_token_error,
    check_bot_token,
    quiet_bolt_token_warning,
    warn_if_cxone_unreachable,
)
from bot.stop_signal import STOP_SIGNALS, listening_for, wait_for_signal
from bot.store import StoreError

HTTP_THREADS = 16
log = logging.getLogger("dialbot")


def warn_about_near_misses() -> None:
    for sentence in near_misses(os.environ):
        log.warning(sentence)


def wait_for_stop_signal(wait: Callable[[], signal.Signals] | None = None) -> None:
    """Until SIGTERM or SIGINT; later ones are ignored so that dials in flight finish.
    `wait` is listening_for()'s, entered before serving so an early signal is kept."""
    received = wait() if wait is not None else wait_for_signal(STOP_SIGNALS)
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
    metrics = build_metrics(settings)
    client = build_client(settings, metrics)
    check_bot_token(client, settings)
    warn_if_cxone_unreachable(settings)
    app = build_app(settings, client=client, metrics=metrics)
    # The handlers go in before anyone can reach the bot: a SIGTERM right after
    # /healthz first answers is a clean stop, not the default death.
    with listening_for(STOP_SIGNALS) as wait:
        if settings.slack_app_token is not None:
            return serve_socket_mode(app, settings, wait)
        return serve_http(app, settings, wait)


def serve_socket_mode(app: App, settings: Settings, wait: Callable[[], signal.Signals]) -> int:
    from bot.socket_mode import SocketModeHandler

    assert settings.slack_app_token is not None
    handler = SocketModeHandler(app, settings.slack_app_token.get_secret_value())
    # The health, readiness and metrics endpoints, on $HOST:$PORT (no Slack endpoint).
    health = HttpServer(app, slack_events=False, host=settings.host, port=settings.port, threads=2)
    try:
        handler.connect()
    except (SlackClientError, OSError) as error:
        shutdown(app)
        raise check_app_token_error(error, settings) from None
    log.info("connected to Slack in Socket Mode")
    start_health_server(health, settings)
    try:
        wait_for_stop_signal(wait)
    finally:
        health.stop()
        handler.close()
        shutdown(app)
    return 0


def serve_http(app: App, settings: Settings, wait: Callable[[], signal.Signals]) -> int:
    secret = settings.slack_signing_secret
    server = HttpServer(
        app,
        signing_secret=secret.get_secret_value() if secret else None,
        host=settings.host,
        port=settings.port,
        threads=HTTP_THREADS,
    )
    try:
        server.start()
    except OSError as error:
        shutdown(app)
        raise bind_error(settings, error) from None
    # bench/replicas.py (and people's scripts) wait for "listening on HOST:PORT".
    log.info(
        "listening on %s:%d (POST /slack/events; GET /healthz, /readyz, /metrics)",
        settings.host,
        server.port,
    )
    try:
        wait_for_stop_signal(wait)
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
    configure_logging(settings.log_format, getattr(logging, settings.log_level))
    quiet_bolt_token_warning()
    warn_about_near_misses()
    try:
        return run(settings)
    except StartError as error:
        print(f"dialbot cannot start:\n{error}", file=sys.stderr)
        return 2
    except (StoreError, BoltError, SlackClientError, OSError) as error:
        # The database, Slack's auth.test or the port: a sentence, not a traceback.
        if settings.log_format == "json":
            log.critical("dialbot cannot start: %s", error)
        else:
            print(f"dialbot cannot start: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
