"""What the agent-mode end-to-end tests share: settings for CXONE_API=agent against
the Agent API sandbox, and waiting for a followed call's thread reply to say something."""

from __future__ import annotations

from typing import Any

from dialbot_e2e import CHANNEL, NOTIFY_CHANNEL, DialBot

from bot.sandbox import wait_for
from bot.sandbox.cxone_agent import AgentApiSandbox


def agent_overrides(cxone: AgentApiSandbox, **more: Any) -> dict[str, Any]:
    """CXONE_API=agent with discovery: no CXONE_BASE_URL, no campaign, no contact."""
    values: dict[str, Any] = {
        "CXONE_API": "agent",
        "CXONE_AUTH_URL": cxone.auth_url,
        "CXONE_ACCESS_KEY_ID": cxone.access_key_id,
        "CXONE_ACCESS_KEY_SECRET": cxone.access_key_secret,
        "CXONE_BASE_URL": None,
        "CXONE_OUTBOUND_CAMPAIGN_ID": None,
        "CXONE_DEFAULT_CONTACT_ID": None,
    }
    values.update(more)
    return values


def dial(bot: DialBot, user: str, number: str = "+1 415 555 0123") -> Any:
    slash = bot.slash(user, number)
    assert slash.buttons, slash.text
    assert bot.press(slash).status_code == 200
    return slash


def edits_of(bot: DialBot, channel: str = CHANNEL) -> list[dict[str, Any]]:
    return [c.args for c in bot.slack.calls_to("chat.update") if c.args.get("channel") == channel]


def wait_for_reply_saying(bot: DialBot, words: str, timeout: float = 10) -> str:
    """The thread reply's text once an edit of it contains `words`."""

    def edited() -> str | None:
        for edit in reversed(edits_of(bot)):
            if words in edit.get("text", ""):
                return edit["text"]
        return None

    return wait_for(edited, timeout=timeout)


def notification_edits(bot: DialBot) -> list[str]:
    return [edit.get("text", "") for edit in edits_of(bot, NOTIFY_CHANNEL)]
