"""A WebClient that counts its failed calls in the app's metrics, by method and error."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.metrics import Metrics, NoMetrics


class CountingWebClient(WebClient):
    """slack_sdk's WebClient; every call that raises is counted before it does."""

    def __init__(self, *args: Any, metrics: Metrics | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.metrics = metrics or NoMetrics()

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:  # type: ignore[override]
        try:
            return super().api_call(api_method, **kwargs)
        except SlackApiError as error:
            self.metrics.slack_error(api_method, slack_error_code(error))
            raise
        except Exception as error:  # the connection, a timeout
            self.metrics.slack_error(api_method, type(error).__name__)
            raise


def slack_error_code(error: SlackApiError) -> str:
    """Slack's `error` code (`not_in_channel`), or `http_<status>` when there is none."""
    response = error.response
    data = getattr(response, "data", None)
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return data["error"][:64]
    return f"http_{getattr(response, 'status_code', 'unknown')}"
