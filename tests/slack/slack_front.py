"""What the Slack front-end tests share: the people, a fake `ack`, an inline dial pool,
and payloads shaped as Bolt hands them to a listener."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

ALICE, BOB, SAM, ADMIN = "U0ALICE", "U0BOB", "U0SUPER", "U0ADMIN"
CHANNEL, NOTIFY = "C0DEMO", "C0NOTIFY"
AGENTS = {ALICE: "agent-1001", BOB: "agent-2002"}


class FakeAck:
    """Records what a listener acked with."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)

    @property
    def answer(self) -> dict[str, Any]:
        (only,) = self.calls
        return only


class InlineExecutor(Executor):
    """Runs the dial at once, so a test sees its outcome when the press returns."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def command(user_id: str, text: str, response_url: str, **fields: Any) -> dict[str, Any]:
    """A /dial payload as Bolt hands it to the listener."""
    return {
        "command": "/dial",
        "text": text,
        "user_id": user_id,
        "user_name": fields.pop("user_name", "someone"),
        "channel_id": fields.pop("channel_id", CHANNEL),
        "response_url": response_url,
        **fields,
    }


def press(user_id: str, action_id: str, request_id: str, response_url: str) -> dict[str, Any]:
    """A block_actions body as Bolt hands it to the listener."""
    return {
        "type": "block_actions",
        "user": {"id": user_id},
        "channel": {"id": CHANNEL},
        "response_url": response_url,
        "actions": [{"action_id": action_id, "value": request_id, "block_id": "dial_actions"}],
    }


def button_value(answer: dict[str, Any]) -> str:
    (value,) = {
        element["value"]
        for block in answer["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    }
    return value
