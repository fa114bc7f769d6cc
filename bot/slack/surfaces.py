"""Where a requester's card lives, and how to change it there.

A card from `/dial` or the message shortcut lives behind a `response_url`; a card in the
dial modal is a view updated by its id (`views.update`); one on the App Home is the
person's home view (`views.publish`). The reporter talks to a `CardSurface` and does
not care which. Slack trouble is logged and answered with False, never raised.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.webhook import WebhookClient

from bot import messages
from bot.request_log import request_log
from bot.slack.blocks import Message, home_view, modal_view
from bot.slack.errors import describe_slack_error

log = logging.getLogger("bot.slack")

RESPONSE_URL_TIMEOUT = 5


class CardSurface(Protocol):
    def replace(self, message: Message) -> bool:
        """Show `message` as the card itself."""
        ...

    def tell(self, message: Message) -> bool:
        """Tell the requester `message` privately, leaving the card as it is where the
        surface allows it."""
        ...


def respond_to(
    response_url: str | None, message: Message, *, replace: bool, request_id: str | None = None
) -> bool:
    """Post to a response_url (the requester's card or a private message); False on failure."""
    if not response_url:
        return False
    rlog = request_log(request_id, log)
    try:
        answer = WebhookClient(response_url, timeout=RESPONSE_URL_TIMEOUT).send(
            text=message.text,
            blocks=message.blocks,
            response_type="ephemeral",
            replace_original=replace,
        )
    except Exception as error:  # network trouble: the card just stays as it was
        rlog.warning(messages.LOG_SLACK_FAILED, "response_url", type(error).__name__)
        return False
    if answer.status_code != 200:
        rlog.warning(messages.LOG_SLACK_FAILED, "response_url", f"HTTP {answer.status_code}")
        return False
    return True


class ResponseUrlCard:
    """An ephemeral card from /dial or a shortcut, behind its response_url."""

    def __init__(self, response_url: str | None, *, request_id: str | None = None) -> None:
        self.response_url = response_url
        self.request_id = request_id

    def __repr__(self) -> str:
        return f"ResponseUrlCard(request_id={self.request_id!r})"

    def replace(self, message: Message) -> bool:
        return respond_to(self.response_url, message, replace=True, request_id=self.request_id)

    def tell(self, message: Message) -> bool:
        return respond_to(self.response_url, message, replace=False, request_id=self.request_id)


class _ViewCard:
    """A card that is a whole Slack view: a side note replaces it too (a view has no
    place for one), so `tell` is `replace`."""

    def __init__(self, client: WebClient, *, request_id: str | None = None) -> None:
        self.client = client
        self.request_id = request_id

    def tell(self, message: Message) -> bool:
        return self.replace(message)

    def _call(self, method: str, **kwargs: Any) -> bool:
        try:
            getattr(self.client, method)(**kwargs)
        except SlackClientError as error:
            request_log(self.request_id, log).warning(
                messages.LOG_SLACK_FAILED, method, describe_slack_error(error)
            )
            return False
        return True


class ModalCard(_ViewCard):
    """The dial modal, updated in place by its view id."""

    def __init__(self, client: WebClient, view_id: str, *, request_id: str | None = None):
        super().__init__(client, request_id=request_id)
        self.view_id = view_id

    def __repr__(self) -> str:
        return f"ModalCard(view_id={self.view_id!r}, request_id={self.request_id!r})"

    def replace(self, message: Message) -> bool:
        return self._call("views_update", view_id=self.view_id, view=modal_view(message))


class HomeCard(_ViewCard):
    """A person's App Home tab, published for them."""

    def __init__(self, client: WebClient, user_id: str, *, request_id: str | None = None):
        super().__init__(client, request_id=request_id)
        self.user_id = user_id

    def __repr__(self) -> str:
        return f"HomeCard(user_id={self.user_id!r}, request_id={self.request_id!r})"

    def replace(self, message: Message) -> bool:
        return self._call("views_publish", user_id=self.user_id, view=home_view(message))
