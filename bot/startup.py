"""What `python app.py` checks before it serves, worded for the admin who set it up.

Settings that cannot work are refused by `bot.config`; this module covers what only
the outside world can say: Slack refusing a token or not answering, the port taken,
CXone's host out of reach. Each failure is a `StartError`: one line that starts with
the variable to change, says what it is for and gives a good example, never a token.
"""

from __future__ import annotations

import errno
import logging
import socket
from urllib.error import URLError
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.config import Settings, example, purpose

log = logging.getLogger("dialbot")

CXONE_PROBE_SECONDS = 3.0
# Bolt warns "As you gave `client` as well, `token` will be unused." whenever
# SLACK_BOT_TOKEN is in the environment: the bot gives its own client on purpose.
BOLT_TOKEN_SKIPPED = "`token` will be unused"


class StartError(Exception):
    """The bot cannot start; the message names the variable to change."""


def refused_line(variable: str, what: str) -> str:
    return f"{variable} {what}: it is {purpose(variable)}.{example(variable)}"


def host_of(url: str) -> str:
    parts = urlsplit(url)
    default = 443 if parts.scheme == "https" else 80
    return f"{parts.hostname}:{parts.port or default}"


def check_bot_token(client: WebClient, settings: Settings) -> None:
    """auth.test with the bot token: refused names SLACK_BOT_TOKEN, unreachable
    names Slack's host and SLACK_API_URL."""
    try:
        client.auth_test()
    except SlackApiError as error:
        answer = error.response.get("error", "an error")
        raise StartError(
            refused_line("SLACK_BOT_TOKEN", f"was refused by Slack (auth.test answered {answer})")
        ) from None
    except (SlackClientError, URLError, OSError) as error:
        raise unreachable_slack(settings, error) from None


def check_app_token_error(error: Exception, settings: Settings) -> StartError:
    """What a failed Socket Mode connect means, as a StartError."""
    if isinstance(error, SlackApiError):
        answer = error.response.get("error", "an error")
        return StartError(
            refused_line(
                "SLACK_APP_TOKEN", f"was refused by Slack (apps.connections.open answered {answer})"
            )
        )
    return unreachable_slack(settings, error)


def unreachable_slack(settings: Settings, error: Exception) -> StartError:
    reason = _reason(error)
    where = host_of(settings.slack_api_url)
    return StartError(
        refused_line("SLACK_API_URL", f"names {where}, which could not be reached ({reason})")
    )


def bind_error(settings: Settings, error: OSError) -> StartError:
    """A listening socket that could not be made: the port taken, or a HOST not ours."""
    where = f"{settings.host}:{settings.port}"
    if error.errno == errno.EADDRINUSE:
        return StartError(
            refused_line("PORT", f"{settings.port} is in use: another process listens on {where}")
        )
    if error.errno == errno.EACCES:
        return StartError(
            refused_line("PORT", f"{settings.port} needs more rights than the bot has ({where})")
        )
    return StartError(
        refused_line("HOST", f"{settings.host} cannot be bound on this machine ({_reason(error)})")
    )


def warn_if_cxone_unreachable(settings: Settings) -> None:
    """A TCP connect to each CXone host: out of reach is a WARNING naming the host and
    the variable, not a refusal; CXone may be back by the first dial (which then says
    so in Slack), and a restart loop would help no one."""
    urls = {"CXONE_BASE_URL": settings.cxone_base_url}
    if settings.cxone_token_url:
        urls["CXONE_TOKEN_URL"] = settings.cxone_token_url
    for variable, url in urls.items():
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            socket.create_connection((parts.hostname, port), timeout=CXONE_PROBE_SECONDS).close()
        except OSError as error:
            log.warning(
                "%s names %s:%s, which could not be reached at start (%s): dials will fail "
                "until it can be. Check %s: it is %s.%s",
                variable,
                parts.hostname,
                port,
                _reason(error),
                variable,
                purpose(variable),
                example(variable),
            )


class DropBoltTokenSkipped(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return BOLT_TOKEN_SKIPPED not in record.getMessage()


def quiet_bolt_token_warning() -> None:
    logging.getLogger("slack_bolt.App").addFilter(DropBoltTokenSkipped())


def _reason(error: BaseException) -> str:
    """A short cause: "connection refused", "name not known", "timed out"."""
    cause: BaseException = error
    if isinstance(error, URLError) and isinstance(error.reason, BaseException):
        cause = error.reason
    if isinstance(cause, socket.gaierror):
        return "the host name could not be resolved"
    if isinstance(cause, ConnectionRefusedError):
        return "connection refused"
    if isinstance(cause, TimeoutError | socket.timeout):
        return "no answer in time"
    if isinstance(cause, OSError) and cause.strerror:
        return cause.strerror.lower()
    return type(cause).__name__
