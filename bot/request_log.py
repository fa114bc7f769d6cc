"""Log lines that carry a dial's request id, so one dial can be followed end to end."""

from __future__ import annotations

import logging
from typing import Any

NO_REQUEST = "-"  # record.request_id of a line that belongs to no dial


class DialRequestLog(logging.LoggerAdapter):
    """Prefixes every line with `[dial <id>]` and sets `record.request_id`; a line that
    belongs to no dial yet (an agent's state read for a card) gets no prefix."""

    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        request_id = self.extra["request_id"] if self.extra else NO_REQUEST
        kwargs.setdefault("extra", {})["request_id"] = request_id
        if request_id == NO_REQUEST:
            return msg, kwargs
        return f"[dial {request_id}] {msg}", kwargs


def request_log(request_id: str | None, logger: logging.Logger) -> DialRequestLog:
    return DialRequestLog(logger, {"request_id": request_id or NO_REQUEST})
