"""Log lines that carry a dial's request id, so one dial can be followed end to end."""

from __future__ import annotations

import logging
from typing import Any


class DialRequestLog(logging.LoggerAdapter):
    """Prefixes every line with `[dial <id>]` and sets `record.request_id`."""

    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        request_id = self.extra["request_id"] if self.extra else "-"
        kwargs.setdefault("extra", {})["request_id"] = request_id
        return f"[dial {request_id}] {msg}", kwargs


def request_log(request_id: str | None, logger: logging.Logger) -> DialRequestLog:
    return DialRequestLog(logger, {"request_id": request_id or "-"})
