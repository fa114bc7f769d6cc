"""The log's format: text (the default) or JSON, one object per line (LOG_FORMAT=json).

A JSON line has `time` (UTC, ISO 8601 with milliseconds), `level`, `logger`, `message`
and, on every line of a dial, `request_id` as a field of its own (the text format's
`[dial <id>]` prefix is then left out of the message); a traceback goes in `exception`.
The messages are the same as in text: what is masked or never logged there is masked
or never logged here.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from datetime import UTC, datetime
from types import TracebackType

from bot.request_log import NO_REQUEST

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# slack_sdk logs request details at DEBUG only; keep third parties quiet anyway.
QUIET_LOGGERS = ("slack_sdk", "slack_bolt", "urllib3", "waitress.queue")


class JsonLogFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        request_id = getattr(record, "request_id", None)
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
        }
        if request_id and request_id != NO_REQUEST:
            entry["message"] = message.removeprefix(f"[dial {request_id}] ")
            entry["request_id"] = request_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(log_format: str = "text", level: int = logging.INFO) -> None:
    """The root logger on stderr, in `log_format` ("text" or "json")."""
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonLogFormatter())
        _log_uncaught_exceptions()
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)  # a library's warning is a log line too, in the same format
    for noisy in QUIET_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _log_uncaught_exceptions() -> None:
    """A crash (of the main thread or any other) as a JSON line, not a bare traceback."""
    log = logging.getLogger("dialbot")

    def main_thread(kind: type[BaseException], error: BaseException, tb: TracebackType | None):
        log.critical("uncaught %s", kind.__name__, exc_info=(kind, error, tb))

    def other_thread(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread else "?"
        info = (args.exc_type, args.exc_value, args.exc_traceback)
        log.critical("uncaught %s in thread %s", args.exc_type.__name__, name, exc_info=info)

    sys.excepthook = main_thread
    threading.excepthook = other_thread
