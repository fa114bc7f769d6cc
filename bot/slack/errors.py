"""How a failed Slack call is named in the logs: Slack's error code, never the request."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError


def describe_slack_error(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or "error")
    return type(error).__name__
